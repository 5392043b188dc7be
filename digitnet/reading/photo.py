"""Find the ink of a photo or scan of a digit on paper: the paper, not the border, is the background.

Pure functions of numpy arrays (scipy on first use). Ink is how much darker a pixel is than its
paper under its lighting; only the digit's marks are kept (not a table, ruled lines, an outline or
specks), and a sheet with no mark or with several digit-sized marks says so.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitnet.reading.boxes import Box, group_pieces, union_box
from digitnet.reading.photo_lines import INK_LEVEL, line_pixels
from digitnet.reading.pixels import MIN_DIGIT_SIZE, EmptyImageError, SeveralMarksError, box_shrink, to_float

PHOTO_MIN_SIDE = 64  # opaque pictures (integer pixels) at least this large are photos or scans: the paper decides
PHOTO_SIDE = 600  # photos are read at most this many pixels wide or tall (a pen's stroke stays >= 1 px)
BACKGROUND_SCALE = 4  # the paper's brightness is estimated on a picture this many times smaller
BACKGROUND_WINDOW = 0.1  # share of the longer side: darker features narrower than this are ink, wider are lighting
THICK_WINDOW = 3  # times BACKGROUND_WINDOW: a dark patch this narrow with paper all round is a thick stroke
THICK_INK = 0.4  # a thick stroke darkens the paper around it by at least this share (patches of shade: ~0.25)
STROKE_RING = 0.9  # share of a thick stroke's surroundings that is paper (not a table: a shaded corner)
DARK_PAPER = 0.45  # a surface darker than this (its brightest tenth, marks aside) may bear light ink
MARK_CONTRAST = 0.1  # brightness difference from the paper that tells marks from paper noise, for the polarity
PAPER_SHARE = 0.4  # background darker than this share of the paper's is another surface (a table, a hand)
EDGE_MARGIN = 2  # background pixels along another surface that are not paper (its blurred edge)
EDGE_STEP = 0.25  # share of the paper's brightness by which the background steps at a sheet's or a shadow's edge
STROKE_WINDOW = 5  # pixels of the smaller picture: a closing this wide loses the strokes, not a strip of table
SHEET_SHARE = 0.01  # share of the picture: stretches of paper enclosed by edges smaller than this are no sheet
FRAME = (EDGE_MARGIN + 1) * BACKGROUND_SCALE  # pixels: the paper found stops this far inside the picture's edge
STEP_WINDOW = 5  # pixels of the smaller picture over which a step is measured: its whole blurred ramp
PHOTO_MIN_INK = 0.24  # a sheet whose strongest mark darkens the paper by less than this share is blank
EDGE_NEAR, EDGE_SHARE = 3, 0.5  # a mark with over half its pixels within 3 px of an edge is the edge's sliver
SPECK_SHARE = 0.3  # marks smaller than this share of the largest are specks, unless inside a digit's box
MAX_MARK = 0.8  # marks spanning more of the picture's height or width than this are edges, not a digit
OUTLINE_BAND, OUTLINE_SHARE = 0.08, 0.9  # a mark with 90% of its ink within 8% of its box's sides is an outline
GROUP_HEIGHT = 0.5  # a second group of marks this tall (share of the tallest) is a second digit
NO_DIGIT = "I can't find a digit in this picture: photograph one digit written dark on light paper, close up."
SEVERAL_MARKS = "I see {} separate marks in this picture: a number? Read it as a number, or photograph one digit."


def is_photo(array: np.ndarray) -> bool:
    """True for opaque pictures of integer pixels at least PHOTO_MIN_SIDE on each side: photos and scans."""
    return np.issubdtype(array.dtype, np.integer) and min(array.shape[:2]) >= PHOTO_MIN_SIDE


def photo_gray(array: np.ndarray) -> np.ndarray:
    """Luminance in [0, 1], box-averaged down so that the longer side is at most PHOTO_SIDE."""
    if array.dtype != np.uint8:
        array = (to_float(array) * 255).astype(np.uint8)
    image = Image.fromarray(array)
    image = box_shrink(image.convert("L") if image.mode != "L" else image, PHOTO_SIDE)
    return np.asarray(image, dtype=np.float32) * np.float32(1 / 255)


def paper_background(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """The paper's brightness under its lighting at every pixel, where the paper is (not a table, nor its edge),
    where the background steps (edges of sheets and shadows: there the darker side's brightness is given, so
    that a stroke across a shadow's edge stays ink and the lit side's paper does not turn to ink), where the
    surface steps at a finer scale too (the sheet's whole outline), and whether the ink is lighter than the
    paper (then the background is of the inverted picture, 1 - gray)."""
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    height, width = gray.shape
    size = (max(width // BACKGROUND_SCALE, 1), max(height // BACKGROUND_SCALE, 1))
    small = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BOX))
    window = (max(3, round(BACKGROUND_WINDOW * max(size))),) * 2
    closed, opened = ndimage.grey_closing(small, size=window), ndimage.grey_opening(small, size=window)
    rows, cols = small.shape
    middle = (slice(rows // 4, rows - rows // 4), slice(cols // 4, cols - cols // 4))  # mostly paper and the digit
    # Strokes are narrower than a window; and light marks are looked for only on a surface that is dark even
    # at its brightest (a blackboard): a sheet half in shadow has a lit part, which is no mark.
    dark_paper = float(np.percentile(opened[middle], 90)) < DARK_PAPER
    light_ink = dark_paper and _has_light_ink(small[middle], 2 * window[0])
    surface, closed = (1 - small, 1 - opened) if light_ink else (small, closed)
    closed = _thick_strokes(surface, closed, window[0], float(np.median(closed[middle])))
    small = ndimage.uniform_filter(closed, 3)
    paper_level = float(np.median(small[middle]))
    paper = ndimage.binary_erosion(small >= PAPER_SHARE * paper_level, iterations=EDGE_MARGIN, border_value=0)
    darkest = ndimage.minimum_filter(small, STEP_WINDOW)
    steps = ndimage.maximum_filter(small, STEP_WINDOW) - darkest > EDGE_STEP * paper_level
    small = np.where(steps, darkest, small)
    # The closing above fills a strip of table narrower than its window (beside a sheet's corner in a shadow):
    # the sheet's edges are also sought in the picture closed only enough to lose the strokes.
    fine = ndimage.grey_closing(surface, size=(STROKE_WINDOW, STROKE_WINDOW))
    fine_steps = ndimage.maximum_filter(fine, STEP_WINDOW) - ndimage.minimum_filter(fine, STEP_WINDOW)
    sheet_edges = steps | (fine_steps > EDGE_STEP * paper_level)
    background = np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR))
    paper, steps, sheet_edges = (
        np.asarray(Image.fromarray(m).resize((width, height), Image.Resampling.NEAREST))
        for m in (paper, steps, sheet_edges)
    )
    return background, paper, steps, sheet_edges, bool(light_ink)


def _thick_strokes(surface: np.ndarray, closed: np.ndarray, window: int, paper_level: float) -> np.ndarray:
    """The background `closed` (`surface` closed with `window`) where dark patches wider than the window but
    with paper all round (strokes of a thick pen, a bold MNIST digit) are given the paper's brightness around
    them: a table or a shadow reaches the picture's edge, a stroke does not."""
    from scipy import ndimage

    wide = ndimage.grey_closing(surface, size=(THICK_WINDOW * window,) * 2)
    patches, count = ndimage.label(wide - closed > EDGE_STEP * paper_level)
    along_edge = np.unique(np.concatenate([patches[[0, -1]].ravel(), patches[:, [0, -1]].ravel()]))
    strokes = np.zeros_like(patches, dtype=bool)
    for label in sorted(set(range(1, count + 1)) - set(along_edge.tolist())):
        patch = patches == label
        ring = ndimage.binary_dilation(patch, iterations=2) & ~patch
        # A stroke lies on paper as bright as the paper it was lifted to; a sheet's shaded corner touches the table.
        # It is ink, darker than that paper by far more than a patch of shade the wide window lifts by a step.
        lifted = np.median(wide[patch])
        darkness = 1 - np.median(surface[patch]) / lifted
        if np.mean(closed[ring] >= (1 - EDGE_STEP) * lifted) >= STROKE_RING and darkness >= THICK_INK:
            strokes |= patch
    return np.where(ndimage.binary_dilation(strokes, iterations=2), wide, closed)


def _has_light_ink(gray: np.ndarray, block: int) -> bool:
    """True when the marks differ from the paper around them (the median of each block) by being lighter."""
    block = max(1, min(block, *gray.shape))
    rows, cols = gray.shape[0] // block, gray.shape[1] // block
    blocks = gray[: rows * block, : cols * block].reshape(rows, block, cols, block)
    contrast = blocks - np.median(blocks, axis=(1, 3), keepdims=True)
    return contrast[contrast > MARK_CONTRAST].sum() > -contrast[contrast < -MARK_CONTRAST].sum()


def digit_marks(
    ink: np.ndarray, paper: np.ndarray, steps: np.ndarray, sheet_edges: np.ndarray, peak: float
) -> list[np.ndarray]:
    """Masks of the groups of marks on the paper that may be digits (ink over INK_LEVEL of `peak`), tallest
    first; ruled lines, outlines and specks are left out, and so are marks that run off the paper, lie
    along the edge of the sheet or of a shadow (`steps`) or on a table outside a sheet seen whole (`sheet_edges`)."""
    from scipy import ndimage

    mask = (ink > INK_LEVEL * peak) & ~line_pixels(ink, peak)
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    boxes = [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels)]
    return group_marks(labels, boxes, _mark_sizes(labels, count, boxes, paper, steps, sheet_edges))


