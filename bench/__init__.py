"""Benchmarks: `make bench` runs them all (bench/run.py) and prints one table."""
