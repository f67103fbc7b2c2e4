"""Fixtures for the ops load and fault tests: a local SMTP inbox and a private PostgreSQL cluster."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from bench.servers import free_port


class SmtpInbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it is given."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self._messages.append(message)
        return "250 OK"

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def start(self) -> SmtpInbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox().start()
    yield inbox
    inbox.stop()


class PrivateCluster:
    """A throwaway PostgreSQL cluster of its own (pg_createcluster), so restarting it disturbs no other test run."""

    def __init__(self, version: str):
        self.version = version
        self.name = f"b24fault{os.getpid()}"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, action: str) -> None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],
                       check=True, capture_output=True, timeout=60)

    def create(self) -> PrivateCluster:
        subprocess.run(["pg_createcluster", self.version, self.name, "-p", str(self.port), "--", "--auth=trust"],
                       check=True, capture_output=True, timeout=120)
        self.ctl("start")
        return self

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, timeout=120)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster (Debian's postgresql-common)")
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions:
        pytest.skip("no PostgreSQL server installed under /etc/postgresql")
    cluster = PrivateCluster(versions[-1]).create()
    yield cluster
    cluster.drop()
