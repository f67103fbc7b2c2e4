"""Real servers for benchmarks and load tests: the app under gunicorn (deploy/gunicorn.conf.py) as a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, killed if it lingers."""

    log: Any
    process: subprocess.Popen | None

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Gunicorn(_Process):
    """``gunicorn -c deploy/gunicorn.conf.py [wsgi_app]`` on a free loopback port, with the given settings as env."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4, wsgi_app: str | None = None,
                 port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.wsgi_app = wsgi_app
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-c", str(CONF)]
        if self.wsgi_app:
            command.append(self.wsgi_app)
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout} s:\n{self.output()[-3000:]}")


    def worker_pids(self) -> list[int]:
        """The master's children: the workers, which serve every request."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def cpu_seconds(self) -> float:
        """User + system CPU of every worker so far (/proc/<pid>/stat utime and stime, all its threads)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a worker recycled meanwhile
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
        return total / tick

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


class Worker(_Process):
    """``flask delivery run`` as its own process, as production runs it."""

    def __init__(self, env: dict[str, str], name: str = "worker"):
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "FLASK_APP": "app", **env}
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "delivery", "run"], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        return self

