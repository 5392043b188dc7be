"""What DigitNet says to people, on the page and at the command line (no torch, no Streamlit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the page imports this before torch is loaded
    from digitnet.reading.predictor import Prediction

from digitnet.constants import NOT_A_DIGIT

SURE = 0.99  # above this the page says it is sure
NOT_A_DIGIT_HEADLINE = "That doesn't look like a digit to me"
NOT_A_DIGIT_WORDS = "not a digit"  # the CLI's answer and a Number piece's caption
IF_A_DIGIT = "If it were a digit"
UNKNOWN_PIECE = "?"  # a piece of a drawn number that is no digit


def confidence_sentence(prediction: Prediction, doubt_threshold: float) -> str:
    """Plain words for how sure the model is; below the threshold it names the two likeliest digits."""
    top, second = prediction.digit, prediction.runner_up()
    percent = format_percent(prediction.confidence)
    if prediction.confidence >= SURE:
        return f"I'm sure it's {a_digit(top)} ({percent})."
    if prediction.confidence >= doubt_threshold:
        return f"Probably {a_digit(top)} ({percent}), maybe {a_digit(second)}."
    return (
        f"I'm not sure: {a_digit(top)} or {a_digit(second)}? ({percent} vs {format_percent(prediction.probs[second])})"
    )


# EmptyImageError's kinds, worded for an uploaded picture rather than a drawing.
PICTURE_WORDS = {
    "blank": "I can't find a digit in your picture: it looks blank. Photograph the digit dark on light paper.",
    "stray": "I can't find a digit in your picture, only a few specks. Photograph the digit closer.",
    "dot": "The only mark in your picture is tiny: photograph the digit closer, so that it fills most of the picture.",
    "blob": "Your picture is mostly one dark patch: photograph the digit on plain paper, in even light.",
}


def a_digit(digit: int) -> str:
    """The digit with its article, as it is read aloud: 'an 8', 'a 7'."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def label_words(label: int) -> str:
    """A stored correction as the page confirms it: 'an 8', or 'not a digit'."""
    return NOT_A_DIGIT_WORDS if label == NOT_A_DIGIT else a_digit(label)


def option_words(label: int) -> str:
    """A choice of the corrections control: '8', or 'not a digit'."""
    return NOT_A_DIGIT_WORDS if label == NOT_A_DIGIT else str(label)


def count_of(count: int | str, noun: str) -> str:
    """'1 drawing', '2 drawings'; a count given as words ('An unknown number of') takes the plural."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def not_digit_sentence(prediction: Prediction) -> str:
    """What a refused drawing would be read as, said as a guess, not an answer."""
    return (
        "It looks like none of the ten digits. If it were one, it would most likely be "
        f"{a_digit(prediction.digit)} ({format_percent(prediction.confidence)})."
    )


def correction_prompt(prediction: Prediction) -> str:
    """The corrections control's label: a refused drawing may still be a digit its author meant."""
    return "Wrong? It's…" if prediction.is_digit else "Meant a digit? It's a…"


def number_text(predictions: list[Prediction]) -> str:
    """The digits of a number left to right, with "?" for a piece that is no digit."""
    return "".join(str(p.digit) if p.is_digit else UNKNOWN_PIECE for p in predictions)


def format_percent(probability: float) -> str:
    """A percentage that never rounds a doubt away: 0.9996 is 'over 99.9%', not '100%'."""
    if probability > 0.999:
        return "over 99.9%"
    return f"{probability:.1%}" if probability >= SURE else f"{probability:.0%}"


def is_doubtful(prediction: Prediction, doubt_threshold: float) -> bool:
    """True when the top probability is below the threshold chosen on validation data."""
    return prediction.confidence < doubt_threshold
