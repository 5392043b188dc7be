"""Train the number reader with CTC on composed strips; choose its temperature and threshold on the choosing writers."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from digitnet.learning.strips import Example
from digitnet.number_model import BLANK, FRAME, NumberNet, greedy_path

TEMPERATURES = np.linspace(0.5, 3.0, 26)  # tried on the choosing strips
NUMBERS_REFUSED = 0.02  # share of the choosing writers' numbers the "not a number" threshold may refuse


@dataclass(frozen=True)
class NumberTrainConfig:
    """How the reader is trained."""

    epochs: int = 7
    batch_size: int = 32
    lr: float = 3e-3  # peak of the one-cycle schedule
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 2
    max_batches: int | None = None  # per epoch; set by --smoke to train in seconds


def batches(examples: list[Example], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Indices of `examples` in batches of similar width (little padding), the batches in random order."""
    order = rng.permutation(len(examples))
    chunk = batch_size * 50
    out = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort([examples[i][0].shape[1] for i in part], kind="stable")]
        out += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def collate(examples: list[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Strips padded to one width (B, 1, 32, W), their digits concatenated, frames and digits per strip."""
    width = max(e[0].shape[1] for e in examples)
    width += -width % FRAME
    strips = np.zeros((len(examples), 1, examples[0][0].shape[0], width), dtype=np.float32)
    for k, (pixels, _) in enumerate(examples):
        strips[k, 0, :, : pixels.shape[1]] = pixels
    targets = torch.tensor([d for _, digits in examples for d in digits], dtype=torch.long)
    frames = torch.tensor([e[0].shape[1] // FRAME for e in examples])
    lengths = torch.tensor([len(digits) for _, digits in examples])
    return torch.from_numpy(strips), targets, frames, lengths


def ctc(logits: torch.Tensor, targets: torch.Tensor, frames: torch.Tensor, lengths: torch.Tensor, **kw) -> torch.Tensor:
    """CTC loss of per-frame logits (B, T, 11)."""
    log_probs = logits.log_softmax(-1).transpose(0, 1)  # (T, B, 11), as ctc_loss takes it
    return F.ctc_loss(log_probs, targets, frames, lengths, blank=BLANK, zero_infinity=True, **kw)


def fit_numbers(model: NumberNet, train: list[Example], config: NumberTrainConfig) -> list[dict]:
    """Train on `train` for the configured epochs (AdamW, one-cycle); one history row an epoch."""
    rng = np.random.default_rng(config.seed)
    plan = [batches(train, config.batch_size, rng)[: config.max_batches] for _ in range(config.epochs)]
    model.to(memory_format=torch.channels_last)  # ~1.4x a step on a CPU, whose NCHW max-pooling is slow
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=sum(len(p) for p in plan))
    history = []
    for epoch, epoch_batches in enumerate(plan, 1):
        model.train()
        start, total = time.perf_counter(), 0.0
        for indices in epoch_batches:
            strips, targets, frames, lengths = collate([train[i] for i in indices])
            loss = ctc(model(strips.to(memory_format=torch.channels_last)), targets, frames, lengths)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)  # CTC's early steps can spike
            optimizer.step()
            schedule.step()
            total += loss.item()
        seconds = time.perf_counter() - start
        history.append({"epoch": epoch, "loss": total / max(len(epoch_batches), 1), "seconds": seconds})
        print(f"epoch {epoch}: loss {history[-1]['loss']:.4f}, {seconds:.0f}s", flush=True)
    model.to(memory_format=torch.contiguous_format)  # the checkpoint's tensors as any model's
    return history


@torch.no_grad()
def read_logits(model: NumberNet, examples: list[Example], batch_size: int = 64) -> list[torch.Tensor]:
    """Each strip's per-frame logits (T, 11), in eval mode."""
    model.eval()
    out: list[torch.Tensor] = []
    order = np.argsort([e[0].shape[1] for e in examples], kind="stable")
    found: dict[int, torch.Tensor] = {}
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        strips, _, frames, _ = collate([examples[i] for i in indices])
        logits = model(strips)
        for k, i in enumerate(indices):
            found[int(i)] = logits[k, : frames[k]]
    out = [found[i] for i in range(len(examples))]
    return out


def readings(logits: list[torch.Tensor]) -> list[list[int]]:
    """The greedy reading of each strip."""
    return [[d for d, _, _ in greedy_path(x.softmax(-1).numpy())] for x in logits]


def confidences(logits: list[torch.Tensor], read: list[list[int]], temperature: float) -> np.ndarray:
    """Probability of each reading (all alignments), the logits divided by `temperature`."""
    padded = torch.nn.utils.rnn.pad_sequence(logits, batch_first=True) / temperature
    targets = torch.tensor([d for r in read for d in r], dtype=torch.long)
    frames = torch.tensor([len(x) for x in logits])
    lengths = torch.tensor([len(r) for r in read])
    return np.exp(-ctc(padded, targets, frames, lengths, reduction="none").numpy())


def choose(logits: list[torch.Tensor], truths: list[list[int]]) -> dict:
    """Temperature (best log-loss of "the reading is right") and the "not a number" threshold, on choosing strips."""
    read = readings(logits)
    right = np.array([r == t for r, t in zip(read, truths, strict=True)])
    is_number = np.array([bool(t) for t in truths])

    def log_loss(temperature: float) -> float:
        p = np.clip(confidences(logits, read, temperature), 1e-6, 1 - 1e-6)
        return float(-np.mean(np.where(right, np.log(p), np.log(1 - p))))

    temperature = float(min(TEMPERATURES, key=log_loss))
    sure = confidences(logits, read, temperature)
    numbers_read = sure[is_number & (np.array([bool(r) for r in read]))]
    threshold = float(np.quantile(numbers_read, NUMBERS_REFUSED)) if len(numbers_read) else 0.0
    refused = np.array([not r for r in read]) | (sure < threshold)
    confident = sure >= 0.9
    return {
        "temperature": temperature,
        "not_number_threshold": threshold,
        "numbers": int(is_number.sum()),
        "numbers_exact": float(right[is_number].mean()) if is_number.any() else None,
        "numbers_refused": float(refused[is_number].mean()) if is_number.any() else None,
        "non_numbers": int((~is_number).sum()),
        "non_numbers_refused": float(refused[~is_number].mean()) if (~is_number).any() else None,
        "right_when_90_sure": float(right[confident].mean()) if confident.any() else None,
        "share_90_sure": float(confident.mean()),
    }
