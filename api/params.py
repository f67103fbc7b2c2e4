"""Reading API input: query parameters into filters and pages, JSON bodies into checked values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Request

from api.errors import ApiError, InvalidBody, InvalidParameters
from api.pages import MAX_LIMIT, PageRequest, decode_cursor
from b24.models import PORTAL_STATUSES
from readmodels.portals import CONTRACT_STATES, PortalFilters
from tickets.answers import MAX_BODY, VERSION_RE
from tickets.inbox import InboxFilters
from tickets.models import ANSWER_KINDS, CATEGORIES, TICKET_STATUSES

REPLY_KINDS = (*ANSWER_KINDS, "note")
TICKET_STATUS_FILTERS = (*TICKET_STATUSES, "open")
MAX_SEARCH = 100
VERSION_PATTERN = VERSION_RE.pattern
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# An absolute http(s) URL in plain RFC 3986 characters: what a user can click in a mail or a Telegram message.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
LINK_PATTERN = (r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
                rf"(?:/(?:{_PCHAR}|/)*)?(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class _Reader:
    """Collects one message per bad parameter so the client sees all of them at once."""

    def __init__(self, args, known: tuple[str, ...] = ()) -> None:
        self.args = args
        # A misspelt filter silently ignored would return the wrong rows; name it instead.
        self.errors: dict[str, str] = {name or "(empty)": "unknown parameter" for name in args if name not in known}

    def choice(self, name: str, options: tuple[str, ...]) -> str | None:
        value = self.args.get(name)
        if value is None:
            return None
        if value not in options:
            self.errors[name] = f"must be one of: {', '.join(options)}"
            return None
        return value

    def integer(self, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
        value = self.args.get(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d{1,12}", value):
            self.errors[name] = "must be a whole number"
            return default
        number = int(value)
        if number < low or (high is not None and number > high):
            self.errors[name] = f"must be between {low} and {high}" if high is not None else f"must be at least {low}"
            return default
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.args.get(name)
        if value is None:
            return None
        if value.lower() not in _BOOLEANS:
            self.errors[name] = "must be true or false"
            return None
        return _BOOLEANS[value.lower()]

    def text(self, name: str, limit: int) -> str | None:
        value = (self.args.get(name) or "").strip()
        if len(value) > limit:
            self.errors[name] = f"must be at most {limit} characters"
            return None
        if "\x00" in value:
            self.errors[name] = "must not contain NUL characters"
            return None
        return value or None

    def page(self, kinds: tuple[type, ...]) -> PageRequest:
        limit = self.integer("limit", 50, 1, MAX_LIMIT)
        offset = self.integer("offset", 0, 0, 10_000_000)
        cursor = self.args.get("cursor") or None
        after = None
        if cursor is not None:
            if self.args.get("offset"):
                self.errors["cursor"] = "give either cursor or offset, not both"
            else:
                try:
                    after = decode_cursor(cursor, kinds)
                except ValueError as exc:
                    self.errors["cursor"] = str(exc)
        return PageRequest(limit=limit or 50, offset=offset or 0, after=after)

    def done(self) -> None:
        if self.errors:
            raise InvalidParameters(self.errors)


PAGE_PARAMETERS = ("limit", "offset", "cursor")
PORTAL_PARAMETERS = ("status", "version", "contract", "q", *PAGE_PARAMETERS)
TICKET_PARAMETERS = ("status", "portal", "category", "overdue", "assignee_id", "q", *PAGE_PARAMETERS)


def no_parameters(request: Request) -> None:
    """Endpoints that take no query parameters say so rather than ignore one."""
    _Reader(request.args).done()


def portal_query(request: Request, include_vulnerabilities: bool) -> tuple[PortalFilters, PageRequest]:
    reader = _Reader(request.args, PORTAL_PARAMETERS)
    filters = PortalFilters(
        status=reader.choice("status", PORTAL_STATUSES),
        version=reader.integer("version", None, 0, 1_000_000),
        contract=reader.choice("contract", CONTRACT_STATES),
        q=reader.text("q", MAX_SEARCH),
        include_vulnerabilities=include_vulnerabilities,
    )
    page = reader.page((str, int))
    reader.done()
    return filters, page


@dataclass
class TicketQuery:
    filters: InboxFilters
    page: PageRequest
    member_id: str | None
    overdue: bool | None


def ticket_query(request: Request, include_vulnerabilities: bool) -> TicketQuery:
    reader = _Reader(request.args, TICKET_PARAMETERS)
    assignee = reader.integer("assignee_id", None, 1, 2**31 - 1)
    filters = InboxFilters(
        status=reader.choice("status", TICKET_STATUS_FILTERS),
        # Asking for vulnerability reports without the right finds none, as if there were none.
        category=reader.choice("category", CATEGORIES),
        assignee=assignee,
        q=reader.text("q", MAX_SEARCH),
        include_vulnerabilities=include_vulnerabilities,
    )
    member_id = reader.text("portal", 64)
    overdue = reader.boolean("overdue")
    page = reader.page((datetime, int))
    reader.done()
    return TicketQuery(filters, page, member_id, overdue)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 when it does not parse."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(data, dict):
        raise InvalidBody({"body": "must be a JSON object"})
    return data


def reply_input(data: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(kind, body, data) of a reply, checked against the policy answer kinds and the data each carries."""
    errors: dict[str, str] = {}
    unknown = set(data) - {"kind", "body", "data"}
    for name in sorted(unknown):
        errors[name] = "unknown field"
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in REPLY_KINDS:
        errors["kind"] = f"must be one of: {', '.join(REPLY_KINDS)}"
        kind = None
    body = data.get("body", "")
    if not isinstance(body, str):
        errors["body"] = "must be a string"
        body = ""
    elif len(body) > MAX_BODY:
        errors["body"] = f"must be at most {MAX_BODY} characters"
    elif "\x00" in body:
        errors["body"] = "must not contain NUL characters"
    fields = data.get("data", {})
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        errors["data"] = "must be an object"
        fields = {}
    needed = ANSWER_KINDS.get(kind or "", ())
    clean: dict[str, str] = {}
    for name in sorted(set(fields) - set(needed)):
        errors[f"data.{name}"] = "not used by this kind of answer" if kind else "unknown field"
    for name in needed:
        value = fields.get(name)
        problem = _data_problem(name, value)
        if problem:
            errors[f"data.{name}"] = problem
        else:
            clean[name] = value
    if kind and not needed and not body.strip() and "body" not in errors:
        errors["body"] = "must not be empty for this kind"
    if errors:
        raise InvalidBody(errors)
    return kind, body, clean


