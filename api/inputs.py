"""What the API accepts, as marshmallow schemas: query parameters into filters and pages, JSON bodies into values.

The same schemas validate the request (through ``parser``) and describe it in /api/v1/openapi.json. Every
refusal names each bad parameter or field, in the API's own error shape (api/errors.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from flask import Request
from marshmallow import validate
from webargs.flaskparser import FlaskParser

from api.errors import ApiError, InvalidBody, InvalidParameters
from api.pages import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor
from b24.models import PORTAL_STATUSES
from readmodels.portals import CONTRACT_STATES, PortalFilters
from tickets.answers import MAX_BODY, VERSION_RE
from tickets.inbox import InboxFilters
from tickets.models import ANSWER_KINDS, CATEGORIES, TICKET_STATUSES

REPLY_KINDS = (*ANSWER_KINDS, "note")
TICKET_STATUS_FILTERS = (*TICKET_STATUSES, "open")
MAX_SEARCH = 100
MAX_OFFSET = 10_000_000
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; the API refuses it everywhere
NON_BLANK = r"^[^\x00]*\S[^\x00]*$"
VERSION_PATTERN = VERSION_RE.pattern
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# An absolute http(s) URL in plain RFC 3986 characters: what a user can click in a mail or a Telegram message.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
LINK_PATTERN = (r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
                rf"(?:/(?:{_PCHAR}|/)*)?(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$")
_NUL_MESSAGE = "must not contain NUL characters"


class Pattern(validate.Regexp):
    """The whole value matches (``re.fullmatch``: no trailing newline slips past ``$``); documented as ``pattern``."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


def _choice(options: tuple[str, ...], description: str) -> ma.fields.String:
    return ma.fields.String(validate=validate.OneOf(options, error=f"must be one of: {', '.join(options)}"),
                            metadata={"description": description})


class WholeNumber(ma.fields.Integer):
    """Digits only: ``1.0``, ``1_000`` or `` 5`` are not the whole numbers the document promises."""

    default_error_messages = {"invalid": "must be a whole number"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"-?\d{1,12}", value):
            raise self.make_error("invalid")
        return int(value)


def _number(low: int, high: int, description: str, **kwargs) -> WholeNumber:
    return WholeNumber(validate=validate.Range(low, high, error=f"must be between {low} and {high}"),
                       metadata={"description": description}, **kwargs)


class Flag(ma.fields.Boolean):
    """true/false or 1/0, in any case; nothing else (a typo must not read as either)."""

    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value, attr, data, **kwargs):
        answer = {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower())
        if answer is None:
            raise self.make_error("invalid")
        return answer


class SearchText(ma.fields.String):
    """Free text, trimmed (the listing reads an empty one as no filter)."""

    def __init__(self, limit: int, description: str) -> None:
        super().__init__(validate=[validate.Length(max=limit, error=f"must be at most {limit} characters"),
                                   Pattern(NO_NUL, error=_NUL_MESSAGE)],
                         metadata={"description": description})

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Cursor(ma.fields.String):
    """The opaque next_cursor of a previous page, decoded into the keyset values of its last row."""

    def __init__(self, kinds: tuple[type, ...]) -> None:
        super().__init__(metadata={"description": "next_cursor of the previous page (faster than offset on deep "
                                                  "pages)."})
        self.kinds = kinds

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        try:
            return decode_cursor(text, self.kinds)
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None


class _Query(ma.Schema):
    """Query parameters: an unknown one is named, since a misspelt filter silently ignored returns wrong rows."""

    class Meta:
        unknown = ma.RAISE


class NoQuery(_Query):
    """Endpoints that take no query parameters say so rather than ignore one."""


class _PageQuery(_Query):
    limit = _number(1, MAX_LIMIT, "Items per page.", load_default=DEFAULT_LIMIT)
    offset = _number(0, MAX_OFFSET, "Items to skip; not together with cursor.", load_default=0)

    @ma.validates_schema(pass_original=True, skip_on_field_errors=False)
    def _cursor_or_offset(self, data: dict[str, Any], original, **kwargs) -> None:
        if original.get("cursor") and original.get("offset"):
            raise ma.ValidationError("give either cursor or offset, not both", "cursor")

    @staticmethod
    def page(data: dict[str, Any]) -> PageRequest:
        return PageRequest(limit=data["limit"], offset=data["offset"], after=data.get("cursor"))


@dataclass
class PortalListing:
    filters: PortalFilters  # include_vulnerabilities is the token's, set by the view
    page: PageRequest


