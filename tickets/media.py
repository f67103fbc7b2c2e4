"""Poster frames for attached videos, made by ffmpeg where it is installed (Debian's package); none without it.

The console shows the poster before a video is played. A poster is made once, on the first request, from the
stored file (a path for the local folder, a short-lived presigned URL for S3), and kept in the store beside the
video as ``<storage name>poster``. ffmpeg reads untrusted files: it runs with a timeout, no stdin, only the one
protocol the source needs, and its output is a single small JPEG.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from flask import current_app

from tickets.models import Attachment
from tickets.storage import current_store

POSTER_SUFFIX = "poster"
TIMEOUT = 30


def ffmpeg() -> str | None:
    """The ffmpeg executable (FFMPEG setting, else PATH), or None where it is not installed."""
    return shutil.which(current_app.config.get("FFMPEG") or "ffmpeg")


def poster_available() -> bool:
    return ffmpeg() is not None


def poster(attachment: Attachment) -> bytes | None:
    """The video's poster as JPEG bytes, made now if need be; None without ffmpeg or for a file it cannot read."""
    if not attachment.content_type.startswith("video/"):
        return None
    store = current_store()
    name = attachment.storage_name + POSTER_SUFFIX
    if store.size(name) is not None:
        return b"".join(store.chunks(name))
    executable = ffmpeg()
    if executable is None:
        return None
    source, protocols = store.tool_input(attachment.storage_name)
    image = None
    for at in ("1", "0"):  # a second in, past a black first frame; the very start for a shorter video
        image = _frame(executable, source, protocols, at)
        if image:
            break
    if not image:
        return None
    fd, temp = tempfile.mkstemp(suffix=".part", dir=current_app.config["ATTACHMENT_DIR"])
    with os.fdopen(fd, "wb") as out:
        out.write(image)
    if not store.keep_file(temp, name):
        os.unlink(temp)
    return image


def _frame(executable: str, source: str, protocols: str, at: str) -> bytes | None:
    command = [
        executable, "-nostdin", "-v", "error", "-protocol_whitelist", protocols, "-ss", at, "-i", source,
        "-frames:v", "1", "-vf", "scale='min(640,iw)':-2", "-f", "image2", "-c:v", "mjpeg", "pipe:1",
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout.startswith(b"\xff\xd8") else None
