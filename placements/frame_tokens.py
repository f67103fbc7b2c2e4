"""Cookie-free sessions for the portal iframe (protocol §4): short-lived signed tokens in every later request.

A view token lets its holder read the portal's requests until it expires; a form token also carries a
nonce and is spent by the one submission it allows; a recorder token lets the recorder window upload for
one form (its nonce) until that form is sent. Both name the portal and the user the OAuth server
vouched for when the placement opened, and the context snapshot taken then. Neither holds a Bitrix24 token.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Forbidden

from b24.models import Portal
from b24.registry import refuse_unless_serving
from database import db, utcnow
from i18n import label, pick_language
from ops.logging import set_log_context
from ops.security import allow_framing_by
from placements.models import UsedFormToken

VIEW, FORM = "view", "form"
# The recorder window (placements/recorder.py): a top-level page of the app, uploading for one form.
RECORDER = "recorder"


@dataclass
class Visitor:
    """Who a token speaks for: the portal, the Bitrix24 user and what the placement knew."""

    portal_id: int
    member_id: str
    user_id: int | None
    user_name: str
    user_email: str
    admin: bool | None
    lang: str
    context: dict[str, Any] = field(default_factory=dict)
    nonce: str | None = None


class FrameTokenRefused(Forbidden):
    """A missing, forged, expired or already used token: the page must be opened from Bitrix24 again."""

    def __init__(self, message_key: str, lang: str | None = None):
        super().__init__(label(message_key, lang))
        self.message_key = message_key
        if message_key == "err_token_used":
            self.code = 409  # a replay is a conflict with the submission already made


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], kind)


@functools.lru_cache(maxsize=16)
def _serializer_for(secret_key: str, kind: str) -> URLSafeTimedSerializer:
    # A salt per kind, so a view token can never pass as a one-time form token or the other way round.
    return URLSafeTimedSerializer(secret_key, salt=f"support-frame-{kind}")


def issue(visitor: Visitor, kind: str) -> str:
    """A token of ``kind`` for ``visitor``: a form token with a new nonce, a recorder token with the visitor's."""
    if kind == FORM:
        return _signed(visitor, kind, secrets.token_urlsafe(24))
    # A recorder token keeps its form's nonce: its uploads count for that form.
    return _signed(visitor, kind, visitor.nonce if kind == RECORDER else None)


def issue_form(visitor: Visitor) -> tuple[str, str]:
    """A new form's token and the token of its recorder window, which uploads for that form (the same nonce)."""
    nonce = secrets.token_urlsafe(24)
    return _signed(visitor, FORM, nonce), _signed(visitor, RECORDER, nonce)


def _signed(visitor: Visitor, kind: str, nonce: str | None) -> str:
    payload = {f.name: getattr(visitor, f.name) for f in fields(visitor)}  # shallow: it is only serialized
    payload["nonce"] = nonce
    # To the microsecond (the signature's own timestamp has whole seconds): compared with the portal's revoked_at.
    payload["issued"] = utcnow().isoformat()
    return _serializer(kind).dumps(payload)


def read(token: str | None, kind: str) -> Visitor:
    """The token's visitor, with g.lang set from it; FrameTokenRefused when it is bad or expired."""
    serializer = _serializer(kind)
    if not token:
        raise FrameTokenRefused("err_token_missing", g.get("lang"))
    try:
        payload = serializer.loads(token, max_age=current_app.config["FRAME_TOKEN_TTL"])
    except SignatureExpired as exc:
        lang = exc.payload.get("lang") if isinstance(exc.payload, dict) else None
        g.lang = pick_language(lang)
        g.form_token_checked = kind == FORM  # genuine, only late: its body may be read to hand the text back
        raise FrameTokenRefused("err_token_expired", g.lang) from None
    except BadSignature:
        raise FrameTokenRefused("err_token_invalid", g.get("lang")) from None
    try:
        issued_at = datetime.fromisoformat(payload.pop("issued"))
        visitor = Visitor(**payload)
    except (TypeError, KeyError, ValueError, AttributeError):
        raise FrameTokenRefused("err_token_invalid", g.get("lang")) from None
    g.lang = pick_language(visitor.lang)
    # The token was issued to a verified frame of this portal: the portal may frame what it opens.
    portal = visitor.context.get("portal") or {}
    allow_framing_by(portal.get("domain", ""), portal.get("protocol", "https"))
    set_log_context(member_id=visitor.member_id)
    _still_serving(visitor, issued_at)
    # Only now may an upload endpoint stream this request's files to disk (tickets.uploads.load_form).
    g.form_token_checked = kind == FORM
    return visitor


def _still_serving(visitor: Visitor, issued_at: datetime) -> None:
    """The portal's row, read now (by primary key), decides: a block or an uninstall stops every token at once.

    A token issued before the portal's ``revoked_at`` (an uninstall) stays dead even after a reinstall.
    """
    portal = db.session.get(Portal, visitor.portal_id)
    if portal is None or portal.member_id != visitor.member_id:
        raise FrameTokenRefused("err_token_invalid", visitor.lang)
    # The session's identity map holds rows weakly: kept here, the view's own get() of it costs no query.
    g.visitor_portal = portal
    if portal.revoked_at is not None and issued_at <= portal.revoked_at:
        raise FrameTokenRefused("err_token_revoked", visitor.lang)
    refuse_unless_serving(portal, visitor.lang)


_pruned_at = [0.0]  # this process's last sweep of spent nonces (time.monotonic())
PRUNE_EVERY_SECONDS = 60


def _prune_spent(ttl: int) -> None:
    """Nonces older than a token can live are useless; drop them as we go, at most once a minute per process
    (a row stays at most 2 * FRAME_TOKEN_TTL + a minute, where a sweep on every filing cost one more statement)."""
    now = time.monotonic()
    if now - _pruned_at[0] < PRUNE_EVERY_SECONDS:
        return
    _pruned_at[0] = now
    db.session.execute(delete(UsedFormToken).where(UsedFormToken.used_at < utcnow() - timedelta(seconds=2 * ttl)))


def already_spent(visitor: Visitor) -> bool:
    return db.session.execute(
        select(UsedFormToken.id).where(UsedFormToken.nonce == visitor.nonce)
    ).first() is not None


def spend(visitor: Visitor) -> None:
    """Mark a form token used in the caller's transaction; a concurrent or repeated use is refused.

    The row commits or rolls back with the filing, so a submission that fails validation can be
    corrected and sent again with the same token.
    """
    if not visitor.nonce:
        raise FrameTokenRefused("err_token_invalid", visitor.lang)
    _prune_spent(current_app.config["FRAME_TOKEN_TTL"])
    try:  # one INSERT in the session's transaction, without the unit of work an ORM flush runs for it
        db.session.execute(insert(UsedFormToken.__table__).values(nonce=visitor.nonce, portal_id=visitor.portal_id))
    except IntegrityError:
        db.session.rollback()
        raise FrameTokenRefused("err_token_used", visitor.lang) from None
