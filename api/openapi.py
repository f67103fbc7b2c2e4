"""The OpenAPI 3.0 document of /api/v1/, written as a Python dict next to the handlers it describes."""

from __future__ import annotations

from typing import Any

from api.pages import MAX_LIMIT
from api.params import DATE_PATTERN, LINK_PATTERN, MAX_BODY, MAX_SEARCH, TICKET_STATUS_FILTERS, VERSION_PATTERN
from b24.models import PORTAL_STATUSES
from readmodels.portals import CONTRACT_STATES
from tickets.models import ANSWER_KINDS, CATEGORIES, TICKET_STATUSES

REPLY_KINDS = [*ANSWER_KINDS, "note"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
TIME = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


NUMBER = {"name": "number", "in": "path", "required": True, "schema": STR, "example": "TU-2026-000001"}
NO_NUL_QUERY = r"^[^\x00]*$"
PAGING = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}, "Items per page."),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000, "default": 0},
           "Items to skip; not together with cursor."),
    _query("cursor", STR, "next_cursor of the previous page (faster than offset on deep pages)."),
]
SEARCH = _query("q", {"type": "string", "maxLength": MAX_SEARCH, "pattern": NO_NUL_QUERY},
                "Case-insensitive part of the text to find.")
UNAUTHORIZED = _error("No token, not a bearer token, or an unknown or revoked token.")
BAD_QUERY = _error("A query parameter is unknown or not valid; details names each one.")
NOT_FOUND = _error("Nothing with that identifier (or not visible to this token).")


def _page_of(item: str) -> dict[str, Any]:
    return _object({
        "items": {"type": "array", "items": _ref(item)},
        "limit": INT,
        "offset": _nullable(INT),
        "next_cursor": _nullable(STR),
        "next_offset": _nullable(INT),
    })


PORTAL_SUMMARY = {
    "member_id": STR, "domain": STR, "status": {"type": "string", "enum": list(PORTAL_STATUSES)},
    "version": _nullable(INT), "app_status": _nullable(STR), "app_status_name": STR,
    "licence": _nullable(STR), "licence_family": _nullable(STR), "language": _nullable(STR),
    "installed_at": _nullable(TIME), "last_seen_at": _nullable(TIME),
    "token_health": {"type": "string", "enum": ["ok", "none", "needs_reauth"]},
}
TICKET_ITEM = {
    "number": STR, "status": {"type": "string", "enum": list(TICKET_STATUSES)},
    "category": {"type": "string", "enum": list(CATEGORIES)},
    "portal": _object({"member_id": STR, "domain": STR}),
    "contract_number": _nullable(STR), "operator": _nullable(STR),
    "contact_email": STR, "contact_telegram": _nullable(STR), "contact_phone": _nullable(STR),
    "user_name": _nullable(STR), "language": STR, "assignee_id": _nullable(INT),
    "created_at": TIME, "updated_at": TIME, "first_response_at": _nullable(TIME), "resolved_at": _nullable(TIME),
    "reaction_hours": {"type": "integer", "description": "Promised by the contract, else the default."},
    "due_at": {**TIME, "description": "created_at + reaction_hours."},
    "overdue": {"type": "boolean", "description": "Open, unanswered and past due_at."},
    "reaction_minutes": _nullable({"type": "integer", "description": "First answer minus arrival."}),
}

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; the API refuses it everywhere
NON_BLANK = {"type": "string", "minLength": 1, "maxLength": MAX_BODY, "pattern": r"^[^\x00]*\S[^\x00]*$"}
DATA_FIELDS = {
    "version": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": VERSION_PATTERN},
    "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    "link": {"type": "string", "format": "uri", "maxLength": 1024, "pattern": LINK_PATTERN},
}


