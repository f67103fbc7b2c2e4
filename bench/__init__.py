"""Benchmarks, one script per concern, each run as ``python -m bench.<name>`` and reporting against a baseline."""