def group_marks(labels: np.ndarray, boxes: list[Box], sizes: list[int]) -> list[np.ndarray]:
    """Masks of the groups of labelled marks that may be digits, tallest first: marks whose size (longer side, 0 for
    no part of a digit) is not a speck's, grouped as one digit's pieces are, with the specks inside a group's box."""
    smallest = max(MIN_DIGIT_SIZE * min(labels.shape), SPECK_SHARE * max(sizes, default=0), 1)
    big = [i for i, size in enumerate(sizes) if size >= smallest]
    if not big:
        return []
    groups = _join_crossing([[big[i] for i in group] for group in group_pieces([boxes[i] for i in big])], boxes)
    marks = []
    for group in groups:
        top, bottom, left, right = union_box(boxes[i] for i in group)
        inside = [
            i for i, size in enumerate(sizes) if 0 < size < smallest and _within(boxes[i], top, bottom, left, right)
        ]
        marks.append(np.isin(labels, [i + 1 for i in group + inside]))
    return sorted(marks, key=lambda m: -np.ptp(np.flatnonzero(m.any(axis=1))))


def _mark_sizes(
    labels: np.ndarray, count: int, boxes: list[Box], paper: np.ndarray, steps: np.ndarray, sheet_edges: np.ndarray
) -> list[int]:
    """Each mark's longer side, or 0 for a mark that is no part of a digit: off the paper, on a table beside
    the sheet, along an edge, spanning most of the picture, or an outline."""
    from scipy import ndimage

    off_paper = ndimage.binary_dilation(~paper, border_value=1)  # the picture's own edge too
    off_paper = set(np.unique(labels[off_paper & (labels > 0)]).tolist())
    edges = ndimage.binary_dilation(~paper | steps, iterations=EDGE_NEAR, border_value=1)
    along_edges = ndimage.mean(edges, labels, np.arange(1, count + 1)) > EDGE_SHARE
    height, width = labels.shape
    too_big = [b[1] - b[0] > MAX_MARK * height or b[3] - b[2] > MAX_MARK * width for b in boxes]
    sizes = [0 if i + 1 in off_paper or too_big[i] else max(b[1] - b[0], b[3] - b[2]) for i, b in enumerate(boxes)]
    sizes = [0 if size and _is_outline(labels, i + 1, boxes[i]) else size for i, size in enumerate(sizes)]
    digit_sized = MIN_DIGIT_SIZE * min(labels.shape)
    # Marks on a stretch of table that reaches the picture's frame are no digit when one lies on the sheet.
    on_sheet = _on_sheet(labels, count, paper, sheet_edges)
    if any(size >= digit_sized and on_sheet[i] > 0 for i, size in enumerate(sizes)):
        sizes = [0 if on_sheet[i] < 0 else size for i, size in enumerate(sizes)]
    # A mark along an edge is the edge's sliver when a digit-sized mark lies elsewhere on the sheet; alone,
    # it may be a digit written along a shadow's edge.
    if any(size >= digit_sized and not along_edges[i] for i, size in enumerate(sizes)):
        sizes = [0 if along_edges[i] else size for i, size in enumerate(sizes)]
    return sizes


