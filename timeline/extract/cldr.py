"""Calendar words of every CLDR locale, through Babel, and the folding that compares them. No Django.

Dates are looked for in a *folded* copy of the text: lower case, without
diacritics or vowel signs, with every script's decimal digits as ASCII digits
and odd spaces as plain ones. Names are folded the same way, so ``Eylül``,
``Eylul`` and ``EYLÜL`` are one word, and ``٤`` or ``৪`` is a 4. A folded text
keeps, for each of its characters, the position it came from, so that what
is found there is reported in the original's positions.

The names come from CLDR's month, weekday and quarter names (wide and
abbreviated, format and stand-alone forms, which carry the grammatical cases
CLDR knows: ``сентября`` and ``сентябрь``), and the order of a numeric date
from each locale's short date pattern.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers

from archive.locale_tags import locale_of

# Latin letters that Unicode does not decompose into a base letter and a mark.
_BARE_LETTERS = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l", "ŧ": "t", "ð": "d", "þ": "th"}
# Letters kept whole: "й" is a letter of its own, not "и" with a mark.
_KEPT_LETTERS = {"й"}
# Punctuation of other scripts that plays the part of ASCII's.
_PUNCTUATION = {
    "،": ",",
    "٫": ".",
    "٬": ",",
    "۔": ".",
    "।": ".",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "॰": ".",
    "’": "'",
    "׳": ".",
}
# Case forms CLDR does not list and the month's start does not give ("в мае").
_MORE_MONTH_FORMS = {"ru": {"мае": 5}, "uk": {"травні": 5}}
# OCR mixes Cyrillic and Latin letters that look alike ("anp." for "апр.",
# "Мау" for "May"): a word's skeleton writes them the same.
_LOOKALIKES = str.maketrans("авекмнорстухпгиь", "abekmhopctyxnrub")


@dataclass(frozen=True)
class Folded:
    text: str
    origin: tuple[int, ...]  # for each character of ``text``, the position in the original it came from

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original's span of the folded span [start, end)."""
        if start >= end:
            return self.origin[start] if start < len(self.origin) else self._end, self._end
        return self.origin[start], self.origin[end - 1] + 1

    @property
    def _end(self) -> int:
        return self.origin[-1] + 1 if self.origin else 0


def fold(text: str) -> Folded:
    """``text`` in lower case, without marks, with ASCII digits and plain spaces; and where each character came from."""
    out: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        for part in _fold_char(char):
            out.append(part)
            origin.append(position)
    return Folded("".join(out), tuple(origin))


@cache
def _fold_char(char: str) -> str:
    if char.isascii():
        return char.lower()
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char.lower() in _KEPT_LETTERS or "\uac00" <= char <= "\ud7a3":
        # Hangul syllables stay whole: "년" is a word, not three letters.
        return char.lower()
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    folded = []
    for part in unicodedata.normalize("NFKD", char):
        category = unicodedata.category(part)
        if category == "Cf" or (category in ("Mn", "Mc", "Me") and _diacritic(part)):
            continue
        if category == "Zs":
            folded.append(" ")
            continue
        lower = part.lower()
        folded.append(_BARE_LETTERS.get(lower, lower if len(lower) == 1 else part))
    return "".join(folded)


def _diacritic(mark: str) -> bool:
    """Whether a mark is a diacritic that may be lost (Latin, Cyrillic, Greek accents; Arabic and Hebrew vowel points).

    The vowel signs of Indic and other Brahmic scripts are letters in all but
    name: "जन" is not "जून" (January, June), so they stay.
    """
    return unicodedata.name(mark, "").split(" ")[0] in ("COMBINING", "ARABIC", "HEBREW", "SYRIAC", "CYRILLIC", "GREEK")


