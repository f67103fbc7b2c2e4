"""gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py`` (every value can come from the env)."""

from __future__ import annotations

import multiprocessing
import os
import tempfile

from gunicorn import glogging

wsgi_app = "app:create_app()"

# Behind nginx on the same host: loopback. On a platform that injects PORT (Heroku-like), listen on it.
bind = os.environ.get("BIND") or (f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# Threads, not sync workers: an upload of several hundred MB from a slow office line can take many minutes,
# and a sync worker would sit blocked (and be killed at `timeout`). With gthread a long upload holds one
# thread while the worker's heartbeat keeps running, so `timeout` only catches a truly hung process.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 60)
keepalive = 5
# Recycle workers now and then so slow leaks in any library never add up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 5000)
max_requests_jitter = 500

# Only the proxy may say which scheme the client used (X-Forwarded-Proto); the app's PROXY_FIX does the rest.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Our own JSON line per request (ops/logging.py) replaces the access log; errors go to stderr as JSON too.
accesslog = None


class Logger(glogging.Logger):
    """gunicorn's logger without the access log: with a logconfig_dict gunicorn would still build every request's
    access-log fields, only for "gunicorn.access" to drop them."""

    def access(self, resp, req, environ, request_time) -> None:
        pass


logger_class = Logger
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ops.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
}

# Each worker builds its own app and database pool: forking a shared pool would share sockets between processes.
preload_app = False

# prometheus_client's multiprocess mode: every worker writes its metric values to files in this directory and
# /metrics sums them. Set before any worker imports prometheus_client (it picks its value store at import). A
# fresh directory per start unless the operator names one, so no values of an earlier run are summed in.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="b24desk-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    """A worker ended (recycled by max_requests, or died): its live gauges must no longer be summed."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
