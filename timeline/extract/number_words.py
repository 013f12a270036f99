"""Ordinal numbers written as words, in English and Russian: "third", "twenty-first", "третьего". No Django.

Dates name their day ("the third of October", "двадцать четвертого
февраля") and their quarter ("четвёртый квартал") this way. CLDR has no
spelled-out numbers in a form Babel reads, so the words are listed here,
folded as ``cldr.fold`` folds text (lower case, ``ё`` as ``е``).
"""

from __future__ import annotations

import re

_EN_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_EN = {
    **{word: number for number, word in enumerate(_EN_UNITS, 1)},
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_EN_TENS = {"twenty": 20, "thirty": 30}
# Russian ordinals by their stems; the ending follows the case and gender ("третьего", "третий", "третье").
_RU_STEMS = {
    "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7, "восьм": 8, "девят": 9,
    "десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13, "четырнадцат": 14, "пятнадцат": 15,
    "шестнадцат": 16, "семнадцат": 17, "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}  # fmt: skip
_RU_ENDING = r"(?:ь?(?:его|ему|ем|ого|ому|ое|ой|ый|ий|ье|ья|ая|ую|ым|им))"
_RU_TENS = {"двадцать": 20, "тридцать": 30}


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_EN_WORD = _alternation([re.escape(word) for word in _EN])
_RU_WORD = rf"(?:{_alternation(list(_RU_STEMS))}){_RU_ENDING}"
# An ordinal word from 1 to 31, alone or after its tens ("twenty-first", "двадцать четвертого").
ORDINAL = (
    rf"(?:(?:{_alternation(list(_EN_TENS))})[\s\-]?(?:{_alternation(_EN_UNITS)})|{_EN_WORD}"
    rf"|(?:{_alternation(list(_RU_TENS))})\s(?:{_alternation(list(_RU_STEMS)[:9])}){_RU_ENDING}|{_RU_WORD})"
)
_ORDINAL = re.compile(rf"^{ORDINAL}$")


def ordinal_value(word: str) -> int | None:
    """The number an ordinal word names, or None if it is not one."""
    word = " ".join(word.lower().replace("ё", "е").split())
    if not _ORDINAL.match(word):
        return None
    tens = 0
    for prefix, value in {**_EN_TENS, **_RU_TENS}.items():
        if word.startswith(prefix) and word != prefix:
            tens, word = value, word[len(prefix) :].lstrip(" -")
            break
    if word in _EN:
        return tens + _EN[word]
    for stem in sorted(_RU_STEMS, key=len, reverse=True):
        if word.startswith(stem) and re.fullmatch(_RU_ENDING, word[len(stem) :]):
            return tens + _RU_STEMS[stem]
    return None
