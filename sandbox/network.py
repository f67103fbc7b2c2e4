"""The sandbox on a loopback port, served as the internet in front of Bitrix24 serves the platform: connections
are kept alive, and a new one costs its handshakes (SandboxState.handshake) and is counted, so a client that keeps
its connections is measured and tested as one and a client that opens one per call pays as it would.

Bitrix24's servers speak HTTP/1.1, whose connections persist unless a side says ``Connection: close`` (RFC 9112
§9.3). werkzeug's development server closes every connection after one answer and drains the socket after each
("Always close the connection", werkzeug/serving.py), so it cannot stand in; waitress keeps connections and runs
each request on a worker thread, where the handshake's wait is slept without stalling the others.
"""

from __future__ import annotations

import threading

from flask import Flask
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

IDLE_SECONDS = 30  # a kept connection nobody uses is closed after this long, as a server's keep-alive timeout does


class _Task(WSGITask):
    def execute(self) -> None:
        channel = self.channel
        if not getattr(channel, "handshake_paid", False):  # the connection's first request
            channel.handshake_paid = True
            channel.server.sandbox.handshake()
        super().execute()


class _Channel(HTTPChannel):
    task_class = _Task


class SandboxServer:
    """``app`` (create_sandbox_app) on 127.0.0.1 in a thread; ``url`` once constructed, serving after start()."""

    def __init__(self, app: Flask, port: int = 0, threads: int = 16):
        self._server = create_server(app, host="127.0.0.1", port=port, threads=threads,
                                     channel_timeout=IDLE_SECONDS, ident="sandbox")
        self._server.channel_class = _Channel
        self._server.sandbox = app.extensions["sandbox"]  # the SandboxState whose round trip a handshake costs
        self.port = self._server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.run, name="sandbox-server", daemon=True)

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket and every kept connection on the server's own thread (closing them from
        another while it polls them is a race), which then ends with the last one."""
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown(timeout=5)
