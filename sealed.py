"""Secrets at rest: a column type that stores text encrypted with a key derived from the app's SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, has_app_context
from sqlalchemy import Text, event
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


def unseal(token: str, box: Fernet | None = None) -> str | None:
    try:
        return (box or _fernet()).decrypt(token.encode()).decode()
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


class Sealed:
    """A model attribute over a Text column holding the ciphertext: sealed when set, opened only when read.

    A list of fifty portals then decrypts nothing (SealedText would decrypt every token of every row as it is
    loaded). The plain text is kept on the instance after the first read. At class level it is the column
    itself, so ``Model.attr.is_not(None)`` still works in queries.
    """

    def __init__(self, column: str):
        self.column = column
        self.memo = f"_{column}_opened"

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return getattr(owner, self.column)
        cipher = getattr(obj, self.column)
        if cipher is None:
            return None
        opened = obj.__dict__.get(self.memo)
        if opened is None or opened[0] != cipher:
            opened = (cipher, _open_for(obj, cipher))
            obj.__dict__[self.memo] = opened
        return opened[1]

    def __set__(self, obj, value: str | None) -> None:
        if value is not None and self.__get__(obj) == value:
            return  # the same secret again: no new ciphertext, so no UPDATE
        cipher = None if value is None else seal(value)
        setattr(obj, self.column, cipher)
        if cipher is not None:
            obj.__dict__[self.memo] = (cipher, value)


KEY_ON_LOAD = "_sealed_key"


def _open_for(obj, cipher: str) -> str | None:
    # Outside an app context (a row read earlier and used later) the key of the app that loaded the row opens it.
    return unseal(cipher, None if has_app_context() else obj.__dict__.get(KEY_ON_LOAD))


def keep_key_on_load(model) -> None:
    """Remember, on each row of ``model`` as it is loaded, which key opens its Sealed attributes (a dict look-up)."""

    def remember(target, *_args) -> None:
        if has_app_context():
            target.__dict__[KEY_ON_LOAD] = _fernet()

    event.listen(model, "load", remember)
    event.listen(model, "refresh", remember)
