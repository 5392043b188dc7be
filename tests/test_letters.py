"""Real letters and symbols: the loader, who may be trained on, which characters count as "not a digit", and
the bench's rows for them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import constant_checkpoint, synthetic_data_root
from digitnet.constants import NOT_A_DIGIT
from digitnet.learning.data import load_characters
from digitnet.learning.letters import character_group, counts_as_not_a_digit, real_negatives
from digitnet.learning.splits import load_negatives
from digitnet.learning.strokes import (
    CHARACTERS_FILE,
    parse_unipen,
    parse_unipen_character,
    split_unipen,
    writer_roles,
)

A_STROKES = [[[0, 0], [50, 100], [100, 0]], [[25, 50], [75, 50]]]  # y up: the apex on top, the bar halfway


def character_line(label="A", writer="syn:1", site="syn", category="1b", strokes=A_STROKES) -> str:
    """One line of the UNIPEN letters file."""
    sample = {"label": label, "category": category, "site": site, "writer": writer, "quality": "?", "strokes": strokes}
    return json.dumps(sample)


def write_characters(root: Path, lines: list[str]) -> Path:
    """The gzipped letters file of a data root."""
    path = root / CHARACTERS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as file:
        file.write("\n".join(lines) + "\n")
    return path


def test_gzipped_characters_are_read_flipped_and_bad_ones_counted(tmp_path):
    lines = [character_line(), character_line(label=""), character_line(strokes=[[[5, 5]]]), character_line(label=7)]
    characters, refused = parse_unipen(write_characters(tmp_path, lines), parse_unipen_character)
    assert refused == 3 and len(characters) == 1
    a = characters[0]
    assert (a.label, a.category, a.writer, a.site, len(a.strokes)) == ("A", "1b", "syn:1", "syn", 2)
    # y flipped: the feet at the bottom (500), the apex smoothed 1-2-1 with them, the bar halfway down
    assert np.allclose(a.strokes[0], [[0, 500], [250, 250], [500, 500]]) and np.allclose(a.strokes[1][:, 1], 250)


def test_a_person_keeps_the_digits_role_and_no_writer_has_two_roles():
    digits = [parse_unipen_character(character_line(writer=f"syn:{n}")) for n in range(10)]
    digit_roles = writer_roles(split_unipen(digits))
    assert digit_roles["syn:2"] == "tune" and digit_roles["syn:0"] == "fit"
    # The letters file has other writers too: split alone, syn:01 would tune and syn:2 would fit.
    letters = [parse_unipen_character(character_line(writer=w)) for w in ["syn:00", "syn:01", "syn:0", "syn:2"]]
    letters += [parse_unipen_character(character_line(writer="ced:9", site="ced"))]
    roles = split_unipen(letters, digit_roles)
    sides = {role: {c.writer for c in samples} for role, samples in roles.items()}
    assert sides == {"fit": {"syn:00", "syn:01", "syn:0"}, "tune": {"syn:2"}, "test": {"ced:9"}}
    for first, second in (("fit", "tune"), ("fit", "test"), ("tune", "test")):
        assert not sides[first] & sides[second]


@pytest.mark.parametrize("label", [*"OoIlSsZzgqbBGTD.", "\\@"])
def test_digit_shapes_and_noise_never_count_as_not_a_digit(label):
    assert not counts_as_not_a_digit(label)


def test_letters_like_no_digit_and_other_characters_do():
    assert all(counts_as_not_a_digit(c) for c in "AEFHKMNPRUVWXYaefhkmnpruvwxyCcJd?@#+")
    groups = [
        character_group(parse_unipen_character(character_line(label=c, category=k)))
        for c, k in [("A", "1b"), ("J", "1b"), ("#", "1d"), ("O", "1b"), ("\\@", "1d")]
    ]
    assert groups == ["letters like no digit", "other letters", "symbols", "digit shapes", "noise"]


def test_real_negatives_come_from_the_fit_writers_only_and_are_labelled_not_a_digit(tmp_path):
    root = synthetic_data_root(tmp_path)  # digits: syn:2 and syn:7 tune, ced:0 test
    lines = [character_line(writer=f"syn:{n}") for n in range(10)] + [character_line(writer="ced:0", site="ced")]
    lines += [character_line(label="O", writer=f"syn:{n}") for n in range(10)]
    write_characters(root, lines)
    assert {c.writer for c in load_characters(root, "tune")} == {"syn:2", "syn:7"}
    images, labels = load_negatives(20, 0, "train", root, real_share=0.25)
    assert images.shape == (20, 1, 28, 28) and (labels == NOT_A_DIGIT).all()
    # Eight As of the eight fit writers: the Os are digit shapes, syn:2 and syn:7 choose, ced:0 is measured.
    assert len(real_negatives(20, 0, "fit", root)) == 8 and len(real_negatives(20, 0, "tune", root)) == 2


def test_the_bench_reports_each_held_out_character_and_each_group(tmp_path, capsys):
    from bench import not_a_digit

    root = synthetic_data_root(tmp_path)
    lines = [character_line(label=c, writer="ced:0", site="ced", category="1d" if c == "#" else "1b") for c in "AAO#"]
    write_characters(root, [*lines, character_line(label="K", writer="syn:1")])  # a fit writer: never measured
    fours = [0.0] * 11
    fours[4] = 5.0  # reads every drawing as a sure 4
    model = constant_checkpoint(tmp_path / "fours.pt", fours, {"doubt_threshold": 0.5, "not_digit_threshold": 0.5})
    args = ["--data-dir", str(root), "--checkpoint", str(model), "--count", "4", "--brushes", "16", "--no-mnist"]
    result = not_a_digit.main(args)
    rows = result["characters"]
    assert set(rows) == {"A", "O", "#"} and rows["A"]["drawn"] == 2 and rows["A"]["confident"] == 2
    out = capsys.readouterr().out
    assert "| `A` | letters like no digit | 2 | 0.0% | 100.0% | 4 (100%) |" in out
    assert "| symbols | 1 | 0.0% | 100.00% | <= 3% |" in out
    assert "their own (O as 0, l as 1, ...): 0.0%" in out  # O read as a 4 is not its own digit


def test_the_bench_counts_real_digits_shown_with_doubt_for_the_writers_asked(tmp_path, capsys):
    from bench import not_a_digit

    root = synthetic_data_root(tmp_path)
    unsure_fours = [0.0] * 10 + [-10.0]
    unsure_fours[4] = float(np.log(6.0))  # a 4 at 0.4 of the ten digits, under the doubt threshold; never refused
    model = constant_checkpoint(
        tmp_path / "unsure.pt", unsure_fours, {"doubt_threshold": 0.5, "not_digit_threshold": 0.5}
    )
    args = ["--data-dir", str(root), "--checkpoint", str(model), "--count", "4", "--brushes", "16", "--no-mnist"]
    result = not_a_digit.main([*args, "--letters", "0", "--digit-writers", "tune"])
    out = capsys.readouterr().out
    # the choosing writers' sevens: pendigits 17-20 and UNIPEN's syn:2 and syn:7, none refused, every one in doubt
    # ... and each of them misread (a 7 read as a 4)
    assert "| pendigits writers 17-20, brush 16 px | 4 | 0.00% | **100.00%** | 100.00% | 100.00% |" in out
    assert "| UNIPEN tune writers, brush 16 px | 2 | 0.00% | **100.00%** | 100.00% | 100.00% |" in out
    assert set(result["digits refused or doubted"].values()) == {1.0}
