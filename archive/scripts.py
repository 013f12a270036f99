"""Latin and Cyrillic letters of the same shape, which OCR reads one for the other. Plain data, no Django.

OCR reads ``на`` in a Russian line as Latin ``Ha``, ``Cоздано`` with a Latin
C and ``пoехали`` with a zero. The search index (archive/search.py) and the
headline matcher (timeline/extract/lemmas.py) both write such words in one
script before they compare them.
"""

from __future__ import annotations

import re

_LATIN, _CYRILLIC = "aceopxykmtbhAEOPCXYKMTBH", "асеорхукмтвнАЕОРСХУКМТВН"
_TO_CYRILLIC = str.maketrans(_LATIN + "0", _CYRILLIC + "о")
_TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)
_ALIKE = frozenset(_LATIN + _CYRILLIC)
# Counted by the regular-expression engine: the search index asks this of every line it writes.
_CYRILLIC_CHARS = re.compile("[\u0400-\u04ff]")
_LATIN_LETTERS = re.compile("[A-Za-z]")


def cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def script_of(text: str) -> str:
    """ "cyrillic" or "latin", whichever most letters are in, when both are there; else ""."""
    in_cyrillic = len(_CYRILLIC_CHARS.findall(text))
    in_latin = len(_LATIN_LETTERS.findall(text)) if in_cyrillic else 0
    if not (in_cyrillic and in_latin):
        return ""
    return "cyrillic" if in_cyrillic >= in_latin else "latin"


def one_script(word: str, line: str = "") -> str:
    """A word written in one script, where its look-alike letters allow it.

    A word that mixes the scripts takes the script most of its letters are
    in; a word of look-alike letters only (``Ha``) takes ``line``'s, the
    script of the line it stands in; a Cyrillic word with a zero and no
    other digit has an ``о`` for it. Words with letters of their own
    (``NTechLab``) stay as they are.
    """
    script = script_of(word) or (line if line and set(word) <= _ALIKE else "")
    if not script and "0" in word and any(map(cyrillic, word)):
        script = "cyrillic" if not any(c.isdigit() and c != "0" for c in word) else ""
    if script == "cyrillic":
        return word.translate(_TO_CYRILLIC)
    return word.translate(_TO_LATIN) if script == "latin" else word
