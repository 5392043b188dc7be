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
from pathlib import Path

import numpy as np
import torch

from digitnet.augment import AugmentConfig
from digitnet.checkpoint import make_checkpoint, save_checkpoint
from digitnet.constants import DEFAULT_CHECKPOINT
from digitnet.data import (
    DataConfig,
    load_mnist,
    load_pendigits,
    render_drawn_digits,
    resolve_data_dir,
    split_validation,
)
from digitnet.drawn import read_drawn
from digitnet.feedback import FeedbackError
from digitnet.finetune import ExtraDataError, accuracy, load_extra, split_extra
from digitnet.metrics import doubt_threshold, expected_calibration_error, fit_temperature, reliability, summarize
from digitnet.model import DigitNet, ModelConfig, architecture, count_macs, count_parameters
from digitnet.overwrite import RefusedError, check_replacement, existing_model
from digitnet.predict import Predictor
from digitnet.strokes import FIT_WRITERS, TEST_WRITERS, TUNE_WRITERS
from digitnet.training import TrainConfig, first_epoch_reaching, fit, pick_device, predict_logits, softmax_np

SMOKE_SIZES = {"train": 512, "val": 256, "test": 256}  # images per split with --smoke


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


def subsample(data: tuple[torch.Tensor, torch.Tensor], size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `size` images of a split (a split is already shuffled or fixed)."""
    return data[0][:size], data[1][:size]


def load_splits(
    config: DataConfig, seed: int, smoke: bool, extra: Path | None = None, extra_weight: int = 1
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Training (MNIST + fit writers' drawings), validation (MNIST and tune writers' drawings), and test."""
    mnist_train, mnist_val = split_validation(
        *load_mnist(config.data_dir, train=True), config.val_size, config.split_seed
    )
    splits = {"train": mnist_train, "val": mnist_val, "test": load_mnist(config.data_dir, train=False)}
    if smoke:
        splits = {name: subsample(data, SMOKE_SIZES[name]) for name, data in splits.items()}
    if config.drawn_copies:
        fit_digits = load_pendigits(config.data_dir, FIT_WRITERS)
        tune_digits = load_pendigits(config.data_dir, TUNE_WRITERS)
        if smoke:
            fit_digits, tune_digits = fit_digits[:64], tune_digits[:64]
        drawn = render_drawn_digits(fit_digits, config.drawn_copies, config.drawn_canvas, seed)
        splits["train"] = tuple(torch.cat(pair) for pair in zip(splits["train"], drawn, strict=True))
        splits["val_drawn"] = render_drawn_digits(tune_digits, 1, config.drawn_canvas, seed + 1)
    if extra is not None:
        (extra_x, extra_y), held = split_extra(load_extra(extra), seed=0)
        if len(held[1]):
            splits["extra_held"] = held
        repeated = (extra_x.repeat(extra_weight, 1, 1, 1), extra_y.repeat(extra_weight))
        splits["train"] = tuple(torch.cat(pair) for pair in zip(splits["train"], repeated, strict=True))
    return splits


def before_and_after(old: Predictor | None, splits: dict, report: dict) -> dict:
    """The model being replaced (if any) and the new one on MNIST validation and test and the held-out drawings."""
    after = {n: report[n]["accuracy"] for n in ("val", "test", "extra_held") if n in report}
    if old is None:
        return {"before": None, "after": after}
    before = {n: accuracy(old.probabilities(splits[n][0][:, 0].numpy()), splits[n][1]) for n in after}
    return {"before": before, "after": after}


def mistake_records(images: torch.Tensor, labels: np.ndarray, probs: np.ndarray) -> list[dict]:
    """Every image read wrong: its index, truth, answer, probabilities and pixels (28x28 uint8 as hex)."""
    pixels = (images[:, 0] * 255).round().to(torch.uint8).numpy()
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
    """Fit the temperature on all validation data; report accuracy and ECE before and after."""
    val_names = [n for n in ("val", "val_drawn") if n in splits]
    names = val_names + [n for n in ("test", "extra_held") if n in splits]  # measured, never fitted on
    logits = {n: predict_logits(model, splits[n][0], device) for n in names}
    temperature = fit_temperature(
        torch.cat([logits[n] for n in val_names]), torch.cat([splits[n][1] for n in val_names])
    )
    report = {}
    for name in names:
        labels = splits[name][1].numpy()
        raw, calibrated = softmax_np(logits[name]), softmax_np(logits[name], temperature)
        report[name] = {
            **summarize(calibrated, labels),
            "ece_before": expected_calibration_error(raw, labels),
            "reliability_before": reliability(raw, labels),
            "reliability_after": reliability(calibrated, labels),
        }
        report[name]["mistakes"] = mistake_records(splits[name][0], labels, calibrated)
    val_probs = np.concatenate([softmax_np(logits[n], temperature) for n in val_names])
    val_labels = np.concatenate([splits[n][1].numpy() for n in val_names])
    report["doubt_threshold"] = doubt_threshold(val_probs, val_labels)
    return temperature, report


def drawn_report(model: DigitNet, temperature: float, data_dir: Path, smoke: bool) -> dict:
    """Accuracy on the held-out writers' drawings at the app's defaults: reported, never used to choose."""
    digits = load_pendigits(data_dir, TEST_WRITERS)[: 64 if smoke else None]
    probs = read_drawn(Predictor(model, temperature, {}, "training"), digits)
    labels = np.array([d.label for d in digits])
    wrong_but_sure = (probs.argmax(1) != labels) & (probs.max(1) > 0.9)
    return {
        **summarize(probs, labels),
        "wrong_above_90": int(wrong_but_sure.sum()),
        "writers": [TEST_WRITERS.start, TEST_WRITERS.stop - 1],
    }


def versions() -> dict[str, str]:
    """Library versions, for reproducing a run."""
    import torchvision

    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "numpy": np.__version__,
    }


