"""Bitrix24's entry points: the installer page and the lifecycle event handler."""

from __future__ import annotations

import logging

from flask import Blueprint, after_this_request, current_app, g, jsonify, render_template, request

from b24 import bindings, lifecycle, payments
from b24.errors import B24Error, BadFrameRequest, NotAnAdmin, PortalBlocked, PortalCallFailed, TokenRefused
from b24.frames import verify_frame
from b24.inputs import bracket_form, flat_fields, text
from b24.models import Portal
from b24.tokens import client_for, client_for_frame
from database import db
from errors import error_response

log = logging.getLogger(__name__)
bp = Blueprint("b24", __name__)


@bp.post("/install")
def install():
    frame = verify_frame(request, installing=True)
    g.lang = frame.ui_lang  # the page speaks the portal's language (the locale selector reads g.lang)
    try:
        portal = lifecycle.install(frame)
    except NotAnAdmin:
        db.session.rollback()
        return render_template("b24/admin_only.html", lang=frame.ui_lang), 403
    db.session.commit()
    # A refusal never blocks installFinish: the page finishes with what was bound and says what was not.
    outcome = bindings.bind_all(client_for_frame(portal, frame), portal)
    db.session.commit()
    return render_template("install.html", portal=portal, frame=frame, outcome=outcome,
                           reason=bindings.refusal_reason, lang=frame.ui_lang)


@bp.post("/b24/events")
def events():
    """Lifecycle events, form-encoded with bracket keys. Never retried: answer fast, refuse forgeries."""
    payload = bracket_form(request.form)
    event = text(payload.get("event", ""), "event", 64).upper()
    data = flat_fields(payload.get("data"), "data")  # lifecycle events carry only plain fields (protocol §1)
    auth = flat_fields(payload.get("auth"), "auth")
    handler = {
        "ONAPPINSTALL": lifecycle.on_install_event,
        "ONAPPUPDATE": lifecycle.on_update_event,
        "ONAPPUNINSTALL": lifecycle.on_uninstall_event,
        "ONAPPPAYMENT": payments.on_payment_event,
    }.get(event)
    if handler is None:
        raise BadFrameRequest(f"Unknown or missing event {event or '(none)'}.", "unknown_event")
    if not auth.get("member_id"):
        raise BadFrameRequest("The event has no auth[member_id].", "missing_fields")
    portal = handler(data, auth)
    db.session.commit()
    log.info("event %s for portal %s", event, portal.member_id)
    if event == "ONAPPUPDATE":
        _rebind_after_response(portal.id, auth)
    return jsonify(ok=True, event=event, member_id=portal.member_id)


def _rebind_after_response(portal_id: int, auth: dict) -> None:
    """Handlers are dropped on update; bind them again once the answer has gone back to Bitrix24."""
    app = current_app._get_current_object()

    def rebind() -> None:
        with app.app_context():
            portal = db.session.get(Portal, portal_id)
            try:
                bindings.rebind(portal, client_for(portal))
                db.session.commit()
            except (PortalCallFailed, TokenRefused) as exc:
                log.warning("rebinding after update failed for portal %s: %s", portal.member_id, exc.code)

    @after_this_request
    def _schedule(response):
        response.call_on_close(rebind)
        return response


def portal_blocked(exc: PortalBlocked):
    """The page a blocked portal's users see: why, and how to reach the vendor (JSON for event senders)."""
    db.session.rollback()
    return error_response(exc.status, exc.code or "PortalBlocked", exc.message, template="b24/portal_blocked.html")


def bitrix_error(exc: B24Error):
    """Any other refused or failed Bitrix24 exchange: its status, its code, its message."""
    db.session.rollback()
    return error_response(exc.status, exc.code or exc.__class__.__name__, exc.message)
