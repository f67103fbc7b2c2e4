"""Benchmarks: one script per concern, each runnable as ``python -m bench.<name>``."""
