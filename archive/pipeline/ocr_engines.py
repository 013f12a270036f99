"""The OCR engine behind the ocr stage, kept loaded in the worker process, and the interface it meets.

An engine reads a picture as a page (text anywhere), a block (lines one
under another) or a single line, and gives lines of words with boxes and
confidences. The stage's own steps (joining chunks, re-reading lines and
dated parts) ask only that of it, so another engine that meets ``Engine``
can stand in: bench/ocr_engines.py measures RapidOCR and EasyOCR through
it. Tesseract (through tesserocr) is the one the stage uses: on the
numbers there, no other engine whose weights ship on PyPI reads Cyrillic.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import tesserocr
from django.conf import settings
from PIL import Image

# A word as read: its text, box (left, top, width, height) in the pixels of
# the picture read, and confidence (0..100).
Word = dict[str, Any]

Layout = Literal["page", "block", "line"]


class Engine(Protocol):
    name: str

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        """Lines of words read in ``image``, with boxes in its pixels: as a page, a block or one line."""
        ...


# How Tesseract finds the text of a whole picture: as much text as it can
# find, in no particular order. A screen is not a page of columns, and the
# page layout analysis drops the text of bars and panels it takes for
# pictures (measured on bench/degraded_screens.py).
PAGE_MODE = tesserocr.PSM.SPARSE_TEXT
# The worker process's Tesseract engines, one per language set: the case's
# languages, and each language alone for reading a line in one script.
_engines: dict[str, tesserocr.PyTessBaseAPI] = {}


def engine(languages: str) -> tesserocr.PyTessBaseAPI:
    """The worker process's Tesseract engine for ``languages``, loaded once."""
    if languages not in _engines:
        _engines[languages] = tesserocr.PyTessBaseAPI(path=settings.TESSDATA_PATH, lang=languages, psm=PAGE_MODE)
    return _engines[languages]


def recognised_lines(api: tesserocr.PyTessBaseAPI) -> list[list[Word]]:
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


class Tesseract:
    """Tesseract through tesserocr, an engine per language set kept loaded."""

    name = "tesseract"
    modes = {"page": PAGE_MODE, "block": tesserocr.PSM.SINGLE_BLOCK, "line": tesserocr.PSM.SINGLE_LINE}

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        api = engine(languages)
        api.SetPageSegMode(self.modes[layout])
        try:
            api.SetImage(image)
            api.Recognize()
            return recognised_lines(api)
        finally:
            api.SetPageSegMode(PAGE_MODE)
            api.Clear()


TESSERACT = Tesseract()
