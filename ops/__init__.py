"""Cross-cutting production concerns: security headers, rate limits, JSON logs, health, metrics, outage answers."""

from __future__ import annotations

from flask import Flask

from b24.signals import frame_verified


def init_app(app: Flask) -> None:
    from ops import counters, errors, health, logging, models, ratelimit, security  # noqa: F401

    # b24 announces each verified frame: that portal may frame the page, and the request's log line names it.
    frame_verified.connect(security.on_frame_verified, weak=False)

    logging.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)
    counters.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly one proxy hop (nginx); more would let a client forge X-Forwarded-For.
        hops = int(app.config.get("PROXY_FIX_HOPS") or 1)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)

