"""The query parameters of the API's lists and pages, as marshmallow schemas: filters and a page request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import marshmallow as ma

from api.fields import Cursor, Flag, SearchText, choice, number
from api.pages import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from b24.models import PORTAL_STATUSES
from readmodels.portals import CONTRACT_STATES, PortalFilters
from tickets.inbox import InboxFilters
from tickets.models import CATEGORIES, TICKET_STATUSES

TICKET_STATUS_FILTERS = (*TICKET_STATUSES, "open")
MAX_SEARCH = 100
MAX_OFFSET = 10_000_000


class _Query(ma.Schema):
    """Query parameters: an unknown one is named, since a misspelt filter silently ignored returns wrong rows."""

    class Meta:
        unknown = ma.RAISE


class NoQuery(_Query):
    """Endpoints that take no query parameters say so rather than ignore one."""


class _PageQuery(_Query):
    limit = number(1, MAX_LIMIT, "Items per page.", load_default=DEFAULT_LIMIT)
    offset = number(0, MAX_OFFSET, "Items to skip; not together with cursor.", load_default=0)

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
    status = choice(PORTAL_STATUSES, "Portal status.")
    version = number(0, 1_000_000, "Installed app version.")
    contract = choice(CONTRACT_STATES, "State of the portal's current contract (the one ending last) today.")
    q = SearchText(MAX_SEARCH, "Part of the domain or member_id.")
    cursor = Cursor((str, int))

    @ma.post_load
    def _listing(self, data: dict[str, Any], **kwargs) -> PortalListing:
        filters = PortalFilters(status=data.get("status"), version=data.get("version"),
                                contract=data.get("contract"), q=data.get("q") or None)
        return PortalListing(filters, self.page(data))


class TicketQuery(_PageQuery):
    status = choice(TICKET_STATUS_FILTERS, "Ticket status; open means new, in_progress or waiting_for_user.")
    portal = SearchText(64, "The portal's member_id.")
    # Asking for vulnerability reports without the right finds none, as if there were none.
    category = choice(CATEGORIES, "Category; vulnerability only for tokens allowed to see those reports.")
    overdue = Flag(metadata={"description": "Open, unanswered and past the promised reaction time."})
    assignee_id = number(1, 2**31 - 1, "Assigned staff user.")
    q = SearchText(MAX_SEARCH, "Part of the number, contact email, user name or portal domain.")
    cursor = Cursor((datetime, int))

    @ma.post_load
    def _listing(self, data: dict[str, Any], **kwargs) -> TicketListing:
        filters = InboxFilters(status=data.get("status"), category=data.get("category"),
                               assignee=data.get("assignee_id"), q=data.get("q") or None)
        return TicketListing(filters, self.page(data), data.get("portal") or None, data.get("overdue"))
