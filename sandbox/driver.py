"""One handle on a running sandbox for tests, benchmarks and scripts: portals, frames, lifecycle."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests

from sandbox import platform
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

    def fail_next(self, portal: SandboxPortal, code: str, times: int = 1) -> None:
        self.state.fail_next(portal, code, times)

    def calls(self, kind: str | None = None, method: str | None = None) -> list[Call]:
        return self.state.calls_of(kind, method)
