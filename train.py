"""Train DigitNet on MNIST plus rendered pen-drawn digits; write the checkpoint and its metrics.

python train.py                       # the recipe of checkpoints/digitnet.pt and .json
python train.py --smoke --out /tmp/m.pt  # a few batches, for tests
python train.py numbers               # the number reader beside it (see digitnet/learning/number_run.py)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from digitnet.constants import DEFAULT_CHECKPOINT, NOT_A_DIGIT, NUM_CLASSES
from digitnet.learning import number_run
from digitnet.learning.augment import AugmentConfig
from digitnet.learning.data import DataConfig, load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.drawn import predict_drawn
from digitnet.learning.extra import ExtraDataError, held_out_scores
from digitnet.learning.metrics import (
    doubt_threshold,
    expected_calibration_error,
    fit_digit_temperature,
    not_digit_threshold,
    reliability,
    summarize,
)
from digitnet.learning.record import RunConfigs, build_metrics, mistake_records, run_record
from digitnet.learning.replacement import RefusedError, check_replacement, existing_model
from digitnet.learning.splits import NEGATIVE_SPLITS, Split, load_splits
from digitnet.learning.strokes import TEST_WRITERS
from digitnet.learning.training import TrainConfig, fit, pick_device, predict_logits
from digitnet.model import DigitNet, ModelConfig, softmax
from digitnet.reading.predictor import Predictor
from digitnet.storage.checkpoint import save_with_metrics
from digitnet.storage.corrections import CorrectionStoreError

VALIDATION = ("val", "val_drawn")  # the splits the temperature and thresholds are fitted on
MEASURED = ("test", "extra_held")  # digits only measured, never fitted on


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags; every default is the committed checkpoint's recipe (docs/experiments.md: channels-last)."""
    t, d = TrainConfig(), DataConfig()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=t.epochs, help=f"passes over the training data (default {t.epochs})")
    p.add_argument("--batch-size", type=int, default=t.batch_size, help=f"images per step (default {t.batch_size})")
    p.add_argument("--lr", type=float, default=t.lr, help=f"peak one-cycle learning rate (default {t.lr})")
    p.add_argument(
        "--seed", type=int, default=t.seed, help=f"seed for weights, order and augmentation (default {t.seed})"
    )
    p.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data, downloaded)")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_CHECKPOINT,
        help=f"checkpoint path; metrics go beside it as .json (default {DEFAULT_CHECKPOINT})",
    )
    p.add_argument("--device", default=t.device, help="cuda, mps, cpu or auto = the first available (default auto)")
    p.add_argument("--threads", type=int, default=t.threads, help=f"CPU threads (default {t.threads})")
    p.add_argument(
        "--drawn-copies",
        type=int,
        default=d.drawn_copies,
        help=f"renderings of each training writer's pen digit, 0 = MNIST only (default {d.drawn_copies})",
    )
    p.add_argument(
        "--negatives",
        type=int,
        default=d.negatives,
        help=f"drawings that are no digit, trained as 'not a digit'; 0 = ten outputs (default {d.negatives})",
    )
    p.add_argument(
        "--real-negatives",
        type=float,
        default=d.real_negatives,
        help=f"share of the negatives that are real handwritten letters and symbols (default {d.real_negatives})",
    )
    p.add_argument(
        "--outlier-weight",
        type=float,
        default=t.outlier_weight,
        help=f"outlier exposure: weight of a loss flattening digits on --negatives (default {t.outlier_weight})",
    )
    p.add_argument(
        "--no-stroke-augment", action="store_true", help="draw the pen digits' strokes as written (default: distort)"
    )
    p.add_argument(
        "--extra-data",
        type=Path,
        default=None,
        help="drawings people corrected: the feedback database or its export zip (default none)",
    )
    p.add_argument(
        "--extra-weight", type=int, default=5, help="times each collected drawing appears per epoch (default 5)"
    )
    p.add_argument("--smoke", action="store_true", help="train a few batches on a few hundred images (seconds)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace --out even if it is not a checkpoint or the new model is worse on validation (default off)",
    )
    return p.parse_args(argv)


