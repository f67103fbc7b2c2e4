"""The sandbox platform's memory: one registered app, its portals, their users, tokens and bindings."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox import scopes as scope_rules

ACCESS_LIFETIME = 3600
# The leaky bucket of every tariff but Enterprise: 50 requests, draining 2 a second [limits.md, "Request Rate Limits"].
BUCKET_SIZE = 50
BUCKET_DRAIN_PER_SECOND = 2.0
# A new HTTPS connection's handshakes before its first request: TCP (one round trip) and TLS 1.3 (one more).
HANDSHAKE_ROUND_TRIPS = 2


def _token() -> str:
    return secrets.token_hex(16)


@dataclass
class SandboxUser:
    id: int
    name: str
    last_name: str
    email: str
    admin: bool = True
    position: str = ""
    work_phone: str = ""
    mobile: str = ""


@dataclass
class SandboxPortal:
    member_id: str
    slug: str
    domain: str
    lang: str = "ru"
    license: str = "ru_project"
    license_family: str = "project"
    app_status: str = "L"
    users: dict[int, SandboxUser] = field(default_factory=dict)
    installed: bool = False  # installFinish called
    app_version: int = 1
    application_token: str | None = None
    placements: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deals: dict[str, str] = field(default_factory=lambda: {"8061": "Kassa integration for Orient Trade"})
    port: int | None = None  # a box portal's own port, or an explicit :80/:443, carried in the frame's DOMAIN
    payment_required: bool = False  # the OAuth server answers PAYMENT_REQUIRED (trial or paid period over)
    payment_expired: str = "N"  # app.info PAYMENT_EXPIRED (Y/N)
    days: int | None = None  # app.info DAYS: days left of the paid or trial period
    overloaded: bool = False  # OVERLOAD_LIMIT on every call until Bitrix24 support lifts it
    deleted: bool = False  # PORTAL_DELETED on every call
    bucket_level: float = 0.0  # the leaky bucket's count of recent requests
    bucket_at: float = 0.0  # when bucket_level was last drained
    operation_limits: dict[str, dict[str, float]] = field(default_factory=dict)  # method -> reset_at, allow

    @property
    def admin(self) -> SandboxUser:
        return next(u for u in self.users.values() if u.admin)


@dataclass
class Grant:
    """An access token and the refresh token issued with it."""

    member_id: str
    user_id: int
    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""  # the app's granted scopes when the token was issued, comma-separated


@dataclass
class Call:
    """A request the sandbox received: the benchmark and the tests count and inspect them."""

    kind: str  # rest | rest.batch | oauth.app_info | oauth.token | event_out | frame_out | frame_in
    member_id: str | None
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)


class SandboxState:
    """Thread-safe in-memory platform state; the HTTP layer and the tests both go through it."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, app_url: str, *,
                 scopes: str = scope_rules.DEFAULT_SCOPES):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_url = app_url.rstrip("/")
        # The app's registration in the vendor cabinet: tokens, app.info and events carry exactly these.
        self.scopes = ",".join(scope_rules.parse(scopes))
        self.bucket_size = BUCKET_SIZE
        self.bucket_drain = BUCKET_DRAIN_PER_SECOND
        self.portals: dict[str, SandboxPortal] = {}
        self.grants: dict[str, Grant] = {}  # by access token
        self.refresh_index: dict[str, Grant] = {}  # by refresh token, removed once spent
        self.moved: dict[str, str] = {}  # old slug -> new slug
        self.calls: list[Call] = []
        self.faults: list[tuple[str, str, int, str | None]] = []  # (member_id, error code, remaining answers)
        self.lock = threading.RLock()
        # A network's round trip, slept on every call to the OAuth server and the portals' REST (the benchmark
        # sets it; loopback has none, the internet 100-300 ms): env SANDBOX_RTT_MS, or set the attribute.
        self.rtt_ms = float(os.environ.get("SANDBOX_RTT_MS") or 0)
        self.connections = 0  # TCP connections opened to this sandbox (sandbox.network): kept-alive ones count once

    # --- portals -----------------------------------------------------------------------------------

    def add_portal(self, name: str | None = None, *, lang: str = "ru", domain: str | None = None,
                   admin_name: str = "Anna", admin_last_name: str = "Petrova",
                   port: int | None = None) -> SandboxPortal:
        with self.lock:
            slug = _slug(name or f"portal{len(self.portals) + 1}")
            while self.by_slug(slug):
                slug += "x"
            portal = SandboxPortal(
                member_id=secrets.token_hex(16),
                slug=slug,
                domain=domain or f"{slug}.bitrix24.test",
                lang=lang,
                port=port,
            )
            portal.users[1] = SandboxUser(1, admin_name, admin_last_name, f"{admin_name.lower()}@{portal.domain}",
                                          work_phone="+998 71 200 00 01", mobile="+998 90 100 00 01")
            portal.users[7] = SandboxUser(7, "Ivan", "Sidorov", f"ivan@{portal.domain}", admin=False,
                                          position="Accountant")
            self.portals[portal.member_id] = portal
            return portal

    def by_slug(self, slug: str) -> SandboxPortal | None:
        return next((p for p in self.portals.values() if p.slug == slug), None)

    def portal(self, member_id: str) -> SandboxPortal:
        return self.portals[member_id]

    def client_endpoint(self, portal: SandboxPortal) -> str:
        return f"{self.base_url}/p/{portal.slug}/rest/"

    def server_endpoint(self) -> str:
        return f"{self.base_url}/rest/"

    def granted(self) -> list[str]:
        return scope_rules.parse(self.scopes)

    def oauth_domain(self, portal: SandboxPortal) -> str:
        """The portal's domain as the OAuth server names it: a standard port is no part of the address, a box
        portal's own port is (b24jssdk packages/jssdk/src/frame/frame.ts strips only :80 and :443)."""
        return f"{portal.domain}:{portal.port}" if portal.port not in (None, 80, 443) else portal.domain

    def frame_domain(self, portal: SandboxPortal) -> str:
        """DOMAIN as a frame request carries it: the host, with the port when the portal is reached on one."""
        return f"{portal.domain}:{portal.port}" if portal.port else portal.domain

    def rename(self, portal: SandboxPortal, new_name: str) -> None:
        """The portal's address changes; its old REST address answers 302 to the new one from now on."""
        with self.lock:
            new_slug = _slug(new_name)
            self.moved[portal.slug] = new_slug
            portal.slug = new_slug
            portal.domain = f"{new_slug}.bitrix24.test"

    # --- tokens ------------------------------------------------------------------------------------

    def issue(self, portal: SandboxPortal, user_id: int) -> Grant:
        with self.lock:
            grant = Grant(portal.member_id, user_id, _token(), _token(), time.time() + ACCESS_LIFETIME,
                          scope=self.scopes)
            self.grants[grant.access_token] = grant
            self.refresh_index[grant.refresh_token] = grant
            return grant

    def grant_for(self, access_token: str | None) -> Grant | None:
        with self.lock:
            return self.grants.get(access_token or "")

    def refresh(self, refresh_token: str) -> Grant | None:
        """Spend a refresh token: the old one is gone, a new pair is issued."""
        with self.lock:
            old = self.refresh_index.pop(refresh_token, None)
            if old is None:
                return None
            portal = self.portals.get(old.member_id)
            if portal is None:
                return None
            return self.issue(portal, old.user_id)

    def expire_access_tokens(self, portal: SandboxPortal) -> None:
        with self.lock:
            for grant in self.grants.values():
                if grant.member_id == portal.member_id:
                    grant.expires_at = time.time() - 1

    def revoke_refresh_tokens(self, portal: SandboxPortal) -> None:
        with self.lock:
            for key in [k for k, g in self.refresh_index.items() if g.member_id == portal.member_id]:
                del self.refresh_index[key]

    def revoke_all(self, portal: SandboxPortal) -> None:
        with self.lock:
            for key in [k for k, g in self.grants.items() if g.member_id == portal.member_id]:
                del self.grants[key]
            self.revoke_refresh_tokens(portal)

    def fail_next(self, portal: SandboxPortal, code: str, times: int = 1, method: str | None = None) -> None:
        """The portal's next ``times`` REST answers (to ``method`` only, if named) are this error."""
        with self.lock:
            self.faults.append((portal.member_id, code, times, (method or "").lower() or None))

    def take_fault(self, member_id: str, method: str = "") -> str | None:
        with self.lock:
            for index, (member, code, remaining, only) in enumerate(self.faults):
                if member == member_id and only in (None, method.lower()):
                    if remaining <= 1:
                        del self.faults[index]
                    else:
                        self.faults[index] = (member, code, remaining - 1, only)
                    return code
            return None

    def travel(self) -> None:
        """One round trip's wait, as a request to Bitrix24 over the internet would have."""
        if self.rtt_ms > 0:
            time.sleep(self.rtt_ms / 1000)

    def handshake(self) -> None:
        """A new connection's wait before its first request: TCP's handshake and TLS 1.3's, one round trip each,
        as a connection to a portal or oauth.bitrix.info over HTTPS pays (the sandbox itself speaks plain HTTP)."""
        with self.lock:
            self.connections += 1
        if self.rtt_ms > 0:
            time.sleep(HANDSHAKE_ROUND_TRIPS * self.rtt_ms / 1000)

    # --- the record of calls -----------------------------------------------------------------------

    def log(self, kind: str, member_id: str | None, method: str, params: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(Call(kind, member_id, method, params))

    def calls_of(self, kind: str | None = None, method: str | None = None) -> list[Call]:
        with self.lock:
            return [
                c for c in self.calls if (kind is None or c.kind == kind) and (method is None or c.method == method)
            ]


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return slug[:40] or "portal"
