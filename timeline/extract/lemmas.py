"""Words in their dictionary form, so that a headline matches however a widget inflects it. Plain data, no Django.

Russian and Ukrainian words are lemmatised with pymorphy3 and the dictionaries
its PyPI packages ship (``провели`` and ``провел`` are both ``провести``,
``Эрдоганом`` is ``эрдоган``); a word that neither dictionary knows gets
pymorphy3's guess from its ending, the same guess on every screen. Words in
Latin letters are reduced to their English Snowball stem (``talks``, ``talk``).
Other scripts are kept as they are.

OCR reads a Cyrillic ``а`` as a Latin ``a`` and an ``о`` as a zero; such a word
is first written in one script (archive/scripts.py), so that it finds its lemma.
"""

from __future__ import annotations

import functools

import pymorphy3
import snowballstemmer

from archive.scripts import cyrillic, one_script

_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъё")


@functools.cache
def _analysers() -> dict[str, pymorphy3.MorphAnalyzer]:
    return {"ru": pymorphy3.MorphAnalyzer(lang="ru"), "uk": pymorphy3.MorphAnalyzer(lang="uk")}


@functools.cache
def _english() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=1_000_000)
def lemma(word: str) -> str:
    """The dictionary form of a lower-case word (see the module's text for which languages)."""
    word = one_script(word)
    if any(map(cyrillic, word)):
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


@functools.lru_cache(maxsize=100_000)
def normal_forms(word: str) -> frozenset[str]:
    """Every dictionary form a lower-case Cyrillic word may be of (``нтехлаба``: ``нтехлаб``, ``нтехлаба``...).

    A name pymorphy3 does not know is inflected as its ending suggests, and
    several readings of it are equally likely: the name is one of them.
    """
    word = one_script(word)
    if not any(map(cyrillic, word)):
        return frozenset({word})
    forms = {parse.normal_form.replace("ё", "е") for morph in _analysers().values() for parse in morph.parse(word)}
    return frozenset({word} | forms)
