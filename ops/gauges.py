"""The database's numbers for /metrics (tickets, deliveries, portals), read at scrape time by a custom collector."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from database import db, utcnow

SETTLED = ("sent", "dead")


def backlog() -> dict[str, Any]:
    """Messages due and not yet sent, and how long the oldest has waited."""
    from delivery.models import OutboxMessage

    now = utcnow()
    # Anything not yet settled (pending, claimed, sending...) whose time has come.
    due = OutboxMessage.state.not_in(SETTLED) & (OutboxMessage.next_attempt_at <= now)
    pending, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(due)
    ).one()
    return {"pending": int(pending), "oldest_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0}


class DatabaseCollector(Collector):
    """Counts every app server reads alike from the shared database; collected inside the /metrics request."""

    def collect(self) -> Iterator[Metric]:
        from b24.models import Portal
        from delivery import models as delivery_models
        from delivery.models import DeliveryAttempt, OutboxMessage
        from tickets.models import Ticket

        session = db.session
        yield CounterMetricFamily("b24desk_tickets_filed", "Tickets filed since the start.",
                                  value=session.scalar(select(func.count(Ticket.id))) or 0)
        states = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        known = list(getattr(delivery_models, "MESSAGE_STATES", ("pending", "sending", "sent", "dead")))
        deliveries = GaugeMetricFamily("b24desk_deliveries", "Outbox messages by state.", labels=["state"])
        for state in known + sorted(set(states) - set(known)):
            deliveries.add_metric([state], states.get(state, 0))
        yield deliveries
        attempts = dict(session.execute(select(DeliveryAttempt.ok, func.count()).group_by(DeliveryAttempt.ok)).all())
        results = CounterMetricFamily("b24desk_delivery_attempts", "Delivery attempts by result.", labels=["result"])
        results.add_metric(["sent"], attempts.get(True, 0))
        results.add_metric(["failed"], attempts.get(False, 0))
        yield results
        yield GaugeMetricFamily("b24desk_delivery_backlog_age_seconds", "Age of the oldest due, unsent message.",
                                value=backlog()["oldest_age_seconds"])
        portals = GaugeMetricFamily("b24desk_portals", "Portals by status.", labels=["status"])
        for status, n in sorted(session.execute(select(Portal.status, func.count()).group_by(Portal.status)).all()):
            portals.add_metric([status], n)
        yield portals
        yield GaugeMetricFamily("b24desk_portals_needing_reauth", "Portals whose refresh token was refused.",
                                value=session.scalar(select(func.count(Portal.id)).where(
                                    Portal.needs_reauth.is_(True))) or 0)