def configs_from(args: argparse.Namespace) -> RunConfigs:
    """The run's settings from its flags (--smoke: at most 2 epochs of 4 batches)."""
    train_config = replace(
        TrainConfig(),
        epochs=min(args.epochs, 2) if args.smoke else args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        max_batches=4 if args.smoke else None,
        outlier_weight=args.outlier_weight,
    )
    data_config = replace(
        DataConfig(),
        data_dir=resolve_data_dir(args.data_dir),
        drawn_copies=args.drawn_copies,
        negatives=args.negatives,
        real_negatives=args.real_negatives,
        stroke_augment=not args.no_stroke_augment,
    )
    return RunConfigs(train_config, data_config, ModelConfig(reject_class=bool(args.negatives)), AugmentConfig())


def present(splits: dict, names: tuple[str, ...]) -> list[str]:
    """Those of `names` this run has, in order (drawn digits, negatives and collected drawings are optional)."""
    return [n for n in names if n in splits]


def train_model(splits: dict[str, Split], configs: RunConfigs) -> tuple[DigitNet, list[dict]]:
    """A new DigitNet from the run's seed, trained on the training split; and its history, one row an epoch."""
    torch.manual_seed(configs.train.seed)
    model = DigitNet(configs.model)
    history = fit(model, splits["train"], splits["val"], configs.train, configs.augment)
    return model, history


def calibrate(model: DigitNet, splits: dict[str, Split], device: torch.device) -> tuple[float, dict]:
    """Fit the temperature and thresholds on all validation data; report accuracy and ECE before and after."""
    val_names = present(splits, VALIDATION)
    names = val_names + present(splits, MEASURED)
    logits = {n: predict_logits(model, splits[n][0], device) for n in [*names, *present(splits, NEGATIVE_SPLITS)]}
    temperature = fit_digit_temperature([logits[n] for n in val_names], [splits[n][1] for n in val_names])
    as_float64 = {n: logits[n].double().numpy() for n in logits}
    report = {name: split_report(as_float64[name], splits[name], temperature) for name in names}
    return temperature, report | thresholds_report(as_float64, splits, val_names, temperature)


def split_report(logits: np.ndarray, split: Split, temperature: float) -> dict:
    """One split's accuracy and calibration before and after the temperature, and every digit it reads wrong."""
    labels = split[1].numpy()
    raw, calibrated = softmax(logits[:, :NUM_CLASSES]), softmax(logits[:, :NUM_CLASSES], temperature)
    return {
        **summarize(calibrated, labels),
        "ece_before": expected_calibration_error(raw, labels),
        "reliability_before": reliability(raw, labels),
        "reliability_after": reliability(calibrated, labels),
        "mistakes": mistake_records(split[0], labels, calibrated),
    }


def thresholds_report(logits: dict[str, np.ndarray], splits: dict, val_names: list[str], temperature: float) -> dict:
    """The doubt and "not a digit" thresholds chosen on validation, and how many no-digit drawings they refuse."""
    val_probs = np.concatenate([softmax(logits[n][:, :NUM_CLASSES], temperature) for n in val_names])
    val_labels = np.concatenate([splits[n][1].numpy() for n in val_names])
    report = {"doubt_threshold": doubt_threshold(val_probs, val_labels)}
    if "val_negatives" not in logits:  # a model of ten outputs: nothing to refuse
        return report
    not_digit = {
        n: softmax(logits[n], temperature)[:, NOT_A_DIGIT] for n in [*val_names, *present(logits, NEGATIVE_SPLITS)]
    }
    threshold = not_digit_threshold(np.concatenate([not_digit[n] for n in val_names]))
    report["not_digit_threshold"] = threshold
    report["val_negatives_refused"] = float((not_digit["val_negatives"] >= threshold).mean())
    if "extra_held_negatives" in not_digit:  # collected drawings people said are no digit: measured, never fitted on
        refused = not_digit["extra_held_negatives"] >= threshold
        report["extra_held_negatives"] = {"count": len(refused), "refused": float(refused.mean())}
    return report


