"""The interface every attachment store offers: finished files by name, and uploads that grow over requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol


class Appender(Protocol):
    """Bytes of one PATCH on their way into an unfinished upload, in order.

    ``commit()`` makes what was written part of the upload (also after a dropped connection) and returns the
    store's new state; ``rollback()`` forgets everything written since the appender was opened.
    """

    written: int

    def write(self, data: bytes) -> None: ...

    def commit(self, complete: bool) -> dict[str, Any]: ...

    def settled(self) -> None:
        """Called once the database holds the state commit() returned: what it replaced may be removed."""
        ...

    def rollback(self) -> None: ...


class Store(Protocol):
    kind: str  # "local" or "s3", for logs and the console

    # --- finished files ---
    def keep_file(self, path: str, name: str) -> bool:
        """Take a finished temp file into the store under ``name``; True when the temp file was moved (not copied)."""
        ...

    def delete(self, name: str) -> None: ...

    def size(self, name: str) -> int | None:
        """The stored size, or None when there is no such file."""
        ...

    def chunks(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``[start, end)`` of a stored file, a bounded chunk at a time."""
        ...

    def tool_input(self, name: str) -> tuple[str, str]:
        """Where an external tool (ffmpeg) reads the file, and the protocols it may use for that."""
        ...

    def names(self) -> list[str]:
        """Every finished file's name (tests and backups compare listings)."""
        ...

    def inventory(self) -> dict[str, int]:
        """Everything the store holds, finished or not, with its size in bytes."""
        ...

    # --- uploads that arrive over several requests (tus) ---
    def begin(self, name: str) -> dict[str, Any]:
        """Prepare an upload that will become ``name``; returns the state to keep with it."""
        ...

    def appender(self, name: str, offset: int, state: dict[str, Any]) -> Appender: ...

    def finish(self, name: str, state: dict[str, Any]) -> None:
        """Turn a complete upload into the finished file ``name``."""
        ...

    def abort(self, name: str, state: dict[str, Any]) -> None:
        """Drop an unfinished upload and everything it stored."""
        ...