def _reply_input(kind: str) -> dict[str, Any]:
    fields = ANSWER_KINDS.get(kind, ())
    body = NON_BLANK if not fields else {"type": "string", "maxLength": MAX_BODY, "pattern": NO_NUL}
    properties: dict[str, Any] = {"kind": {"type": "string", "enum": [kind]}, "body": body}
    required = ["kind"] if fields else ["kind", "body"]
    if fields:
        properties["data"] = _object({name: DATA_FIELDS[name] for name in fields})
        required.append("data")
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "error_description"],
        "properties": {
            "error": {"type": "string", "description": "A stable code, e.g. invalid_token, not_found."},
            "error_description": {"type": "string", "description": "What went wrong, for a person."},
            "details": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "One message per invalid parameter or field (dotted for nested)."},
        },
    },
    "Contract": _nullable(_object({
        "number": STR, "customer": STR, "valid_from": DAY, "valid_to": DAY, "reaction_hours": INT,
        "state": {"type": "string", "enum": list(CONTRACT_STATES)},
    })),
    "PortalItem": _object({
        **PORTAL_SUMMARY,
        "contract_state": {"type": "string", "enum": list(CONTRACT_STATES)},
        "contract": _ref("Contract"),
        "open_tickets": INT,
    }),
    "PortalEvent": _object({"kind": STR, "old_value": _nullable(STR), "new_value": _nullable(STR),
                            "detail": _nullable(STR), "at": TIME}),
    "Portal": _object({
        **PORTAL_SUMMARY,
        "protocol": STR, "created_at": TIME, "updated_at": _nullable(TIME), "uninstalled_at": _nullable(TIME),
        "open_tickets": INT,
        "contract_state": {"type": "string", "enum": list(CONTRACT_STATES)},
        "contract": _ref("Contract"),
        "contracts": {"type": "array", "items": _ref("Contract")},
        "history": {"type": "array", "items": _ref("PortalEvent")},
        "recent_tickets": {"type": "array", "items": _ref("TicketItem")},
    }),
    "PortalPage": _page_of("PortalItem"),
    "TicketItem": _object(TICKET_ITEM),
    "Reply": _object({
        "id": INT, "author": {"type": "string", "enum": ["user", "staff", "system"]}, "kind": STR, "body": STR,
        "data": {"type": "object", "description": "The answer's version/date/link, or a history line's from/to."},
        "internal": {"type": "boolean", "description": "An internal note the user never sees."},
        "staff_user_id": _nullable(INT), "created_at": TIME,
    }),
    "Attachment": _object({
        "id": INT, "role": STR, "original_name": STR, "content_type": STR, "size": INT, "sha256": STR,
        "reply_id": _nullable(INT), "created_at": TIME,
    }),
    "Delivery": _object({
        "channel": STR, "event": STR, "state": STR, "attempts": INT, "created_at": TIME, "sent_at": _nullable(TIME),
    }),
    "Ticket": _object({
        **TICKET_ITEM,
        "portal": _nullable(_object(PORTAL_SUMMARY)),
        "what_done": STR, "what_expected": STR, "what_obtained": STR, "video_url": _nullable(STR),
        "b24_user_id": _nullable(INT), "vendor_record_id": _nullable(STR),
        "context": {"type": "object", "description": "What the placement knew at filing time, credentials removed."},
        "contract": _ref("Contract"),
        "replies": {"type": "array", "items": _ref("Reply")},
        "attachments": {"type": "array", "items": _ref("Attachment")},
        "deliveries": {"type": "array", "items": _ref("Delivery")},
    }),
    "TicketPage": _page_of("TicketItem"),
    "ReplyInput": {
        "description": "A policy §3.2 answer, or kind note for an internal note. Each kind carries its own data; "
                       "kinds without data need a body.",
        "oneOf": [_ref(f"Reply_{kind}") for kind in REPLY_KINDS],
        "discriminator": {"propertyName": "kind",
                          "mapping": {kind: f"#/components/schemas/Reply_{kind}" for kind in REPLY_KINDS}},
    },
    **{f"Reply_{kind}": _reply_input(kind) for kind in REPLY_KINDS},
    "ReplyCreated": _object({"ticket": _object({"number": STR, "status": STR}), "reply": _ref("Reply")}),
    "StatusInput": {
        "type": "object", "required": ["status"], "additionalProperties": False,
        "properties": {"status": {"type": "string", "enum": list(TICKET_STATUSES)}},
    },
    "StatusChanged": _object({"number": STR, "status": STR, "changed": {"type": "boolean"}}),
}


