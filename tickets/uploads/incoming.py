"""Uploads on their way in: temp files under ATTACHMENT_DIR/.incoming, counted, hashed and sniffed as they arrive."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from flask import current_app

from tickets.sniffing import HEAD_SIZE, TextCheck


def sweep_incoming(older_than: float = 24 * 3600) -> int:
    """Delete temp parts a killed worker left behind in ATTACHMENT_DIR/.incoming; returns how many went."""
    cutoff = time.time() - older_than
    removed = 0
    for part in incoming_dir().glob("*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:  # finished or swept by someone else meanwhile
            continue
    return removed


def attachment_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def incoming_dir() -> Path:
    # Same filesystem as the store, so keeping an upload is an atomic rename, not a second copy.
    path = attachment_dir() / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileTooLarge(Exception):
    """A file part grew past the per-file limit while being received."""

    pass


class IncomingFile:
    """One uploaded part on its way in: written straight to a private temp file, counted, hashed and sniffed.

    Closing it deletes the temp file unless the attachment store has claimed it (renamed it into the store);
    Flask closes every request's files when the request ends, so an upload nobody kept never lingers.
    """

    def __init__(self, directory: Path, limit: int) -> None:
        fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
        self.path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "w+b")
        self.limit = limit
        self.size = 0
        self.claimed = False
        # Examined as it arrives, so keeping it needs no second pass over a gigabyte.
        self.digest = hashlib.sha256()
        self.head = bytearray()
        self.text = TextCheck()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise FileTooLarge
        if len(self.head) < HEAD_SIZE:
            self.head += data[: HEAD_SIZE - len(self.head)]
        self.digest.update(data)
        self.text.feed(data)
        return self._file.write(data)

    def claim(self, store: Any, name: str) -> None:
        """Hand the finished upload to the attachment store; if the store moved it, closing no longer deletes it."""
        self._file.close()
        self.claimed = store.keep_file(os.fspath(self.path), name)

    def close(self) -> None:
        self._file.close()
        if not self.claimed:
            self.path.unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __iter__(self):
        return iter(self._file)

    def __getattr__(self, name: str) -> Any:  # read, seek, tell, flush... as the temp file does them
        return getattr(self._file, name)