def _on_sheet(labels: np.ndarray, count: int, paper: np.ndarray, sheet_edges: np.ndarray) -> np.ndarray:
    """For each mark, 1 when more of it lies on paper enclosed by edges (a sheet seen whole) than on paper that
    reaches the picture's frame (a lit table beside the sheet), -1 for the opposite, 0 on neither (an edge)."""
    from scipy import ndimage

    regions, count_regions = ndimage.label(paper & ~sheet_edges)
    frame = np.ones_like(paper)
    frame[FRAME:-FRAME, FRAME:-FRAME] = False
    # An island of a few pixels is no sheet either: a wedge of lit table cut off by a shadow's edge.
    areas = np.bincount(regions.ravel(), minlength=count_regions + 1)
    islands = np.flatnonzero(areas < SHEET_SHARE * regions.size)
    outside = np.isin(regions, np.union1d(np.unique(regions[frame]), islands)) & (regions > 0)
    index = np.arange(1, count + 1)
    inside, outside = (np.asarray(ndimage.sum(m, labels, index)) for m in ((regions > 0) & ~outside, outside))
    return np.sign(inside - outside).reshape(-1)


def _join_crossing(groups: list[list[int]], boxes: list[Box]) -> list[list[int]]:
    """Groups whose boxes overlap and that together are no wider than tall are one digit (a 4 drawn as an L
    and a bar that does not reach it); digits of a number written apart have boxes that do not overlap."""
    joined: list[list[int]] = []
    for group in groups:
        for other in joined:
            a, b = union_box(boxes[i] for i in group), union_box(boxes[i] for i in other)
            top, bottom, left, right = union_box(boxes[i] for i in group + other)
            crossing = min(a[1], b[1]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[2], b[2])
            if crossing and right - left <= bottom - top:
                other.extend(group)
                break
        else:
            joined.append(list(group))
    return joined


