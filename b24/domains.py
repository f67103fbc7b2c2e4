"""A portal's DOMAIN as one canonical string, whichever side (the frame or the OAuth server) wrote it."""

from __future__ import annotations

# b24jssdk drops the default ports before it uses DOMAIN (bitrix24/b24jssdk packages/jssdk/src/frame/frame.ts);
# a box portal's own port (":8443") is part of its address and stays.
DEFAULT_PORTS = (":443", ":80")


def normalise_domain(domain: str | None) -> str:
    """``Portal.Example.com:443`` -> ``portal.example.com``; ``box.local:8080`` stays as it is (lower-cased)."""
    host = (domain or "").strip().lower().rstrip(".")
    for port in DEFAULT_PORTS:
        if host.endswith(port):
            return host[: -len(port)]
    return host
