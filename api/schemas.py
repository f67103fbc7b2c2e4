"""What the API answers, as marshmallow schemas: they turn domain rows into JSON and describe it in openapi.json."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from b24.models import PORTAL_STATUSES
from database import utcnow
from readmodels.portals import CONTRACT_STATES, contract_state
from redactor import redact_value
from tickets.models import CATEGORIES, TICKET_STATUSES


class Time(fields.DateTime):
    """A UTC moment as ISO 8601 with a Z (the database keeps naive UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat() + "Z"


def _enum(options, **kwargs) -> fields.String:
    return fields.String(metadata={"enum": list(options)}, **kwargs)


class _Out(ma.Schema):
    """Every field is always present (null when empty), and nothing else is: what clients may rely on."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


class Error(_Out):
    error = fields.String(metadata={"description": "A stable code, e.g. invalid_token, not_found."})
    error_description = fields.String(metadata={"description": "What went wrong, for a person."})
    details = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "One message per invalid parameter or field (dotted for nested)."})

    class Meta:
        unknown = ma.INCLUDE  # details is optional; not RAISE, so no additionalProperties: false

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name != "details"


class Contract(_Out):
    number = fields.String()
    customer = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    reaction_hours = fields.Integer()
    state = fields.Function(lambda contract: contract_state(contract, utcnow().date()),
                            metadata={"type": "string", "enum": list(CONTRACT_STATES)})


def _portal_fields(path: str = "") -> dict[str, fields.Field]:
    """A portal's registry fields, read from ``path`` (the portal itself, or the row that holds it)."""
    return {
        "member_id": fields.String(attribute=f"{path}member_id"),
        "domain": fields.String(attribute=f"{path}domain"),
        "status": _enum(PORTAL_STATUSES, attribute=f"{path}status"),
        "version": fields.Integer(attribute=f"{path}app_version", allow_none=True),
        "app_status": fields.String(attribute=f"{path}app_status", allow_none=True),
        "app_status_name": fields.String(attribute=f"{path}app_status_name"),
        "licence": fields.String(attribute=f"{path}license", allow_none=True),
        "licence_family": fields.String(attribute=f"{path}license_family", allow_none=True),
        "language": fields.String(attribute=f"{path}language", allow_none=True),
        "installed_at": Time(attribute=f"{path}installed_at", allow_none=True),
        "last_seen_at": Time(attribute=f"{path}last_seen_at", allow_none=True),
        "token_health": _enum(("ok", "none", "needs_reauth"), attribute=f"{path}token_health"),
    }


def _schema(name: str, field_map: dict[str, fields.Field], base: type[ma.Schema] = _Out) -> type[ma.Schema]:
    return type(name, (base,), dict(field_map))


PortalSummary = _schema("PortalSummary", _portal_fields())
PortalItem = _schema("PortalItem", {
    **_portal_fields("portal."),
    "contract_state": _enum(CONTRACT_STATES),
    "contract": fields.Nested(Contract, allow_none=True),
    "open_tickets": fields.Integer(),
})


class PortalEvent(_Out):
    kind = fields.String()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    at = Time()


class PortalRef(_Out):
    member_id = fields.String()
    domain = fields.String()


def _ticket_fields() -> dict[str, fields.Field]:
    """A ticket's list fields, read from an ``api.listing.TicketRow``."""
    def ticket(name: str, field: type[fields.Field] = fields.String, **kwargs) -> fields.Field:
        return field(attribute=f"ticket.{name}", **kwargs)

    return {
        "number": ticket("number"),
        "status": _enum(TICKET_STATUSES, attribute="ticket.status"),
        "category": _enum(CATEGORIES, attribute="ticket.category"),
        "portal": fields.Nested(PortalRef, attribute="portal_ref"),
        "contract_number": ticket("contract_number", allow_none=True),
        "operator": ticket("operator", allow_none=True),
        "contact_email": ticket("contact_email"),
        "contact_telegram": ticket("contact_telegram", allow_none=True),
        "contact_phone": ticket("contact_phone", allow_none=True),
        "user_name": ticket("user_name", allow_none=True),
        "language": ticket("language"),
        "assignee_id": ticket("assignee_id", fields.Integer, allow_none=True),
        "created_at": ticket("created_at", Time),
        "updated_at": ticket("updated_at", Time),
        "first_response_at": ticket("first_response_at", Time, allow_none=True),
        "resolved_at": ticket("resolved_at", Time, allow_none=True),
        "reaction_hours": fields.Integer(attribute="promised_hours",
                                         metadata={"description": "Promised by the contract, else the default."}),
        "due_at": Time(attribute="due_at", metadata={"description": "created_at + reaction_hours."}),
        "overdue": fields.Boolean(metadata={"description": "Open, unanswered and past due_at."}),
        "reaction_minutes": fields.Function(
            lambda row: None if row.reaction_hours is None else int(row.reaction_hours * 60), allow_none=True,
            metadata={"type": "integer", "description": "First answer minus arrival."}),
    }


TicketItem = _schema("TicketItem", _ticket_fields())


class Reply(_Out):
    id = fields.Integer()
    author = _enum(("user", "staff", "system"))
    kind = fields.String()
    body = fields.String()
    data = fields.Function(lambda reply: redact_value(reply.data or {}, urls=False), metadata={
        "type": "object", "description": "The answer's version/date/link, or a history line's from/to."})
    internal = fields.Function(lambda reply: bool(reply.internal), metadata={
        "type": "boolean", "description": "An internal note the user never sees."})
    staff_user_id = fields.Integer(allow_none=True)
    created_at = Time()


class Attachment(_Out):
    id = fields.Integer()
    role = fields.String()
    original_name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    reply_id = fields.Integer(allow_none=True)
    created_at = Time()


class Delivery(_Out):
    # Neither the recipient address nor the last error (which can quote a channel URL holding a bot token).
    channel = fields.String()
    event = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    created_at = Time()
    sent_at = Time(allow_none=True)


Ticket = _schema("Ticket", {
    "portal": fields.Nested(PortalSummary, attribute="portal", allow_none=True),
    "what_done": fields.String(attribute="ticket.what_done"),
    "what_expected": fields.String(attribute="ticket.what_expected"),
    "what_obtained": fields.String(attribute="ticket.what_obtained"),
    "video_url": fields.String(attribute="ticket.video_url", allow_none=True),
    "b24_user_id": fields.Integer(attribute="ticket.b24_user_id", allow_none=True),
    "vendor_record_id": fields.String(attribute="ticket.vendor_record_id", allow_none=True),
    # What the placement knew at filing time, through the one redactor (credential keys, URL queries, tokens out).
    "context": fields.Function(lambda detail: redact_value(detail.ticket.context or {}), metadata={
        "type": "object", "description": "What the placement knew at filing time, credentials removed."}),
    "contract": fields.Nested(Contract, allow_none=True),
    "replies": fields.List(fields.Nested(Reply)),
    "attachments": fields.List(fields.Nested(Attachment), attribute="ticket.attachments"),
    "deliveries": fields.List(fields.Nested(Delivery)),
}, base=TicketItem)

Portal = _schema("Portal", {
    **_portal_fields("portal."),
    "protocol": fields.String(attribute="portal.protocol"),
    "created_at": Time(attribute="portal.created_at"),
    "updated_at": Time(attribute="portal.updated_at", allow_none=True),
    "uninstalled_at": Time(attribute="portal.uninstalled_at", allow_none=True),
    "open_tickets": fields.Integer(),
    "contract_state": _enum(CONTRACT_STATES),
    "contract": fields.Nested(Contract, allow_none=True),
    "contracts": fields.List(fields.Nested(Contract)),
    "history": fields.List(fields.Nested(PortalEvent), attribute="portal.history"),
    "recent_tickets": fields.List(fields.Nested(TicketItem)),
})


def _page_of(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    return _schema(name, {
        "items": fields.List(fields.Nested(item)),
        "limit": fields.Integer(),
        "offset": fields.Integer(allow_none=True),
        "next_cursor": fields.String(allow_none=True),
        "next_offset": fields.Integer(allow_none=True),
    })


PortalPage = _page_of("PortalPage", PortalItem)
TicketPage = _page_of("TicketPage", TicketItem)


class TicketStatus(_Out):
    number = fields.String()
    status = fields.String()


class ReplyCreated(_Out):
    ticket = fields.Nested(TicketStatus)
    reply = fields.Nested(Reply)


class StatusChanged(_Out):
    number = fields.String()
    status = fields.String()
    changed = fields.Boolean()
