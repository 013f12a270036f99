"""Where the names of a case's entities are written in a line read on screen. Plain data, no Django.

A name is compared with each stretch of a line (one word or a few, joined
by spaces, hyphens, dots or underscores) as a *skeleton*: its letters and
digits alone, lower-case, in Latin letters (anyascii: ``НТехЛаб`` is
``ntekhlab``), with the characters OCR reads one for the other written as
one (``0`` and ``o``; ``1``, ``l`` and ``i``; ``6`` and ``б``; ``rn`` and ``m``). So
``NTechLab``, ``NtechLab``, ``N-Tech.Lab`` and ``NTech Lab`` are one name.

Across scripts, a few spellings of one sound are written alike too (``kh``,
``ch`` and ``h``; ``x`` and ``ks``; ``c`` and ``k``; doubled letters), so
that ``НТехЛаб`` and ``Яндекс`` find ``NTechLab`` and ``Yandex``. Within one
script they are not: there, names spelled that differently are two names.
A Cyrillic word may be inflected (``НТехЛабом``, ``Артёма``): any of its
dictionary forms may be the name (timeline/extract/lemmas.py).

OCR's other slips are forgiven in long names only: one letter in a name of
seven or more, two in twelve or more, never the first or the last letter.
What differs more, or at an end, is another name: ``NetLab`` and ``TechLab``
are not ``NTechLab``, ``Petrova`` is not ``Petrov``. A stretch is the whole
of its words (``NTechLabs`` is not ``NTechLab``). Where two of the case's
names fit overlapping stretches, the closer reading, then the longer
stretch, has it. Names of fewer than three letters are not looked for.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from archive.scripts import cyrillic, one_script
from timeline.extract.lemmas import normal_forms

# A stretch is at most this many words, and a name's words may be set apart by what _JOINING allows.
MAX_WORDS = 6
MIN_LETTERS = 3
_WORD = re.compile(r"[^\W_]+")
_JOINING = re.compile(r"[\s\-\u2010\u2011\u2013.\u00b7_'\u2019]{1,3}")
_OCR_ALIKE = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("5", "s"), ("6", "b"))
# Written alike only when a name and a stretch are in different scripts; order matters (ch before c).
_SOUND_ALIKE = (("kh", "h"), ("ch", "h"), ("ck", "k"), ("x", "ks"), ("ph", "f"), ("q", "k"), ("c", "k"), ("w", "v"))
_DOUBLED = re.compile(r"(.)\1+")
# Readings of a stretch tried, at most, when several of its words may be inflected.
_MAX_READINGS = 16


@dataclass(frozen=True)
class Name:
    """One of an entity's names, as looked for."""

    entity: int
    text: str
    script: str
    plain: str
    sound: str


@dataclass(frozen=True)
class Found:
    """A stretch of a line that is one of an entity's names: where, as what, and how it was written."""

    entity: int
    name: str
    start: int
    end: int
    text: str
    slips: int
    how: str
    reading: str

    @property
    def score(self) -> float:
        return round(1 - self.slips / max(len(self.reading), 1), 3)


def names_of(entity: int, names: Iterable[str]) -> list[Name]:
    """An entity's names (its name and its other names) as the matcher looks for them."""
    found, seen = [], set()
    for text in names:
        text = " ".join(text.split())
        plain = _plain(text)
        if len(plain) < MIN_LETTERS or plain in seen:
            continue
        seen.add(plain)
        found.append(Name(entity, text, _script(text), plain, _sound(plain)))
    return found


def names_found(line: str, names: Sequence[Name]) -> list[Found]:
    """The stretches of a line that are names of the case, none overlapping another."""
    if not names:
        return []
    spans = [(m.start(), m.end()) for m in _WORD.finditer(line)]
    words = [one_script(line[start:end]) for start, end in spans]
    longest = max(len(name.plain) for name in names) + 2
    candidates = []
    for first in range(len(spans)):
        letters = 0
        for last in range(first, min(len(spans), first + MAX_WORDS)):
            if last > first and not _JOINING.fullmatch(line[spans[last - 1][1] : spans[last][0]]):
                break
            letters += len(words[last])
            if letters > longest:
                break
            start, end = spans[first][0], spans[last][1]
            for found in _compare(words[first : last + 1], line[start:end], names):
                candidates.append((first, last, found, start, end))
    chosen: list[Found] = []
    taken: set[int] = set()
    # Fewest slips first, then the longest stretch, then a name in the stretch's script, not inflected.
    for first, last, fit, start, end in sorted(
        candidates, key=lambda c: (c[2].closeness[0], c[3] - c[4], c[2].closeness, c[0])
    ):
        if taken.isdisjoint(range(first, last + 1)):
            taken.update(range(first, last + 1))
            name, slips, text = fit.name, fit.closeness[0], line[start:end]
            chosen.append(Found(name.entity, name.text, start, end, text, slips, fit.how, fit.reading))
    return sorted(chosen, key=lambda found: found.start)


