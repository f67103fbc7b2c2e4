"""The uploader's file name, made safe to show (never to build a path: storage names are random)."""

from __future__ import annotations

import unicodedata


def display_name(filename: str | None) -> str:
    """The uploader's file name made safe to show: last path component, no control characters, bounded length.

    Never used to build a path (storage names are random); "../../etc/passwd" becomes "passwd".
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 200 - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else name[:200]
    return name or "file"
