"""The `digitnet` command (also `python -m digitnet`): `predict IMAGE ... [--json] [--number]`, `corrections export`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from digitnet.constants import CHECKPOINT_ENV_VAR, DEFAULT_CHECKPOINT
from digitnet.reading.images import ImageDecodeError, decode_image
from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.words import NOT_A_NUMBER_WORDS, answer_line, is_doubtful, number_line, number_sentence, number_text

if TYPE_CHECKING:  # torch is imported only once the arguments are valid
    from digitnet.reading.predictor import NumberReading, Prediction

TOP_K = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags of the `predict` command."""
    parser = argparse.ArgumentParser(prog="digitnet", description="Read handwritten digits in image files.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser(
        "predict", help="print the digit in each image and its top 3 probabilities, or 'not a digit'"
    )
    predict.add_argument("images", nargs="+", type=Path, help="PNG, JPEG, WebP, BMP or GIF files, one digit each")
    predict.add_argument("--json", action="store_true", help="print one JSON object per line instead of text")
    predict.add_argument("--number", action="store_true", help="read each image as a number of several digits")
    predict.add_argument(
        "--checkpoint",
        type=Path,
        default=None,  # load_predictor's rule, the app's too: the flag, else the variable, else the committed one
        help=f"model checkpoint (default: ${CHECKPOINT_ENV_VAR}, else {DEFAULT_CHECKPOINT})",
    )
    corrections = commands.add_parser(
        "corrections", aliases=["feedback"], help="the drawings people corrected in the app"
    )
    export = corrections.add_subparsers(dest="action", required=True).add_parser(
        "export", help="write a zip of their PNGs with labels.csv and labels.json"
    )
    export.add_argument("out", type=Path, help="the zip file to write")
    export.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database (default: $DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3)",
    )
    return parser.parse_args(argv)


def export_corrections(out: Path, db: Path | None) -> int:
    """Export the corrections database to a zip; return the exit status."""
    from digitnet.storage.corrections import CorrectionStore, CorrectionStoreError

    store = CorrectionStore(db)
    try:
        count = store.export(out)
    except (CorrectionStoreError, OSError) as error:
        where = f"{store}: " if isinstance(error, CorrectionStoreError) else ""  # its messages name no paths
        print(f"error: {where}{error}", file=sys.stderr)
        return 1
    print(f"wrote {count} drawings from {store} to {out}")
    return 0


def describe(path: Path, prediction: Prediction, doubt_threshold: float, as_json: bool) -> str:
    """One output line for a read image: the digit, a doubt or no digit, in the page's words or as JSON.

    A refusal has no digit ("digit": null) and is not sure of one.
    """
    if not as_json:
        return f"{path}: {answer_line(prediction, doubt_threshold)}"
    probs = prediction.probs.tolist()
    top = sorted(range(len(probs)), key=lambda d: -probs[d])[:TOP_K]
    return json.dumps(
        {
            "file": str(path),
            "is_digit": prediction.is_digit,
            "digit": prediction.digit if prediction.is_digit else None,
            "sure": prediction.is_digit and not is_doubtful(prediction, doubt_threshold),
            "probs": [round(p, 6) for p in probs],
            "top": [{"digit": d, "prob": round(probs[d], 6)} for d in top],
        }
    )


def describe_number(path: Path, reading: NumberReading, as_json: bool) -> str:
    """One output line for an image read as a number: the page's number ("?" for a piece that is no digit) and how
    sure the reader is of it, or that it is no number."""
    digits = reading.predictions
    if as_json:
        found = [{"digit": p.digit if p.is_digit else None, "prob": round(p.confidence, 6)} for p in digits]
        number = number_text(digits) if reading.is_number else None
        return json.dumps(
            {"file": str(path), "number": number, "confidence": round(reading.confidence, 6), "digits": found}
        )
    if not reading.is_number:
        return f"{path}: {NOT_A_NUMBER_WORDS}"
    if not all(p.is_digit for p in digits):
        return f"{path}: {number_line(digits)}"
    return f"{path}: {number_line(digits)}; {number_sentence(digits, reading.confidence, True)}"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return 0 if every file was read, 1 if some were not, 2 if the model could not be loaded."""
    args = parse_args(argv)
    if args.command in ("corrections", "feedback"):
        return export_corrections(args.out, args.db)
    import torch

    from digitnet.reading.predictor import load_predictor
    from digitnet.storage.checkpoint import CheckpointError  # torch is imported only once arguments are valid

    torch.set_num_threads(1)  # one picture at a time is too small a job to split across threads
    try:
        predictor = load_predictor(args.checkpoint)
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failures = 0
    for path in args.images:
        try:
            if args.number:
                print(describe_number(path, predictor.read_number(decode_image(path), photo=True), args.json))
                continue
            prediction = predictor.predict(decode_image(path))
        except (ImageDecodeError, EmptyImageError) as error:
            where = "" if isinstance(error, ImageDecodeError) else f"{path}: "  # an ImageDecodeError names the file
            hint = " (--number reads it as a number)" if isinstance(error, SeveralMarksError) else ""
            print(f"error: {where}{error}{hint}", file=sys.stderr)
            if args.json:  # a script reading the output sees every file
                print(json.dumps({"file": str(path), "error": f"{where}{error}"}))
            failures += 1
            continue
        print(describe(path, prediction, predictor.doubt_threshold, args.json))
    return 1 if failures else 0
