"""Secrets at rest: a column type that stores text encrypted with a key derived from the app's SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_cache: dict[str, Fernet] = {}


def _fernet() -> Fernet:
    secret = current_app.config.get("ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    box = _cache.get(secret)
    if box is None:
        key = base64.urlsafe_b64encode(hashlib.sha256(b"b24desk-sealed:" + secret.encode()).digest())
        box = _cache[secret] = Fernet(key)
    return box


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def unseal(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # A changed SECRET_KEY makes old secrets unreadable; callers treat them as absent.
        return None


class SealedText(TypeDecorator):
    """Text encrypted on the way into the database and decrypted on the way out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)
