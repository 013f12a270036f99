"""ocr: words and lines with boxes and confidence for every frame that has no text layer.

Tesseract runs through tesserocr, which keeps the engine and its language
models loaded in the worker process between frames and items instead of
starting a program and loading the models for every picture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tesserocr
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from PIL import Image, ImageFilter, ImageOps

from archive.models import Evidence, Frame, TextLine
from archive.pipeline.base import Stage, StageSkipped
from archive.pipeline.images import open_image, upright
from archive.vault import vault_open

# Below this brightness of its surroundings a pixel is taken to sit on a dark
# background, and its region is inverted so that all text is dark on light.
DARK_BACKGROUND = 110
# The background around each pixel is the median of a 9x9 window of a copy
# shrunk five times: a median ignores letters, and the window (about 45
# pixels) still follows a 26-pixel menu bar.
BACKGROUND_SHRINK = 5
BACKGROUND_WINDOW = 9
# Dark regions narrower than this (in the shrunk copy) are letters, not backgrounds.
DARK_OPENING = 3
# The shrunk copy places a region's edge only to within two of its pixels (ten
# of the picture): shrinking rounds the edge to a multiple of five, and at the
# edge the median's window is half inside, so light text or icons along the
# inside of a bar tip it to light and leave a dark strip that cuts the text.
# Within this many shrunk pixels of an edge the edge is found again at full size.
EDGE_CELLS = 2
# There a row or column decides a pixel only when this far from an even split:
# a row through the bottoms of a menu bar's letters is not mostly dark by much.
EDGE_MARGIN = 0.1
# Words further apart than this many times the height of their letters are
# not one line of text but things side by side.
WIDE_GAP = 4

_engine: tuple[str, tesserocr.PyTessBaseAPI] | None = None


def engine(languages: str) -> tesserocr.PyTessBaseAPI:
    """The worker process's Tesseract engine, loaded once per language set."""
    global _engine
    if _engine is None or _engine[0] != languages:
        if _engine is not None:
            _engine[1].End()
        api = tesserocr.PyTessBaseAPI(path=settings.TESSDATA_PATH, lang=languages, psm=tesserocr.PSM.AUTO)
        _engine = (languages, api)
    return _engine[1]


def normalise_polarity(image: Image.Image) -> Image.Image:
    """Greyscale, with light-on-dark regions (taskbars, menu bars, dark themes, overlays) inverted."""
    grey = image.convert("L")
    return Image.composite(ImageOps.invert(grey), grey, dark_regions(grey))


