"""Train DigitNet on MNIST plus rendered pen-drawn digits; write the checkpoint and its metrics.

python train.py                       # reproduces checkpoints/digitnet.pt and .json
python train.py --smoke --out /tmp/m.pt  # a few batches, for tests
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict, replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

from digitnet.constants import DEFAULT_CHECKPOINT, NOT_A_DIGIT, NUM_CLASSES
from digitnet.learning.augment import AugmentConfig, StrokeAugmentConfig
from digitnet.learning.data import DataConfig, load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.drawn import predict_drawn
from digitnet.learning.extra import ExtraDataError, held_out_scores
from digitnet.learning.metrics import (
    doubt_threshold,
    expected_calibration_error,
    fit_temperature,
    not_digit_threshold,
    reliability,
    summarize,
)
from digitnet.learning.replacement import RefusedError, check_replacement, existing_model
from digitnet.learning.splits import NEGATIVE_SPLITS, load_splits
from digitnet.learning.strokes import TEST_WRITERS
from digitnet.learning.training import TrainConfig, first_epoch_reaching, fit, pick_device, predict_logits
from digitnet.model import DigitNet, ModelConfig, architecture, count_macs, count_parameters, softmax
from digitnet.reading.pixels import to_uint8
from digitnet.reading.predictor import Predictor
from digitnet.storage.checkpoint import make_checkpoint, save_checkpoint
from digitnet.storage.corrections import CorrectionStoreError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags; every default reproduces the committed checkpoint."""
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


def before_and_after(old: Predictor | None, new: Predictor, splits: dict) -> dict:
    """The model being replaced (if any) and the new one on validation, test and the held-out collected drawings."""
    return {"before": None if old is None else held_out_scores(old, splits), "after": held_out_scores(new, splits)}


def mistake_records(images: torch.Tensor, labels: np.ndarray, probs: np.ndarray) -> list[dict]:
    """Every image read wrong: its index, truth, answer, probabilities and pixels (28x28 uint8 as hex)."""
    pixels = to_uint8(images[:, 0].numpy())
    return [
        {
            "index": int(i),
            "label": int(labels[i]),
            "predicted": int(probs[i].argmax()),
            "probs": np.round(probs[i], 4).tolist(),
            "pixels": pixels[i].tobytes().hex(),
        }
        for i in np.flatnonzero(probs.argmax(1) != labels)
    ]


def calibrate(model: DigitNet, splits: dict, device: torch.device) -> tuple[float, dict]:
    """Fit the temperature and thresholds on all validation data; report accuracy and ECE before and after."""
    val_names = [n for n in ("val", "val_drawn") if n in splits]
    names = val_names + [n for n in ("test", "extra_held") if n in splits]  # measured, never fitted on
    logits = {n: predict_logits(model, splits[n][0], device) for n in [*names, *NEGATIVE_SPLITS] if n in splits}
    digit_logits = {n: logits[n][:, :NUM_CLASSES] for n in names}  # the digits' distribution, as the app shows
    temperature = fit_temperature(
        torch.cat([digit_logits[n] for n in val_names]), torch.cat([splits[n][1] for n in val_names])
    )
    as_float64 = {n: logits[n].double().numpy() for n in logits}
    report = {}
    for name in names:
        labels = splits[name][1].numpy()
        raw, calibrated = (
            softmax(as_float64[name][:, :NUM_CLASSES]),
            softmax(as_float64[name][:, :NUM_CLASSES], temperature),
        )
        report[name] = {
            **summarize(calibrated, labels),
            "ece_before": expected_calibration_error(raw, labels),
            "reliability_before": reliability(raw, labels),
            "reliability_after": reliability(calibrated, labels),
        }
        report[name]["mistakes"] = mistake_records(splits[name][0], labels, calibrated)
    val_probs = np.concatenate([softmax(as_float64[n][:, :NUM_CLASSES], temperature) for n in val_names])
    val_labels = np.concatenate([splits[n][1].numpy() for n in val_names])
    report["doubt_threshold"] = doubt_threshold(val_probs, val_labels)
    if "val_negatives" in logits:
        not_digit = {n: softmax(as_float64[n], temperature)[:, NOT_A_DIGIT] for n in [*val_names, "val_negatives"]}
        report["not_digit_threshold"] = not_digit_threshold(np.concatenate([not_digit[n] for n in val_names]))
        report["val_negatives_refused"] = float((not_digit["val_negatives"] >= report["not_digit_threshold"]).mean())
    if "extra_held_negatives" in logits:  # collected drawings people said are no digit: measured, never fitted on
        refused = (
            softmax(as_float64["extra_held_negatives"], temperature)[:, NOT_A_DIGIT] >= report["not_digit_threshold"]
        )
        report["extra_held_negatives"] = {"count": len(refused), "refused": float(refused.mean())}
    return temperature, report


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