def _write(summary: str, input_schema: str, ok_status: str, ok: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [NUMBER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(input_schema)}}},
        "responses": {
            ok_status: ok,
            "400": _error("The body is not JSON."),
            "401": UNAUTHORIZED,
            "403": _error("The token acts for no staff member, so it may only read."),
            "404": NOT_FOUND,
            "415": _error("The body is not application/json."),
            "422": _error("The body is JSON but not valid; details names each field."),
        },
    }


PATHS: dict[str, Any] = {
    "/portals": {"get": {
        "summary": "Installed portals, ordered by domain",
        "parameters": [
            _query("status", {"type": "string", "enum": list(PORTAL_STATUSES)}, "Portal status."),
            _query("version", {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "Installed app version."),
            _query("contract", {"type": "string", "enum": list(CONTRACT_STATES)},
                   "State of the portal's current contract (the one ending last) today."),
            {**SEARCH, "description": "Part of the domain or member_id."},
            *PAGING,
        ],
        "responses": {"200": _json("A page of portals.", _ref("PortalPage")), "400": BAD_QUERY,
                      "401": UNAUTHORIZED},
    }},
    "/portals/{member_id}": {"get": {
        "summary": "One portal with its history, contracts and recent tickets",
        "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": STR,
                        "example": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}],
        "responses": {"200": _json("The portal.", _ref("Portal")), "400": BAD_QUERY, "401": UNAUTHORIZED,
                      "404": NOT_FOUND},
    }},
    "/tickets": {"get": {
        "summary": "Tickets, newest first",
        "parameters": [
            _query("status", {"type": "string", "enum": list(TICKET_STATUS_FILTERS)},
                   "Ticket status; open means new, in_progress or waiting_for_user."),
            _query("portal", {"type": "string", "maxLength": 64, "pattern": NO_NUL_QUERY}, "The portal's member_id."),
            _query("category", {"type": "string", "enum": list(CATEGORIES)},
                   "Category; vulnerability only for tokens allowed to see those reports."),
            _query("overdue", {"type": "boolean"}, "Open, unanswered and past the promised reaction time."),
            _query("assignee_id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "Assigned staff user."),
            {**SEARCH, "description": "Part of the number, contact email, user name or portal domain."},
            *PAGING,
        ],
        "responses": {"200": _json("A page of tickets.", _ref("TicketPage")), "400": BAD_QUERY,
                      "401": UNAUTHORIZED},
    }},
    "/tickets/{number}": {"get": {
        "summary": "One ticket with its full context, replies (internal notes flagged), attachments, deliveries",
        "description": "Never includes the payment-operator connection data.",
        "parameters": [NUMBER],
        "responses": {"200": _json("The ticket.", _ref("Ticket")), "400": BAD_QUERY, "401": UNAUTHORIZED,
                      "404": NOT_FOUND},
    }},
    "/tickets/{number}/replies": {"post": _write(
        "Answer the ticket (a policy answer kind) or add an internal note", "ReplyInput", "201",
        _json("The reply was added.", _ref("ReplyCreated")))},
    "/tickets/{number}/status": {"post": _write(
        "Change the ticket's status", "StatusInput", "200", _json("The status now.", _ref("StatusChanged")))},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Support desk API", "version": "1.0.0",
                 "description": "Portals, tickets, answers and status changes. Every error is JSON "
                                "{error, error_description[, details]}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `flask api create-token NAME`."}},
            "schemas": SCHEMAS,
        },
    }
