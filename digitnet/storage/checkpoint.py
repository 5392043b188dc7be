"""Checkpoints as plain dicts: written atomically, read without ever running code from the file."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from pathlib import Path

import torch

from digitnet.constants import RETRAIN_HINT
from digitnet.model import DigitNet, ModelConfig
from digitnet.storage.files import write_atomically

FORMAT_VERSION = 1
REQUIRED_KEYS = ("format", "state_dict", "model_config", "temperature", "metadata")
NEW_CHECKPOINT_NAME = "digitnet-new.pt"  # suggested beside a file that is not a checkpoint, never over it


class CheckpointError(RuntimeError):
    """A checkpoint is missing, damaged, unsafe or from another model; the message says what to do."""


def metrics_path(checkpoint: str | Path) -> Path:
    """Where a checkpoint's metrics live: beside it, with the suffix .json."""
    return Path(checkpoint).with_suffix(".json")


def save_checkpoint(checkpoint: dict, path: str | Path) -> None:
    """Write `checkpoint` to `path` atomically, making its folder if need be."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    data = checkpoint_bytes(checkpoint)
    write_atomically(path, lambda file: file.write(data))


def number_reader_path(checkpoint: str | Path) -> Path:
    """Where the number reader trained for a digit model lives: beside it, named <stem>-numbers.pt."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(f"{checkpoint.stem}-numbers{checkpoint.suffix}")


def save_with_metrics(model: torch.nn.Module, temperature: float, metrics: dict, out: str | Path) -> None:
    """The checkpoint at `out`, and its metrics beside it as .json."""
    save_checkpoint(make_checkpoint(model, temperature, metrics), out)
    text = json.dumps(metrics, indent=1) + "\n"
    write_atomically(metrics_path(out), lambda file: file.write(text.encode()))


def make_checkpoint(model: torch.nn.Module, temperature: float, metadata: dict) -> dict:
    """The plain dict stored on disk: weights, how to rebuild the model, its temperature, its record."""
    return {
        "format": FORMAT_VERSION,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "model_config": model.config.to_dict(),
        "temperature": float(temperature),
        "metadata": metadata,
    }


def retrain_hint(path: Path) -> str:
    """How to make a model for `path`: where a file already is (a photo given by mistake), into a new file."""
    if not path.exists():
        return f"Train a new one with `{RETRAIN_HINT} --out {path}`."
    return f"Train a new one into a new file with `{RETRAIN_HINT} --out {path.parent / NEW_CHECKPOINT_NAME}`."


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint dict with weights_only=True; raise CheckpointError with advice on any problem."""
    return read_checkpoint(path)[0]


def read_checkpoint(path: str | Path, retrain: str | None = None) -> tuple[dict, str]:
    """The checkpoint dict and a short hash of the very bytes it was read from (the model's version); errors
    advise `retrain` (default: how to train a digit model for `path`)."""
    path = Path(path)
    retrain = retrain or retrain_hint(path)
    if not path.is_file():
        raise CheckpointError(f"No model checkpoint at {path}. {retrain}")
    try:
        data = path.read_bytes()  # read once: a file replaced meanwhile cannot lend the model another's version
    except OSError as error:
        raise CheckpointError(f"The checkpoint {path} cannot be read ({error.strerror}). {retrain}") from error
    return checkpoint_from_bytes(data, str(path), retrain)


def checkpoint_bytes(checkpoint: dict) -> bytes:
    """A checkpoint dict as the bytes a file of it holds (a room keeps its model in the database)."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    return buffer.getvalue()


def checkpoint_from_bytes(data: bytes, name: str, retrain: str = "") -> tuple[dict, str]:
    """The checkpoint dict in `data` and a short hash of those bytes (the model's version); CheckpointError,
    naming the checkpoint `name` and advising `retrain`, for anything else."""
    return _checkpoint_from(data, name, retrain), hashlib.sha256(data).hexdigest()[:12]


def _checkpoint_from(data: bytes, path: str, retrain: str) -> dict:
    """The checkpoint dict in `data`, checked; CheckpointError for anything else."""
    try:
        checkpoint = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        if "GLOBAL" not in str(error):  # torch names the class or function a pickle tried to load
            raise CheckpointError(f"The checkpoint {path} is damaged or truncated. {retrain}") from error
        raise CheckpointError(
            f"Refused to load {path}: it holds objects other than plain tensors and numbers "
            f"(it may try to run code), so it was not trusted. {retrain}"
        ) from error
    except Exception as error:  # torch's loader fails on arbitrary bytes in many ways (a KeyError for "h...")
        raise CheckpointError(f"The checkpoint {path} is damaged or truncated. {retrain}") from error
    if not isinstance(checkpoint, dict) or any(key not in checkpoint for key in REQUIRED_KEYS):
        raise CheckpointError(f"{path} is not a DigitNet checkpoint. {retrain}")
    if checkpoint["format"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {checkpoint['format']}, this code reads {FORMAT_VERSION}. {retrain}"
        )
    return checkpoint


def build_model(checkpoint: dict, path: str | Path) -> DigitNet:
    """Rebuild the digit model in eval mode from a loaded checkpoint; raise CheckpointError if it does not fit."""
    # Checkpoints from before the "not a digit" class have no such key: they have ten outputs.
    return rebuild_model(checkpoint, path, DigitNet, ModelConfig, {"reject_class": False})


def rebuild_model(
    checkpoint: dict,
    path: str | Path,
    network: type,
    config: type,
    defaults: dict | None = None,
    retrain: str | None = None,
) -> torch.nn.Module:
    """Rebuild a `network` of `config` (its missing keys from `defaults`) in eval mode from a loaded checkpoint;
    raise CheckpointError, advising `retrain` (default: as for a digit model), if it does not fit."""
    try:
        model = network(config(**{**(defaults or {}), **checkpoint["model_config"]}))
        model.load_state_dict(checkpoint["state_dict"], strict=True)
    except (TypeError, RuntimeError, KeyError) as error:
        hint = retrain or retrain_hint(Path(path))
        raise CheckpointError(f"{path} was saved by an incompatible model ({error}). {hint}") from error
    return model.eval()
