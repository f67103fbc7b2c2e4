"""The incident store: tickets, numbering, attachments and the operations on them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tickets import models  # noqa: F401  (tables)