def _data_problem(name: str, value: object) -> str | None:
    """Stricter than the console's form (no stripping, no other ISO forms): what the OpenAPI patterns say."""
    if not isinstance(value, str) or not value:
        return "is required for this kind of answer"
    if name == "version" and not re.fullmatch(VERSION_PATTERN, value):
        return "must be a version such as 3.4.1 (letters, digits, . + - _, at most 32)"
    if name == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "must be a date as YYYY-MM-DD"
        if not re.fullmatch(DATE_PATTERN, value, flags=re.ASCII):
            return "must be a date as YYYY-MM-DD"
    if name == "link" and (len(value) > 1024 or not re.fullmatch(LINK_PATTERN, value)):
        return "must be an http(s) link of at most 1024 characters"
    return None


def identifier(value: str) -> str:
    """A path identifier that can be looked up; anything that could not exist is simply not found."""
    if "\x00" in value or len(value) > 255:
        raise ApiError(404, "not_found", "Nothing with that identifier.")
    return value


def status_input(data: dict[str, Any]) -> str:
    """The status a client asks for; each unknown field named."""
    errors: dict[str, str] = {name: "unknown field" for name in data if name != "status"}
    status = data.get("status")
    if not isinstance(status, str) or status not in TICKET_STATUSES:
        errors["status"] = f"must be one of: {', '.join(TICKET_STATUSES)}"
    if errors:
        raise InvalidBody(errors)
    return status
