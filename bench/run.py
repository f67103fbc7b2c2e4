"""Run every benchmark in bench/ and print one table: ``python -m bench.run [--full] [--only NAME ...]``.

A benchmark module joins the table by exposing ``run(full: bool = False) -> list[Row]`` (``bench.http.Row``:
bench, case, value, unit, ratio to its same-run baseline, note). A module that is only a script
(``python -m bench.<name>`` printing its own figures) is run as a subprocess and its output shown verbatim, with
the arguments SCRIPT_ARGS gives it. Small sizes by default; ``--full`` passes the big sizes on.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.http import Row, print_table

HERE = Path(__file__).resolve().parent
# Helpers of the suite, not benchmarks (a benchmark is a module runnable with ``python -m``).
NOT_BENCHMARKS = {"__init__", "run", "servers", "stack", "wsgi", "load", "filing", "scale_data"}
# The order the table reads best in; anything else found in bench/ follows alphabetically.
ORDER = ["http", "upload_memory", "resumable_upload", "delivery", "scale"]
# Script-only benchmarks: (arguments for the quick default run, arguments for --full). Their own defaults differ:
# scale defaults to the full 100,000 portals / 1,000,000 tickets, upload_memory to a 1 GB upload.
SCRIPT_ARGS: dict[str, tuple[list[str], list[str]]] = {
    "upload_memory": (["--size-mb", "128", "--repeat", "1"], ["--size-mb", "1024"]),
    "resumable_upload": (["--size-mb", "64"], ["--size-mb", "1024"]),
    "delivery": (["--messages", "200", "--tickets", "200"], []),
    "scale": (["--small"], []),
}


def discover() -> list[str]:
    found = {
        p.stem for p in HERE.glob("*.py")
        if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_") and "__main__" in p.read_text()
    }
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def run_one(name: str, full: bool) -> tuple[list[Row], str]:
    """(rows for the table, verbatim output of a script-only benchmark)."""
    module = importlib.import_module(f"bench.{name}")
    if callable(getattr(module, "run", None)):
        return list(module.run(full=full)), ""
    quick, big = SCRIPT_ARGS.get(name, ([], ["--full"]))
    command = [sys.executable, "-m", f"bench.{name}", *(big if full else quick)]
    done = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return [], done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the big sizes (minutes, not seconds)")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks (module names)")
    args = parser.parse_args()
    names = [n for n in discover() if not args.only or n in args.only]
    rows: list[Row] = []
    verbatim: list[tuple[str, str]] = []
    failed = 0
    for name in names:
        started = time.monotonic()
        print(f"running bench.{name} ...", file=sys.stderr, flush=True)
        try:
            got, text = run_one(name, args.full)
        except Exception as exc:
            failed += 1
            traceback.print_exc(file=sys.stderr)
            rows.append(Row(name, "(failed)", None, "", None, f"{exc.__class__.__name__}: {str(exc)[:200]}"))
            continue
        rows.extend(got)
        if text:
            verbatim.append((name, text))
        print(f"  done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if rows:
        print_table(rows)
    for name, text in verbatim:
        print(f"\n== bench.{name}\n{text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
