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


def _from_environment(current: requests.Session) -> None:
    """What requests would read from the environment on every call, read once for this Session.

    requests walks ``os.environ`` for the proxy settings on each call (a few per cent of an open's CPU); they do
    not change while the process runs. With no proxy named, the Session stops looking (nor does it read a
    ~/.netrc, whose passwords have no business going to a portal) and takes the CA bundle the environment
    names, as requests would (``REQUESTS_CA_BUNDLE``, then ``CURL_CA_BUNDLE``). With a proxy, requests keeps
    reading it all, ``NO_PROXY`` included.
    """
    if urllib.request.getproxies():
        return
    current.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        current.verify = bundle


def session() -> requests.Session:
    """This thread's Session for calls to Bitrix24, over the process's shared connections."""
    current = getattr(_local, "session", None)
    if current is None:
        current = requests.Session()
        current.mount("https://", _adapter)
        current.mount("http://", _adapter)
        current.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # accepts none, sends none
        _from_environment(current)
        _local.session = current
    return current
