"""Issuing, checking and revoking API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from api.models import ApiToken
from database import db, utcnow
from staff.models import StaffUser

TOKEN_PREFIX = "b24d_"  # noqa: S105 (a marker that tells our tokens apart, not a secret)
# Writing last_used_at on every request would turn every read into a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(name: str, staff: StaffUser | None = None) -> tuple[ApiToken, str]:
    """Create a token row and return it with the plain token, which is not kept anywhere."""
    name = name.strip()
    if not name:
        raise ValueError("A token needs a name.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:128], token_hash=hash_token(plain), prefix=plain[:12], staff=staff)
    db.session.add(token)
    db.session.flush()
    return token, plain


def authenticate(plain: str) -> ApiToken | None:
    """The active token matching ``plain``, its use recorded; None when unknown, revoked or its staff disabled."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(plain))
    ).scalar_one_or_none()
    if token is None or not token.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke(token_id: int) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def all_tokens() -> list[ApiToken]:
    return list(db.session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())