def versions() -> dict[str, str]:
    """Library versions, for reproducing a run."""
    import torchvision

    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "numpy": np.__version__,
    }


def configs_from(args: argparse.Namespace) -> tuple[TrainConfig, DataConfig]:
    """The run's training and data settings from its flags (--smoke: at most 2 epochs of 4 batches)."""
    train_config = replace(
        TrainConfig(),
        epochs=min(args.epochs, 2) if args.smoke else args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        max_batches=4 if args.smoke else None,
    )
    data_config = replace(
        DataConfig(),
        data_dir=resolve_data_dir(args.data_dir),
        drawn_copies=args.drawn_copies,
        negatives=args.negatives,
        stroke_augment=not args.no_stroke_augment,
    )
    return train_config, data_config


def model_record(model: DigitNet) -> dict:
    """The network's shape and size, as the model page shows it."""
    return {
        "config": model.config.to_dict(),
        "parameters": count_parameters(model),
        "macs": count_macs(model),
        "layers": architecture(model),
    }


def run_record(configs: tuple, train_images: int, history: list[dict], clock: list[float], smoke: bool) -> dict:
    """The run's settings, data size and where its time went (`clock`: when each part ended)."""
    train_config, data_config, augment_config = configs
    parts = ("data and rendering", "epochs", "calibration", "held-out report")
    return {
        **asdict(train_config),
        "augment": asdict(augment_config),
        "stroke_augment": asdict(StrokeAugmentConfig()) if data_config.stroke_augment else None,
        "data": {**asdict(data_config), "data_dir": str(data_config.data_dir), "train_images": train_images},
        "smoke": smoke,
        "seconds": round(time.perf_counter() - clock[0], 1),
        "seconds_by_part": {
            part: round(end - begin, 1) for part, (begin, end) in zip(parts, pairwise(clock), strict=True)
        },
        "first_epoch_val_99.0": first_epoch_reaching(history, 0.990),
        "first_epoch_val_99.5": first_epoch_reaching(history, 0.995),
    }


def main(argv: list[str] | None = None) -> dict:
    """Train, calibrate, evaluate, and write the checkpoint and its metrics JSON; return the metrics."""
    args = parse_args(argv)
    old = existing_model(args.out, args.force)  # before training: a file that is not a checkpoint stops the run
    torch.set_num_threads(args.threads)
    train_config, data_config = configs_from(args)
    model_config, augment_config = ModelConfig(reject_class=bool(args.negatives)), AugmentConfig()
    clock = [time.perf_counter()]  # when each part of the run ended, for the record of where time goes
    splits = load_splits(data_config, args.seed, args.smoke, args.extra_data, args.extra_weight)
    clock.append(time.perf_counter())
    torch.manual_seed(args.seed)
    model = DigitNet(model_config)
    history = fit(model, splits["train"], splits["val"], train_config, augment_config)
    clock.append(time.perf_counter())
    temperature, report = calibrate(model, splits, pick_device("cpu"))
    clock.append(time.perf_counter())
    threshold = {k: report[k] for k in ("not_digit_threshold",) if k in report}
    predictor = Predictor(model, temperature, threshold, "training")
    if data_config.drawn_copies:
        report["drawn_test"] = drawn_report(predictor, data_config.data_dir, args.smoke)
    clock.append(time.perf_counter())
    if args.extra_data is not None:
        report["extra_data"] = {
            "path": str(args.extra_data),
            "weight": args.extra_weight,
            **before_and_after(old, predictor, splits),
        }
        print(f"collected drawings, before -> after: {report['extra_data']}")
    configs = (train_config, data_config, augment_config)
    metrics = {
        "model": model_record(model),
        "train": run_record(configs, len(splits["train"][0]), history, clock, args.smoke),
        "history": history,
        "temperature": temperature,
        **report,
        "versions": versions(),
    }
    validation = [splits[n] for n in ("val", "val_drawn") if n in splits]
    print(check_replacement(old, Predictor(model, temperature, {}, "new"), args.out, validation, args.force))
    save_checkpoint(make_checkpoint(model, temperature, metrics), args.out)
    args.out.with_suffix(".json").write_text(json.dumps(metrics, indent=1) + "\n")
    test = metrics["test"]
    print(
        f"test accuracy {test['accuracy']:.4f} ({test['errors']} wrong of {test['count']}), "
        f"ECE {test['ece_before']:.4f} -> {test['ece']:.4f} at T={temperature:.3f}; "
        f"{metrics['train']['seconds']:.0f}s ({metrics['train']['seconds_by_part']}); wrote {args.out}"
    )
    return metrics


if __name__ == "__main__":
    try:
        main()
    # Data missing or unusable, or a file at --out that must be kept: say so in one line, write nothing.
    except (FileNotFoundError, RefusedError, ExtraDataError, CorrectionStoreError) as error:
        raise SystemExit(f"error: {error}") from None
