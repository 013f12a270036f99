"""Words in their dictionary form, so that a headline matches however a widget inflects it. Plain data, no Django.

Russian and Ukrainian words are lemmatised with pymorphy3 and the dictionaries
its PyPI packages ship (``провели`` and ``провел`` are both ``провести``,
``Эрдоганом`` is ``эрдоган``); a word that neither dictionary knows gets
pymorphy3's guess from its ending, the same guess on every screen. Words in
Latin letters are reduced to their English Snowball stem (``talks``, ``talk``).
Other scripts are kept as they are.

OCR reads a Cyrillic ``а`` as a Latin ``a`` and an ``о`` as a zero; such a word
is first written in the script most of its letters are in, so that it finds
its lemma.
"""

from __future__ import annotations

import functools

import pymorphy3
import snowballstemmer

_CYRILLIC_RANGE = ("а", "я")
_CYRILLIC_EXTRA = frozenset("ёіїєґ")
_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъё")
# Latin letters and digits that OCR puts for Cyrillic letters, and the other way round.
_TO_CYRILLIC = str.maketrans("aceopxykmtbh0", "асеорхукмтвно")
_TO_LATIN = str.maketrans("асеорхукмтвн", "aceopxykmtbh")


def _cyrillic(char: str) -> bool:
    return _CYRILLIC_RANGE[0] <= char <= _CYRILLIC_RANGE[1] or char in _CYRILLIC_EXTRA


@functools.cache
def _analysers() -> dict[str, pymorphy3.MorphAnalyzer]:
    return {"ru": pymorphy3.MorphAnalyzer(lang="ru"), "uk": pymorphy3.MorphAnalyzer(lang="uk")}


@functools.cache
def _english() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def one_script(word: str) -> str:
    """A lower-case word written in one script: Latin look-alikes in a mostly Cyrillic word made Cyrillic, and back."""
    cyrillic = sum(map(_cyrillic, word))
    latin = sum("a" <= c <= "z" for c in word)
    if cyrillic and latin:
        return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)
    if cyrillic and "0" in word and not any(c.isdigit() and c != "0" for c in word):
        return word.translate(_TO_CYRILLIC)
    return word


@functools.lru_cache(maxsize=1_000_000)
def lemma(word: str) -> str:
    """The dictionary form of a lower-case word (see the module's text for which languages)."""
    word = one_script(word)
    if any(map(_cyrillic, word)):
        analysers = _analysers()
        letters = set(word)
        if letters & _UKRAINIAN_ONLY:
            language = "uk"
        elif letters & _RUSSIAN_ONLY or analysers["ru"].word_is_known(word):
            language = "ru"
        else:
            language = "uk" if analysers["uk"].word_is_known(word) else "ru"
        return analysers[language].parse(word)[0].normal_form.replace("ё", "е")
    if word.isascii() and word.isalpha():
        return _english().stemWord(word)
    return word
