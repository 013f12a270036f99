"""The languages a screen's text is written in. Plain functions, no Django.

A case names the locales whose month and weekday names are read, but a
worker in Istanbul records a Turkish page in a case that named English and
Russian. ``detected(lines)`` asks py3langid (its model of about 140
languages ships inside the package) which languages a frame's text is in,
so that the cue stage reads ``4 Eyl 2023`` there too. A short line says
little about its language, so a line counts only when it has enough letters
and the model is sure of it; the whole screen counts with its likeliest
languages. Only languages CLDR knows are returned. When the screen's likeliest
languages hold most of the model's probability, they are also what the
screen is written in: if all of them write numeric dates one way in every
country (``cldr.numeric_order_everywhere``: Russian, Bulgarian and Ukrainian
do, English does not), that settles a ``04/09/2023`` on the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from timeline.extract import cldr

# A line counts when it has this many letters and the model gives its language this probability.
_LINE_LETTERS = 16
_LINE_SURE = 0.9
# The whole screen: its likeliest languages, each at least this likely, at most this many,
# until they hold this share of the probability.
_SCREEN_LEAST = 0.1
_SCREEN_MOST = 4
_SCREEN_SHARE = 0.8


@dataclass(frozen=True)
class Detected:
    # The languages whose names are worth reading: the screen's likeliest and the lines' sure ones.
    languages: tuple[str, ...] = ()
    # The screen's likeliest languages when together they hold most of the probability, else none:
    # what the screen is written in, as far as the model can tell.
    screen: tuple[str, ...] = ()


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detected(lines: Sequence[str]) -> Detected:
    """The languages (CLDR codes such as ``tr``) of a screen's lines, the likeliest first."""
    screen: list[str] = []
    whole = "\n".join(lines)
    share = 0.0
    if _letters(whole) >= _LINE_LETTERS:
        for language, probability in _identifier().rank(whole)[:_SCREEN_MOST]:
            if probability < _SCREEN_LEAST or share >= _SCREEN_SHARE:
                break
            screen.append(language)
            share += probability
    found = list(screen)
    for line in lines:
        if _letters(line) >= _LINE_LETTERS:
            language, probability = _identifier().classify(line)
            if probability >= _LINE_SURE:
                found.append(language)
    sure = tuple(screen) if share >= _SCREEN_SHARE else ()
    return Detected(_known(found), _known(sure))


def _known(languages: Sequence[str]) -> tuple[str, ...]:
    return tuple(language for language in dict.fromkeys(languages) if _in_cldr(language))


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


@cache
def _in_cldr(language: str) -> bool:
    locale = cldr.locale_of(language)
    return locale is not None and locale.language == language
