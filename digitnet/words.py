"""What DigitNet says to people, on the page and at the command line (no torch, no Streamlit)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the page imports this before torch is loaded
    from digitnet.reading.predictor import Prediction

from digitnet.constants import NOT_A_DIGIT

SURE = 0.99  # at or above this the page says it is sure
VERY_LIKELY = 0.9  # at or above this (and below SURE) "very likely": "probably" beside 98% reads as a doubt
NOT_A_DIGIT_HEADLINE = "That doesn't look like a digit to me"
NOT_A_DIGIT_WORDS = "not a digit"  # the CLI's answer and a Number piece's caption
IF_A_DIGIT = "If it were a digit"
UNKNOWN_PIECE = "?"  # a piece of a drawn number that is no digit
NOT_A_NUMBER_HEADLINE = "That doesn't look like a number to me"
NOT_A_NUMBER_WORDS = "not a number"  # the CLI's answer for a line that is none
# Visitors never see server paths or commands: the details go to the server's log (issue 28, item 8).
IN_THE_LOG = "Whoever runs this server will find the details in its log."
NO_MODEL = f"The neural network could not be loaded, so nothing can be read right now. {IN_THE_LOG}"
NO_REPORT = f"There is no report for this model yet. {IN_THE_LOG}"


def confidence_sentence(prediction: Prediction, doubt_threshold: float) -> str:
    """Plain words for how sure the model is, that agree with the percentage beside them (format_percent).

    Below the threshold it names the two likeliest digits.
    """
    top, second = prediction.digit, prediction.runner_up()
    percent = format_percent(prediction.confidence)
    if is_doubtful(prediction, doubt_threshold):
        return f"I'm not sure: {a_digit(top)} or {a_digit(second)}? ({_versus(prediction)})"
    if prediction.confidence >= SURE:
        return f"I'm sure it's {a_digit(top)} ({percent})."
    if prediction.confidence >= VERY_LIKELY:
        return f"Very likely {a_digit(top)} ({percent}); if not, {a_digit(second)}."
    return f"Probably {a_digit(top)} ({percent}), maybe {a_digit(second)}."


def answer_line(prediction: Prediction, doubt_threshold: float) -> str:
    """The answer in one line for the command line: '7 (over 99.9%; then 1, 9)', a doubt, or 'not a digit'."""
    if not prediction.is_digit:
        return NOT_A_DIGIT_WORDS
    top, second = prediction.digit, prediction.runner_up()
    if is_doubtful(prediction, doubt_threshold):
        return f"not sure: {top} or {second}? ({_versus(prediction)})"
    third = int(prediction.probs.argsort()[-3])
    return f"{top} ({format_percent(prediction.confidence)}; then {second}, {third})"


def number_sentence(predictions: list[Prediction], confidence: float, is_number: bool) -> str:
    """Plain words for how sure the reader is of a whole number, that agree with the percentage beside them."""
    if not is_number:
        return f"{NOT_A_NUMBER_HEADLINE}."
    text, percent = number_text(predictions), format_percent(confidence)
    if not all(p.is_digit for p in predictions):
        return f"Some pieces of {text} look like no digit."
    if confidence >= SURE:
        return f"I'm sure it's {text} ({percent})."
    if confidence >= VERY_LIKELY:
        return f"Very likely {text} ({percent})."
    return f"I'm not sure it's {text} ({percent}): see each digit below."


def _versus(prediction: Prediction) -> str:
    """The two likeliest digits' percentages: '48% vs 40%'."""
    return f"{format_percent(prediction.confidence)} vs {format_percent(prediction.probs[prediction.runner_up()])}"


def number_line(predictions: list[Prediction]) -> str:
    """A number read at the command line: '2?26 (2: 99.5%, ?: not a digit, 2: 98%, 6: over 99.9%)'."""
    pieces = (
        f"{p.digit}: {format_percent(p.confidence)}" if p.is_digit else f"{UNKNOWN_PIECE}: {NOT_A_DIGIT_WORDS}"
        for p in predictions
    )
    return f"{number_text(predictions)} ({', '.join(pieces)})"


# EmptyImageError's kinds, worded for an uploaded picture rather than a drawing.
PICTURE_WORDS = {
    "blank": "I can't find a digit in your picture: it looks blank. Photograph the digit dark on light paper.",
    "stray": "I can't find a digit in your picture, only a few specks. Photograph the digit closer.",
    "dot": "The only mark in your picture is tiny: photograph the digit closer, so that it fills most of the picture.",
    "blob": "Your picture is mostly one dark patch: photograph the digit on plain paper, in even light.",
}


LAYERS_STORY = (
    "The picture goes through these layers from top to bottom. Each Conv2d layer looks for small strokes and "
    "shapes, each one in the whole picture; BatchNorm2d and ReLU keep its numbers in range; MaxPool2d halves "
    'the picture. The last layer, Linear, gives 11 scores: one for each digit 0-9 and one for "not a digit". '
    "Output: how many maps x height x width each layer passes on."
)