@dataclass
class TicketListing:
    filters: InboxFilters
    page: PageRequest
    member_id: str | None
    overdue: bool | None


class PortalQuery(_PageQuery):
    status = _choice(PORTAL_STATUSES, "Portal status.")
    version = _number(0, 1_000_000, "Installed app version.")
    contract = _choice(CONTRACT_STATES, "State of the portal's current contract (the one ending last) today.")
    q = SearchText(MAX_SEARCH, "Part of the domain or member_id.")
    cursor = Cursor((str, int))

    @ma.post_load
    def _listing(self, data: dict[str, Any], **kwargs) -> PortalListing:
        filters = PortalFilters(status=data.get("status"), version=data.get("version"),
                                contract=data.get("contract"), q=data.get("q") or None)
        return PortalListing(filters, self.page(data))


class TicketQuery(_PageQuery):
    status = _choice(TICKET_STATUS_FILTERS, "Ticket status; open means new, in_progress or waiting_for_user.")
    portal = SearchText(64, "The portal's member_id.")
    # Asking for vulnerability reports without the right finds none, as if there were none.
    category = _choice(CATEGORIES, "Category; vulnerability only for tokens allowed to see those reports.")
    overdue = Flag(metadata={"description": "Open, unanswered and past the promised reaction time."})
    assignee_id = _number(1, 2**31 - 1, "Assigned staff user.")
    q = SearchText(MAX_SEARCH, "Part of the number, contact email, user name or portal domain.")
    cursor = Cursor((datetime, int))

    @ma.post_load
    def _listing(self, data: dict[str, Any], **kwargs) -> TicketListing:
        filters = InboxFilters(status=data.get("status"), category=data.get("category"),
                               assignee=data.get("assignee_id"), q=data.get("q") or None)
        return TicketListing(filters, self.page(data), data.get("portal") or None, data.get("overdue"))


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
        raise ma.ValidationError(_NUL_MESSAGE)


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
                                      Pattern(NO_NUL, error=_NUL_MESSAGE)])


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

    @ma.validates_schema(skip_on_field_errors=False)
    def _as_its_kind(self, data: dict[str, Any], **kwargs) -> None:
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
        errors = KIND_SCHEMAS[kind]().validate({"kind": kind, **given})
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


def identifier(value: str) -> str:
    """A path identifier that can be looked up; anything that could not exist is simply not found."""
    if "\x00" in value or len(value) > 255:
        raise ApiError(404, "not_found", "Nothing with that identifier.")
    return value


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as the API's details: one string per dotted field path."""
    if isinstance(messages, dict):
        out: dict[str, str] = {}
        for name, inner in messages.items():
            path = "body" if name == "_schema" and not prefix else f"{prefix}{name or '(empty)'}"
            out.update(_flatten(inner, f"{path}."))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return {prefix.rstrip("."): "; ".join(messages)}
    if isinstance(messages, list):
        out = {}
        for inner in messages:
            out.update(_flatten(inner, prefix))
        return out
    return {prefix.rstrip("."): str(messages)}


_WORDS = {"Unknown field.": "unknown field", "Missing data for required field.": "is required",
          "Field may not be null.": "is required", "Not a valid string.": "must be a string",
          "Invalid input type.": "must be a JSON object"}


class ApiParser(FlaskParser):
    """webargs' Flask parser with the API's refusals: 415/400 for a body that is not JSON, then one message per
    bad query parameter (400) or body field (422), never webargs' own 422 shape."""

    # Unknown names are refused everywhere (the schemas say RAISE); webargs would otherwise drop unknown query names.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {"query": None, "querystring": None, "json": None}

    def load_json(self, req: Request, schema: ma.Schema):
        if req.mimetype != "application/json":
            raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
        if not req.get_data(cache=True).strip():
            raise ApiError(400, "invalid_json", "The body is not valid JSON.")
        return super().load_json(req, schema)

    def _handle_invalid_json_error(self, error, req: Request, *args, **kwargs):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")

    def handle_error(self, error: ma.ValidationError, req: Request, schema: ma.Schema, *, error_status_code,
                     error_headers):
        messages = error.normalized_messages()
        location = next(iter(messages), "json") if isinstance(messages, dict) else "json"
        inner = messages.get(location, messages) if isinstance(messages, dict) else messages
        if location in ("query", "querystring"):
            details = {name: _WORDS.get(text, text).replace("unknown field", "unknown parameter")
                       for name, text in _flatten(inner).items()}
            raise InvalidParameters(details)
        raise InvalidBody({name: _WORDS.get(text, text) for name, text in _flatten(inner).items()})


parser = ApiParser()