@dataclass(frozen=True)
class _Fit:
    """A name a stretch may be: how close (slips, then another script, then inflected), how, and the reading."""

    name: Name
    closeness: tuple[int, bool, bool]
    how: str
    reading: str


def _compare(words: list[str], text: str, names: Sequence[Name]) -> list[_Fit]:
    """Each name this stretch may be, with the closest of its readings that fit."""
    best: dict[Name, _Fit] = {}
    for reading, inflected in _readings(words):
        plain = "".join(map(_plain, reading))
        script = _script(" ".join(reading))
        for name in names:
            same_script = name.script == script
            read, wanted = (plain, name.plain) if same_script else (_sound(plain), name.sound)
            slips = _slips(read, wanted)
            if slips is None:
                continue
            closeness = (slips, not same_script, inflected)
            if name not in best or closeness < best[name].closeness:
                best[name] = _Fit(name, closeness, _how(text, name, same_script, inflected, slips), plain)
    return list(best.values())


def _readings(words: list[str]) -> Iterable[tuple[tuple[str, ...], bool]]:
    """The stretch as read, then as it may have been written; whether the reading is inflected.

    A word of letters that look alike in Latin and Cyrillic (``Ростех``,
    ``Poctex``) may be in either script, whatever the line's; a Cyrillic word
    may be in any of its dictionary forms.
    """
    choices = []
    for word in words:
        scripts = dict.fromkeys([word, one_script(word, "latin"), one_script(word, "cyrillic")])
        forms = {form for written in scripts if any(map(cyrillic, written)) for form in normal_forms(written.lower())}
        choices.append(
            [(written, False) for written in scripts]
            + [(form, True) for form in sorted(forms - {written.lower() for written in scripts})]
        )
    for reading in itertools.islice(itertools.product(*choices), _MAX_READINGS):
        yield tuple(word for word, _ in reading), any(inflected for _, inflected in reading)


def _slips(read: str, wanted: str) -> int | None:
    """How many letters OCR misread, if ``read`` may be ``wanted`` misread; None when it is another name."""
    if read == wanted:
        return 0
    allowed = 2 if len(wanted) >= 12 else 1 if len(wanted) >= 7 else 0
    if not allowed or abs(len(read) - len(wanted)) > allowed or read[0] != wanted[0] or read[-1] != wanted[-1]:
        return None
    slips = Levenshtein.distance(read, wanted, score_cutoff=allowed)
    return slips if slips <= allowed else None


def _how(text: str, name: Name, same_script: bool, inflected: bool, slips: int) -> str:
    ways = []
    if not same_script:
        ways.append("in another script")
    elif text == name.text:
        ways.append("as written")
    elif _letters(text) == _letters(name.text):
        ways.append("spaced or capitalised otherwise")
    elif not slips and not inflected:
        ways.append("with letters OCR confuses")
    if inflected:
        ways.append("inflected")
    if slips:
        ways.append(f"{slips} letter{'s' if slips > 1 else ''} misread")
    return ", ".join(ways)


def _script(text: str) -> str:
    """The script of a text's first letter (LATIN, CYRILLIC, DEVANAGARI...), its mixed letters set right first."""
    for char in one_script(text):
        if char.isalpha():
            return unicodedata.name(char, "").split(" ")[0]
    return ""


def _letters(text: str) -> str:
    latin = anyascii(unicodedata.normalize("NFKC", text).replace("ё", "е").replace("Ё", "Е")).lower()
    return "".join(char for char in latin if char.isalnum())


@functools.lru_cache(maxsize=200_000)
def _plain(text: str) -> str:
    skeleton = _letters(text)
    for alike, written in _OCR_ALIKE:
        skeleton = skeleton.replace(alike, written)
    return skeleton


def _sound(plain: str) -> str:
    for alike, written in _SOUND_ALIKE:
        plain = plain.replace(alike, written)
    return _DOUBLED.sub(r"\1", plain)


def span_box(line: str, words: Sequence[dict], start: int, end: int) -> list[int] | None:
    """The box of the words of a line that a stretch of it covers (``words`` as OCR gave them), or None."""
    boxes, at = [], 0
    for word in words:
        text = str(word.get("text", ""))
        found = line.find(text, at) if text else -1
        if found < 0:
            continue
        at = found + len(text)
        if found < end and at > start:
            boxes.append([int(word[side]) for side in ("left", "top", "width", "height")])
    if not boxes:
        return None
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return [left, top, right - left, bottom - top]
