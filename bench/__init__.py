"""Benchmarks, one script per concern (``python -m bench.<name>``); ``python -m bench.run`` runs them all, one table."""
