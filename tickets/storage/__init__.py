"""Where attachment bytes live: the local folder (default) or an S3 bucket, behind one small interface.

``ATTACHMENT_STORAGE`` empty keeps files under ``ATTACHMENT_DIR``; ``s3://bucket/prefix`` keeps them in object
storage so several app servers share them without a network file system. Every caller goes through
``current_store()``; names are ours (random hex), never a user's file name.
"""

from __future__ import annotations

from flask import current_app

from tickets.storage.base import Appender, Store

__all__ = ["Appender", "Store", "current_store"]


def current_store() -> Store:
    """The app's store, built once per app from its settings."""
    store = current_app.extensions.get("attachment_store")
    if store is None:
        store = _build(current_app.config)
        current_app.extensions["attachment_store"] = store
    return store


def _build(config) -> Store:
    target = str(config.get("ATTACHMENT_STORAGE") or "").strip()
    if not target or target.startswith("file:") or target == "local":
        from tickets.storage.local import LocalStore

        return LocalStore(config["ATTACHMENT_DIR"])
    if target.startswith("s3://"):
        from tickets.storage.s3 import S3Store

        return S3Store.from_config(target, config)
    raise ValueError(f"ATTACHMENT_STORAGE must be empty or s3://bucket/prefix, not {target!r}")
