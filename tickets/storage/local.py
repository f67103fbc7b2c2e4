"""The default store: files under ATTACHMENT_DIR, unfinished uploads under ATTACHMENT_DIR/.incoming."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 64 * 1024


def _checked(name: str) -> str:
    # Names are ours (hex); refuse anything else so a bad database value can never leave the folder.
    if not (name and name.isalnum()):
        raise ValueError("bad storage name")
    return name


class LocalAppender:
    def __init__(self, path: Path, offset: int) -> None:
        self.path = path
        self.start = offset
        self.written = 0
        self._file = open(path, "r+b")  # noqa: SIM115 (closed by commit or rollback)
        # Bytes past the recorded offset are from a request that died before saying how far it got: drop them.
        self._file.truncate(offset)
        self._file.seek(offset)

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.written += len(data)

    def commit(self, complete: bool) -> dict[str, Any]:
        self._file.flush()
        os.fsync(self._file.fileno())  # the offset we answer must survive a crash of the machine
        self._file.close()
        return {}

    def settled(self) -> None:
        pass

    def rollback(self) -> None:
        self._file.truncate(self.start)
        self._file.close()
        self.written = 0


class LocalStore:
    kind = "local"

    def __init__(self, directory: str) -> None:
        self.root = Path(directory)

    def path(self, name: str) -> Path:
        """The file's path (send_file serves it with ranges and conditional requests)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / _checked(name)

    def _incoming(self, name: str) -> Path:
        # Same filesystem as the store, so finishing an upload is an atomic rename, not a second copy.
        folder = self.root / ".incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{_checked(name)}.tus"

    def keep_file(self, path: str, name: str) -> bool:
        os.replace(path, self.path(name))
        return True

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def size(self, name: str) -> int | None:
        try:
            return self.path(name).stat().st_size
        except FileNotFoundError:
            return None

    def chunks(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self.path(name), "rb") as source:
            source.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                data = source.read(CHUNK if left is None else min(CHUNK, left))
                if not data:
                    return
                if left is not None:
                    left -= len(data)
                yield data

    def tool_input(self, name: str) -> tuple[str, str]:
        """How an external tool (ffmpeg) reads the file: its path, and the only protocol it needs."""
        return str(self.path(name)), "file"

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and p.name.isalnum())

    def begin(self, name: str) -> dict[str, Any]:
        self._incoming(name).touch(exist_ok=False)
        return {}

    def appender(self, name: str, offset: int, state: dict[str, Any]) -> LocalAppender:
        return LocalAppender(self._incoming(name), offset)

    def finish(self, name: str, state: dict[str, Any]) -> None:
        os.replace(self._incoming(name), self.path(name))

    def abort(self, name: str, state: dict[str, Any]) -> None:
        self._incoming(name).unlink(missing_ok=True)

    def inventory(self) -> dict[str, int]:
        """Every file the store holds, finished or not, with its size (tests compare it before and after)."""
        if not self.root.is_dir():
            return {}
        return {str(p.relative_to(self.root)): p.stat().st_size for p in self.root.rglob("*") if p.is_file()}

    def unfinished(self) -> list[str]:
        """Names of uploads still arriving (tests compare them before and after a refusal)."""
        folder = self.root / ".incoming"
        return sorted(p.name.removesuffix(".tus") for p in folder.glob("*.tus")) if folder.is_dir() else []