def _letters() -> str:
    """A character class of every letter and of the marks that are kept, as ranges (one class matches fastest)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x30000):
        category = unicodedata.category(chr(code))
        if category[0] == "L" or (category[0] == "M" and not _diacritic(chr(code))):
            if ranges and code == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    body = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return f"[{body}]"


# A letter, or a vowel sign that belongs to one: what a word is made of in any script.
LETTER = _letters()
_WORD = re.compile(rf"{LETTER}+")


def fold_word(word: str) -> str:
    return fold(word).text.strip(" .")


def skeleton(word: str) -> str:
    """A word as OCR may misread it alike: Cyrillic and Latin look-alikes as one, and without vowel signs or viramas."""
    return "".join(char for char in word.translate(_LOOKALIKES) if not unicodedata.category(char).startswith("M"))


@dataclass(frozen=True)
class Names:
    """The folded calendar words of a set of locales, each with what it can name."""

    months: dict[str, frozenset[int]]
    weekdays: dict[str, frozenset[int]]
    # Unique starts (three letters or more) of wide month names: "sept", "сен", "январ".
    month_starts: dict[str, frozenset[int]]
    # Month names with a digit or a space in them ("tháng 9", "9月"), to be matched whole.
    spelled_months: dict[str, int]
    quarter_words: frozenset[str]
    # Letters that stand before a quarter's number ("q" of Q4, "t" of T4, "ç" of Ç4).
    quarter_prefixes: frozenset[str]
    am: frozenset[str]
    pm: frozenset[str]
    month_skeletons: dict[str, frozenset[int]]
    weekday_skeletons: dict[str, frozenset[int]]


@cache
def names(locales: tuple[str, ...]) -> Names:
    """The calendar words of ``locales`` (BCP 47 tags); tags CLDR does not know are left out."""
    months: dict[str, set[int]] = {}
    weekdays: dict[str, set[int]] = {}
    starts: dict[str, set[int]] = {}
    spelled: dict[str, int] = {}
    quarter_words: set[str] = set()
    quarter_prefixes: set[str] = set()
    am: set[str] = {"am", "a.m."}
    pm: set[str] = {"pm", "p.m."}
    for tag in locales:
        locale = locale_of(tag)
        if locale is None:
            continue
        for number, form in _month_forms(locale):
            if not _WORD.search(form):
                continue
            if re.search(r"[\d\s]", form):
                spelled.setdefault(form, number)
            else:
                months.setdefault(form, set()).add(number)
        for form, number in _MORE_MONTH_FORMS.get(locale.language, {}).items():
            months.setdefault(form, set()).add(number)
        for number, form in _weekday_forms(locale):
            weekdays.setdefault(form, set()).add(number)
        for start, numbers in _month_starts(locale).items():
            starts.setdefault(start, set()).update(numbers)
        words, prefixes = _quarter_words(locale)
        quarter_words |= words
        quarter_prefixes |= prefixes
        periods = locale.day_periods.get("format", {}).get("abbreviated", {})
        am.update(fold_word(periods[key]) for key in ("am",) if key in periods)
        pm.update(fold_word(periods[key]) for key in ("pm",) if key in periods)
    return Names(
        months={form: frozenset(numbers) for form, numbers in months.items()},
        weekdays={form: frozenset(numbers) for form, numbers in weekdays.items()},
        month_starts={start: frozenset(numbers) for start, numbers in starts.items()},
        spelled_months=spelled,
        quarter_words=frozenset(quarter_words),
        quarter_prefixes=frozenset(quarter_prefixes),
        am=frozenset(word for word in am if word),
        pm=frozenset(word for word in pm if word),
        month_skeletons=_by_skeleton(months),
        weekday_skeletons=_by_skeleton(weekdays),
    )


def _by_skeleton(forms: dict[str, set[int]]) -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    for form, numbers in forms.items():
        found.setdefault(skeleton(form), set()).update(numbers)
    return {key: frozenset(numbers) for key, numbers in found.items()}


def _month_forms(locale: Locale) -> list[tuple[int, str]]:
    """Wide and abbreviated month names in both contexts, and narrow ones long enough to be unambiguous."""
    forms = []
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated", "narrow"):
            table = locale.months.get(context, {}).get(width, {})
            folded = {number: fold_word(name) for number, name in table.items()}
            for number, form in folded.items():
                if width == "narrow" and (len(form) < 3 or list(folded.values()).count(form) > 1):
                    continue
                if form:
                    forms.append((number, form))
    return forms


def _weekday_forms(locale: Locale) -> list[tuple[int, str]]:
    forms = []
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated", "short"):
            for number, name in locale.days.get(context, {}).get(width, {}).items():
                form = fold_word(name)
                if len(form) >= 2:
                    forms.append((number, form))
    return forms


def _month_starts(locale: Locale) -> dict[str, set[int]]:
    """Every start of three letters or more that only one month's wide names begin with."""
    wide = [
        (number, fold_word(name))
        for context in ("format", "stand-alone")
        for number, name in locale.months.get(context, {}).get("wide", {}).items()
    ]
    starts: dict[str, set[int]] = {}
    for number, form in wide:
        if not _WORD.fullmatch(form):
            continue
        for length in range(3, len(form) + 1):
            starts.setdefault(form[:length], set()).add(number)
    return {start: numbers for start, numbers in starts.items() if len(numbers) == 1}


