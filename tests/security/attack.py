"""The attacker's kit: a snapshot of everything an attack could change, and raw HTTP to the app on loopback."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from database import db

# Bookkeeping a refusal may legitimately move: a rate-limit window counts attempts (that is its job), and the
# REST call log records the calls the app made to decide (user.admin
# asked before a refusal is a call the marketplace requires us to log). Everything else must be byte-for-byte the
# same after a refused attack.
BOOKKEEPING = {"rate_limit_window", "rest_call"}


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, tuple]
    files: tuple[str, ...]

    def differences(self, other: Snapshot) -> list[str]:
        changed = [name for name in self.rows if self.rows[name] != other.rows.get(name)]
        if self.files != other.files:
            changed.append(f"attachment folder: {sorted(set(self.files) ^ set(other.files))}")
        return changed


def take_snapshot(app) -> Snapshot:
    """Every row of every table (sorted, as stored) and every file under ATTACHMENT_DIR, .incoming included."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            found = db.session.execute(select(table)).all()
            rows[table.name] = tuple(sorted(tuple(map(repr, row)) for row in found))
        db.session.remove()
    folder = Path(app.config["ATTACHMENT_DIR"])
    files = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))) if folder.exists() else ()
    return Snapshot(rows, files)


def raw_request(base_url: str, head: str, body: bytes = b"", *, wait: float = 10.0) -> tuple[int, bytes, int]:
    """Send ``head`` (request line and headers) and ``body``, stopping as soon as the server answers.

    Returns (status, response bytes, body bytes sent). The body goes in 64 KB pieces; a server that refuses
    before reading answers while most of the body is still unsent, which the caller can see in the count.
    """
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(head.encode("latin-1"))
        sock.setblocking(False)
        sent, answer = 0, b""
        deadline = time.monotonic() + wait
        view = memoryview(body)
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
            except BlockingIOError:
                pass
            if sent < len(body):
                try:
                    sent += sock.send(view[sent:sent + 65536])
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.005)
            else:
                time.sleep(0.005)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer, sent


def chunked(pieces: int, size: int = 65536) -> bytes:
    """A chunked transfer-encoded body of ``pieces`` chunks of ``size`` bytes, terminated."""
    chunk = f"{size:x}\r\n".encode() + b"A" * size + b"\r\n"
    return chunk * pieces + b"0\r\n\r\n"
