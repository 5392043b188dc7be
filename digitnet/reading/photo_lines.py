"""Ruled and squared lines of a photographed sheet: long, nearly straight, faint runs of ink that are no digit.

Pure functions of numpy arrays, used by photo.py: a grid is looked for in fainter ink than the
digit's marks, so that its print is found whole, and a pen's stroke crossing it keeps its pixels.
"""

from __future__ import annotations

import numpy as np

INK_LEVEL = 0.4  # share of the strongest mark's darkness below which a pixel is paper (or a faint ruled line)
LINE_LEVEL = 0.2  # share of the strongest mark's darkness: ruled lines are looked for in ink this faint too
LINE_MAX_SHARE = 0.4  # faint ink covering more of the picture than this is noise: lines are sought in the ink
LINE_LENGTH = 0.4  # marks at least this share of the picture long in a straight line are ruled or squared lines
LINE_THICKNESS = 4  # pixels: a line's pixels with ink thicker than this across it belong to a stroke crossing it
LINE_RUN = 6  # pixels: a line's ink runs at least this far along it in one row (its tilt is at most 6 degrees)
LINE_DARKER = 1.5  # ink this many times darker than a line's own is a stroke on it
LINE_LONG_RUN = 12  # pixels: where a line's own darkness is measured, it runs this far straight in a row
LINE_SLOPES = np.tan(np.deg2rad(np.arange(-6.0, 6.1, 1.0)))  # the paper's tilt in the picture
LINE_POOL = 4  # lines are looked for on a picture this many times smaller


def line_pixels(ink: np.ndarray, peak: float) -> np.ndarray:
    """Pixels of ink above INK_LEVEL on long, nearly straight ruled or squared lines, found in fainter ink
    (LINE_LEVEL, where a printed line stays unbroken); strokes crossing a line or running along it, thicker
    or darker than it, keep their pixels."""
    mask, faint = ink > INK_LEVEL * peak, ink > LINE_LEVEL * peak
    dense = faint.mean() > LINE_MAX_SHARE  # faint ink all over the picture is noise: lines are sought in the ink
    faint, run = (mask, 1) if dense else (faint, LINE_RUN)
    across, down = _line_band(faint, run), _line_band(faint.T, run).T
    thin = (across & ~_vertical_runs(mask, LINE_THICKNESS + 1)) | (down & ~_vertical_runs(mask.T, LINE_THICKNESS + 1).T)
    if dense or not thin.any():
        return thin & mask
    # A pen's stroke is darker than the paper's print, measured where lines run far straight (a digit seldom does).
    runs = _vertical_runs(faint.T, LINE_LONG_RUN).T | _vertical_runs(faint, LINE_LONG_RUN)
    light = ~(ink > LINE_DARKER * float(np.median(ink[thin & runs] if (thin & runs).any() else ink[thin])))
    # Ink thicker than a line across it is a stroke (or a sheet's edge); where lines cross, the other does not count.
    across &= ~_vertical_runs(mask & ~(down & light), LINE_THICKNESS + 1)
    down &= ~_vertical_runs((mask & ~(across & light)).T, LINE_THICKNESS + 1).T
    return (across | down) & mask & light


def _line_band(faint: np.ndarray, run: int) -> np.ndarray:
    """Pixels of `faint` running at least `run` pixels along long, nearly horizontal straight lines (found at
    a quarter of the size, at any small tilt)."""
    scale = LINE_POOL
    height, width = faint.shape[0] // scale, faint.shape[1] // scale
    # Only ink running along a line makes one: noise and a ruling's specks beside a stroke do not lengthen it.
    along = faint & _vertical_runs(faint.T, run).T
    pooled = along[: scale * height, : scale * width].reshape(height, scale, width, scale).any(axis=(1, 3))
    columns = np.arange(width)
    found = np.zeros_like(pooled)
    for slope in LINE_SLOPES:
        rows = np.arange(height)[:, None] + np.round(columns * slope).astype(np.intp)
        inside = (rows >= 0) & (rows < height)
        rows = np.clip(rows, 0, height - 1)
        hits = np.flatnonzero((pooled[rows, columns] & inside).sum(axis=1) >= LINE_LENGTH * width)
        for row in hits:
            for near in range(max(row - 1, 0), min(row + 2, height)):  # between two LINE_SLOPES, it wanders a row
                found[rows[near][inside[near]], columns[inside[near]]] = True
    full = np.zeros_like(faint)
    if found.any():
        full[: scale * height, : scale * width] = found.repeat(scale, axis=0).repeat(scale, axis=1)
        full &= along
    return full


def _vertical_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Pixels of `mask` in vertical runs at least `length` long (a binary opening, by slices: faster)."""
    count = mask.shape[0] - length + 1
    starts = np.logical_and.reduce([mask[k : k + count] for k in range(length)]) if count > 0 else mask[:0]
    runs = np.zeros_like(mask)
    for k in range(length):
        runs[k : k + count] |= starts
    return runs
