"""Measurements, each run from the repository root as `python -m bench.NAME` (see its docstring)."""

from __future__ import annotations

from collections.abc import Callable


def run(main: Callable[[list[str] | None], object], argv: list[str] | None = None) -> None:
    """Run a bench's `main`: a missing or damaged checkpoint or data file ends it in one line of advice."""
    from digitnet.storage.checkpoint import CheckpointError  # imported here: `import bench` stays light

    try:
        main(argv)
    except (CheckpointError, FileNotFoundError) as error:  # their messages say what to do, as the CLI prints them
        raise SystemExit(f"error: {error}") from None
