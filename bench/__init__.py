"""Benchmarks: ``python -m bench.run`` runs them all and prints one table of ratios measured in the same run."""
