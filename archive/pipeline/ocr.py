"""ocr: words and lines with boxes and confidence for every frame that has no text layer.

Pictures are read as they arrive (shrunk, re-compressed, from a video site,
photographed, scanned): each is first made ready (``ocr_prepare``: text dark
on white, small letters enlarged, rules removed; photos and scans
straightened by ``ocr_photos``). Tesseract runs through tesserocr, which
keeps the engine and its language models loaded in the worker process
(``ocr_engines``). The chunks of one line it read apart are joined, the
parts of a line it joined across baselines or beside icons are read again
on their own, and dated parts in doubt are read again (``ocr_dates``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from PIL import Image

from archive.locales import case_locales, evidence_device_locale
from archive.models import Evidence, Frame, FrameSource, TextLine
from archive.pipeline.base import Stage, StageSkipped
from archive.pipeline.images import open_image, upright
from archive.pipeline.ocr_dates import settle_dates, settle_scripts
from archive.pipeline.ocr_engines import (
    RAPIDOCR,
    TESSERACT,
    Engine,
    Layout,
    Word,
    box,
    mean_confidence,
    ocr_languages,
    of_usual_height,
    usual_height,
)
from archive.pipeline.ocr_photos import looks_photographed
from archive.pipeline.ocr_prepare import INK, Prepared, prepare
from archive.vault import vault_open

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
# Chunks of text at most this many times their height apart are words of
# one line; so are chunks further apart (up to ``WIDE_GAP``) where at least
# ``INK_BETWEEN`` of the columns between them hold ink: letters that were not read.
SPACE = 1.0
INK_BETWEEN = 0.3


# Reads the box of some words again: (words, margin, layout) -> lines.
ReadAgain = Callable[[list[Word], int, Layout], list[list[Word]]]


def read_lines(image: Image.Image, languages: str, *, photo: bool = False) -> list[dict[str, Any]]:
    """Lines of words with boxes (pixels of ``image``) and confidence 0..100.

    1. The picture is made ready (``ocr_prepare.prepare``): greyscale with
       light-on-dark regions inverted, small letters enlarged, a margin added;
       a ``photo`` (of a screen, or a scanned page) straightened first.
    2. Tesseract reads it, and each of its lines is checked, and parts of it
       read again where they need it (see ``_settle``).
    3. Lines that hold a date or a time and were read unsure, or in two
       scripts, are read again on their own (``ocr_dates.settle_dates``);
       in small text, Latin ones by RapidOCR too. So are the words whose
       script is in doubt, in each language alone (``settle_scripts``).
    4. Boxes are brought back to the pixels of ``image``.
    """
    prepared = prepare(image, photo=photo)
    reader = partial(_read_again, TESSERACT, prepared.image, languages)
    lines: list[list[Word]] = []
    for words in _joined(reader, prepared.image, TESSERACT.read(prepared.image, languages, "page")):
        lines += _settle(reader, words)
    # Small text only: at full size Tesseract reads Latin dates as well (bench/ocr_engines.py).
    latin = RAPIDOCR if settings.OCR_SECOND_ENGINE and prepared.scale > 1.0 else None
    lines = settle_dates(TESSERACT, prepared.image, lines, languages, latin)
    lines = settle_scripts(TESSERACT, prepared.image, lines, languages)
    return [_line([_in_original(word, prepared) for word in words], index) for index, words in enumerate(lines)]


def _joined(read_again: ReadAgain, image: Image.Image, chunks: list[list[Word]]) -> list[list[Word]]:
    """Tesseract's chunks of text, those that stand side by side a word's space apart joined into a line.

    Looking for text anywhere, Tesseract cuts a line into chunks where words
    stand a little further apart, and reads each chunk without the others: a
    first word read alone comes out wrong, or loses letters that are left
    between the chunks ("Rail strike" as "В." and "strike"). Chunks a word's
    space apart, or further apart with ink between them, are joined; a
    joined line is read again as one, and kept where it was read at least as
    surely. Things further apart with nothing between them (a tray's icons
    beside a clock) stay apart.
    """
    ink = np.asarray(image) < INK
    boxes = [box(words) for words in chunks]
    order = sorted(range(len(chunks)), key=lambda i: boxes[i][0])
    lefts = [boxes[i][0] for i in order]
    joined: list[list[int]] = []
    placed: set[int] = set()
    for first in order:
        if first in placed:
            continue
        group = [first]
        placed.add(first)
        while True:
            # The chunks that start within reach right of the group's last one, nearest first.
            last = boxes[group[-1]]
            reach = last[2] + WIDE_GAP * (last[3] - last[1])
            window = order[bisect_left(lefts, last[2]) : bisect_right(lefts, reach)]
            follower = next((i for i in window if i not in placed and _side_by_side(last, boxes[i], ink)), None)
            if follower is None:
                break
            group.append(follower)
            placed.add(follower)
        joined.append(group)
    lines = []
    # In Tesseract's order of their first chunks: a wrapped headline's lines stay one after the other.
    for group in sorted(joined, key=min):
        words = [word for index in group for word in chunks[index]]
        if len(group) > 1:
            usual = usual_height(words)
            again = read_again(words, max(2, usual // 3), "line")
            again_words = [word for line in again for word in line]
            if again_words and mean_confidence(again_words) >= mean_confidence(words):
                words = again_words
        lines.append(words)
    return lines


def _side_by_side(before: tuple[int, int, int, int], after: tuple[int, int, int, int], ink: np.ndarray) -> bool:
    """Whether ``after`` follows ``before`` in a line: on its baseline, as tall, close or with ink between."""
    height = min(before[3] - before[1], after[3] - after[1])
    taller = max(before[3] - before[1], after[3] - after[1])
    gap = after[0] - before[2]
    in_line = 2 * abs(after[3] - before[3]) <= height and height >= SMALL_MARK * taller
    if not in_line or not 0 <= gap <= WIDE_GAP * height:
        return False
    if gap <= SPACE * height:
        return True
    between = ink[max(before[1], after[1]) : min(before[3], after[3]), before[2] : after[0]]
    return between.size > 0 and between.any(axis=0).mean() >= INK_BETWEEN


def _in_original(word: Word, prepared: Prepared) -> Word:
    left, top, width, height = prepared.to_original(word["left"], word["top"], word["width"], word["height"])
    return {**word, "left": left, "top": top, "width": width, "height": height}


def _settle(read_again: ReadAgain, words: list[Word]) -> list[list[Word]]:
    """The lines that one line of Tesseract's first reading holds.

    1. A doubtful word as tall as two lines is read again as a block; if it
       holds two lines (a taskbar clock's time and date), they replace it.
    2. Where the words do not stand on one baseline, each run that does is
       read again on its own (see ``_one_baseline``); where icons stand among
       them, each part between gaps wider than a line is tall. Parts read
       well, and icons, are left as they are.
    3. Lines are cut where words stand far apart (see ``_apart``).
    """
    usual = usual_height(words)
    # A margin of a third of a line keeps the letters whole without taking in the next line.
    margin = max(2, usual // 3)
    stacked: list[list[Word]] = []
    kept: list[Word] = []
    for word in words:
        found: list[list[Word]] = []
        if word["height"] > usual / SMALL_MARK and word["width"] >= usual and not _read_well([word]):
            found = read_again([word], margin, "block")
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
                again = read_again(piece, margin, "line")
                settled += [word for line in again for word in line] or piece
        lines += _apart(settled)
    return lines + [part for line in stacked for part in _apart(line)]


def _read_again(
    engine: Engine, image: Image.Image, languages: str, words: list[Word], margin: int, layout: Layout
) -> list[list[Word]]:
    """The lines the engine reads in the box of ``words`` alone, widened by ``margin``, as ``layout`` says.

    The box is as tall as the words of about their usual height: one that
    took in a mark above or below would take in the lines around. Boxes come
    back in the pixels of ``image``.
    """
    left, _, right, _ = box(words)
    _, top, _, bottom = box(of_usual_height(words))
    left, top = max(0, left - margin), max(0, top - margin)
    right, bottom = min(image.width, right + margin), min(image.height, bottom + margin)
    lines = engine.read(image.crop((left, top, right, bottom)), languages, layout)
    return [[{**w, "left": w["left"] + left, "top": w["top"] + top} for w in line] for line in lines]


def _apart(words: list[Word]) -> list[list[Word]]:
    """The words of a line in runs, cut where the gap between two is wider than ``WIDE_GAP`` letter heights.

    Tesseract joins into one line whatever stands at one height across the
    picture: a menu bar's menus and, at the far end, its clock, or a page's
    column and the column beside it. Words of one text stand a space apart.
    """
    return _cut(words, WIDE_GAP * usual_height(words))


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
    usual = usual_height(words)
    runs: list[list[Word]] = [[]]
    last = None
    for word in words:
        if SMALL_MARK * usual <= word["height"] <= usual / SMALL_MARK:
            if last is not None and 2 * abs(_bottom(word) - _bottom(last)) > min(word["height"], last["height"]):
                runs.append([])
            last = word
        runs[-1].append(word)
    return [run for run in runs if run]


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
    device = evidence_device_locale(evidence)
    locales = [*case_locales(evidence.case), *([device] if device else [])]
    languages, missing = ocr_languages(settings.OCR_LANGUAGES, locales)
    evidence.metadata = {**evidence.metadata, "ocr": {"languages": languages, "no_pack_for": missing}}
    evidence.save(update_fields=["metadata"])
    camera = any((evidence.metadata.get("probe") or {}).get("exif", {}).get(tag) for tag in ("Make", "Model"))
    for frame in frames:
        frame.evidence = evidence
        image = frame_image(frame)
        lines = read_lines(image, languages, photo=_photographed(frame, image, camera))
        with transaction.atomic():
            TextLine.objects.filter(frame=frame).delete()
            TextLine.objects.bulk_create(TextLine(frame=frame, **line) for line in lines)
            frame.text = "\n".join(line["text"] for line in lines)
            frame.ocr_done = True
            frame.save(update_fields=["text", "ocr_done"])


def _photographed(frame: Frame, image: Image.Image, camera: bool) -> bool:
    """Whether a frame is a scanned page, or a picture a camera took (its EXIF names one, or it looks it)."""
    if frame.source == FrameSource.PAGE_RENDER:
        return True
    return frame.source == FrameSource.IMAGE and (camera or looks_photographed(np.asarray(image.convert("L"))))


STAGE = Stage(name="ocr", queue="heavy", time_limit=2 * 3600, run=run)
