"""The app as gunicorn serves it in production, plus one bare endpoint: the benchmarks' baseline in the same server."""

from __future__ import annotations

from app import create_app

app = create_app()


@app.get("/bench/bare")
def bare() -> str:
    """Flask routing and response, our after_request hooks included, and nothing else."""
    return "ok"
