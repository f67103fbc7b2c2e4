"""Who a portal's users are, remembered per (member_id, user_id) for USER_CACHE_SECONDS, shared by every worker.

A frame names no user and brings a fresh AUTH_ID each time (protocol §1), so without this every open would ask the
portal's ``user.current`` again. The OAuth server's ``app.info`` (``GET {oauth}/rest/app.info/?auth=``) answers
``client_id``, ``user_id``, ``scope`` and ``install{member_id, domain, client_endpoint, version, status}`` (b24restdocs
settings/cloud-and-on-premise/security-recommendations.md; protocol §2): it names the user behind the token. The
portal's ``user.current`` answers ``ID``, ``NAME``, ``LAST_NAME``, ``EMAIL`` (with ``user_basic``), ...
(api-reference/user/user-current.md, user-scope.md) and ``user.admin`` ``true|false``; the portal's own
``app.info`` ``ID``, ``VERSION``, ``STATUS``, ``PAYMENT_EXPIRED``, ``DAYS``, ``LICENSE``, ``LICENSE_FAMILY``
(api-reference/common/system/app-info.md). The user's part is kept here: Redis through Flask-Caching when
REDIS_URL is set, a small table otherwise. All of a portal's users are read in one go, before the OAuth server
has answered: an entry is believed only once the verification names this member_id and this user_id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_caching import Cache
from sqlalchemy import JSON, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from database import db, utcnow

# The fields of user.current the placement shows; nothing else of the portal's answer is kept.
KEPT_FIELDS = ("ID", "NAME", "LAST_NAME", "EMAIL")

cache = Cache()


class KnownUser(db.Model):
    """The database's copy of the cache (no REDIS_URL): one row per portal user, overwritten on each miss."""

    __tablename__ = "b24_known_user"

    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    facts: Mapped[dict] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # expiry and the sweep


@dataclass
class PortalUsers:
    """A portal's remembered users as read at the start of an open: ``{user_id: (remembered at, facts)}``."""

    member_id: str
    entries: dict[int, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def get(self, user_id: int, scope: str, fresh_after: datetime | None = None) -> dict[str, Any] | None:
        """What the portal said of ``user_id`` to a token of ``scope``, unless remembered before ``fresh_after``
        (an uninstall). Another scope is asked again: ``user_brief`` reveals no EMAIL (user-scope.md)."""
        hit = self.entries.get(user_id)
        if hit is None or (fresh_after is not None and hit[0] <= fresh_after) or hit[1].get("scope") != scope:
            return None
        return hit[1]


def _ttl() -> int:
    return int(current_app.config["USER_CACHE_SECONDS"])


def _key(member_id: str) -> str:
    return f"b24-users:{member_id}"


def known_users(member_id: str) -> PortalUsers:
    """One read (a Redis GET or one indexed SELECT): the portal's users remembered within USER_CACHE_SECONDS."""
    ttl = _ttl()
    if ttl <= 0:
        return PortalUsers(member_id)
    if _uses_redis():
        stored = cache.get(_key(member_id)) or {}
        horizon = time.time() - ttl
        entries = {int(uid): (datetime.fromisoformat(at), facts) for uid, (stamp, at, facts) in stored.items()
                   if stamp > horizon}
        return PortalUsers(member_id, entries)
    horizon_at = utcnow() - _seconds(ttl)
    rows = db.session.execute(
        select(KnownUser.user_id, KnownUser.seen_at, KnownUser.facts)
        .where(KnownUser.member_id == member_id, KnownUser.seen_at > horizon_at)
    ).all()
    return PortalUsers(member_id, {uid: (at, facts) for uid, at, facts in rows})


def remember(users: PortalUsers, user_id: int, scope: str, user: dict[str, Any], admin: bool | None) -> bool:
    """Keep what the portal said of ``user_id``. True when the row went into the request's session (the caller
    commits it); with Redis it is written at once. Another portal's user 1 is another key: member_id is in it."""
    if _ttl() <= 0:
        return False
    facts = {name: str(user.get(name) or "")[:255] for name in KEPT_FIELDS}
    facts["admin"] = admin
    facts["scope"] = scope  # what the token that asked could see
    now = utcnow()
    users.entries[user_id] = (now, facts)
    if _uses_redis():
        horizon = time.time() - _ttl()
        stored = {uid: entry for uid, entry in (cache.get(_key(users.member_id)) or {}).items() if entry[0] > horizon}
        stored[str(user_id)] = (time.time(), now.isoformat(), facts)
        cache.set(_key(users.member_id), stored, timeout=_ttl())
        return False
    row = db.session.get(KnownUser, (users.member_id, user_id))
    if row is None:
        db.session.add(KnownUser(member_id=users.member_id, user_id=user_id, facts=facts, seen_at=now))
        # A new row is also when the old ones of every portal are swept: the table stays the size of the active set.
        db.session.execute(delete(KnownUser).where(KnownUser.seen_at < now - _seconds(10 * _ttl())))
    else:
        row.facts, row.seen_at = facts, now
    return True


def _uses_redis() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def init_app(app: Flask) -> None:
    """Flask-Caching over Redis when REDIS_URL is set (every worker and server shares it); else the table."""
    if app.config.get("REDIS_URL"):
        cache.init_app(app, config={
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": app.config["REDIS_URL"],
            "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX") or "b24desk:",
            "CACHE_DEFAULT_TIMEOUT": int(app.config["USER_CACHE_SECONDS"]),
        })
