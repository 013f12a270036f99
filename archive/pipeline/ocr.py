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
# of the picture): the shrinking rounds it to a multiple of five, and near an
# edge the median's window is half inside, so bright text or icons along the
# inner side of a bar tip it. Within this many shrunk pixels of an edge the
# edge is found again at full size.
EDGE_CELLS = 2

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
    """Mask (255) of the pixels that sit on a dark background, with the regions' edges where the picture has them.

    1. The background is the median of a window of a shrunk copy; an opening
       of the dark mask then drops dark patches narrower than a bar, such as
       the insides of large bold letters, which must not be inverted.
    2. Near a horizontal edge of that mask (the top of a taskbar, the bottom
       of a menu bar) each pixel is dark if most pixels of its row, over the
       width of the median's window, are dark; near a vertical edge, most of
       its column. A row segment lies wholly on one side of a horizontal edge,
       so the edge lands on the row where the picture has it, whatever text
       or icons run along it. Near corners, where a segment would cross the
       other edge, the shrunk mask stands.
    """
    small = grey.resize(
        (max(1, grey.width // BACKGROUND_SHRINK), max(1, grey.height // BACKGROUND_SHRINK)), Image.Resampling.BOX
    )
    background = small.filter(ImageFilter.MedianFilter(BACKGROUND_WINDOW))
    dark = background.point(lambda value: 255 if value < DARK_BACKGROUND else 0)
    dark = dark.filter(ImageFilter.MinFilter(DARK_OPENING)).filter(ImageFilter.MaxFilter(DARK_OPENING))
    coarse = np.asarray(dark) > 0
    # A segment reaches half a window to either side; corners are kept clear of it.
    reach = (BACKGROUND_WINDOW + 1) // 2 + 1
    across = _changes_within(coarse, EDGE_CELLS, axis=0) & ~_changes_within(coarse, reach, axis=1)
    along = _changes_within(coarse, EDGE_CELLS, axis=1) & ~_changes_within(coarse, reach, axis=0)

    def full_size(cells: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(cells).resize(grey.size, Image.Resampling.NEAREST))

    mask = full_size(coarse).copy()
    if across.any() or along.any():
        pixels = np.asarray(grey) < DARK_BACKGROUND
        half = BACKGROUND_SHRINK * BACKGROUND_WINDOW // 2
        for zone, axis in ((full_size(across), 1), (full_size(along), 0)):
            # Only the rows (or columns) that cross an edge are counted.
            lines = np.flatnonzero(zone.any(axis=axis))
            if lines.size == 0:
                continue
            picked = (slice(None), lines) if axis == 0 else (lines, slice(None))
            mask[picked] = np.where(zone[picked], _mostly(pixels[picked], half, axis), mask[picked])
    return Image.fromarray(mask.astype(np.uint8) * 255)


def _changes_within(mask: np.ndarray, reach: int, axis: int) -> np.ndarray:
    """Where ``mask`` is not the same over ``reach`` cells to either side along ``axis``."""
    count, length = _window_sums(mask, reach, axis)
    return (count > 0) & (count < length)


def _mostly(mask: np.ndarray, half: int, axis: int) -> np.ndarray:
    """Where more than half of ``mask`` is set over ``half`` cells to either side along ``axis``."""
    count, length = _window_sums(mask, half, axis)
    return 2 * count > length


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
    """Lines of words with boxes (pixels of ``image``) and confidence 0..100."""
    api = engine(languages)
    api.SetImage(normalise_polarity(image))
    api.Recognize()
    lines: list[dict[str, Any]] = []
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
            lines.append(_line(words, len(lines)))
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
        lines.append(_line(words, len(lines)))
    api.Clear()
    return lines


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
