"""Benchmarks with their bare baselines, run in the same process tree: `python -m bench NAME`.

Never part of the timed test suite. Everything listens on 127.0.0.1 only.
"""
