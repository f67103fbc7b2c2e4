"""The JSON bodies the API accepts, as marshmallow schemas: a reply of each policy answer kind, a status change."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate

from api.fields import DATE_PATTERN, LINK_PATTERN, NO_NUL, NON_BLANK, NUL_MESSAGE, VERSION_PATTERN, Pattern
from tickets.answers import MAX_BODY
from tickets.models import ANSWER_KINDS, TICKET_STATUSES

REPLY_KINDS = (*ANSWER_KINDS, "note")


def _iso_date(value: str) -> None:
    """Stricter than the console's form (no other ISO forms): a calendar date as YYYY-MM-DD."""
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ma.ValidationError("must be a date as YYYY-MM-DD") from None


# Each piece of data an answer kind carries (tickets/models.py ANSWER_KINDS), as the document states it.
DATA_FIELDS = {
    "version": lambda: ma.fields.String(required=True, validate=Pattern(
        VERSION_PATTERN, error="must be a version such as 3.4.1 (letters, digits, . + - _, at most 32)"),
        metadata={"minLength": 1, "maxLength": 32}),
    "date": lambda: ma.fields.String(required=True, validate=[
        Pattern(DATE_PATTERN, flags=re.ASCII, error="must be a date as YYYY-MM-DD"), _iso_date],
        metadata={"format": "date"}),
    "link": lambda: ma.fields.String(required=True, validate=[
        validate.Length(max=1024, error="must be an http(s) link of at most 1024 characters"),
        Pattern(LINK_PATTERN, error="must be an http(s) link of at most 1024 characters")],
        metadata={"format": "uri"}),
}
_REQUIRED = {"required": "is required for this kind of answer", "null": "is required for this kind of answer",
             "invalid": "is required for this kind of answer"}


def _data_schema(kind: str) -> type[ma.Schema]:
    fields = {}
    for name in ANSWER_KINDS[kind]:
        field = DATA_FIELDS[name]()
        field.error_messages.update(_REQUIRED)
        fields[name] = field
    return ma.Schema.from_dict(fields, name=f"ReplyData_{kind}")  # unknown names: marshmallow's RAISE


DATA_SCHEMAS = {kind: _data_schema(kind) for kind, fields in ANSWER_KINDS.items() if fields}


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ma.ValidationError(NUL_MESSAGE)


def _not_blank(value: str) -> None:
    if "\x00" not in value and not value.strip():
        raise ma.ValidationError("must not be empty for this kind")


def _body(needed: bool) -> ma.fields.String:
    if needed:
        # Two checks with their own messages; the document states both as the one pattern NON_BLANK.
        return ma.fields.String(required=True, validate=[
            validate.Length(min=1, max=MAX_BODY, error=f"must be at most {MAX_BODY} characters"),
            _no_nul, _not_blank], metadata={"pattern": NON_BLANK})
    return ma.fields.String(validate=[validate.Length(max=MAX_BODY, error=f"must be at most {MAX_BODY} characters"),
                                      Pattern(NO_NUL, error=NUL_MESSAGE)])


def _kind_schema(kind: str) -> type[ma.Schema]:
    """One kind of reply as the document shows it: its kind, its body, and the data that kind carries."""
    fields: dict[str, ma.fields.Field] = {"kind": ma.fields.String(required=True, validate=validate.OneOf([kind])),
                                          "body": _body(kind not in DATA_SCHEMAS)}
    if kind in DATA_SCHEMAS:
        fields["data"] = ma.fields.Nested(DATA_SCHEMAS[kind], required=True)
    return ma.Schema.from_dict(fields, name=f"Reply_{kind}")


KIND_SCHEMAS = {kind: _kind_schema(kind) for kind in REPLY_KINDS}


class _Body(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ReplyBody(_Body):
    """A policy §3.2 answer, or kind note for an internal note. Each kind carries its own data; kinds without
    data need a body. Checked field by field against the kind's own schema (``KIND_SCHEMAS``)."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(
        REPLY_KINDS, error=f"must be one of: {', '.join(REPLY_KINDS)}"))
    body = ma.fields.String(load_default="")
    data = ma.fields.Raw(load_default=None, allow_none=True)

    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def _as_its_kind(self, data: dict[str, Any], original: Any, **kwargs) -> None:
        # A field that already failed on its own (absent from data though given) is not refused twice.
        failed = {name for name in ("body", "data") if isinstance(original, dict) and name in original
                  and name not in data}
        kind = data.get("kind")
        given = {name: value for name, value in data.items() if value is not None and name != "kind"}
        if not given.get("data"):
            given.pop("data", None)
        if kind not in KIND_SCHEMAS:
            fields = data.get("data") or {}
            if isinstance(fields, dict) and fields:
                raise ma.ValidationError({"data": {name: ["unknown field"] for name in fields}})
            return
        if "data" in given and not isinstance(given["data"], dict):
            raise ma.ValidationError("must be an object", "data")
        if kind in DATA_SCHEMAS:
            given.setdefault("data", {})
            given.setdefault("body", "")
        elif given.get("data"):
            raise ma.ValidationError({"data": {name: ["not used by this kind of answer"] for name in given["data"]}})
        errors = {name: message for name, message in KIND_SCHEMAS[kind]().validate({"kind": kind, **given}).items()
                  if name not in failed}
        if isinstance(errors.get("data"), dict):
            errors["data"] = {name: ["not used by this kind of answer"] if message == ["Unknown field."] else message
                              for name, message in errors["data"].items()}
        if errors:
            raise ma.ValidationError(errors)

    @ma.post_load
    def _clean(self, data: dict[str, Any], **kwargs) -> tuple[str, str, dict[str, str]]:
        return data["kind"], data.get("body") or "", data.get("data") or {}


class StatusInput(_Body):
    status = ma.fields.String(required=True, validate=validate.OneOf(
        TICKET_STATUSES, error=f"must be one of: {', '.join(TICKET_STATUSES)}"))
