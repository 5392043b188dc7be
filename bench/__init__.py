"""Measurements, each run from the repository root as `python -m bench.NAME` (see its docstring)."""
