"""The sandbox's mail catcher: a local SMTP server that keeps every message as a file the Mail page lists.

Development only: ``scripts/dev`` runs ``python -m sandbox.mailbox --dir instance/sandbox-mail --port N`` and
points the app's SMTP settings at it through its own environment; production settings never name it.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

NAME_RE = re.compile(r"^[0-9]{16}-[0-9a-f]{32}\.eml$")


@dataclass
class Mail:
    """One caught message, as the Mail page shows it."""

    name: str
    received: float
    subject: str
    sender: str
    recipients: str
    language: str
    text: str
    html: str

    @property
    def when(self) -> datetime:
        """When the catcher took it, in UTC (the pages show it in their language: ``|time_element``)."""
        return datetime.fromtimestamp(self.received, UTC).replace(tzinfo=None)


def mail_dir(data_dir: Path) -> Path:
    """Where the catcher keeps messages: beside the app's SQLite database (``sandbox.data_dir``)."""
    return Path(data_dir) / "sandbox-mail"


def store(directory: Path, raw: bytes, recipients: list[str]) -> Path:
    """Keep one message (atomically: a reader never sees half a file); the envelope's recipients go first."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns() // 1000:016d}-{uuid.uuid4().hex}.eml"
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(b"X-Envelope-To: " + ", ".join(recipients).encode() + b"\r\n" + raw)
    os.replace(tmp, directory / name)
    return directory / name


def _parse(path: Path) -> Mail:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore[assignment]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return Mail(
        name=path.name,
        received=int(path.name[:16]) / 1_000_000,
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        recipients=str(message.get("X-Envelope-To") or message.get("To", "")),
        language=str(message.get("Content-Language", "")),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
    )


def messages(directory: Path) -> list[Mail]:
    """Every caught message, newest first."""
    if not directory.is_dir():
        return []
    return [_parse(path) for path in sorted(directory.glob("*.eml"), reverse=True) if NAME_RE.match(path.name)]


def message(directory: Path, name: str) -> Mail | None:
    """One message by its file name; None for a name that is not one of ours (no path tricks)."""
    path = directory / name
    return _parse(path) if NAME_RE.match(name) and path.is_file() else None


class _Handler:
    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        store(self.directory, envelope.original_content or envelope.content, list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def serve(directory: Path, port: int, host: str = "127.0.0.1") -> None:
    """Run the catcher until SIGTERM or SIGINT."""
    from aiosmtpd.controller import Controller

    controller = Controller(_Handler(directory), hostname=host, port=port)
    controller.start()
    print(f"  Mail catcher on smtp://{host}:{port}, keeping messages in {directory}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args()
    serve(args.dir, args.port)
