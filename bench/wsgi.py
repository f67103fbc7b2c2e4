"""The app as gunicorn serves it in production, plus one bare endpoint: the benchmarks' baseline in the same server.

Also the b24pysdk peer (bench/peer.py), and a count of SQL statements and pool check-outs per request for the
requests that ask for it (header X-Bench-Count), from the first byte in to the response closed, appended to
BENCH_STATS_DIR/<pid>.jsonl; the REST log's writer thread, which writes many requests' rows at once, on lines of
its own.
"""

from __future__ import annotations

import json
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from werkzeug.wsgi import ClosingIterator

from app import create_app
from b24.calls import JOURNAL_THREAD
from bench import peer
from bench.stack import BACKGROUND

app = create_app()
peer.register(app)

_counting = threading.local()


@app.get("/bench/bare")
def bare() -> str:
    """Flask routing and response, our after_request hooks included, and nothing else."""
    return "ok"


@event.listens_for(Engine, "before_cursor_execute")
def _statement(*_args) -> None:
    if getattr(_counting, "on", False):
        _counting.sql += 1
    elif threading.current_thread().name == JOURNAL_THREAD:
        _background("sql")


@event.listens_for(Pool, "checkout")
def _checkout(*_args) -> None:
    if getattr(_counting, "on", False):
        _counting.checkouts += 1
    elif threading.current_thread().name == JOURNAL_THREAD:
        _background("checkouts")


def _background(kind: str) -> None:
    """A statement or check-out of the REST log's writer (b24.calls), which writes the rows of many requests
    at once off their threads: recorded on its own line, for bench.http to share among the counted requests."""
    directory = os.environ.get("BENCH_STATS_DIR")
    if directory:
        with open(os.path.join(directory, f"{os.getpid()}.jsonl"), "a") as out:
            out.write(json.dumps({"case": BACKGROUND, kind: 1}) + "\n")


def _counted(wsgi_app):
    directory = os.environ.get("BENCH_STATS_DIR")

    def middleware(environ, start_response):
        case = environ.get("HTTP_X_BENCH_COUNT")
        if not case or not directory:
            return wsgi_app(environ, start_response)
        _counting.on, _counting.sql, _counting.checkouts = True, 0, 0

        def done() -> None:
            _counting.on = False
            line = json.dumps({"case": case, "sql": _counting.sql, "checkouts": _counting.checkouts})
            with open(os.path.join(directory, f"{os.getpid()}.jsonl"), "a") as out:
                out.write(line + "\n")

        return ClosingIterator(wsgi_app(environ, start_response), [done])

    return middleware


app.wsgi_app = _counted(app.wsgi_app)
