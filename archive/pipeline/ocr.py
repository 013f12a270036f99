"""ocr: words and lines with boxes and confidence for every frame that has no text layer.

Tesseract runs through tesserocr, which keeps the engine and its language
models loaded in the worker process between frames and items instead of
starting a program and loading the models for every picture. Light-on-dark
regions are inverted first, and the parts of a line that Tesseract joined
across baselines or beside icons are read again on their own.
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
# Each edge is placed again at full size within this many shrunk pixels (one
# more than it can be out, to see rows on both sides of the true edge), where
# the share of dark pixels in rows (or columns) changes most over this many
# rows to either side.
EDGE_CELLS = 3
EDGE_ROWS = 2
# Words lower than this share of a line's usual height are marks (dashes,
# dots, icons read as "^"), and words taller than its usual height by as much
# took in something above or below: neither tells the line's baseline.
SMALL_MARK = 0.6
# Words read with at least this mean confidence (0..100) beside others at
# another height or beside icons were read well all the same: reading them
# again on their own rarely changes a word. Numbers, which dates and times
# are read from, must be surer: beside icons Tesseract reads a date as
# "18012024" and gives it 92.
WELL_READ = 90
WELL_READ_NUMBERS = 95
# Words further apart than this many times the height of their letters are
# not one line of text but things side by side.
WIDE_GAP = 4

# A word as read: its text, box (left, top, width, height) and confidence.
Word = dict[str, Any]

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
    2. The mask's horizontal edges (the top of a taskbar, the bottom of a menu
       bar) are moved, column by column, to where its rows change from mostly
       light to mostly dark (see ``_snap_edges``); then its vertical edges, by
       its columns.
    """
    small = grey.resize(
        (max(1, grey.width // BACKGROUND_SHRINK), max(1, grey.height // BACKGROUND_SHRINK)), Image.Resampling.BOX
    )
    background = small.filter(ImageFilter.MedianFilter(BACKGROUND_WINDOW))
    dark = background.point(lambda value: 255 if value < DARK_BACKGROUND else 0)
    dark = dark.filter(ImageFilter.MinFilter(DARK_OPENING)).filter(ImageFilter.MaxFilter(DARK_OPENING))
    mask = dark.resize(grey.size, Image.Resampling.NEAREST)
    darkest, lightest = dark.getextrema()
    if darkest == lightest:
        # All light or all dark: no edge to place.
        return mask
    refined = np.array(mask) > 0
    pixels = np.asarray(grey) < DARK_BACKGROUND
    _snap_edges(refined, pixels)
    _snap_edges(refined.T, pixels.T)
    return Image.fromarray(refined.astype(np.uint8) * 255)


def _snap_edges(mask: np.ndarray, pixels: np.ndarray) -> None:
    """Move each horizontal edge of ``mask`` up to ``EDGE_CELLS`` cells, column by column, to where the picture has it.

    A row of the median's width lies wholly on one side of a horizontal edge:
    the page above a taskbar has few dark pixels in it, the bar's first rows
    mostly dark ones. Rows through a bar's light icons or letters may be
    mostly light too, but they differ from their neighbours by less than the
    rows on either side of the edge do: the edge goes where the share of dark
    pixels changes most, over ``EDGE_ROWS`` rows to either side.
    """
    height = mask.shape[0]
    reach = EDGE_CELLS * BACKGROUND_SHRINK
    changes = mask[1:] != mask[:-1]
    # An edge at ``b`` lies between rows b - 1 and b.
    edges = np.flatnonzero(changes.any(axis=1)) + 1
    if edges.size == 0:
        return
    near = np.zeros(height, dtype=bool)
    for edge in edges:
        near[max(0, edge - reach) : edge + reach] = True
    rows = np.flatnonzero(near)
    # The mask as the shrunk copy drew it, in the rows near its edges, as the edges move.
    drawn = mask[rows]
    count, length = _window_sums(pixels[rows], BACKGROUND_SHRINK * BACKGROUND_WINDOW // 2, axis=1)
    share = count / length
    position = np.zeros(height, dtype=int)
    position[rows] = np.arange(rows.size)
    offsets = np.arange(-reach, reach)
    for edge in edges:
        columns = np.flatnonzero(changes[edge - 1])
        above = drawn[position[edge - 1], columns]
        ys = np.clip(edge + offsets, 0, height - 1)
        # Each column's window runs from the edge over the rows that keep the
        # side's state, up to the next edge or the picture's end.
        side = np.where(offsets[:, None] < 0, above, ~above)
        keeps = (drawn[position[ys]][:, columns] == side) & ((edge + offsets >= 0) & (edge + offsets < height))[:, None]
        upwards = np.cumprod(keeps[:reach][::-1], axis=0)[::-1]
        window = np.vstack([upwards, np.cumprod(keeps[reach:], axis=0)]).astype(bool)
        # A row's share is an average over the median's width, so it changes
        # slowly along the edge: the cut is found for every fifth column and
        # used for the four after it.
        picks = np.arange(0, columns.size, BACKGROUND_SHRINK)
        # Running totals of the rows' dark shares and of the rows, so that the
        # mean of the rows just before and just after each cut is a difference.
        zero = np.zeros((1, picks.size))
        shares = np.vstack([zero, np.cumsum(share[position[ys]][:, columns[picks]] * window[:, picks], axis=0)])
        counted = np.vstack([zero, np.cumsum(window[:, picks], axis=0)])
        cuts = np.arange(2 * reach + 1)
        low, high = np.maximum(cuts - EDGE_ROWS, 0), np.minimum(cuts + EDGE_ROWS, 2 * reach)
        before_rows, after_rows = counted - counted[low], counted[high] - counted
        before = (shares - shares[low]) / np.maximum(before_rows, 1)
        after = (shares[high] - shares) / np.maximum(after_rows, 1)
        # Growing darker past the cut where the bar is below, lighter where it is above.
        step = np.where(above[picks], before - after, after - before)
        # Only cuts with rows of the window on both sides; ties go to the edge the shrunk mask drew.
        step = np.where((before_rows > 0) & (after_rows > 0), step, -np.inf) - 1e-6 * np.abs(cuts - reach)[:, None]
        cut = np.argmax(step, axis=0)[np.arange(columns.size) // BACKGROUND_SHRINK]
        states = np.where(np.arange(2 * reach)[:, None] < cut, above, ~above)
        inside, column = np.nonzero(window)
        mask[ys[inside], columns[column]] = states[inside, column]


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
    2. Each of its lines is checked, and parts of it read again where they
       need it (see ``_settle``).
    """
    api = engine(languages)
    api.SetImage(normalise_polarity(image))
    api.Recognize()
    lines: list[list[Word]] = []
    try:
        for words in _recognised_lines(api):
            lines += _settle(api, image, words)
    finally:
        api.SetPageSegMode(tesserocr.PSM.AUTO)
        api.Clear()
    return [_line(words, index) for index, words in enumerate(lines)]


def _settle(api: tesserocr.PyTessBaseAPI, image: Image.Image, words: list[Word]) -> list[list[Word]]:
    """The lines that one line of Tesseract's first reading holds.

    1. A doubtful word as tall as two lines is read again as a block; if it
       holds two lines (a taskbar clock's time and date), they replace it.
    2. Where the words do not stand on one baseline, each run that does is
       read again on its own (see ``_one_baseline``); where icons stand among
       them, each part between gaps wider than a line is tall. Parts read
       well, and icons, are left as they are.
    3. Lines are cut where words stand far apart (see ``_apart``).
    """
    usual = _usual_height(words)
    # A margin of a third of a line keeps the letters whole without taking in the next line.
    margin = max(2, usual // 3)
    stacked: list[list[Word]] = []
    kept: list[Word] = []
    for word in words:
        found: list[list[Word]] = []
        if word["height"] > usual / SMALL_MARK and word["width"] >= usual and not _read_well([word]):
            found = _read_again(api, image, [word], margin, tesserocr.PSM.SINGLE_BLOCK)
        if len(found) > 1:
            stacked += found
        else:
            kept.append(word)
    runs = _one_baseline(kept) if kept else []
    lines: list[list[Word]] = []
    for run in runs:
        # Words of a text stand a space apart, under half their height; a
        # tray's icons, its keyboard layout and its clock stand further apart,
        # and a date read with the icons may come out wrong ("18082024").
        parts = _cut(run, usual)
        if len(parts) > 1 and any(_marks(part) for part in parts):
            pieces = parts
        elif len(runs) > 1:
            pieces = [run]
        else:
            # A line of text on one baseline stands as Tesseract read it.
            lines += _apart(run)
            continue
        settled: list[Word] = []
        for piece in pieces:
            if _marks(piece) or _read_well(piece):
                settled += piece
            else:
                again = _read_again(api, image, piece, margin, tesserocr.PSM.SINGLE_LINE)
                settled += [word for line in again for word in line] or piece
        lines += _apart(settled)
    return lines + [part for line in stacked for part in _apart(line)]


def _read_again(
    api: tesserocr.PyTessBaseAPI, image: Image.Image, words: list[Word], margin: int, mode: int
) -> list[list[Word]]:
    """The lines Tesseract reads in the box of ``words`` alone, widened by ``margin``, segmented as ``mode`` says.

    The box is as tall as the words of about their usual height: one that
    took in a mark above or below would take in the lines around.
    """
    usual = _usual_height(words)
    level = [w for w in words if w["height"] <= usual / SMALL_MARK]
    left = max(0, min(w["left"] for w in words) - margin)
    top = max(0, min(w["top"] for w in level) - margin)
    right = min(image.width, max(w["left"] + w["width"] for w in words) + margin)
    bottom = min(image.height, max(w["top"] + w["height"] for w in level) + margin)
    api.SetPageSegMode(mode)
    api.SetRectangle(left, top, right - left, bottom - top)
    api.Recognize()
    return _recognised_lines(api)


def _recognised_lines(api: tesserocr.PyTessBaseAPI) -> list[list[Word]]:
    """The words of the last recognition, line by line, with boxes on the whole picture."""
    lines: list[list[Word]] = []
    words: list[Word] = []
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


def _apart(words: list[Word]) -> list[list[Word]]:
    """The words of a line in runs, cut where the gap between two is wider than ``WIDE_GAP`` letter heights.

    Tesseract joins into one line whatever stands at one height across the
    picture: a menu bar's menus and, at the far end, its clock, or a page's
    column and the column beside it. Words of one text stand a space apart.
    """
    return _cut(words, WIDE_GAP * _usual_height(words))


def _cut(words: list[Word], gap: int) -> list[list[Word]]:
    """The words in runs, cut where two stand more than ``gap`` pixels apart."""
    runs = [[words[0]]]
    for before, word in zip(words, words[1:], strict=False):
        if word["left"] - (before["left"] + before["width"]) > gap:
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _marks(words: list[Word]) -> bool:
    """Whether words hold fewer than three letters or digits: icons read as "^", "®" or "9)"."""
    return sum(ch.isalnum() for w in words for ch in w["text"]) < 3


def _read_well(words: list[Word]) -> bool:
    """Whether Tesseract was sure enough of words: ``WELL_READ``, or ``WELL_READ_NUMBERS`` with digits among them."""
    numbers = any(ch.isdigit() for w in words for ch in w["text"])
    return sum(w["confidence"] for w in words) >= (WELL_READ_NUMBERS if numbers else WELL_READ) * len(words)


def _one_baseline(words: list[Word]) -> list[list[Word]]:
    """Runs of neighbouring words that stand on one baseline.

    Tesseract joins things side by side into one line even where they stand at
    different heights: a taskbar's tray icons and its "ENG", centred on the
    bar, with the clock's date below the middle, or a page's text with a
    column beside it. Its recogniser then fits one baseline and one letter
    height to them all and misreads the text ("15.06.2023" as "15 96.2023").
    The bottoms of two words of one line differ by less than half the smaller
    word's height, even a lower-case word's beside one with descenders. Marks
    too small to tell (a dash, a dot, an icon read as "^"), and boxes too tall
    (a letter taken in with a mark above or below it), stay with the run
    before them.
    """
    usual = _usual_height(words)
    runs: list[list[Word]] = [[]]
    last = None
    for word in words:
        if SMALL_MARK * usual <= word["height"] <= usual / SMALL_MARK:
            if last is not None and 2 * abs(_bottom(word) - _bottom(last)) > min(word["height"], last["height"]):
                runs.append([])
            last = word
        runs[-1].append(word)
    return [run for run in runs if run]


def _usual_height(words: list[Word]) -> int:
    """The median height of the words of a line."""
    return sorted(w["height"] for w in words)[len(words) // 2]


def _bottom(word: Word) -> int:
    return word["top"] + word["height"]


def _line(words: list[Word], index: int) -> dict[str, Any]:
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
