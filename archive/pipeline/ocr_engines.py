"""The OCR engines behind the ocr stage, kept loaded in the worker process, and the interface they meet.

An engine reads a picture as a page (text anywhere), a block (lines one
under another) or a single line, and gives lines of words with boxes and
confidences. The stage's own steps (joining chunks, re-reading lines and
dated parts) ask only that of it.

- Tesseract (through tesserocr) reads everything, in ``OCR_LANGUAGES`` and
  the packs of the case's locales (``ocr_languages``).
- RapidOCR (PP-OCRv6 in ONNX, its weights inside the ``rapidocr`` wheel)
  reads Latin text much better when it is small (bench/ocr_engines.py: 98%
  of the characters of Latin lines on screens shrunk to half, against 87%),
  but knows no Cyrillic letter, and takes three times as long for a page.
  The stage asks it only for Latin dates and times in small text, one line
  at a time (``ocr_dates``); EasyOCR, measured too, reads worse and slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, Literal, Protocol

import numpy as np
import tesserocr
from babel.core import get_global
from django.conf import settings
from PIL import Image

from archive.locale_tags import locale_of

# A word as read: its text, box (left, top, width, height) in the pixels of
# the picture read, and confidence (0..100).
Word = dict[str, Any]

Layout = Literal["page", "block", "line"]
# Words taller than this many times the usual height of their line took in
# something above or below them (a "·" read as a tall "-", a letter with a mark).
TALL = 1 / 0.6


def box(words: list[Word]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of words."""
    return (
        min(w["left"] for w in words),
        min(w["top"] for w in words),
        max(w["left"] + w["width"] for w in words),
        max(w["top"] + w["height"] for w in words),
    )


def usual_height(words: list[Word]) -> int:
    """The median height of words."""
    return sorted(w["height"] for w in words)[len(words) // 2]


def of_usual_height(words: list[Word]) -> list[Word]:
    """The words no taller than ``TALL`` times the usual: those whose boxes tell where the line is."""
    usual = usual_height(words)
    return [w for w in words if w["height"] <= TALL * usual] or words


def mean_confidence(words: list[Word]) -> float:
    return sum(w["confidence"] for w in words) / len(words)


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


@cache
def installed_packs() -> frozenset[str]:
    """The Tesseract language packs in ``TESSDATA_PATH`` (``eng``, ``rus``, ``chi_sim``, ...)."""
    return frozenset(tesserocr.get_languages(settings.TESSDATA_PATH)[1])


# The suffixes of Tesseract's packs for a script other than the language's usual one.
_SCRIPT_SUFFIXES = {"Cyrl": "cyrl", "Latn": "latn", "Hans": "sim", "Hant": "tra"}


def tesseract_packs(tag: str) -> tuple[str, ...]:
    """The names Tesseract's pack for a BCP 47 locale could have: ``tr`` is ``tur``, ``uz-Cyrl`` ``uzb_cyrl``.

    The three-letter codes are CLDR's aliases of the language (``deu`` and
    ``ger`` for ``de``); a pack for the locale's script comes first.
    """
    locale = locale_of(tag)
    if locale is None:
        return ()
    likely = get_global("likely_subtags").get(locale.language, "").split("_")
    script = locale.script or (likely[1] if len(likely) > 2 else "")
    codes = [code for code, language in get_global("language_aliases").items() if language == locale.language]
    codes = [*(code for code in codes if len(code) == 3), locale.language]
    suffix = _SCRIPT_SUFFIXES.get(script)
    return tuple([f"{code}_{suffix}" for code in codes if suffix] + codes)


def ocr_languages(base: str, locales: Iterable[str]) -> tuple[str, list[str]]:
    """The languages Tesseract reads a case in: ``base`` (``OCR_LANGUAGES``) and the packs of its locales.

    Returns the ``+``-joined packs and the locales whose pack is not
    installed (their text is read with the others' letters).
    """
    packs = [pack for pack in base.split("+") if pack]
    missing = []
    for tag in locales:
        names = tesseract_packs(tag)
        found = next((name for name in names if name in installed_packs()), None)
        if found is None:
            missing.append(tag)
        elif found not in packs:
            packs.append(found)
    return "+".join(packs), missing


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


class RapidOCR:
    """RapidOCR's PP-OCRv6 models, loaded on first use, on one thread. Latin letters, digits and signs only.

    Its recogniser gives a line's text and one score; the words' boxes are
    shares of the line's box by their length.
    """

    name = "RapidOCR PP-OCRv6"
    _reader: Any = None

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        if RapidOCR._reader is None:
            from rapidocr import RapidOCR as Reader

            one = "EngineConfig.onnxruntime"
            single = {f"{one}.intra_op_num_threads": 1, f"{one}.inter_op_num_threads": 1}
            RapidOCR._reader = Reader(params={"Global.log_level": "error", **single})
        found = RapidOCR._reader(np.asarray(image.convert("RGB")), use_det=layout != "line", use_cls=False)
        texts = found.txts or ()
        if layout == "line":
            boxes = [[[0, 0], [image.width, 0], [image.width, image.height], [0, image.height]]] * len(texts)
        else:
            boxes = found.boxes
        return [line_words(text, score, box) for text, score, box in zip(texts, found.scores, boxes, strict=True)]


def line_words(text: str, score: float, box: Any) -> list[Word]:
    """The words of a line read as one text, each given the share of the line's box its length takes."""
    points = np.asarray(box, dtype=float)
    left, top = points.min(axis=0)
    right, bottom = points.max(axis=0)
    tokens = text.split()
    total = sum(len(token) + 1 for token in tokens) - 1
    words, start = [], 0
    for token in tokens:
        share = (right - left) / max(1, total)
        words.append(
            {"text": token, "left": round(left + start * share), "top": round(top), "width": round(len(token) * share),
             "height": round(bottom - top), "confidence": round(100 * float(score), 1)}
        )  # fmt: skip
        start += len(token) + 1
    return words


RAPIDOCR = RapidOCR()