def main(argv: list[str] | None = None) -> dict:
    """Train, calibrate, evaluate, and write the checkpoint and its metrics JSON; return the metrics."""
    args = parse_args(argv)
    old = existing_model(args.out, args.force)  # before training: a file that is not a checkpoint stops the run
    torch.set_num_threads(args.threads)
    epochs = min(args.epochs, 2) if args.smoke else args.epochs
    train_config = replace(
        TrainConfig(),
        epochs=epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        max_batches=4 if args.smoke else None,
    )
    data_config = replace(DataConfig(), data_dir=resolve_data_dir(args.data_dir), drawn_copies=args.drawn_copies)
    model_config, augment_config = ModelConfig(), AugmentConfig()
    start = time.perf_counter()
    splits = load_splits(data_config, args.seed, args.smoke, args.extra_data, args.extra_weight)
    torch.manual_seed(args.seed)
    model = DigitNet(model_config)
    history = fit(model, splits["train"], splits["val"], train_config, augment_config)
    temperature, report = calibrate(model, splits, pick_device("cpu"))
    if data_config.drawn_copies:
        report["drawn_test"] = drawn_report(model, temperature, data_config.data_dir, args.smoke)
    if args.extra_data is not None:
        report["extra_data"] = {
            "path": str(args.extra_data),
            "weight": args.extra_weight,
            **before_and_after(old, splits, report),
        }
        print(f"collected drawings, before -> after: {report['extra_data']}")
    metrics = {
        "model": {
            "config": model_config.to_dict(),
            "parameters": count_parameters(model),
            "macs": count_macs(model),
            "layers": architecture(model),
        },
        "train": {
            **asdict(train_config),
            "augment": asdict(augment_config),
            "data": {
                **asdict(data_config),
                "data_dir": str(data_config.data_dir),
                "train_images": len(splits["train"][0]),
            },
            "smoke": args.smoke,
            "seconds": round(time.perf_counter() - start, 1),
            "first_epoch_val_99.0": first_epoch_reaching(history, 0.990),
            "first_epoch_val_99.5": first_epoch_reaching(history, 0.995),
        },
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
        f"{metrics['train']['seconds']:.0f}s; wrote {args.out}"
    )
    return metrics


if __name__ == "__main__":
    try:
        main()
    # Data missing or unusable, or a file at --out that must be kept: say so in one line, write nothing.
    except (FileNotFoundError, RefusedError, ExtraDataError, FeedbackError) as error:
        raise SystemExit(f"error: {error}") from None
