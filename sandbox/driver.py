"""One handle on a running sandbox for tests, benchmarks and scripts: portals, frames, lifecycle."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests

from sandbox import limits, platform
from sandbox.state import Call, SandboxPortal, SandboxState


class Sandbox:
    def __init__(self, state: SandboxState):
        self.state = state

    @property
    def url(self) -> str:
        return self.state.base_url

    def add_portal(self, name: str | None = None, *, lang: str = "ru", **kwargs: Any) -> SandboxPortal:
        return self.state.add_portal(name, lang=lang, **kwargs)

    def install(self, portal: SandboxPortal, *, user_id: int = 1) -> requests.Response:
        return platform.install(self.state, portal, user_id=user_id)

    def frame(self, portal: SandboxPortal, placement: str = platform.DEFAULT, *,
              options: dict[str, Any] | None = None, user: int = 1) -> tuple[str, dict[str, str]]:
        """(url with query string, form fields) of a wire-exact frame request, to POST yourself."""
        url, query, form = platform.frame_request(self.state, portal, placement, options=options, user_id=user)
        return f"{url}?{urlencode(query)}", form

    def open(self, portal: SandboxPortal, placement: str = platform.DEFAULT, *,
             options: dict[str, Any] | None = None, user: int = 1) -> requests.Response:
        url, form = self.frame(portal, placement, options=options, user=user)
        return requests.post(url, data=form, timeout=30)

    def portal_page(self, portal: SandboxPortal, view: str | None = None) -> str:
        return f"{self.url}/p/{portal.slug}/" + (f"?view={view}" if view else "")

    def update(self, portal: SandboxPortal, version: int) -> list[requests.Response]:
        return platform.update_app(self.state, portal, version)

    def uninstall(self, portal: SandboxPortal, *, clean: bool = False) -> list[requests.Response]:
        return platform.uninstall(self.state, portal, clean=clean)

    def send_event(self, portal: SandboxPortal, event: str, data: dict[str, Any], **kwargs: Any):
        return platform.send_event(self.state, portal, event, data, **kwargs)

    def expire_tokens(self, portal: SandboxPortal) -> None:
        self.state.expire_access_tokens(portal)

    def revoke_refresh(self, portal: SandboxPortal) -> None:
        self.state.revoke_refresh_tokens(portal)

    def rename(self, portal: SandboxPortal, new_name: str) -> None:
        self.state.rename(portal, new_name)

    def fail_next(self, portal: SandboxPortal, code: str, times: int = 1, method: str | None = None) -> None:
        self.state.fail_next(portal, code, times, method)

    # --- payment -----------------------------------------------------------------------------------

    def require_payment(self, portal: SandboxPortal, on: bool = True) -> None:
        """The trial or paid period is over: the OAuth server refuses tokens with PAYMENT_REQUIRED."""
        platform.require_payment(self.state, portal, on)

    def pay(self, portal: SandboxPortal, status: str = "P", days: int | None = 30, *,
            expired: bool = False) -> list[requests.Response]:
        """The app is paid for: app.info reports it and ONAPPPAYMENT goes to the handlers bound for it."""
        return platform.pay(self.state, portal, status=status, days=days, expired=expired)

    # --- limits ------------------------------------------------------------------------------------

    def bucket(self, size: int = 50, drain: float = 2.0) -> None:
        """The leaky bucket every portal of this sandbox counts in (Enterprise: 250 and 5 a second)."""
        with self.state.lock:
            self.state.bucket_size, self.state.bucket_drain = size, drain

    def overload(self, portal: SandboxPortal, on: bool = True) -> None:
        """Bitrix24 blocks the portal's REST by hand: OVERLOAD_LIMIT on every call until lifted."""
        with self.state.lock:
            portal.overloaded = on

    def limit_operation(self, portal: SandboxPortal, method: str, *, reset_in: float = 60.0,
                        allow: int = 0) -> float:
        """``method``'s time budget is spent: after ``allow`` answers it is refused with OPERATION_TIME_LIMIT
        until the returned ``operating_reset_at``, which every answer of that method carries meanwhile."""
        return limits.limit_operation(self.state, portal, method, reset_in=reset_in, allow=allow)

    def delete_portal(self, portal: SandboxPortal) -> None:
        """The portal is gone: every REST call answers PORTAL_DELETED."""
        with self.state.lock:
            portal.deleted = True

    def calls(self, kind: str | None = None, method: str | None = None) -> list[Call]:
        return self.state.calls_of(kind, method)
