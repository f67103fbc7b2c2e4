"""A resumable (tus) upload in 8 MB pieces through gunicorn: server memory and throughput against a bare WSGI sink.

    python -m bench.resumable_upload                  # 64 MB
    python -m bench.resumable_upload --size-mb 1024   # 1 GB (what ``python -m bench.run --full`` runs)

Rows, each in a fresh one-worker gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1, measured in the same run:
a bare WSGI sink that answers the same POST + PATCH sequence and drops the bytes (the baseline); the app's tus
endpoint storing into the local folder; the same storing into S3 (moto's server as its own process on loopback);
and, as the S3 server's own ceiling, boto3 sending the same bytes straight to it as a multipart upload. The
client creates the upload with a real form token, then PATCHes 8 MB pieces at Upload-Offset; the app's time
includes the final read-back that hashes and sniffs the file. Peak RSS growth of the gunicorn worker comes from
/proc (VmHWM after a clear_refs reset, as in bench.upload_memory).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.servers import ROOT, Gunicorn, free_port
from bench.upload_memory import _children, _status_kb

MB = 1024 * 1024
PIECE = 8 * MB
TUS = {"Tus-Resumable": "1.0.0"}


# --- the baseline server --------------------------------------------------------------------------------

def sink(environ, start_response):
    """Answers the tus requests the client sends (201 with a Location, 204 with the new offset), drops the bytes."""
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if path == "/healthz":
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]
    if method == "POST":
        start_response("201 Created", [("Location", "/u/sink"), ("Upload-Offset", "0"), ("Content-Length", "0")])
        return [b""]
    stream, left = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    offset = int(environ.get("HTTP_UPLOAD_OFFSET") or 0) + left
    while left > 0:
        chunk = stream.read(min(64 * 1024, left))
        if not chunk:
            break
        left -= len(chunk)
    start_response("204 No Content", [("Upload-Offset", str(offset)), ("Content-Length", "0")])
    return [b""]


# --- the client -----------------------------------------------------------------------------------------

def pieces(size: int):
    """The file, 8 MB at a time: an MP4 start (ftyp, then mdat to the end) so the app's sniffing accepts it."""
    head = (24).to_bytes(4, "big") + b"ftypisom" + bytes(4) + b"isomiso2" + bytes(4) + b"mdat"
    filler = bytes(range(256)) * (PIECE // 256)
    sent = 0
    while sent < size:
        piece = filler[: min(PIECE, size - sent)]
        if sent == 0:
            piece = head + piece[len(head):]
        yield piece
        sent += len(piece)


def tus_upload(base: str, endpoint: str, token_header: dict, size: int) -> None:
    created = requests.post(base + endpoint, headers={
        **TUS, **token_header, "Upload-Length": str(size), "Upload-Metadata": "filename YmVuY2gubXA0,role dmlkZW8=",
    }, timeout=60)
    if created.status_code != 201:
        raise RuntimeError(f"create: {created.status_code} {created.text[:300]}")
    url = requests.compat.urljoin(base + endpoint, created.headers["Location"])
    offset = 0
    with requests.Session() as session:
        for piece in pieces(size):
            answer = session.patch(url, data=piece, timeout=900, headers={
                **TUS, **token_header, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
            })
            if answer.status_code != 204:
                raise RuntimeError(f"patch at {offset}: {answer.status_code} {answer.text[:300]}")
            offset += len(piece)
            if int(answer.headers["Upload-Offset"]) != offset:
                raise RuntimeError(f"server says {answer.headers['Upload-Offset']}, sent {offset}")


@dataclass
class Result:
    label: str
    seconds: float
    peak_growth_mb: float | None


def measure(label: str, server: Gunicorn | None, run) -> Result:
    """Time ``run()``; with a server, its one worker's peak RSS growth during it."""
    pid = None
    if server is not None:
        [pid] = _children(server.process.pid)
        before = _status_kb(pid, "VmRSS")
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := current RSS
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    growth = (_status_kb(pid, "VmHWM") - before) / 1024 if pid else None
    return Result(label, seconds, growth)


# --- the app's side -------------------------------------------------------------------------------------

def prepare_app(directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A scratch SQLite database with one portal, and a form token of it; returns (server env, token header)."""
    env = {
        "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}", "SECRET_KEY": "bench-secret",
        "ATTACHMENT_DIR": str(directory / "attachments"), "ATTACHMENT_MAX_MB": "65536", "RATE_LIMITS_OFF": "1",
        "LOG_LEVEL": "WARNING", "FRAME_TOKEN_TTL": "86400",
    }
    from app import create_app
    from b24.models import Portal
    from database import db
    from placements import frame_tokens
    from placements.frame_tokens import FORM, Visitor

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"],
                      "FRAME_TOKEN_TTL": 86400})
    with app.app_context(), app.test_request_context():
        db.create_all()
        portal = Portal(member_id=uuid.uuid4().hex, domain="bench.bitrix24.test", status="active", settings={})
        db.session.add(portal)
        db.session.commit()
        visitor = Visitor(portal.id, portal.member_id, 1, "Bench", "bench@example.test", True, "en",
                          {"portal": {"domain": portal.domain, "protocol": "https"}})
        token = frame_tokens.issue(visitor, FORM)
        db.engine.dispose()
    return env, {"Upload-Form-Token": token}


def start_s3() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(endpoint, timeout=1)
            return process, endpoint
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("moto server did not start")


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench-secret")


def boto3_straight(endpoint: str, bucket: str, size: int) -> None:
    """The S3 server's own ceiling: the same pieces as a multipart upload, no app in between."""
    client = s3_client(endpoint)
    key = f"straight/{uuid.uuid4().hex}"
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, piece in enumerate(pieces(size), start=1):
        etag = client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=piece)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})
    client.delete_object(Bucket=bucket, Key=key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=64, help="upload size in MB (default 64; 1024 for the full run)")
    args = parser.parse_args(argv)
    size = args.size_mb * MB
    directory = Path(tempfile.mkdtemp(prefix="bench-tus-"))
    s3, endpoint = start_s3()
    results: list[Result] = []
    try:
        env, token = prepare_app(directory)
        bucket = "bench-attachments"
        s3_client(endpoint).create_bucket(Bucket=bucket)
        endpoint_path = "/placements/support/uploads"
        with Gunicorn({}, workers=1, threads=1, wsgi_app="bench.resumable_upload:sink") as server:
            tus_upload(server.url, endpoint_path, token, PIECE)  # warm up
            results.append(measure("bare WSGI sink (baseline)", server,
                                   lambda: tus_upload(server.url, endpoint_path, token, size)))
        for label, extra in (
            ("tus -> local folder", {}),
            ("tus -> S3 (moto server on loopback)", {
                "ATTACHMENT_STORAGE": f"s3://{bucket}/bench", "S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench-secret", "S3_PART_MB": "8",
            }),
        ):
            with Gunicorn({**env, **extra}, workers=1, threads=1) as server:
                tus_upload(server.url, endpoint_path, token, PIECE)  # warm up: imports, first query, first part
                results.append(measure(label, server, lambda s=server: tus_upload(s.url, endpoint_path, token, size)))
        results.append(measure("S3 server alone: boto3 multipart, no app", None,
                               lambda: boto3_straight(endpoint, bucket, size)))
        leftovers = [p for p in (directory / "attachments" / ".incoming").glob("*") if p.is_file()]
    finally:
        s3.terminate()
        s3.wait(timeout=20)
        shutil.rmtree(directory, ignore_errors=True)

    sink_seconds = results[0].seconds
    print(f"\nResumable upload of {args.size_mb} MB in {PIECE // MB} MB tus pieces over loopback, gunicorn "
          f"(deploy/gunicorn.conf.py, one gthread worker with one thread) per row, {os.cpu_count()} CPUs")
    print(f"{'target':<44} {'seconds':>8} {'MB/s':>7} {'x sink':>7} {'peak RSS growth':>16}")
    for row in results:
        growth = "-" if row.peak_growth_mb is None else f"{row.peak_growth_mb:.1f} MB"
        print(f"{row.label:<44} {row.seconds:>8.2f} {args.size_mb / row.seconds:>7.0f} "
              f"{sink_seconds / row.seconds:>7.2f} {growth:>16}")
    print("x sink: throughput as a fraction of the bare sink's. The app rows include hashing and sniffing the "
          "finished file (one read back from its store).")
    print(f"temp files left under .incoming: {len(leftovers)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
