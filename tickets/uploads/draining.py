"""Reading and dropping the rest of a refused body, so the client reads our answer instead of a reset."""

from __future__ import annotations

import time
from typing import IO

from werkzeug.exceptions import ClientDisconnected

from tickets.uploads.limits import CHUNK


def drain_body(stream: IO[bytes], limit: int, seconds: float = 10.0) -> None:
    """Read and drop what the client is still sending, up to a bound.

    A server that answers 413 and closes while the body is still arriving makes the client see a connection
    reset instead of our message; swallowing a bounded remainder lets it read the answer. Past the bound
    (or the time), the connection is simply closed.
    """
    deadline = time.monotonic() + seconds
    left = limit
    try:
        while left > 0 and time.monotonic() < deadline:
            chunk = stream.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
    except (OSError, ClientDisconnected):
        return
