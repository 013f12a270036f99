"""The dated parts of lines, and words whose script is in doubt, read again on their own.

Dates are what this product reads pictures for, and they are short, dense
runs of digits and separators that a reading of the whole page gets wrong
first: a digit confused, a separator lost, a letter at the line's start
dropped, a Latin month read with Cyrillic look-alikes (``01-Nov-2017`` as
``01-Моу-2017``, ``May`` as ``Мау``). Each dated part in doubt (see
``dated_parts`` and ``_in_doubt``) is cut out, enlarged to the height
Tesseract's line recogniser reads best, and read again as a single line: in
the case's languages, in each language alone where its script is in doubt,
and by a second engine where it is Latin and the picture's text was small.
The readings are reconciled by the engines' own confidence: a reading with a
word in two scripts counts only where every reading has one, and one that
lost letters of the part never counts. The words keep their boxes in the
picture read.

Words of any line whose script is in doubt are read again in each language
alone (``settle_scripts``): names and headlines are read for too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_day_names, get_month_names
from PIL import Image

from archive.pipeline.ocr_engines import Engine, Word, box, mean_confidence, of_usual_height
from archive.pipeline.ocr_prepare import INK, PAD, enlarged, with_margin

# Digits with a date's or a time's separators, a year, or a time of day.
DATE_LIKE = re.compile(r"\d\s?[./\-:]\s?\d|(?<!\d)(?:19|20)\d\d(?!\d)")
# A line read at least this sure (mean confidence, 0..100), in one script, stands.
SURE = 90
# The height (pixels) a line is enlarged to before it is read again:
# Tesseract's LSTM reads letters best at an x-height of 20 to 30 pixels.
LINE_HEIGHT = 48
# The margin around a line's box, as a share of its height: enough for the
# letters' edges, too little to take in the lines above and below.
MARGIN = 0.25
# Ink that runs on from a part's ends with gaps under ``SPACE`` line heights,
# up to ``REACH`` line heights away, is letters of it that the first reading lost.
SPACE = 0.3
REACH = 3
# A reading that keeps fewer than this share of the first reading's letters and
# digits lost some (Tesseract drops glyphs at a crop's edge): it never counts.
KEPT = 0.8

# Where a dated part may reach: (the end of the word before it, the start of the word after it).
Room = tuple[int | None, int | None]

_CYRILLIC = re.compile(r"[\u0400-\u04ff№]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Letters that look alike in the Latin and the Cyrillic script: a word made
# of them alone may have been read in the wrong one ("May" as "Мау").
_LOOKALIKES = set("ABCEHKMOPTXacexopyАВСЕНКМОРТХасехору")


def settle_dates(
    engine: Engine, image: Image.Image, lines: list[list[Word]], languages: str, latin: Engine | None = None
) -> list[list[Word]]:
    """The lines, each dated part in doubt replaced by its best reading (see the module).

    ``latin``, where given, is a second engine that reads again the parts
    written in Latin letters alone.
    """
    settled = []
    for words in lines:
        # From the end, so that the places of the parts still to do stay where they were.
        for part in reversed(dated_parts(words)):
            if _in_doubt(words[part]):
                # The part's room: from the end of the word before it to the start of the word after it.
                room = (
                    words[part.start - 1]["left"] + words[part.start - 1]["width"] if part.start else None,
                    words[part.stop]["left"] if part.stop < len(words) else None,
                )
                best = _best_reading(engine, latin, image, words[part], languages, room)
                words = words[: part.start] + best + words[part.stop :]
        settled.append(words)
    return settled


def dated_parts(words: list[Word]) -> list[slice]:
    """The runs of a line's words that hold a date or a time, with a word more on either side.

    Words with digits at most one word apart make a run (``27 июня 2023, 14:21``),
    and the word before and after it may be a month's or a weekday's name
    (``Sep 4, 2023``, ``Пн 4 сент.``); a headline beside the date is not
    part of it.
    """
    digits = [i for i, w in enumerate(words) if any(ch.isdigit() for ch in w["text"])]
    runs: list[list[int]] = []
    for index in digits:
        if runs and index - runs[-1][-1] <= 2:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts: list[slice] = []
    for run in runs:
        if looks_dated(" ".join(w["text"] for w in words[run[0] : run[-1] + 1])):
            start = max(run[0] - 1, parts[-1].stop if parts else 0)
            parts.append(slice(start, min(len(words), run[-1] + 2)))
    return parts


def looks_dated(text: str) -> bool:
    return bool(DATE_LIKE.search(text))


def mixed_script(text: str) -> bool:
    """Whether text holds letters of both the Latin and the Cyrillic script."""
    return bool(_CYRILLIC.search(text) and _LATIN.search(text))


def _in_doubt(words: list[Word]) -> bool:
    return mean_confidence(words) < SURE or _has_mixed(words) or any(lookalikes_only(w["text"]) for w in words)


def lookalikes_only(word: str) -> bool:
    """Whether a word of two letters or more is made only of letters that look alike in both scripts."""
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and all(ch in _LOOKALIKES for ch in letters)


def _best_reading(
    engine: Engine, latin: Engine | None, image: Image.Image, part: list[Word], languages: str, room: Room
) -> list[Word]:
    """The best reading of a dated part: as first read, again in ``languages`` and in each alone, and by ``latin``.

    ``room`` is how far the part may reach (see ``_cut_out``). ``latin``
    reads it too where the best of Tesseract's readings is still unsure and
    has no Cyrillic letter.
    """
    crop, to_image = _cut_out(image, part, room)

    def read(by: Engine, language: str) -> list[Word]:
        return [to_image(word) for line in by.read(crop, language, "line") for word in line]

    # A part whose script is in doubt (in two scripts, or a month's or a
    # weekday's name made of look-alikes: "May" read as Cyrillic "Мау") is
    # read in each language alone; any other again in all of them.
    in_doubt = _has_mixed(part) or any(lookalikes_only(w["text"]) for w in part)
    alone = languages.split("+") if "+" in languages and in_doubt else [languages]
    readings = [part] + [reading for language in alone if (reading := read(engine, language))]
    letters = _letters(part)
    counted = [r for r in readings if _letters(r) >= KEPT * letters] or [part]
    unmixed = [r for r in counted if not _has_mixed(r)] or counted
    names = calendar_names(languages)

    def rank(reading: list[Word]) -> tuple[bool, float]:
        # A reading that names a month or a weekday of the case's languages
        # beats one that does not ("May" beats "Мау", "июня" beats "июмя").
        return any(_bare(w["text"]) in names for w in reading), mean_confidence(reading)

    best = max(unmixed, key=rank)
    if latin is not None and mean_confidence(best) < SURE and not any(_CYRILLIC.search(w["text"]) for w in best):
        other = read(latin, languages)
        if other and _letters(other) >= KEPT * letters and rank(other) > rank(best):
            best = other
    return best


@cache
def calendar_names(languages: str) -> frozenset[str]:
    """The month and weekday names of the languages' CLDR locales: wide and abbreviated, in every context.

    ``languages`` are Tesseract's (``eng+rus``); CLDR's aliases give their
    locales (``en``, ``ru``). Lower case, without the abbreviations' dots.
    """
    aliases = get_global("language_aliases")
    names: set[str] = set()
    for code in languages.split("+"):
        try:
            locale = Locale.parse(aliases.get(code, code))
        except (ValueError, UnknownLocaleError):
            continue
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for table in (get_month_names(width, context, locale), get_day_names(width, context, locale)):
                    names.update(_bare(name) for name in table.values())
    return frozenset(names)


def settle_scripts(engine: Engine, image: Image.Image, lines: list[list[Word]], languages: str) -> list[list[Word]]:
    """The lines, each word whose script is in doubt read again in each language alone, the surest reading kept.

    Reading several scripts at once, Tesseract writes a Latin word of a
    Russian line in Cyrillic letters (``Gazprom Neft`` as ``Gazprom Мей``,
    ``TEVIAN`` as ``ТЕМАМ``) and the other way round (``Артёма`` as
    ``Apréma``), and is unsure of it. A word is in doubt when it was read
    unsure (below ``SURE``) and has letters of two scripts, stands beside a
    word of the other script, or is made only of letters alike in both. It
    is read again in each of the case's languages alone; the reading the
    engine is surest of stands, the first one on a tie. Words with digits
    are the dates' (``settle_dates``).
    """
    alone = languages.split("+")
    if len(alone) < 2:
        return lines
    settled = []
    for words in lines:
        for index in reversed(_script_doubts(words)):
            room = (
                words[index - 1]["left"] + words[index - 1]["width"] if index else None,
                words[index + 1]["left"] if index + 1 < len(words) else None,
            )
            words = words[:index] + _surest(engine, image, words[index], alone, room) + words[index + 1 :]
        settled.append(words)
    return settled


def _script_doubts(words: list[Word]) -> list[int]:
    scripts = [_script(w["text"]) for w in words]
    doubts = []
    for index, word in enumerate(words):
        text, script = word["text"], scripts[index]
        if word["confidence"] >= SURE or not script or any(ch.isdigit() for ch in text):
            continue
        beside = {scripts[j] for j in (index - 1, index + 1) if 0 <= j < len(words)} - {"", script}
        if script == "mixed" or beside or lookalikes_only(text):
            doubts.append(index)
    return doubts


def _script(text: str) -> str:
    cyrillic, latin = bool(_CYRILLIC.search(text)), bool(_LATIN.search(text))
    return "mixed" if cyrillic and latin else "cyrillic" if cyrillic else "latin" if latin else ""


def _surest(engine: Engine, image: Image.Image, word: Word, alone: list[str], room: Room) -> list[Word]:
    crop, to_image = _cut_out(image, [word], room)
    readings = [[word]]
    for language in alone:
        reading = [to_image(w) for line in engine.read(crop, language, "line") for w in line]
        if reading and _letters(reading) >= KEPT * _letters([word]):
            readings.append(reading)
    return max(readings, key=mean_confidence)


def _bare(word: str) -> str:
    return word.strip(".,:;()[]").lower()


def _cut_out(image: Image.Image, words: list[Word], room: Room) -> tuple[Image.Image, Callable[[Word], Word]]:
    """The part's box, widened to the ink beside it, enlarged to ``LINE_HEIGHT`` and padded; and the way back.

    The box is as tall as the words of about the usual height: a mark whose
    box took in the lines around (a "·" read as a tall "-") would take them
    in. The first reading may have lost the letters at an end of its line
    ("September" read as "ptember"): there the box takes in the ink that runs
    on from the part, up to a gap as wide as a space, so that the reading
    again sees them. ``room`` holds the end of the word before the part and
    the start of the word after it (None at the line's ends): the box stays
    between them, even where a word's box ran on over its neighbours.
    """
    left, _, right, _ = box(words)
    _, top, _, bottom = box(of_usual_height(words))
    height = bottom - top
    margin = max(2, round(MARGIN * height))
    top, bottom = max(0, top - margin), min(image.height, bottom + margin)
    inked = (np.asarray(image)[top:bottom] < INK).any(axis=0)
    before, after = room
    left = _ink_end(inked, left, -1, height) - margin if before is None else max(left - margin, before)
    right = _ink_end(inked, right - 1, 1, height) + 1 + margin if after is None else min(right + margin, after)
    if right <= left:
        # Neighbours whose boxes ran on over the part leave no room between them: the part's own box, then.
        left, right = box(words)[0] - margin, box(words)[2] + margin
    left, right = max(0, left), min(image.width, max(right, left + 1))
    scale = max(1.0, LINE_HEIGHT / max(1, bottom - top))
    crop = Image.fromarray(with_margin(enlarged(np.asarray(image.crop((left, top, right, bottom))), scale)))

    def to_image(word: Word) -> Word:
        return {
            **word,
            "left": left + round((word["left"] - PAD) / scale),
            "top": top + round((word["top"] - PAD) / scale),
            "width": round(word["width"] / scale),
            "height": round(word["height"] / scale),
        }

    return crop, to_image


def _ink_end(inked: np.ndarray, start: int, step: int, height: int) -> int:
    """The last column with ink from ``start`` in the direction of ``step``, before a word's space of none.

    At most ``REACH`` line heights away.
    """
    end, blank, column = start, 0, start + step
    space = max(2, round(SPACE * height))
    while 0 <= column < inked.size and abs(column - start) <= REACH * height and blank < space:
        if inked[column]:
            end, blank = column, 0
        else:
            blank += 1
        column += step
    return end


def _has_mixed(words: list[Word]) -> bool:
    """Whether a reading of a dated part holds letters of two scripts in one word, or between its numbers.

    A date is written in one script; the words beside it may be in another
    (a Russian date before an English headline).
    """
    digits = [i for i, w in enumerate(words) if any(ch.isdigit() for ch in w["text"])]
    inside = words[digits[0] : digits[-1] + 1] if digits else []
    return any(mixed_script(w["text"]) for w in words) or mixed_script(" ".join(w["text"] for w in inside))


def _letters(words: list[Word]) -> int:
    return sum(ch.isalnum() for w in words for ch in w["text"])