def dark_regions(grey: Image.Image) -> Image.Image:
    """Mask (255) of the pixels that sit on a dark background, with each region's edges where the picture has them.

    1. The background is the median of a window of a shrunk copy; an opening
       of the dark mask then drops dark patches narrower than a bar, such as
       the insides of large bold letters, which must not be inverted.
    2. Near a horizontal edge of that mask (the top of a taskbar, the bottom
       of a menu bar) a pixel is dark if its row, over the width of the
       median's window, is clearly mostly dark, and light if it is clearly
       mostly light; near a vertical edge its column decides. A row lies
       wholly on one side of a horizontal edge, so the edge lands on the row
       where the picture has it, whatever text or icons run along the bar.
    """
    small = grey.resize(
        (max(1, grey.width // BACKGROUND_SHRINK), max(1, grey.height // BACKGROUND_SHRINK)), Image.Resampling.BOX
    )
    background = small.filter(ImageFilter.MedianFilter(BACKGROUND_WINDOW))
    dark = background.point(lambda value: 255 if value < DARK_BACKGROUND else 0)
    dark = dark.filter(ImageFilter.MinFilter(DARK_OPENING)).filter(ImageFilter.MaxFilter(DARK_OPENING))
    mask = dark.resize(grey.size, Image.Resampling.NEAREST)
    coarse = np.asarray(dark) > 0
    across, down = _edges(coarse, axis=0), _edges(coarse, axis=1)
    if not (across.any() or down.any()):
        return mask
    # A row counted near the end of a vertical edge would straddle it, and a
    # column near a horizontal one: the shrunk mask stands at such corners.
    reach = BACKGROUND_WINDOW // 2 + 1
    by_rows = _reaches(across, EDGE_CELLS, axis=0) & ~_reaches(down, reach, axis=1)
    by_columns = _reaches(down, EDGE_CELLS, axis=1) & ~_reaches(across, reach, axis=0)
    refined = np.array(mask) > 0
    pixels = np.asarray(grey) < DARK_BACKGROUND
    half = BACKGROUND_SHRINK * BACKGROUND_WINDOW // 2
    for cells, transposed in ((by_rows, False), (by_columns, True)):
        if not cells.any():
            continue
        zone = np.asarray(Image.fromarray(cells).resize(grey.size, Image.Resampling.NEAREST))
        if transposed:
            _decide_by_rows(refined.T, pixels.T, zone.T, half)
        else:
            _decide_by_rows(refined, pixels, zone, half)
    return Image.fromarray(refined.astype(np.uint8) * 255)


def _edges(mask: np.ndarray, axis: int) -> np.ndarray:
    """Cells where ``mask`` changes along ``axis``, in runs of at least three cells across it.

    Shorter runs are the ends of the notches that the shrunk mask's rounding
    cuts into an edge, not edges of a region.
    """
    values = np.moveaxis(mask, axis, -1)
    step = values[..., 1:] != values[..., :-1]
    change = np.zeros(values.shape, dtype=bool)
    change[..., 1:] |= step
    change[..., :-1] |= step
    change = np.moveaxis(change, -1, axis)
    count, length = _window_sums(change, 1, 1 - axis)
    return _reaches(count == length, 1, 1 - axis)


def _reaches(mask: np.ndarray, reach: int, axis: int) -> np.ndarray:
    """Cells with a set cell within ``reach`` cells to either side along ``axis``."""
    count, _ = _window_sums(mask, reach, axis)
    return count > 0


def _decide_by_rows(refined: np.ndarray, pixels: np.ndarray, zone: np.ndarray, half: int) -> None:
    """Set ``refined`` in ``zone`` to whether the row's dark ``pixels`` around each are clearly most or few."""
    rows = np.flatnonzero(zone.any(axis=1))
    count, length = _window_sums(pixels[rows], half, axis=1)
    share = count / length
    current = refined[rows]
    decided = np.where(share > 0.5 + EDGE_MARGIN, True, np.where(share < 0.5 - EDGE_MARGIN, False, current))
    refined[rows] = np.where(zone[rows], decided, current)


def _window_sums(mask: np.ndarray, half: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Set cells and all cells in a window of ``half`` cells to either side along ``axis``, cut at the ends."""
    values = np.moveaxis(mask, axis, -1)
    size = values.shape[-1]
    totals = np.zeros((*values.shape[:-1], size + 1), dtype=np.int32)
    np.cumsum(values, axis=-1, dtype=np.int32, out=totals[..., 1:])
    places = np.arange(size)
    low, high = np.maximum(places - half, 0), np.minimum(places + half + 1, size)
    count = totals[..., high] - totals[..., low]
    # The lengths run along ``axis``: shaped to broadcast over the other axes.
    length = (high - low).reshape((-1,) + (1,) * (mask.ndim - 1 - axis))
    return np.moveaxis(count, -1, axis), length


def read_lines(image: Image.Image, languages: str) -> list[dict[str, Any]]:
    """Lines of words with boxes (pixels of ``image``) and confidence 0..100.

    1. Tesseract reads the whole picture, with light-on-dark regions inverted.
    2. A line whose neighbouring words sit at different heights is read again,
       each run of words at one height as a line of its own (see ``_one_height``).
    3. Lines are cut where words stand far apart (see ``_apart``).
    """
    api = engine(languages)
    api.SetImage(normalise_polarity(image))
    api.Recognize()
    found = _recognised_lines(api)
    lines: list[list[dict[str, Any]]] = []
    try:
        for words in found:
            runs = _one_height(words)
            if len(runs) == 1:
                lines += _apart(words)
                continue
            api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
            for run in runs:
                left, top, right, bottom = _run_box(run)
                # A margin of a third of the height keeps the letters whole without taking in the next line.
                margin = max(2, (bottom - top) // 3)
                left, top = max(0, left - margin), max(0, top - margin)
                right, bottom = min(image.width, right + margin), min(image.height, bottom + margin)
                api.SetRectangle(left, top, right - left, bottom - top)
                api.Recognize()
                again = [word for line in _recognised_lines(api) for word in line]
                lines += _apart(again or run)
    finally:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        api.Clear()
    return [_line(words, index) for index, words in enumerate(lines)]


def _recognised_lines(api: tesserocr.PyTessBaseAPI) -> list[list[dict[str, Any]]]:
    """The words of the last recognition, line by line, with boxes on the whole picture."""
    lines: list[list[dict[str, Any]]] = []
    words: list[dict[str, Any]] = []
    iterator = api.GetIterator()
    level = tesserocr.RIL.WORD
    for word in tesserocr.iterate_level(iterator, level) if iterator else ():
        try:
            text = (word.GetUTF8Text(level) or "").strip()
        except RuntimeError:
            # tesserocr raises instead of returning "" where it found no text.
            continue
        box = word.BoundingBox(level)
        if word.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) and words:
            lines.append(words)
            words = []
        if text and box:
            left, top, right, bottom = box
            words.append(
                {
                    "text": text,
                    "left": left,
                    "top": top,
                    "width": right - left,
                    "height": bottom - top,
                    "confidence": round(word.Confidence(level), 1),
                }
            )
    if words:
        lines.append(words)
    return lines


def _apart(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The words of a line in runs, cut where the gap between two is wider than ``WIDE_GAP`` letter heights.

    Tesseract joins into one line whatever stands at one height across the
    picture: a menu bar's menus and, at the far end, its clock, or a page's
    column and the column beside it. Words of one text stand a space apart.
    """
    usual = sorted(w["height"] for w in words)[len(words) // 2]
    runs = [[words[0]]]
    for before, word in zip(words, words[1:], strict=False):
        if word["left"] - (before["left"] + before["width"]) > WIDE_GAP * usual:
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _one_height(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Runs of neighbouring words that overlap in height by at least half the smaller word.

    Tesseract joins things side by side into one line even where they stand at
    different heights: a taskbar's tray icons and its "ENG", centred on the
    bar, with the clock's date below the middle, or a page's text with a
    column beside it. Its recogniser then fits one baseline and one letter
    height to them all and misreads the text ("15.06.2023" as "15 96.2023").
    Words of one line share a baseline, so they overlap by far more than half
    in height, even a lower-case word beside a capital or one with descenders.
    """
    runs = [[words[0]]]
    for before, word in zip(words, words[1:], strict=False):
        overlap = min(before["top"] + before["height"], word["top"] + word["height"]) - max(before["top"], word["top"])
        if 2 * overlap < min(before["height"], word["height"]):
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _run_box(words: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """Left, top, right and bottom of a run of words, in height only of those of about the usual height.

    Tesseract now and then boxes a dot or a stray mark as a word three lines
    tall; read again in a box that tall, the line would take in the letters
    of the lines above and below it.
    """
    usual = sorted(w["height"] for w in words)[len(words) // 2]
    level = [w for w in words if w["height"] <= 2 * usual]
    return (
        min(w["left"] for w in words),
        min(w["top"] for w in level),
        max(w["left"] + w["width"] for w in words),
        max(w["top"] + w["height"] for w in level),
    )


def _line(words: list[dict[str, Any]], index: int) -> dict[str, Any]:
    left = min(w["left"] for w in words)
    top = min(w["top"] for w in words)
    right = max(w["left"] + w["width"] for w in words)
    bottom = max(w["top"] + w["height"] for w in words)
    return {
        "index": index,
        "text": " ".join(w["text"] for w in words),
        "left": left,
        "top": top,
        "width": right - left,
        "height": bottom - top,
        "confidence": round(sum(w["confidence"] for w in words) / len(words), 1),
        "words": words,
    }


def frame_image(frame: Frame) -> Image.Image:
    """The picture of a frame: its derived file, or the original for a picture item."""
    if frame.image_name:
        with storages["default"].open(frame.image_name, "rb") as handle:
            return open_image(handle)
    with vault_open(frame.evidence.sha256) as handle:
        return upright(open_image(handle))


def run(evidence: Evidence) -> None:
    frames = list(evidence.frames.filter(ocr_done=False).exclude(source="page_text"))
    if not frames:
        raise StageSkipped("nothing to read: every frame has a text layer")
    languages = settings.OCR_LANGUAGES
    for frame in frames:
        frame.evidence = evidence
        lines = read_lines(frame_image(frame), languages)
        with transaction.atomic():
            TextLine.objects.filter(frame=frame).delete()
            TextLine.objects.bulk_create(TextLine(frame=frame, **line) for line in lines)
            frame.text = "\n".join(line["text"] for line in lines)
            frame.ocr_done = True
            frame.save(update_fields=["text", "ocr_done"])


STAGE = Stage(name="ocr", queue="heavy", time_limit=2 * 3600, run=run)