def drawn_report(predictor: Predictor, data_dir: Path, smoke: bool) -> dict:
    """Accuracy on the held-out writers' drawings at the app's defaults: reported, never used to choose."""
    sources = {"pendigits": load_pendigits(data_dir, TEST_WRITERS), "unipen": load_unipen(data_dir, "test")}
    report = {}
    for source, digits in sources.items():
        digits = digits[: 64 if smoke else None]
        if not digits:
            continue
        probs = predict_drawn(predictor, digits)
        labels = np.array([d.label for d in digits])
        wrong_but_sure = (probs.argmax(1) != labels) & (probs.max(1) > 0.9)
        report[source] = {
            **summarize(probs, labels),
            "wrong_above_90": int(wrong_but_sure.sum()),
            "writers": len({d.writer for d in digits}),
            "sites": sorted({d.site for d in digits}),
        }
    return report


def collected_report(old: Predictor | None, new: Predictor, splits: dict, path: Path, weight: int) -> dict:
    """The collected drawings' source, and the replaced model (if any) and the new one on the held-out splits."""
    before = None if old is None else held_out_scores(old, splits)
    return {"path": str(path), "weight": weight, "before": before, "after": held_out_scores(new, splits)}


def summary_line(metrics: dict, out: Path) -> str:
    """The run in one line: test accuracy, calibration, time taken and where the checkpoint went."""
    test, run = metrics["test"], metrics["train"]
    return (
        f"test accuracy {test['accuracy']:.4f} ({test['errors']} wrong of {test['count']}), "
        f"ECE {test['ece_before']:.4f} -> {test['ece']:.4f} at T={metrics['temperature']:.3f}; "
        f"{run['seconds']:.0f}s ({run['seconds_by_part']}); wrote {out}"
    )


def main(argv: list[str] | None = None) -> dict:
    """Train, calibrate, evaluate, and write the checkpoint and its metrics JSON; return the metrics."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["numbers"]:
        return number_run.main(argv[1:])
    args = parse_args(argv)
    old = existing_model(args.out, args.force)  # before training: a file that is not a checkpoint stops the run
    torch.set_num_threads(args.threads)
    configs = configs_from(args)
    clock = [time.perf_counter()]  # when each part of the run ended, for the record of where time goes
    splits = load_splits(configs.data, args.seed, args.smoke, args.extra_data, args.extra_weight)
    clock.append(time.perf_counter())
    model, history = train_model(splits, configs)
    clock.append(time.perf_counter())
    temperature, report = calibrate(model, splits, pick_device("cpu"))
    clock.append(time.perf_counter())
    threshold = {k: report[k] for k in ("not_digit_threshold",) if k in report}
    predictor = Predictor(model, temperature, threshold, "training")
    if configs.data.drawn_copies:
        report["drawn_test"] = drawn_report(predictor, configs.data.data_dir, args.smoke)
    clock.append(time.perf_counter())
    if args.extra_data is not None:
        report["extra_data"] = collected_report(old, predictor, splits, args.extra_data, args.extra_weight)
        print(f"collected drawings, before -> after: {report['extra_data']}")
    run = run_record(configs, len(splits["train"][0]), history, clock, args.smoke)
    metrics = build_metrics(model, run, history, temperature, report)
    validation = [splits[n] for n in present(splits, VALIDATION)]
    print(check_replacement(old, predictor, args.out, validation, args.force))
    save_with_metrics(model, temperature, metrics, args.out)
    print(summary_line(metrics, args.out))
    return metrics


if __name__ == "__main__":
    try:
        main()
    # Data missing or unusable, or a file at --out that must be kept: say so in one line, write nothing.
    except (FileNotFoundError, RefusedError, ExtraDataError, CorrectionStoreError) as error:
        raise SystemExit(f"error: {error}") from None
