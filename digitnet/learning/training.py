"""The training loop: in-memory tensors, batched augmentation, one-cycle AdamW, per-epoch history."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm import tqdm

from digitnet.constants import DIGIT_PART, NOT_A_DIGIT, NUM_CLASSES
from digitnet.learning.augment import AugmentConfig, augment
from digitnet.model import DigitNet, normalize


@dataclass(frozen=True)
class TrainConfig:
    """How to train; stored in the checkpoint's metadata."""

    epochs: int = 15  # was 20; 15 keeps a run with UNIPEN and the negatives inside the 15-minute budget
    batch_size: int = 128
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 2  # CPU threads for torch
    device: str = "auto"  # auto = cuda, then mps, then cpu
    max_batches: int | None = None  # per epoch; set by --smoke to train in seconds
    outlier_weight: float = 0.0  # outlier exposure: the ten digits made flat on "not a digit" (not on DIGIT_PART)


def pick_device(name: str) -> torch.device:
    """Resolve "auto" to cuda, then mps, then cpu."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@torch.no_grad()
def predict_logits(model: DigitNet, images: torch.Tensor, device: torch.device, batch_size: int = 1000) -> torch.Tensor:
    """Logits (N, 10) on the CPU for images (N, 1, 28, 28) in [0, 1], in eval mode."""
    model.eval()
    chunks = [model(normalize(images[i : i + batch_size].to(device))).cpu() for i in range(0, len(images), batch_size)]
    return torch.cat(chunks)


def outlier_exposure(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy from the uniform distribution to the ten digits' softmax, over the "not a digit" drawings."""
    # Outlier exposure (Hendrycks et al., 2019): besides naming the eleventh class, a drawing that is no digit
    # should leave no digit sure of itself, so that one the eleventh class misses is still shown with doubt.
    outliers = logits[labels == NOT_A_DIGIT, :NUM_CLASSES]  # (N_out, 10)
    if not len(outliers):
        return logits.new_zeros(())
    return -outliers.log_softmax(1).mean()


def train_epoch(
    model: DigitNet,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    data: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    augment_config: AugmentConfig,
    generator: torch.Generator,
    device: torch.device,
    description: str,
) -> tuple[float, float]:
    """One pass over shuffled, augmented training data; returns (mean loss, accuracy)."""
    images, labels = data
    model.train()
    order = torch.randperm(len(images), generator=generator)
    batches = order.split(config.batch_size)[: config.max_batches]
    total_loss, correct, seen = 0.0, 0, 0
    progress = tqdm(batches, desc=description, leave=False, mininterval=1.0)
    for batch in progress:
        x = augment(images[batch], augment_config, generator).to(device, memory_format=torch.channels_last)
        raw = labels[batch].to(device)
        y = torch.where(raw == DIGIT_PART, NOT_A_DIGIT, raw)  # pieces and overlays of digits: "not a digit" ...
        logits = model(normalize(x))
        loss = F.cross_entropy(logits, y)
        if config.outlier_weight:  # ... that keeps its digits' probabilities (train_loss then includes this term)
            loss = loss + config.outlier_weight * outlier_exposure(logits, raw)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total_loss += loss.item() * len(batch)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(batch)
        progress.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}", refresh=False)
    return total_loss / seen, correct / seen


def fit(
    model: DigitNet,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    augment_config: AugmentConfig,
    log=print,
) -> list[dict]:
    """Train for config.epochs; return one dict per epoch with training and validation loss and accuracy."""
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    # channels-last (NHWC): ~1.4x a training step on this project's CPU, whose NCHW max-pooling is slow
    model.to(device, memory_format=torch.channels_last)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = len(range(0, len(train[0]), config.batch_size))
    steps = min(steps, config.max_batches or steps)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=steps * config.epochs)
    history, start = [], time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        train_loss, train_acc = train_epoch(
            model, optimizer, scheduler, train, config, augment_config, generator, device, f"epoch {epoch}"
        )
        val_logits = predict_logits(model, val[0], device)
        val_loss = F.cross_entropy(val_logits, val[1]).item()
        val_acc = (val_logits.argmax(1) == val[1]).float().mean().item()
        seconds = time.perf_counter() - start
        history.append(
            dict(
                epoch=epoch,
                train_loss=train_loss,
                train_acc=train_acc,
                val_loss=val_loss,
                val_acc=val_acc,
                seconds=round(seconds, 1),
            )
        )
        log(
            f"epoch {epoch:2d}/{config.epochs}  train loss {train_loss:.4f} acc {train_acc:.4f}  "
            f"val loss {val_loss:.4f} acc {val_acc:.4f}  {seconds:.0f}s"
        )
    model.to("cpu", memory_format=torch.contiguous_format).eval()  # the checkpoint's tensors as any model's
    return history


def first_epoch_reaching(history: list[dict], accuracy: float) -> int | None:
    """The first epoch whose validation accuracy is at least `accuracy`, or None."""
    return next((h["epoch"] for h in history if h["val_acc"] >= accuracy), None)
