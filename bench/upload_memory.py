"""Server memory and throughput while a large upload streams through the attachment parser, against a bare sink.

    python -m bench.upload_memory                 # 1 GB through gunicorn (the production server)
    python -m bench.upload_memory --size-mb 64    # a quick run
    python -m bench.upload_memory --server werkzeug

Baselines, measured in the same run on the same server type: a bare WSGI sink that drops the body, and one
that writes it to a file (on most machines the disk, not the parser, is the limit). Each target runs in its own
fresh server process on 127.0.0.1; the client
streams a generated multipart body (an MP4 header, then filler) with a known Content-Length and never holds it
in memory. The server's peak RSS growth is read from /proc/<pid>/status (VmHWM after resetting it through
clear_refs, cross-checked by sampling VmRSS), throughput as MB/s and as a ratio to the bare WSGI sink.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

MB = 1024 * 1024
CHUNK = MB
BOUNDARY = "benchBoundary7MA4YWxkTrZu0gW"


# --- the server side -------------------------------------------------------------------------------------

def sink_app(environ, start_response):
    """The baseline: a bare WSGI app that reads the body in chunks and drops it."""
    received = _read_body(environ, lambda chunk: None)
    body = json.dumps({"received": received}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def disk_sink_app(environ, start_response):
    """The second baseline: a bare WSGI app that writes the raw body to a file (what the disk allows)."""
    fd, name = tempfile.mkstemp(dir=os.environ["BENCH_UPLOAD_DIR"], suffix=".sink")  # as the parser opens its files
    try:
        with os.fdopen(fd, "w+b") as target:
            received = _read_body(environ, target.write)
    finally:
        os.unlink(name)
    body = json.dumps({"received": received}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _read_body(environ, consume) -> int:
    stream = environ["wsgi.input"]
    left = int(environ.get("CONTENT_LENGTH") or 0)
    received = 0
    while left > 0:
        chunk = stream.read(min(64 * 1024, left))
        if not chunk:
            break
        consume(chunk)
        received += len(chunk)
        left -= len(chunk)
    return received


def upload_app():
    """A tiny Flask app of its own (no product route) using the attachment module as the product does."""
    from flask import Flask, jsonify, request

    import settings
    from tickets.attachments import discard, parse_upload_request, store_upload, uploaded_files
    from tickets.uploads import UploadRequest

    app = Flask(__name__)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.update(
        ATTACHMENT_DIR=os.environ["BENCH_UPLOAD_DIR"], ATTACHMENT_MAX_MB=64 * 1024, ATTACHMENT_MAX_REQUEST_MB=64 * 1024
    )
    app.request_class = UploadRequest

    @app.get("/")
    def ready():
        return "ok"

    @app.post("/upload")
    def upload():
        _form, files = parse_upload_request(request)
        if request.args.get("store") == "0":  # parse only: the part the streaming parser is responsible for
            return jsonify(received=[f.stream.size for f in files.values()])
        stored = [store_upload(file, "video") for file in uploaded_files(files, "video")]
        for item in stored:
            discard(item)  # the bench keeps nothing
        return jsonify(received=[item.size for item in stored], sha256=[item.sha256 for item in stored])

    return app


def build(target: str):
    """gunicorn's entry point: ``bench.upload_memory:build('sink')``, ``build('disk-sink')`` or ``build('app')``."""
    return {"sink": sink_app, "disk-sink": disk_sink_app}.get(target) or upload_app()


def _serve_werkzeug(target: str, port: int) -> None:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # keep the table readable
            pass

    make_server("127.0.0.1", port, build(target), threaded=True, request_handler=Quiet).serve_forever()


# --- the client side -------------------------------------------------------------------------------------

