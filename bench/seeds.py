"""Is the recipe stable? Train with several seeds (defaults otherwise) and report test accuracy mean +- sd.

Each run takes as long as `python train.py` (9-19 minutes on two quiet cores). Checkpoints go to a
temp folder; the committed one is not touched.

    python -m bench.seeds --seeds 0 1 2 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import train
from bench import run


def main(argv: list[str] | None = None) -> None:
    """Train once per seed and print each run's figures, then the mean and standard deviation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to train with (default 0 1 2)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    accuracies = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            flags = ["--seed", str(seed), "--out", str(Path(folder) / f"seed{seed}.pt")]
            metrics = train.main(flags + (["--data-dir", args.data_dir] if args.data_dir else []))
            accuracies.append(metrics["test"]["accuracy"])
            print(
                f"seed {seed}: test {metrics['test']['accuracy']:.2%}, val {metrics['val']['accuracy']:.2%}, "
                f"drawn val {metrics['val_drawn']['accuracy']:.2%}, ECE {metrics['test']['ece']:.2%}, "
                f"{metrics['train']['seconds']:.0f} s",
                flush=True,
            )
    sd = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(f"test accuracy over seeds {args.seeds}: {statistics.mean(accuracies):.2%} +- {sd:.2%} (sd)")


if __name__ == "__main__":
    run(main)
