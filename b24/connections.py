"""Outbound HTTP to Bitrix24 over kept-alive connections: one connection pool per process.

``requests.get``/``requests.post`` build a Session, and with it a connection pool, for every call: each question to
the OAuth server or a portal opened a new TCP connection and, in production, a new TLS session — two round trips
to ``oauth.bitrix.info`` before the question itself. Here every thread's Session mounts the same adapter, whose
urllib3 PoolManager (thread-safe) keeps the connections per host, so the verification every open makes travels
once. The Session itself is per thread, as requests does not promise it is thread-safe. No cookie is ever kept:
what one portal's answer sets must not travel with the next request.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter

# Enough kept-alive connections per host for gunicorn's request threads and b24.ahead's pool together; a burst
# beyond opens more, which are closed instead of kept.
_adapter = HTTPAdapter(pool_connections=32, pool_maxsize=16)
_local = threading.local()


def _forget_after_fork() -> None:
    """A forked worker (gunicorn) never shares its parent's sockets: it starts with a pool of its own."""
    global _adapter, _local
    _adapter = HTTPAdapter(pool_connections=32, pool_maxsize=16)
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_after_fork)


def _environment_matters() -> bool:
    """Whether the environment names a proxy or a CA bundle, which requests then reads on every call (it walks
    ``os.environ`` for the proxy settings each time, a few per cent of an open's CPU). When it names neither,
    the Sessions do not look, nor at a ~/.netrc, whose passwords have no business going to a portal."""
    return bool(urllib.request.getproxies()) or any(
        os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"))


def session() -> requests.Session:
    """This thread's Session for calls to Bitrix24, over the process's shared connections."""
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.mount("https://", _adapter)
        current.mount("http://", _adapter)
        current.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # accepts none, sends none
        current.trust_env = _environment_matters()
        _local.session = current
    return current