class MultipartBody:
    """A multipart body of ``size`` file bytes produced chunk by chunk; len() lets requests send Content-Length."""

    def __init__(self, size: int) -> None:
        self.head = (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"what_done\"\r\n\r\nbench\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"big.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        # ftyp, then an mdat box whose size 0 means "to the end of the file": a valid MP4 start of any length.
        self.file_head = (24).to_bytes(4, "big") + b"ftypisom" + bytes(4) + b"isomiso2" + bytes(4) + b"mdat"
        self.size = size
        self.filler = bytes(range(256)) * (CHUNK // 256)

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield self.file_head
        left = self.size - len(self.file_head)
        while left > 0:
            piece = self.filler if left >= CHUNK else self.filler[:left]
            yield piece
            left -= len(piece)
        yield self.tail


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class Result:
    label: str
    seconds: float
    rss_before_mb: float
    peak_growth_mb: float
    sampled_growth_mb: float


def _best(results: list[Result]) -> Result:
    """The fastest run's time, and the worst memory growth seen in any run."""
    fastest = min(results, key=lambda r: r.seconds)
    return Result(
        fastest.label,
        fastest.seconds,
        max(r.rss_before_mb for r in results),
        max(r.peak_growth_mb for r in results),
        max(r.sampled_growth_mb for r in results),
    )


class Server:
    """One server process for one target; ``pid`` is the process that handles requests (gunicorn's worker)."""

    def __init__(self, kind: str, target: str, directory: Path) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = dict(os.environ, BENCH_UPLOAD_DIR=str(directory), PYTHONPATH=os.getcwd())
        if kind == "gunicorn":
            command = [
                sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                "--timeout", "900", "--log-level", "warning", f"bench.upload_memory:build({target!r})",
            ]
        else:
            command = [sys.executable, "-m", "bench.upload_memory", "--serve", target, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env)
        self.url = f"http://127.0.0.1:{self.port}"
        try:
            self._wait_ready()
            self.pid = self.process.pid
            if kind == "gunicorn":
                workers = _children(self.process.pid)
                if len(workers) != 1:
                    raise RuntimeError(f"expected one gunicorn worker, found {workers}")
                self.pid = workers[0]
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except requests.RequestException:  # not listening yet, or still importing the app
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _upload(url: str, size: int) -> float:
    body = MultipartBody(size)
    started = time.perf_counter()
    response = requests.post(
        url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, timeout=900
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    answer = response.json()
    received = answer["received"]
    expected = len(body) if "sha256" not in answer and isinstance(received, int) else [size]
    if received != expected:
        raise RuntimeError(f"server received {received}, expected {expected}")
    return elapsed


def measure(kind: str, label: str, target: str, path: str, size: int, directory: Path) -> Result:
    server = Server(kind, target, directory)
    try:
        _upload(server.url + path, 64 * 1024)  # warm up: imports, first request, buffers
        rss_before = _status_kb(server.pid, "VmRSS")
        try:  # "5" resets the peak (VmHWM) to the current RSS, so the peak below is this upload's alone
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            reset = True
        except OSError:
            reset = False
        sampled = [rss_before]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                try:
                    sampled.append(_status_kb(server.pid, "VmRSS"))
                except (OSError, RuntimeError):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds = _upload(server.url + path, size)
        done.set()
        sampler.join()
        peak = _status_kb(server.pid, "VmHWM") if reset else max(sampled)
        return Result(label, seconds, rss_before / 1024, (peak - rss_before) / 1024, (max(sampled) - rss_before) / 1024)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="upload size in MB (default 1024)")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn")
    parser.add_argument("--repeat", type=int, default=3, help="runs per target; the best time is reported")
    parser.add_argument("--serve", choices=("sink", "disk-sink", "app"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve_werkzeug(args.serve, args.port)
        return 0

    size = args.size_mb * MB
    directory = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    try:
        targets = [
            ("bare WSGI sink (baseline)", "sink", "/"),
            ("bare WSGI sink writing to disk", "disk-sink", "/"),
            ("attachments: parse (stream to disk)", "app", "/upload?store=0"),
            ("attachments: parse + store (sniff, sha256)", "app", "/upload"),
        ]
        runs: dict[str, list[Result]] = {label: [] for label, _, _ in targets}
        for _ in range(args.repeat):  # round-robin, so a burst of load elsewhere hits every row alike
            for label, target, path in targets:
                runs[label].append(measure(args.server, label, target, path, size, directory))
        rows = [_best(results) for results in runs.values()]
        leftovers = [p for p in directory.rglob("*") if p.is_file()]
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    sink, disk = rows[0].seconds, rows[1].seconds
    print(
        f"\nUpload of {args.size_mb} MB over loopback, server: {args.server} (a fresh process per run), "
        f"best of {args.repeat} runs, {os.cpu_count()} CPUs"
    )
    columns = ("seconds", 8), ("MB/s", 7), ("x sink", 7), ("x disk", 7), ("RSS before", 11), ("peak growth", 12)
    print(f"{'target':<44} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for row in rows:
        print(
            f"{row.label:<44} {row.seconds:>8.2f} {args.size_mb / row.seconds:>7.0f} {sink / row.seconds:>7.2f}"
            f" {disk / row.seconds:>7.2f} {row.rss_before_mb:>9.1f}MB {row.peak_growth_mb:>10.1f}MB"
        )
    print("x sink / x disk: throughput as a fraction of the bare sink that drops the body / writes it to a file.")
    spread = max(abs(r.peak_growth_mb - r.sampled_growth_mb) for r in rows)
    print("peak growth: the server process's peak RSS during the upload minus its RSS before it, worst run "
          f"(VmHWM; sampled VmRSS agrees within {spread:.1f} MB).")
    print(f"files left in the upload directory afterwards: {len(leftovers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
