"""Turning domain rows into the API's JSON shapes (the schemas in api/openapi.py describe the same)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from api.listing import TicketDetail, TicketRow
from api.pages import ApiPage
from b24.models import Portal, PortalEvent
from contracts.models import Contract
from delivery.models import OutboxMessage
from readmodels.portals import PortalRow, contract_state
from redactor import redact_value
from tickets.models import Attachment, Reply


def when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def page(result: ApiPage, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "limit": result.limit, "offset": result.offset,
            "next_cursor": result.next_cursor, "next_offset": result.next_offset}


def contract(item: Contract | None, today: date) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"number": item.number, "customer": item.customer, "valid_from": day(item.valid_from),
            "valid_to": day(item.valid_to), "reaction_hours": item.reaction_hours,
            "state": contract_state(item, today)}


def portal_summary(portal: Portal) -> dict[str, Any]:
    return {
        "member_id": portal.member_id, "domain": portal.domain, "status": portal.status,
        "version": portal.app_version, "app_status": portal.app_status, "app_status_name": portal.app_status_name,
        "licence": portal.license, "licence_family": portal.license_family, "language": portal.language,
        "installed_at": when(portal.installed_at), "last_seen_at": when(portal.last_seen_at),
        "token_health": portal.token_health,
    }


def portal_row(row: PortalRow, today: date) -> dict[str, Any]:
    return {**portal_summary(row.portal), "contract_state": row.contract_state,
            "contract": contract(row.contract, today), "open_tickets": row.open_tickets}


def portal_event(event: PortalEvent) -> dict[str, Any]:
    return {"kind": event.kind, "old_value": event.old_value, "new_value": event.new_value,
            "detail": event.detail, "at": when(event.at)}


def ticket_row(row: TicketRow) -> dict[str, Any]:
    t = row.ticket
    hours = row.reaction_hours
    return {
        "number": t.number, "status": t.status, "category": t.category,
        "portal": {"member_id": row.member_id, "domain": row.domain},
        "contract_number": t.contract_number, "operator": t.operator,
        "contact_email": t.contact_email, "contact_telegram": t.contact_telegram, "contact_phone": t.contact_phone,
        "user_name": t.user_name, "language": t.language, "assignee_id": t.assignee_id,
        "created_at": when(t.created_at), "updated_at": when(t.updated_at),
        "first_response_at": when(t.first_response_at), "resolved_at": when(t.resolved_at),
        "reaction_hours": row.promised_hours, "due_at": when(t.created_at + timedelta(hours=row.promised_hours)),
        "overdue": row.overdue, "reaction_minutes": None if hours is None else int(hours * 60),
    }


def reply(item: Reply) -> dict[str, Any]:
    return {"id": item.id, "author": item.author, "kind": item.kind, "body": item.body,
            "data": redact_value(item.data or {}, urls=False), "internal": bool(item.internal),
            "staff_user_id": item.staff_user_id, "created_at": when(item.created_at)}


def attachment(item: Attachment) -> dict[str, Any]:
    return {"id": item.id, "role": item.role, "original_name": item.original_name,
            "content_type": item.content_type, "size": item.size, "sha256": item.sha256,
            "reply_id": item.reply_id, "created_at": when(item.created_at)}


def delivery(item: OutboxMessage) -> dict[str, Any]:
    # Neither the recipient address nor the last error (which can quote a channel URL holding a bot token).
    return {"channel": item.channel, "event": item.event, "state": item.state, "attempts": item.attempts,
            "created_at": when(item.created_at), "sent_at": when(item.sent_at)}


def public_context(value: Any) -> Any:
    """The ticket's auto-attached context through the one redactor (credential keys, URL queries, tokens out)."""
    return redact_value(value)


def ticket_detail(detail: TicketDetail, today: date) -> dict[str, Any]:
    t = detail.row.ticket
    return {
        **ticket_row(detail.row),
        "portal": portal_summary(detail.portal),
        "what_done": t.what_done, "what_expected": t.what_expected, "what_obtained": t.what_obtained,
        "video_url": t.video_url, "b24_user_id": t.b24_user_id, "vendor_record_id": t.vendor_record_id,
        "context": public_context(t.context or {}),
        "contract": contract(detail.contract, today),
        "replies": [reply(r) for r in detail.replies],
        "attachments": [attachment(a) for a in t.attachments],
        "deliveries": [delivery(d) for d in detail.deliveries],
    }
