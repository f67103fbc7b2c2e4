"""The fields the API's input schemas are made of: strict whole numbers, flags, trimmed text, cursors, patterns.

Each checks what the OpenAPI document says of it (a pattern is a full match) and refuses with a short reason.
"""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from api.pages import decode_cursor
from tickets.answers import VERSION_RE

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; the API refuses it everywhere
NON_BLANK = r"^[^\x00]*\S[^\x00]*$"
VERSION_PATTERN = VERSION_RE.pattern
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# An absolute http(s) URL in plain RFC 3986 characters: what a user can click in a mail or a Telegram message.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
LINK_PATTERN = (r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
                rf"(?:/(?:{_PCHAR}|/)*)?(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$")
NUL_MESSAGE = "must not contain NUL characters"


class Pattern(validate.Regexp):
    """The whole value matches (``re.fullmatch``: no trailing newline slips past ``$``); documented as ``pattern``."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


def choice(options: tuple[str, ...], description: str) -> ma.fields.String:
    return ma.fields.String(validate=validate.OneOf(options, error=f"must be one of: {', '.join(options)}"),
                            metadata={"description": description})


class WholeNumber(ma.fields.Integer):
    """Digits only: ``1.0``, ``1_000`` or `` 5`` are not the whole numbers the document promises."""

    default_error_messages = {"invalid": "must be a whole number"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"-?\d{1,12}", value):
            raise self.make_error("invalid")
        return int(value)


def number(low: int, high: int, description: str, **kwargs) -> WholeNumber:
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
                                   Pattern(NO_NUL, error=NUL_MESSAGE)],
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
