"""The sandbox platform's memory: one registered app, its portals, their users, tokens and bindings."""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

ACCESS_LIFETIME = 3600


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


@dataclass
class Call:
    """A request the sandbox received: the benchmark and the tests count and inspect them."""

    kind: str  # rest | oauth.app_info | oauth.token | event_out | frame_out
    member_id: str | None
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)


class SandboxState:
    """Thread-safe in-memory platform state; the HTTP layer and the tests both go through it."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, app_url: str):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_url = app_url.rstrip("/")
        self.portals: dict[str, SandboxPortal] = {}
        self.grants: dict[str, Grant] = {}  # by access token
        self.refresh_index: dict[str, Grant] = {}  # by refresh token, removed once spent
        self.moved: dict[str, str] = {}  # old slug -> new slug
        self.calls: list[Call] = []
        self.faults: list[tuple[str, str, int]] = []  # (member_id, error code, remaining answers)
        self.lock = threading.RLock()

    # --- portals -----------------------------------------------------------------------------------

    def add_portal(self, name: str | None = None, *, lang: str = "ru", domain: str | None = None,
                   admin_name: str = "Anna", admin_last_name: str = "Petrova") -> SandboxPortal:
        with self.lock:
            slug = _slug(name or f"portal{len(self.portals) + 1}")
            while self.by_slug(slug):
                slug += "x"
            portal = SandboxPortal(
                member_id=secrets.token_hex(16),
                slug=slug,
                domain=domain or f"{slug}.bitrix24.test",
                lang=lang,
            )
            portal.users[1] = SandboxUser(1, admin_name, admin_last_name, f"{admin_name.lower()}@{portal.domain}")
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
            grant = Grant(portal.member_id, user_id, _token(), _token(), time.time() + ACCESS_LIFETIME)
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

    def fail_next(self, portal: SandboxPortal, code: str, times: int = 1) -> None:
        """The portal's next ``times`` REST answers are this error (QUERY_LIMIT_EXCEEDED, OVERLOAD_LIMIT...)."""
        with self.lock:
            self.faults.append((portal.member_id, code, times))

    def take_fault(self, member_id: str) -> str | None:
        with self.lock:
            for index, (member, code, remaining) in enumerate(self.faults):
                if member == member_id:
                    if remaining <= 1:
                        del self.faults[index]
                    else:
                        self.faults[index] = (member, code, remaining - 1)
                    return code
            return None

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
