"""The page a portal sees when its trial or subscription has ended: the vendor's contacts and its tickets so far.

The OAuth server answers PAYMENT_REQUIRED (b24restdocs settings/oauth/error-codes.md) either when the app renews
the portal's token after the frame was verified (b24.payments.confirm_paid), or, should it refuse to vouch for
the frame's token itself, in place of app.info. In that second case nothing in the request is confirmed, so the
portal's tickets are shown only when the posted APPLICATION_TOKEN is the one stored for that member_id at install
(it is sent to the app by that portal only, api-reference/events/safe-event-handlers.md). Anyone else sees the
contacts alone.
"""

from __future__ import annotations

import hmac

from flask import Flask, g, render_template, request

from b24.errors import B24Error, PaymentRequired
from b24.frames import read_frame
from b24.lifecycle import portal_by_member
from b24.payments import mark_unpaid
from database import db
from ops.security import allow_framing_by
from tickets.queries import tickets_of_portal


def payment_required_page(exc: PaymentRequired):
    db.session.rollback()
    try:
        posted = read_frame(request)
    except B24Error:
        posted = None
    lang = posted.lang if posted and posted.lang in ("ru", "en") else "en"
    g.lang = lang
    tickets = []
    if posted is not None:
        allow_framing_by(posted.domain, posted.protocol)  # the page says nothing a stranger may not read
        portal = portal_by_member(posted.member_id)
        verified = portal is not None and exc.portal_id == portal.id  # the OAuth server vouched for the frame
        proven = verified or bool(portal and portal.application_token and posted.application_token
                                  and hmac.compare_digest(portal.application_token, posted.application_token))
        if proven:
            mark_unpaid(portal)
            db.session.commit()
            tickets = tickets_of_portal(portal.id, limit=50)
    return render_template("placements/payment_required.html", tickets=tickets, lang=lang), 402


def init_app(app: Flask) -> None:
    # Flask picks the most specific handler, so this wins over app.py's B24Error page.
    app.register_error_handler(PaymentRequired, payment_required_page)
