"""Support contracts and recommended payment operators."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from contracts import models  # noqa: F401  (tables)
