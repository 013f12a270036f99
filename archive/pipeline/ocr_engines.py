"""The OCR engines behind the ocr stage, each kept loaded in the worker process.

Tesseract (through tesserocr) reads every picture. Every engine can read one
line of text cut out of a picture (``read_line``), which is how a line read
unsure is read again.
"""

from __future__ import annotations

from typing import Any

import tesserocr
from django.conf import settings
from PIL import Image

# A word as read: its text, box (left, top, width, height) in the pixels of
# the picture read, and confidence (0..100).
Word = dict[str, Any]

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


def read_line(image: Image.Image, languages: str) -> list[Word]:
    """The words Tesseract reads in ``image`` taken as one line of text."""
    api = engine(languages)
    api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    try:
        api.SetImage(image)
        api.Recognize()
        return [word for line in recognised_lines(api) for word in line]
    finally:
        api.SetPageSegMode(PAGE_MODE)
        api.Clear()
