"""Asking the portal while the OAuth server verifies the frame, so an open waits one round trip instead of two.

The question goes, with the frame's still unverified AUTH_ID, to the ``client_endpoint`` the registry holds for the
posted ``member_id``: an address the OAuth server vouched for before, never one taken from the request (protocol
§2). Its answer is believed only when the verification then holds and names that same endpoint; otherwise it is
dropped unread, and where the verification holds with another endpoint (the portal moved) the caller asks again
there. ``requests`` blocks, so the question runs on a small thread pool, inside an app context of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, g

from b24.calls import record_rows
from b24.oauth import OAuthServer
from b24.rest import PortalClient

T = TypeVar("T")

# Per process; each thread holds one outbound HTTP request at a time: an open puts two (the OAuth server's
# verification and the portal's question), so 16 serve 8 request threads at once.
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="b24-ahead")


def meanwhile(fn: Callable[..., T], *args: Any) -> Future:
    """``fn(*args)`` on the pool, in this app's context, while the caller goes on; ``result()`` raises what it did."""
    return _pool.submit(_in_context, current_app._get_current_object(), fn, args)


def _in_context(app: Flask, fn: Callable[..., T], args: tuple) -> T:
    with app.app_context():
        return fn(*args)


def _same_endpoint(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.rstrip("/").lower() == b.rstrip("/").lower()


class PortalQuestion(Generic[T]):
    """One REST question put to the portal ahead of the verification; ``answer()`` only after ``vouch()``."""

    def __init__(self, ask: Callable[[PortalClient], T]):
        self._ask = ask
        self._future: Future | None = None
        self.endpoint: str | None = None
        self._vouched = False

    @property
    def sent(self) -> bool:
        return self._future is not None

    @property
    def vouched(self) -> bool:
        return self._vouched

    def send(self, client_endpoint: str, auth_id: str, *, portal_id: int, member_id: str, oauth: OAuthServer,
             on_overload: Callable[[], None] | None = None) -> None:
        """Start the question now, at the registry's endpoint for the posted member_id."""
        client = PortalClient(client_endpoint, auth_id, None, oauth=oauth, on_overload=on_overload,
                              portal_id=portal_id, member_id=member_id)
        self.endpoint = client.client_endpoint
        self._future = _pool.submit(_run, current_app._get_current_object(), self._ask, client)

    def vouch(self, client_endpoint: str) -> bool:
        """The verification held and names ``client_endpoint``: the answer may be used if it was asked there."""
        self._vouched = self.sent and _same_endpoint(client_endpoint, self.endpoint)
        if self.sent and not self._vouched:
            self.drop()
        return self._vouched

    def answer(self) -> T:
        """The portal's answer (or the error it raised). Only for a vouched question: anything else is a bug."""
        if not (self._future and self._vouched):
            raise RuntimeError("The portal's answer is used only after the OAuth server vouched for its endpoint.")
        rows, value, error = self._future.result()
        record_rows(rows)
        if error is not None:
            raise error
        return value

    def drop(self) -> None:
        """Never read the answer; the calls it made are still logged, by the thread, once it is done."""
        future, self._future, self._vouched = self._future, None, False
        if future is not None:
            app = current_app._get_current_object()
            future.add_done_callback(lambda done: _log_dropped(app, done))


def _run(app: Flask, ask: Callable[[PortalClient], Any], client: PortalClient) -> tuple[list, Any, Exception | None]:
    with app.app_context():
        g.rest_call_sink = rows = []
        try:
            return rows, ask(client), None
        except Exception as exc:  # handed to the request's thread, which raises it there
            return rows, None, exc


def _log_dropped(app: Flask, done: Future) -> None:
    rows = done.result()[0]
    with app.app_context():
        record_rows(rows)
