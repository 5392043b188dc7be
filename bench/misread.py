"""Look at the digits the model misreads, and let a person read them blind: how many would a person get?

Draws the measured-only writers' pen digits exactly as `bench/drawn_digits.py` does (the app's canvas and
brush, seed 0), reads them, and writes to --out:
- misread-<source>.png: every misread digit, headed "label -> read, confidence, writer";
- blind-<n>.png and blind-key.json: the misread digits shuffled among as many read right, numbered and
  unlabelled, for a person to read. Their readings go into a JSON file {"tile": reading}, a reading being
  a digit ("7"), two when it could be either, likelier first ("1/7"), or "?" for no digit.
With --reading that file, prints how the reader's readings of the misread digits compare with the writers'
labels, and the reader's own score on the digits the model read right (the control).

    python -m bench.misread --data-dir ../shared/data
    python -m bench.misread --reading reading.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench import run
from bench.drawn_digits import sources
from digitnet.learning.data import resolve_data_dir
from digitnet.learning.drawn import drawn_pictures, predict_drawn
from digitnet.reading.predictor import load_predictor

TILE = 160  # pixels a drawing is shown at
COLUMNS = 7
PER_SHEET = 49  # tiles on one blind sheet: few enough to read each


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="folder for the sheets (default bench/out)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffle and the read-right sample (default 0)")
    parser.add_argument("--reading", type=Path, default=None, help="a reader's JSON for the blind sheets: score it")
    return parser.parse_args(argv)


def inks_of(digits: list, chosen: np.ndarray) -> dict[int, np.ndarray]:
    """The canvas ink of the chosen digits, drawn as predict_drawn drew them (the same seed, so the same place)."""
    wanted = set(chosen.tolist())
    return {i: picture[:, :, 3] for i, picture in enumerate(drawn_pictures(digits)) if i in wanted}


def tile(ink: np.ndarray, heading: str) -> Image.Image:
    """Dark ink on white, scaled to TILE pixels, under a one-line heading."""
    picture = Image.fromarray(255 - ink).resize((TILE, TILE), Image.Resampling.LANCZOS)
    framed = Image.new("L", (TILE + 10, TILE + 30), 255)
    framed.paste(picture, (5, 25))
    draw = ImageDraw.Draw(framed)
    draw.text((5, 5), heading, fill=0)
    draw.rectangle([0, 0, framed.width - 1, framed.height - 1], outline=200)
    return framed


def sheet(tiles: list[Image.Image]) -> Image.Image:
    """Tiles in rows of COLUMNS."""
    width, height = tiles[0].size
    rows = -(-len(tiles) // COLUMNS)
    page = Image.new("L", (COLUMNS * width, rows * height), 255)
    for index, picture in enumerate(tiles):
        page.paste(picture, ((index % COLUMNS) * width, (index // COLUMNS) * height))
    return page


def write_sheets(args: argparse.Namespace) -> None:
    """The labelled sheet of misread digits per source, then the blind sheets and their key."""
    predictor = load_predictor(args.checkpoint)
    rng = np.random.default_rng(args.seed)
    blind = []  # (ink, key entry)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, digits in sources(resolve_data_dir(args.data_dir), "test").items():
        probs = predict_drawn(predictor, digits)
        labels, read = np.array([d.label for d in digits]), probs.argmax(1)
        wrong = np.flatnonzero(read != labels)
        right = rng.choice(np.flatnonzero(read == labels), len(wrong), replace=False)
        inks = inks_of(digits, np.concatenate([wrong, right]))
        headings = [f"{labels[i]} -> {read[i]}, {probs[i].max():.2f}, {digits[i].writer}" for i in wrong]
        sheet([tile(inks[i], h) for i, h in zip(wrong, headings, strict=True)]).save(args.out / f"misread-{name}.png")
        print(f"{name}: {len(wrong)} misread of {len(digits)}: {args.out / f'misread-{name}.png'}")
        for i in (*wrong, *right):
            entry = {"source": name, "writer": str(digits[i].writer), "label": int(labels[i]), "read": int(read[i])}
            blind.append((inks[i], entry))
    blind = [blind[i] for i in rng.permutation(len(blind))]
    for start in range(0, len(blind), PER_SHEET):
        tiles = [tile(ink, f"#{start + k + 1}") for k, (ink, _) in enumerate(blind[start : start + PER_SHEET])]
        sheet(tiles).save(args.out / f"blind-{start // PER_SHEET + 1}.png")
    key = {str(n + 1): entry for n, (_, entry) in enumerate(blind)}
    (args.out / "blind-key.json").write_text(json.dumps(key, indent=1) + "\n")
    print(f"{len(blind)} tiles on {-(-len(blind) // PER_SHEET)} blind sheets; key: {args.out / 'blind-key.json'}")


def verdict(reading: str, label: int) -> str:
    """How one reading stands to the writer's label."""
    digits = [int(part) for part in reading.split("/") if part.strip().isdigit()]
    if not digits:
        return "no digit"
    if digits == [label]:
        return "the label"
    return "the label or another" if label in digits else "another digit"


def score(args: argparse.Namespace) -> dict[str, Counter]:
    """Print, for the misread digits and for the control, how the reader's readings compare with the labels."""
    key = json.loads((args.out / "blind-key.json").read_text())
    reading = json.loads(args.reading.read_text())
    tallies = {"misread by the model": Counter(), "read right by the model": Counter()}
    for tile_number, entry in key.items():
        group = "misread by the model" if entry["read"] != entry["label"] else "read right by the model"
        tallies[group][verdict(reading[tile_number], entry["label"])] += 1
    print("| digits | count | reader reads the label | the label or another | another digit | no digit |")
    print("|---|---|---|---|---|---|")
    for group, tally in tallies.items():
        columns = " | ".join(str(tally[v]) for v in ("the label", "the label or another", "another digit", "no digit"))
        print(f"| {group} | {sum(tally.values())} | {columns} |")
    return tallies


def main(argv: list[str] | None = None) -> None:
    """Write the sheets, or score a reading of them."""
    args = parse_args(argv)
    score(args) if args.reading else write_sheets(args)


if __name__ == "__main__":
    run(main)