def _quarter_words(locale: Locale) -> tuple[set[str], set[str]]:
    words: set[str] = set()
    prefixes: set[str] = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for name in locale.quarters.get(context, {}).get(width, {}).values():
                form = fold_word(name)
                prefix = re.fullmatch(rf"({LETTER}{{1,3}})\s?[1-4]", form)
                if prefix:
                    prefixes.add(prefix.group(1))
                    continue
                words.update(word for word in _WORD.findall(form) if len(word) >= 2)
    # Ordinal endings and articles inside quarter names ("1st", "1.er", "1-й") are not quarter words.
    return {word for word in words if len(word) > 2 or word in ("кв",)}, prefixes


@cache
def languages() -> tuple[str, ...]:
    """Every language CLDR has (its locales without a region or script)."""
    return tuple(tag for tag in locale_identifiers() if "_" not in tag)


@cache
def named_anywhere() -> dict[str, frozenset[int]]:
    """Wide month names of every CLDR language that name the same month in every language that has them.

    This finds a date in a language nobody listed for the case ("4 Eylül
    2023" on a screen from Turkey); a name that is a different month in two
    languages ("listopad") is left to the locales that are listed.
    """
    found: dict[str, set[int]] = {}
    for tag in languages():
        try:
            locale = Locale.parse(tag)
        except (ValueError, UnknownLocaleError):
            continue
        for context in ("format", "stand-alone"):
            for number, name in locale.months.get(context, {}).get("wide", {}).items():
                form = fold_word(name)
                if len(form) >= 4 and _WORD.fullmatch(form):
                    found.setdefault(form, set()).add(number)
    return {form: frozenset(numbers) for form, numbers in found.items() if len(numbers) == 1}


@dataclass(frozen=True)
class PatternWords:
    """The words CLDR's date patterns write after a year, after a day and between the parts, in every language."""

    after_year: frozenset[str]
    after_day: frozenset[str]
    between: frozenset[str]


_FIELD = re.compile(r"'(?:[^']|'')*'|([a-zA-Z])\1*|[^a-zA-Z']+")
_PATTERNS = ("yMMMd", "yMMMMd", "yMMMEd", "MMMd", "MMMMd", "yMMM", "yMMMM", "yMd", "yQQQ", "yQQQQ")


@cache
def pattern_words() -> PatternWords:
    after: dict[str, set[str]] = {"y": set(), "d": set(), "": set()}
    for tag in languages():
        try:
            locale = Locale.parse(tag)
        except (ValueError, UnknownLocaleError):
            continue
        patterns = [locale.date_formats[width].pattern for width in ("full", "long", "medium", "short")]
        patterns += [str(locale.datetime_skeletons[key]) for key in _PATTERNS if key in locale.datetime_skeletons]
        for pattern in patterns:
            previous = ""
            for token in _FIELD.finditer(pattern):
                if token.group(1):
                    previous = token.group(1)
                    continue
                words = _WORD.findall(fold(token.group().replace("''", "'").strip("'")).text)
                after["y" if previous == "y" else "d" if previous == "d" else ""].update(
                    w for w in words if len(w) <= 10
                )
        # Short era names stand between a month and its year ("4 กันยายน ค.ศ. 2023").
        for era in locale.eras.get("abbreviated", {}).values():
            after[""].update(word for word in _WORD.findall(fold(era).text) if len(word) <= 4)
    return PatternWords(frozenset(after["y"]), frozenset(after["d"]), frozenset(after[""]))


def numeric_order(tag: str | None) -> str | None:
    """How the locale's short date pattern orders a numeric date: "day_first", "month_first" or "year_first"."""
    locale = locale_of(tag) if tag else None
    if locale is None:
        return None
    pattern = re.sub(r"'[^']*'", "", locale.date_formats["short"].pattern)
    positions = {field: pattern.find(field) for field in "dMy" if field in pattern}
    if len(positions) < 3:
        return None
    first = min(positions, key=positions.__getitem__)
    if first == "y":
        return "year_first"
    return "day_first" if first == "d" else "month_first"


@cache
def numeric_order_everywhere(language: str) -> str | None:
    """ "day_first" or "month_first" when every CLDR locale of a language orders numeric dates so; else None.

    Russian is day first in every country CLDR lists, English is not
    (``en-US`` and ``en-GB`` differ). Year-first patterns (``fr-CA``'s
    ``y-MM-dd``) are left out: they say nothing about a date written with
    the day and the month first.
    """
    orders = {numeric_order(tag) for tag in locale_identifiers() if tag.split("_")[0] == language}
    orders.discard("year_first")
    order = orders.pop() if len(orders) == 1 else None
    return order if order in ("day_first", "month_first") else None


def language_name(tag: str) -> str:
    locale = locale_of(tag)
    return locale.english_name if locale is not None else tag
