"""`python train.py numbers`: train the number reader and write it beside the digit model, with its metrics.

python train.py numbers                        # reproduces checkpoints/digitnet-numbers.pt and .json
python train.py numbers --smoke --out /tmp/n.pt  # a few batches, for tests
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict, replace
from itertools import pairwise
from pathlib import Path

import torch

from digitnet.constants import DEFAULT_CHECKPOINT
from digitnet.learning.data import resolve_data_dir
from digitnet.learning.number_data import make_examples
from digitnet.learning.number_training import NumberTrainConfig, choose, fit_numbers, read_logits
from digitnet.learning.replacement import RefusedError
from digitnet.learning.strips import StripConfig
from digitnet.model import count_parameters
from digitnet.number_model import NumberConfig, NumberNet
from digitnet.storage.checkpoint import CheckpointError, number_reader_path, read_checkpoint, save_with_metrics

CHOOSING_STRIPS = 2000  # strips of the choosing writers the temperature and threshold are chosen on
SMOKE_STRIPS = 96  # strips to train on with --smoke (and a third of that to choose on)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags; every default reproduces the committed reader."""
    t, s = NumberTrainConfig(), StripConfig()
    p = argparse.ArgumentParser(
        prog="train.py numbers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--strips", type=int, default=s.strips, help=f"training strips, made once (default {s.strips})")
    p.add_argument("--epochs", type=int, default=t.epochs, help=f"passes over the strips (default {t.epochs})")
    p.add_argument("--batch-size", type=int, default=t.batch_size, help=f"strips per step (default {t.batch_size})")
    p.add_argument("--lr", type=float, default=t.lr, help=f"peak one-cycle learning rate (default {t.lr})")
    p.add_argument("--seed", type=int, default=t.seed, help=f"seed for strips, weights and order (default {t.seed})")
    p.add_argument("--threads", type=int, default=t.threads, help=f"CPU threads (default {t.threads})")
    p.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    default_out = number_reader_path(DEFAULT_CHECKPOINT)
    p.add_argument(
        "--out", type=Path, default=default_out, help=f"checkpoint; metrics beside it (default {default_out})"
    )
    p.add_argument("--smoke", action="store_true", help=f"train a few batches on {SMOKE_STRIPS} strips (seconds)")
    p.add_argument("--force", action="store_true", help="replace --out even if it is not a checkpoint (default off)")
    return p.parse_args(argv)


def check_out(out: Path, force: bool) -> None:
    """Refuse, before training, an --out whose metrics would overwrite it or that holds something else."""
    if out.suffix == ".json":
        raise RefusedError(f"--out {out}: the metrics go beside it as .json. Name it e.g. {out.with_suffix('.pt')}.")
    if out.exists() and not force:
        try:
            read_checkpoint(out)
        except CheckpointError as error:
            raise RefusedError(f"{out} exists and is not a checkpoint: nothing was trained. Use --force.") from error


def main(argv: list[str] | None = None) -> dict:
    """Make the strips, train, choose temperature and threshold on the choosing writers, write checkpoint and JSON."""
    args = parse_args(argv)
    check_out(args.out, args.force)
    torch.set_num_threads(args.threads)
    config = replace(
        NumberTrainConfig(),
        epochs=1 if args.smoke else args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        max_batches=4 if args.smoke else None,
    )
    strips = replace(StripConfig(), strips=SMOKE_STRIPS if args.smoke else args.strips)
    data_dir = resolve_data_dir(args.data_dir)
    clock = [time.perf_counter()]
    train = make_examples(strips, "fit", strips.strips, args.seed, data_dir)
    choosing = make_examples(strips, "tune", SMOKE_STRIPS // 3 if args.smoke else CHOOSING_STRIPS, 1000, data_dir)
    clock.append(time.perf_counter())
    torch.manual_seed(args.seed)
    model = NumberNet(NumberConfig())
    history = fit_numbers(model, train, config)
    clock.append(time.perf_counter())
    chosen = choose(read_logits(model, choosing), [digits for _, digits in choosing])
    clock.append(time.perf_counter())
    parts = dict(zip(("strips", "epochs", "choosing"), (round(b - a, 1) for a, b in pairwise(clock)), strict=True))
    metrics = {
        "model": {"config": model.config.to_dict(), "parameters": count_parameters(model)},
        "train": {
            **asdict(config),
            "strips": asdict(strips),
            "seconds": round(clock[-1] - clock[0], 1),
            "cpu_seconds": round(time.process_time(), 1),  # all threads: on a loaded machine, the work done
            "seconds_by_part": parts,
            "load_average": os.getloadavg()[0],
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "smoke": args.smoke,
        },
        "history": history,
        **chosen,
        "versions": {"torch": str(torch.__version__), "python": platform.python_version()},
    }
    save_with_metrics(model, chosen["temperature"], metrics, args.out)
    print(json.dumps({k: v for k, v in chosen.items()}), f"\n{metrics['train']['seconds']:.0f}s; wrote {args.out}")
    return metrics