def learned_from(train_images: int) -> str:
    """Where its training pictures came from, in one sentence (the model page and README say the same)."""
    return (
        f"It learned from {train_images:,} pictures: handwritten digits from MNIST, digits people drew on a "
        "tablet, and drawings that are no digit (letters, shapes, scribbles), so that it can say when it sees none."
    )


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
    """What a refused drawing would be read as, said as a guess (no percentage: a high one sounds certain)."""
    return f"It looks like none of the ten digits. If I had to guess a digit, I'd say {a_digit(prediction.digit)}."


def correction_button(prediction: Prediction) -> str:
    """The button that opens the corrections: a refused drawing may still be a digit its author meant."""
    return "Wrong?" if prediction.is_digit else "Meant a digit?"


def correction_prompt(prediction: Prediction) -> str:
    """The corrections control's label: a refused drawing may still be a digit its author meant."""
    return "Wrong? It's…" if prediction.is_digit else "Meant a digit? It's a…"


def number_text(predictions: list[Prediction]) -> str:
    """The digits of a number left to right, with "?" for a piece that is no digit."""
    return "".join(str(p.digit) if p.is_digit else UNKNOWN_PIECE for p in predictions)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_percent(probability: float) -> str:
    """A percentage rounded down, so that it never claims more than the model said: 0.9996 is 'over 99.9%',
    0.986 is '98%' (beside 'very likely', never '99%' beside a doubt)."""
    if probability > 0.999:
        return "over 99.9%"
    if probability >= SURE:
        return f"{_floor(probability * 100, 1):.1f}%"
    return f"{_floor(probability * 100, 0):.0f}%"


def _floor(value: float, decimals: int) -> float:
    """`value` rounded down to `decimals` places, ignoring float noise (0.29 * 100 is 28.999...)."""
    scale = 10**decimals
    return math.floor(value * scale + 1e-6) / scale


def is_doubtful(prediction: Prediction, doubt_threshold: float) -> bool:
    """True when the top probability is below the threshold chosen on validation data."""
    return prediction.confidence < doubt_threshold


# Rooms: a presenter's wall and the phones that draw for it (digitnet/storage/rooms.py, pages/2_Wall.py).
NO_SUCH_ROOM = "There is no room {code}. Check the code on the wall, or just draw here on your own."
ROOM_ENDED = "Room {code} has ended: nothing goes to its wall now. You can still draw here on your own."
ROOM_EXPIRED = "Room {code} is past its {hours} hours and stays ended: make a new room to go on."
ROOM_PAUSED = "The wall is paused, so this drawing was not sent. Try again in a moment."
TOO_FAST = "Slow down a little: one person can send {count} drawings a minute to the wall. Try again in a moment."
WRONG_KEY = "This link does not open the wall of room {code}. Only the presenter's own link does."
ROOM_NOTICE = (
    "You are in room {code}: when you press Right! or Wrong?, your drawing and the answer appear on the "
    "room's wall for everyone to see."
)
WALL_INTRO = (
    "Make a room for a talk or a class: everyone draws on their phone, and this page, on the projector, shows "
    "their drawings and how the model reads them, live."
)
WALL_KEEP_LINK = (
    "This page's address is your key to the wall: keep it, and share only the link below. Anyone with this "
    "page's address can pause, clear or close the room."
)
WALL_JOIN = "Draw a digit on your phone:"
MATRIX_WORDS = "Each row is what people drew, each column what the model read: the diagonal is right. ?: not a digit."
WALL_EMPTY = "No drawings yet. Scan the code, draw a digit and press Right! or Wrong?"
WALL_STATES = {"open": "Open", "paused": "Paused: no new drawings", "closed": "Closed", "ended": "Ended"}


def wall_score(drawings: int, right: int) -> str:
    """The room's own account: '42 drawings, read right 38 times (90%)', the share rounded down."""
    share = math.floor(100 * right / drawings)
    return f"{count_of(drawings, 'drawing')}, read right {count_of(right, 'time')} ({share}%)"


def hardest_words(digit: int | None) -> str:
    """The room's hardest digit, in a line."""
    if digit is None:
        return "Hardest digit: none yet"
    return f"Hardest digit in this room: {digit}"


LEARNING = "Learning from this room's drawings…"
LEARN_HELP = (
    "Trains the model a little more on the drawings people here marked, for about a minute. This room then "
    "reads with the new model, but only if it still reads the digits kept back for checking as well as before."
)


def lesson_words(held_out: int, before: float | None, after: float | None) -> str:
    """The room's kept-aside drawings read before and after a lesson, in one sentence."""
    if before is None or after is None:
        return "Too few drawings were kept aside to compare before and after: draw more, then learn again."
    return (
        f"{count_of(held_out, 'drawing')} of this room, kept out of the lesson, were read right "
        f"{format_percent(before)} of the time before, {format_percent(after)} after."
    )


def not_digit_count(count: int) -> str:
    """How many of the room's drawings the model called no digit (the wall hides them unless asked)."""
    return f"{count_of(count, 'drawing')} the model called not a digit (shown on request)."
