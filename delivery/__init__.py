"""Outbound delivery: the transactional outbox, its worker and one module per channel."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from delivery import models  # noqa: F401  (tables)