def _is_outline(labels: np.ndarray, label: int, box: Box) -> bool:
    """True for a mark lying along the sides of its box, like the edges of a sheet seen on a table."""
    top, bottom, left, right = box
    ys, xs = np.nonzero(labels[top:bottom, left:right] == label)
    band_y, band_x = OUTLINE_BAND * (bottom - top), OUTLINE_BAND * (right - left)
    near = (ys < band_y) | (ys >= bottom - top - band_y) | (xs < band_x) | (xs >= right - left - band_x)
    return min(bottom - top, right - left) > 2 / OUTLINE_BAND and near.mean() > OUTLINE_SHARE


def _within(box: Box, top: int, bottom: int, left: int, right: int) -> bool:
    """True when the centre of `box` lies inside the given box."""
    return top <= (box[0] + box[1]) / 2 <= bottom and left <= (box[2] + box[3]) / 2 <= right


def digit_groups(marks: list[np.ndarray], several: bool) -> list[np.ndarray]:
    """The groups of marks (tallest first) that are digits: at least GROUP_HEIGHT as tall as the tallest.

    Raises SeveralMarksError, unless `several`, when there is more than one: perhaps a number.
    """
    tallest = np.ptp(np.flatnonzero(marks[0].any(axis=1)))
    digits = [m for m in marks if np.ptp(np.flatnonzero(m.any(axis=1))) >= GROUP_HEIGHT * tallest]
    if len(digits) > 1 and not several:
        raise SeveralMarksError(SEVERAL_MARKS.format(len(digits)))
    return digits


def photo_ink(array: np.ndarray, several: bool = False) -> np.ndarray:
    """The ink of a photo or scan of a digit on paper, white on black, only its marks (at most PHOTO_SIDE large).

    Raises EmptyImageError when no mark is found, SeveralMarksError (unless `several`) when several are.
    """
    from scipy import ndimage

    gray = photo_gray(array)
    background, paper, steps, sheet_edges, light_ink = paper_background(gray)
    gray = 1 - gray if light_ink else gray
    ink = np.where(paper, np.clip((background - gray) / np.maximum(background, 0.02), 0, 1), 0).astype(np.float32)
    height, width = ink.shape  # the digit's strength, from the middle: a strip of table at an edge is no guide
    peak = float(
        ndimage.uniform_filter(ink, 3)[height // 4 : height - height // 4, width // 4 : width - width // 4].max()
    )
    if peak < PHOTO_MIN_INK:
        raise EmptyImageError(NO_DIGIT)
    marks = digit_marks(ink, paper, steps, sheet_edges, peak)
    if not marks:
        raise EmptyImageError(NO_DIGIT)
    keep = ndimage.binary_dilation(np.logical_or.reduce(digit_groups(marks, several)), iterations=2)
    ink = np.where(keep, ink, 0)
    strong = float(np.percentile(ink[ink > INK_LEVEL * peak], 75))
    return np.clip(ink / strong, 0, 1).astype(np.float32)  # the strokes at full strength, as in MNIST
