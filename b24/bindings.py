"""Binding the Support placements and lifecycle events, and remembering what each portal accepted or refused.

One refusal never stops the rest: the installer finishes with what could be bound (installFinish must still
be called, b24restdocs settings/app-installation/installation-finish.md), and a later update or
`flask portals bind` tries the refused ones again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app

from b24.errors import B24Error, PortalCallFailed
from b24.models import Portal
from b24.rest import PortalClient
from b24.scopes import placement_scope
from settings import csv

log = logging.getLogger(__name__)

# ONAPPPAYMENT: api-reference/common/events/on-app-payment.md; the others: api-reference/common/events/on-app-*.md.
LIFECYCLE_EVENTS = ("ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL", "ONAPPPAYMENT")
EVENTS_PATH = "/b24/events"
SUPPORT_PATH = "/placements/support"


@dataclass
class BindOutcome:
    """What one bind run achieved: codes bound, and for each refusal the portal's error code."""

    bound: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # placement or "event:NAME" -> error code
    failed: str | None = None  # the whole batch failed (portal unreachable, token refused...)

    @property
    def complete(self) -> bool:
        return not self.refused and not self.failed


def bind_all(client: PortalClient, portal: Portal) -> BindOutcome:
    """Bind every placement of B24_PLACEMENTS and every lifecycle event, unbinding first so a repeat is clean.

    Bitrix24 drops handlers on update and uninstall and refuses a handler bound twice, so the whole list
    goes in one batch (api-reference/widgets/placement-bind.md, api-reference/events/event-bind.md). The
    outcome is written on the portal (not committed).
    """
    base = current_app.config["PUBLIC_URL"]
    events_url = f"{base}{EVENTS_PATH}"
    handler = f"{base}{SUPPORT_PATH}"
    placements = csv(current_app.config["B24_PLACEMENTS"])
    commands: dict[str, str] = {}
    for code in placements:
        commands[f"unbind_{code}"] = _query("placement.unbind", PLACEMENT=code, HANDLER=handler)
        commands[f"bind_{code}"] = _query(
            "placement.bind",
            PLACEMENT=code,
            HANDLER=handler,
            **{"LANG_ALL[ru][TITLE]": "Техподдержка", "LANG_ALL[en][TITLE]": "Support"},
            TITLE="Support",
            DESCRIPTION=f"{current_app.config['VENDOR_APP_NAME']} support",
        )
    for event in LIFECYCLE_EVENTS:
        commands[f"unbind_{event}"] = _query("event.unbind", event=event, handler=events_url)
        commands[f"bind_{event}"] = _query("event.bind", event=event, handler=events_url)
    outcome = BindOutcome()
    try:
        answer = client.batch(commands)
    except B24Error as exc:
        outcome.failed = exc.code or exc.message
        log.warning("binding handlers failed for portal %s: %s", portal.member_id, outcome.failed)
        return outcome
    errors = answer["result_error"] if isinstance(answer["result_error"], dict) else {}
    for name in commands:
        if not name.startswith("bind_"):
            continue
        key = name[len("bind_"):]
        is_event = key in LIFECYCLE_EVENTS  # no placement code starts with ONAPP
        if is_event:
            key = f"event:{key}"
        error = errors.get(name)
        if error is None:
            if not is_event:
                outcome.bound.append(key)
        else:
            code = error.get("error") if isinstance(error, dict) else None
            outcome.refused[key] = str(code or "refused")[:64]
    portal.placements_bound = outcome.bound
    portal.placements_refused = outcome.refused
    if outcome.refused:
        log.warning("portal %s refused to bind %s", portal.member_id, ", ".join(sorted(outcome.refused)))
    return outcome


def refusal_reason(key: str, code: str) -> tuple[str, dict[str, str]]:
    """The message key and parameters that say, in the portal's language, why a bind was refused."""
    if code == "ERROR_PLACEMENT_NOT_FOUND":
        return "bind_refused_scope", {"scope": placement_scope(key) or "?"}
    if code in ("ACCESS_DENIED", "insufficient_scope"):
        return "bind_refused_rights", {}
    return "bind_refused_other", {"code": code}


def _query(method: str, **params: str) -> str:
    return f"{method}?{urlencode(params)}"


def rebind(portal: Portal, client: PortalClient, by: str | None = None) -> BindOutcome:
    """Bind again (after an update, from the console or `flask portals bind`) and keep it in the history."""
    outcome = bind_all(client, portal)
    if outcome.failed:
        raise_failed(outcome)
    detail = ", ".join(f"{key}: {code}" for key, code in sorted(outcome.refused.items())) or None
    if by:
        detail = f"by {by}" + (f"; refused {detail}" if detail else "")
    portal.record("handlers_bound", new=len(outcome.bound), detail=detail and detail[:512])
    return outcome


def raise_failed(outcome: BindOutcome) -> None:
    raise PortalCallFailed(f"The portal could not be asked to bind the handlers ({outcome.failed}).", outcome.failed)
