"""Dates written in text, in every CLDR locale's words. Plain functions, no Django.

``find_dates(text, locales)`` returns every date mention with its span and its
readings (a numeric date such as ``04/09/2023`` can have two). The month and
weekday names come from CLDR (``cldr.names``) for the locales given, and a
wide month name of any language that names one month only (``Eylül``) is
known without being asked for. The text is folded first (``cldr.fold``):
case, diacritics and the script of the digits do not matter.

Forms: day, month and year in the orders CLDR's patterns use, with the words
between them that the patterns put there (``d 'de' MMMM 'de' y``) and the
times after; numeric dates; ISO 8601; the CJK ``年月日`` forms; ranges
(``14.10. - 15.10.2018``, ``July 13-15``) as one mention over both ends;
months, quarters and years alone; ordinals as words (``the third of
October``, ``двадцать четвертого февраля``). A compact ``25032018`` or a bare
``15/2`` is a date only where the context says so: a label before it
(``DATE:``, ``Дата``, ``Tarih``) or a caller that knows (``dated=True``).

Things that look like dates but are not (prices, versions, phone numbers,
build numbers, copyright ranges, durations, counters, sizes, scores) are left
out, and relative phrases ("2 часа назад", "yesterday") are never turned into
dates.

A reading is a local calendar interval [start, end) with its granularity; the
time zone is not known from the text, and callers state what they assume.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from timeline.extract import cldr
from timeline.extract.number_words import ORDINAL, ordinal_value

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
# A month's name of at least this many letters is known with a letter misread, or two in a whole date.
NEAR_LETTERS = 6
# The locales tried when a caller names none.
DEFAULT_LOCALES = ("en", "ru")

# Words that CLDR's date patterns put between a day, a month and a year
# (``d 'de' MMMM 'de' y``, ``d MMMM y 'г'.``), and the ones people write there.
_BETWEEN = ["de", "del", "di", "da", "do", "la", "of", "the day of", "day of", "a", "в", "во", "in", "year", "ngay"]
_AFTER_YEAR = ["г", "года", "году", "год", "гг", "р", "року", "рік", "ж", "жыл", "yil", "yili", "y", "年", "년", "god"]
_AT = ["в", "at", "um", "à", "a", "as", "às", "a las", "alle", "om", "saat", "kl", "klo", "o", "о", "lúc", "luc"]
_LABELS = (
    r"date|dated|дата|датa|tarih|tarihi|datum|fecha|data|date de|tanggal|ngay|тарих|sana|sanasi|"
    r"तारीख|तिथि|তারিখ|تاريخ|تاریخ|dt"
)
_L = cldr.LETTER
_WORDS = re.compile(rf"{_L}+")
_LEFT = r"(?<![\w.,/+\-$€£₽#])(?<!\d:)"
_RIGHT = r"(?![\w/:\-$€£₽%]|[.,]\d)"
_DAY_ENDINGS = ["st", "nd", "rd", "th", "er", "e", "o", "a", "го", "е", "й", "ого"]
_YEAR4 = r"(?P<year>(?:19|20)\d\d)"
_YEAR = r"(?P<year>(?:19|20)\d\d|\d\d(?![\d:]))"


def _words(words: list[str] | frozenset[str]) -> str:
    """An alternation of ``words`` that prefers the longest, written as a tree of their shared starts.

    ``de|del|di`` becomes ``d(?:el?|i)``: the engine then reads a word once
    instead of trying hundreds of alternatives one after another at every
    place in the text, and the longer word still wins where two could.
    """
    tree: dict = {}
    for word in set(words):
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: dict) -> str:
    ends = "" in node
    parts = [re.escape(char) + _group(_branches(child)) for char, child in sorted(node.items()) if char]
    if not parts:
        return ""
    alternation = "|".join(parts)
    if ends:
        # The word may end here; trying the longer words first keeps the longest match.
        return f"(?:{alternation})?"
    return alternation


def _group(text: str) -> str:
    return f"(?:{text})" if "|" in text and not (text.startswith("(?:") and text.endswith(")?")) else text


# A weekday before a date: "Mon, 4 September 2023", "Чт20 апр.".
_WEEKDAY_BEFORE = re.compile(rf"(?<!{_L})({_L}{{2,}})\.?,?\s*$")
_ORDINAL_WORD = re.compile(ORDINAL)
# Words around a number that make it something other than a date.
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:[$€£₽©#]|\(c\)|(?<![\w])(?:no\.?|copyright|v|ver\.?|version|версия|build|сборка|тел\.?|tel\.?|phone|id|"
    r"order|заказ|siparis|ticket|invoice|счет|art\.?|арт\.?|sku|isbn|issn|doi|ip|page|p|pp|стр|"
    r"python|php|java|node|ios|android|windows|macos|linux|kernel|chrome|firefox|safari))\s*[:.]?\s*$",
)
_NOT_A_DATE_AFTER = re.compile(r"^\s*(?:[$€£₽%₸×]|(?:руб|usd|eur|rub|грн|tl|try|inr|pkr|bdt|rs)\b|р\.|x\b)")
# Words before a date that point ahead: a deadline or a plan bounds nothing.
_FUTURE_BEFORE = re.compile(r"(?<![\w])(?:до|к|по|until|till|by|through|deadline|срок|планиру\w*|will|to be)\s*$")
_LABELLED = re.compile(rf"(?:^|(?<![\w]))(?:{_LABELS})\s*[:.\-]?\s*$")
_LABEL = re.compile(rf"(?<![\w])(?:{_LABELS})")


@dataclass(frozen=True)
class Reading:
    """One way to read a mention: the local interval [start, end) it names."""

    start: datetime
    end: datetime
    granularity: str  # "minute", "day", "month", "quarter" or "year"
    order: str = ""  # for numeric dates: "day_first" or "month_first"


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    form: str
    readings: tuple[Reading, ...]
    # For a day (and month) without a year: the day, month and weekday to resolve later,
    # and for a range the month and day it runs to.
    day: int | None = None
    month: int | None = None
    weekday: int | None = None
    until: tuple[int, int] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_year(self) -> bool:
        return bool(self.readings)


class _Form(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    # What a text must have for the form to be tried: "named" (a month's or weekday's name),
    # "ordinal" (an ordinal word), "quarter" (a quarter's word), "cjk", "dated" (a label or dated=True).
    needs: str = ""
    # Whether the form begins with a month's or a weekday's name.
    at_name: bool = False


@dataclass(frozen=True)
class _Grammar:
    names: cldr.Names
    # The words already looked up: whether each names a month or a weekday.
    seen: dict[str, bool] = field(default_factory=dict)

    def names_at(self, words: list[re.Match[str]]) -> list[int]:
        """Where the words that name a month or a weekday start: only there can a form that begins with one."""
        positions = []
        for match in words:
            word = match.group()
            known = self.seen.get(word)
            if known is None:
                known = any(find(word, self.names) is not None for find in (_month_of, _weekday_of, _far_month))
                self.seen[word] = known
            if known:
                positions.append(match.start())
        return positions


# The forms that need a month's or a weekday's name.
_NAMED = {"day_range", "month_range", "day_month_year", "month_day_year", "year_month_day", "year_day_month",
          "day_month", "month_day", "weekday_day", "month_year"}  # fmt: skip


def find_dates(text: str, locales: tuple[str, ...] = DEFAULT_LOCALES, *, dated: bool = False) -> list[DateMention]:
    """Every date mention in ``text``, longest forms first, never overlapping.

    ``locales`` are BCP 47 tags whose month and weekday names are read;
    ``dated`` says the text is known to hold a date (a clock's line, a dated
    field), which lets a compact ``25032018`` or a bare ``15/2`` count.
    """
    grammar = _grammar(tuple(dict.fromkeys(locales)))
    folded = _unglued(cldr.fold(text), grammar.names)
    source = folded.text
    words = list(_WORDS.finditer(source))
    quarter_words = _quarter_words()
    names_at = grammar.names_at(words)
    named = bool(names_at) or any(form in source for form in grammar.names.spelled_months)
    has = {
        "": True,
        "named": named,
        "ordinal": named and bool(_ORDINAL_WORD.search(source)),
        "quarter": bool(quarter_words.search(source)),
        "cjk": "年" in source or "년" in source,
        "dated": dated or bool(_LABEL.search(source)),
    }
    found: list[tuple[int, int, str, tuple[Reading, ...], dict]] = []
    taken: list[tuple[int, int]] = []
    # A month written in words with spaces or digits ("tháng 9", "di marzu", "9月") makes every
    # pattern with a month slower: those patterns are compiled apart, for the texts that have one.
    spelled = named and _spelled_in([word.group() for word in words])
    for form, pattern, needs, at_name in _patterns(spelled=spelled):
        if not has[needs]:
            continue
        # A form that begins with a month's or a weekday's name is tried only where one stands.
        starts = names_at if at_name and not spelled else None
        position = 0
        while (match := _next_match(pattern, source, position, starts)) is not None:
            position = match.start() + 1
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            start, weekday = _weekday_before(source, start, grammar.names)
            before = source[max(0, start - 16) : start]
            labelled = dated or bool(_LABELLED.search(before))
            if _NOT_A_DATE_BEFORE.search(before) or _NOT_A_DATE_AFTER.match(source[end:]):
                continue
            if _FUTURE_BEFORE.search(before) or (form == "year" and _not_a_year(source, start, end)):
                continue
            if form in _ONLY_WHEN_DATED and not labelled:
                continue
            readings, partial = _readings(form, match, grammar.names, source)
            if not readings and not partial:
                continue
            if weekday is not None and "day" in partial:
                partial["weekday"] = weekday
            taken.append((start, end))
            position = end
            found.append((start, end, form, readings, partial))
    mentions = []
    for start, end, form, readings, partial in sorted(found, key=lambda f: f[0]):
        original_start, original_end = folded.span(start, end)
        mention_text = text[original_start:original_end].strip()
        mentions.append(DateMention(mention_text, original_start, original_end, form, readings, **partial))
    return _joined_ranges(mentions, text)


_ONLY_WHEN_DATED = {"compact", "numeric_day_month"}


def _next_match(pattern: re.Pattern[str], source: str, position: int, starts: list[int] | None) -> re.Match[str] | None:
    """The first match at or after ``position``, trying only ``starts`` when they are given."""
    if starts is None:
        return pattern.search(source, position)
    for start in starts[bisect_left(starts, position) :]:
        if (match := pattern.match(source, start)) is not None:
            return match
    return None


@cache
def _grammar(locales: tuple[str, ...]) -> _Grammar:
    return _Grammar(cldr.names(locales))


@cache
def _spelled_words() -> frozenset[str]:
    """The longest word of each month name written with spaces or digits: a text without one has none of them."""
    names = cldr.names(cldr.languages())
    return frozenset(max(_WORDS.findall(form) or [form], key=len) for form in names.spelled_months)


def _spelled_in(words: list[str]) -> bool:
    spelled = _spelled_words()
    return any(word in spelled for word in words)


@cache
def _patterns(*, spelled: bool) -> tuple[_Form, ...]:
    """The forms, compiled once for every language: which words count is decided by the locales' names.

    With ``spelled``, a month may also be a name written with spaces or digits.
    """
    names = cldr.names(cldr.languages())
    written = cldr.pattern_words()
    endings = _words([*_DAY_ENDINGS, *written.after_day])
    day = rf"(?:the\s+)?(?P<day>[0-3]?\d)(?:\s?-?(?:{endings})(?!{_L}))?\.?"
    spelled_day = rf"(?:the\s+)?(?P<day>{ORDINAL})"
    year_word = rf"(?:\.?[\s\-]?(?:{_words([*_AFTER_YEAR, *written.after_year])})(?!{_L})\.?)?"
    between = rf"(?:\s*[.,\-/']?\s*(?:(?:{_words([*_BETWEEN, *written.between])})\.?\s+){{0,2}})"
    spelled_months = _words(list(names.spelled_months)) if spelled else ""
    month = rf"(?<!{_L})(?P<month>{spelled_months + '|' if spelled_months else ''}{_L}+)(?!{_L})\.?"
    ampm = _words([*names.am, *names.pm])
    time = (
        rf"(?:(?:\s*,\s*|\s+|\s+(?:{_words(_AT)})\s+)(?P<hour>[01]?\d|2[0-3])[:.h](?P<minute>[0-5]\d)"
        rf"(?::[0-5]\d(?:[.,]\d+)?)?(?:\s?(?P<ampm>{ampm})(?!\w))?)?"
    )
    quarter_words = _words(list(names.quarter_words))
    prefixes = _words(list(names.quarter_prefixes))
    day_b = day.replace("(?P<day>", "(?P<day2>")
    patterns = [
        (
            "iso",
            _LEFT + r"(?P<year>(?:19|20)\d\d)(?P<sep>[-./])\s?(?P<month>[01]?\d)(?P=sep)\s?(?P<day>[0-3]?\d)\.?"
            r"(?:[t\s,]+(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d(?:[.,]\d+)?)?(?:z|[+-]\d\d:?\d\d)?)?"
            + _RIGHT,
        ),
        (
            "cjk",
            r"(?<!\d)(?P<year>(?:19|20)\d\d)\s?[年년]\s?(?P<month>[01]?\d)\s?[月월]\s?(?P<day>[0-3]?\d)\s?[日일]?"
            r"(?:\s*(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d))?(?!\d)",
        ),
        ("day_range", _LEFT + rf"{day}\s*-\s*{day_b}{between}{month}(?:{between}{_YEAR4}{year_word})?"),
        ("month_range", _LEFT + rf"{month}\s+{day}\s*-\s*{day_b}(?:,?\s+{_YEAR4})?" + _RIGHT),
        (
            "day_month_year",
            _LEFT + rf"{day}{between}{month}{between}{_YEAR}{year_word}" + time,
        ),
        ("month_day_year", _LEFT + rf"{month}{between}{day},?{between}{_YEAR4}{time}"),
        ("day_month_year", _LEFT + rf"{spelled_day}{between}{month}{between}{_YEAR4}{year_word}"),
        ("month_day_year", _LEFT + rf"{month}{between}{spelled_day},?{between}{_YEAR4}"),
        ("year_month_day", _LEFT + rf"{_YEAR4}{year_word}{between}{month}{between}{day}" + _RIGHT),
        ("year_day_month", _LEFT + rf"{_YEAR4}{year_word}[\s,]+{day}{between}{month}" + _RIGHT),
        (
            "numeric",
            _LEFT + r"(?P<first>[0-3]?\d)(?P<sep>[./\-])\s{0,2}(?P<second>[0-3]?\d)\s?(?P=sep)\s{0,2}"
            r"(?P<year>(?:19|20)\d\d|\d\d)(?:\s?г\b\.?)?"
            r"(?:(?:,\s*|\s+)(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d)?)?" + _RIGHT,
        ),
        (
            "quarter",
            _LEFT + rf"(?P<quarter>[1-4]|{ORDINAL}|iv|i{{1,3}})(?:\s?-?(?:й|ый|st|nd|rd|th|er|e|o))?\.?\s?"
            rf"(?:{quarter_words})\.?(?:\s+(?:of|года|г|de|del))?\.?\s*{_YEAR4}{year_word}" + _RIGHT,
        ),
        ("quarter_first", _LEFT + rf"(?:{prefixes})\s?(?P<quarter>[1-4])\s?[/'\-]?\s?{_YEAR4}" + _RIGHT),
        ("year_quarter", _LEFT + rf"{_YEAR4}\s?[-/]?\s?(?:{prefixes})(?P<quarter>[1-4])" + _RIGHT),
        ("day_month_dot", _LEFT + r"(?P<day>[0-3]?\d)\.(?P<month>0[1-9]|1[0-2])\.(?![\d.,]|\s?\d)"),
        ("day_month", _LEFT + rf"{day}{between}{month}{time}" + _RIGHT),
        ("month_day", _LEFT + rf"{month}\s+{day}{time}" + _RIGHT),
        ("day_month", _LEFT + rf"{spelled_day}{between}{month}" + _RIGHT),
        ("month_day", _LEFT + rf"{month}\s+{spelled_day}" + _RIGHT),
        (
            "weekday_day",
            _LEFT + rf"(?P<weekday>{_L}{{2,}})\.?,?\s+(?:the\s+)?(?P<day>[0-3]?\d(?:st|nd|rd|th)|{ORDINAL})" + _RIGHT,
        ),
        ("month_year", _LEFT + rf"{month}{between}{_YEAR4}{year_word}" + _RIGHT),
        ("numeric_month_year", _LEFT + r"(?P<month>0?[1-9]|1[0-2])(?P<sep>[/.])(?P<year>(?:19|20)\d\d)" + _RIGHT),
        ("year_month", _LEFT + r"(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])" + _RIGHT),
        (
            "year",
            r"(?:(?<![\w©])(?:в|in|year|of)\s+(?P<year>(?:19|20)\d\d)(?:\s*(?:г\.|года\b|году\b|год\b))?"
            r"|(?<![\w.,/:\-©])(?P<year2>(?:19|20)\d\d)\s*г\.)" + r"(?![\w\-/])",
        ),
        ("compact", _LEFT + r"(?P<first>[0-3]\d)(?P<second>[01]\d)(?P<year>(?:19|20)\d\d)" + _RIGHT),
        ("compact", _LEFT + r"(?P<year>(?:19|20)\d\d)(?P<month>[01]\d)(?P<day>[0-3]\d)" + _RIGHT),
        ("numeric_day_month", _LEFT + r"(?P<first>[0-3]?\d)(?P<sep>[./])(?P<second>[01]?\d)" + _RIGHT),
    ]
    at_name = (_LEFT + month, _LEFT + "(?P<weekday>")
    return tuple(
        _Form(form, re.compile(pattern), _needs(form, pattern), pattern.startswith(at_name))
        for form, pattern in patterns
    )


def _needs(form: str, pattern: str) -> str:
    if "(?P<day>" + ORDINAL in pattern:
        return "ordinal"
    if form in _NAMED:
        return "named"
    if form.startswith("quarter") or form == "year_quarter":
        return "quarter"
    return {"cjk": "cjk", "compact": "dated", "numeric_day_month": "dated"}.get(form, "")


@cache
def _quarter_words() -> re.Pattern[str]:
    names = cldr.names(cldr.languages())
    prefixes = _words(list(names.quarter_prefixes))
    return re.compile(rf"(?:{_words(list(names.quarter_words))})|(?<!{_L})(?:{prefixes})\s?[1-4]")


_CYRILLIC, _LATIN = "а-яёіїєўқңғүұөһә", "a-z"
_GLUED = re.compile(
    rf"(?<=\d)(?=[^\W\d_]{{3}})|(?<=[^\W\d_]{{2}})(?=\d)"
    rf"|(?<=[{_CYRILLIC}]{{3}})(?=[{_LATIN}]{{3}})|(?<=[{_LATIN}]{{3}})(?=[{_CYRILLIC}]{{3}})"
)


_WORD_BEFORE = re.compile(rf"{_L}+$")
_DATE_AFTER = re.compile(r"\d{1,4}\s?[./\-]\s?\d")


def _unglued(folded: cldr.Folded, names: cldr.Names) -> cldr.Folded:
    """A space between a number and a word of three letters or more glued to it: "21/05/2018time:", "date11".

    Letters before a number are cut from it only where the number goes on as
    a date ("от12.03.2023") or the letters are a label or a month's or a
    weekday's name ("date11", "Чт20 апр."): "HS2 may run" is a name, not the 2nd of May.
    """
    text, origin = folded.text, list(folded.origin)
    cuts = [m.start() for m in _GLUED.finditer(text) if _cut(text, m.start(), names)]
    if not cuts:
        return folded
    parts, positions, last = [], [], 0
    for cut in cuts:
        parts += [text[last:cut], " "]
        positions += [*origin[last:cut], origin[cut]]
        last = cut
    parts.append(text[last:])
    positions += origin[last:]
    return cldr.Folded("".join(parts), tuple(positions))


def _cut(text: str, cut: int, names: cldr.Names) -> bool:
    if not text[cut].isdigit():
        return True
    word = _WORD_BEFORE.search(text, 0, cut)
    if word is None or _DATE_AFTER.match(text, cut):
        return True
    word_text = word.group()
    return (
        bool(_LABEL.fullmatch(word_text))
        or _month_of(word_text, names) is not None
        or (_weekday_of(word_text, names) is not None)
    )


def _weekday_before(source: str, start: int, names: cldr.Names) -> tuple[int, int | None]:
    """Where a mention starts and the weekday it names, if one stands just before it ("Mon, 4 Sep")."""
    found = _WEEKDAY_BEFORE.search(source[max(0, start - 24) : start])
    if found is None:
        return start, None
    weekday = _weekday_of(found.group(1), names)
    if weekday is None:
        return start, None
    return start - len(found.group()), weekday


def month_number(word: str, locales: tuple[str, ...] = DEFAULT_LOCALES) -> int | None:
    """The month a word names in ``locales`` (or, for a wide name, in any language), allowing OCR's errors."""
    return _month_of(cldr.fold_word(word), cldr.names(tuple(locales)))


def _month_of(word: str, names: cldr.Names) -> int | None:
    word = word.rstrip(".")
    candidates = _month_candidates(word, names)
    return next(iter(candidates)) if candidates is not None and len(candidates) == 1 else None


def _month_candidates(word: str, names: cldr.Names) -> frozenset[int] | None:
    if word in names.months:
        return names.months[word]
    if word in names.spelled_months:
        return frozenset({names.spelled_months[word]})
    if word in names.month_starts:
        return names.month_starts[word]
    if len(word) > 3 and word[1:] in names.months and word[0] in _glued_letters():
        # A pattern's letter written onto the month: Hebrew's "d בMMMM y" ("23 בינואר").
        return names.months[word[1:]]
    # A case ending CLDR does not list ("в январе", "в марте") or that OCR changed ("июли"):
    # one or two vowels after the start of a single month's name.
    for cut in (1, 2):
        stem, ending = word[:-cut], word[-cut:]
        if len(stem) >= 3 and re.fullmatch(r"[aeiouyаеёиоуыэюяьй]+", ending) and stem in names.month_starts:
            return names.month_starts[stem]
    alike = names.month_skeletons.get(cldr.skeleton(word))
    if alike:
        return alike
    if len(word) >= NEAR_LETTERS:
        near = _nearest_months(word, names, 1)
        if near:
            return near
    return cldr.named_anywhere().get(word)


def _far_month(word: str, names: cldr.Names) -> int | None:
    """The month a long word names with two letters misread (``инзаря`` for ``января``), where only one is that near.

    Only in a whole date (a day, the month, a year): there the word can
    hardly be anything but a month, and OCR of small type confuses two
    letters of six (``28 инзаря 2023``).
    """
    word = word.rstrip(".")
    if len(word) < NEAR_LETTERS:
        return None
    near = _nearest_months(word, names, 2)
    return next(iter(near)) if len(near) == 1 else None


def _nearest_months(word: str, names: cldr.Names, edits: int) -> frozenset[int]:
    """The months whose long names are nearest ``word``, at most ``edits`` letters changed, added or dropped."""
    distances = {
        form: Levenshtein.distance(word, form, score_cutoff=edits) for form in names.months if len(form) >= NEAR_LETTERS
    }
    nearest = min(distances.values(), default=edits + 1)
    if nearest > edits:
        return frozenset()
    return frozenset(n for form, distance in distances.items() if distance == nearest for n in names.months[form])


@cache
def _glued_letters() -> frozenset[str]:
    written = cldr.pattern_words()
    return frozenset(word for word in written.after_day | written.between if len(word) == 1 and not word.isascii())


def _weekday_of(word: str, names: cldr.Names) -> int | None:
    word = word.strip(" ,.")
    numbers = names.weekdays.get(word)
    if numbers is None:
        numbers = names.weekday_skeletons.get(cldr.skeleton(word))
    return next(iter(numbers)) if numbers and len(numbers) == 1 else None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: 00-69 are this century, 70-99 the last.
        year += 2000 if year < 70 else 1900
    return year


def _valid(year: int, month: int | None, day: int) -> bool:
    return (
        EARLIEST_YEAR <= year <= LATEST_YEAR
        and month is not None
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(year, month)[1]
    )


def _number(text: str) -> int | None:
    """A day or a quarter, as digits, an ordinal word or a Roman numeral up to IV."""
    text = text.strip()
    digits = re.match(r"\d+", text)
    if digits:
        return int(digits.group())
    return {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(text) or ordinal_value(text)


def _day_reading(year: int, month: int, day: int, match: re.Match[str], names: cldr.Names, order: str = "") -> Reading:
    start = datetime(year, month, day)  # noqa: DTZ001 - a local calendar day; the zone is stated by the caller
    groups = match.groupdict()
    if groups.get("hour") is not None:
        hours = int(groups["hour"])
        ampm = groups.get("ampm") or ""
        if ampm in names.pm and hours < 12:
            hours += 12
        elif ampm in names.am and hours == 12:
            hours = 0
        start = start.replace(hour=hours, minute=int(groups["minute"]))
        return Reading(start, start + timedelta(minutes=1), "minute", order)
    return Reading(start, start + timedelta(days=1), "day", order)


def _month_reading(year: int, month: int, months: int = 1, granularity: str = "month") -> Reading | None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    start = datetime(year, month, 1)  # noqa: DTZ001
    last = month + months - 1
    end = datetime(year + last // 12, last % 12 + 1, 1)  # noqa: DTZ001
    return Reading(start, end, granularity)


Readings = tuple[tuple[Reading, ...], dict]


def _readings(form: str, match: re.Match[str], names: cldr.Names, source: str) -> Readings:
    groups = match.groupdict()
    month: int | None = None
    if groups.get("month") is not None:
        text = groups["month"]
        month = int(text) if text.isdigit() else _month_of(text, names)
        if month is None and form in ("day_month_year", "month_day_year"):
            month = _far_month(text, names)
        if month is None:
            return (), {}
    day = _number(groups["day"]) if groups.get("day") is not None else None
    if form in ("numeric", "compact") and groups.get("first") is not None:
        return _numeric(match, names), {}
    if form == "numeric_day_month":
        return (), _day_month(int(groups["first"]), int(groups["second"]), groups["sep"])
    if form in ("quarter", "quarter_first", "year_quarter"):
        quarter = _number(groups["quarter"])
        if quarter is None or not 1 <= quarter <= 4:
            return (), {}
        reading = _month_reading(int(groups["year"]), 3 * quarter - 2, 3, "quarter")
        return ((reading,) if reading else ()), {}
    if form in ("month_year", "numeric_month_year", "year_month"):
        reading = _month_reading(int(groups["year"]), month) if month else None
        return ((reading,) if reading else ()), {}
    if form == "year":
        year = int(groups.get("year") or groups["year2"])
        reading = _month_reading(year, 1, 12, "year")
        return ((reading,) if reading else ()), {}
    if day is None:
        return (), {}
    if form in ("day_range", "month_range"):
        return _range(match, month, day, names)
    if form in ("day_month", "month_day", "day_month_dot", "weekday_day"):
        if not 1 <= day <= 31 or (form == "weekday_day" and not _weekday_day(match, names)):
            return (), {}
        return (), {"day": day, "month": month, "weekday": _weekday(match, names)}
    year_text = groups["year"]
    if len(year_text) == 2 and not _two_digit_year_fits(match, source):
        return (), {}
    year = _year(year_text)
    return ((_day_reading(year, month, day, match, names),) if _valid(year, month, day) else ()), {}


def _two_digit_year_fits(match: re.Match[str], source: str) -> bool:
    """ "05 May 18", "04-SEP-23": a two-digit year after a month's name needs a two-digit day or dashes.

    And no word after it: "5 May 18 people" counts people.
    """
    groups = match.groupdict()
    dashed = "-" in source[match.end("month") : match.start("year")]
    if not (dashed or len(groups["day"]) == 2):
        return False
    return not re.match(r"\s+[^\W\d_]", source[match.end() :])


def _weekday_day(match: re.Match[str], names: cldr.Names) -> bool:
    """ "Tuesday 19th": a weekday before a day with an ordinal ending, or a wide weekday name."""
    word = match.group("weekday")
    return _weekday_of(word, names) is not None and (not match.group("day").isdigit() or len(word) >= 5)


def _numeric(match: re.Match[str], names: cldr.Names) -> tuple[Reading, ...]:
    groups = match.groupdict()
    sep = groups.get("sep") or ""
    if len(groups["year"]) == 2 and sep != "/" and (len(groups["first"]) < 2 or len(groups["second"]) < 2):
        # "3.12.10" is a version number far more often than a date; "03.12.10" and "9/4/23" are dates.
        return ()
    first, second, year = int(groups["first"]), int(groups["second"]), _year(groups["year"])
    options = []
    if _valid(year, second, first):
        options.append(_day_reading(year, second, first, match, names, "day_first"))
    # Month-first is an American habit with slashes (and dashes, when the day-first
    # reading is impossible: 09-13-2023); dotted dates are day-first.
    month_first = sep in ("/", "") or (sep == "-" and not options)
    if month_first and first != second and _valid(year, first, second):
        options.append(_day_reading(year, first, second, match, names, "month_first"))
    return tuple(options)


def _day_month(first: int, second: int, sep: str) -> dict:
    """A day and month without a year ("15/2", "15.02"): only when one reading is possible, or dotted (day first)."""
    if sep == "." or second <= 12 < first:
        day, month = first, second
    elif sep == "/" and first <= 12 < second:
        day, month = second, first
    else:
        return {}
    return {"day": day, "month": month} if 1 <= month <= 12 and 1 <= day <= 31 else {}


def _range(match: re.Match[str], month: int | None, day: int, names: cldr.Names) -> Readings:
    """ "13-15 July 2023", "July 13-15": one mention over both ends."""
    last = _number(match.group("day2"))
    if month is None or last is None or not day < last <= 31:
        return (), {}
    if match.groupdict().get("year") is None:
        return (), {"day": day, "month": month, "until": (month, last)}
    year = int(match.group("year"))
    if not (_valid(year, month, day) and _valid(year, month, last)):
        return (), {}
    start = datetime(year, month, day)  # noqa: DTZ001
    return (Reading(start, datetime(year, month, last) + timedelta(days=1), "day"),), {}  # noqa: DTZ001


def _weekday(match: re.Match[str], names: cldr.Names) -> int | None:
    word = match.groupdict().get("weekday")
    return _weekday_of(word, names) if word else None


def _not_a_year(text: str, start: int, end: int) -> bool:
    """ "2015-2023", "of 2000 people": a span of years or a count ("2023 году" is still a year)."""
    after = text[end:]
    counted = re.match(r"\s+[^\W\d_]", after) and not re.match(r"\s*(?:г\.|года|году|год)\b", after)
    return bool(_is_range(text, start, end) or counted)


def _is_range(text: str, start: int, end: int) -> bool:
    """Year ranges such as 2015–2023 (copyright lines, spans of years) name no single date."""
    return bool(re.search(r"\d\s*-\s*$", text[max(0, start - 8) : start]) or re.match(r"^\s*-\s*\d", text[end:]))


_RANGE_JOIN = re.compile(r"^\s*(?:[-–—]|to|по)\s*$", re.IGNORECASE)


def _joined_ranges(mentions: list[DateMention], text: str) -> list[DateMention]:
    """Two mentions joined by a dash ("14.10. - 15.10.2018", "8 авг - 12 авг") as one mention over both ends."""
    joined: list[DateMention] = []
    for mention in mentions:
        previous = joined[-1] if joined else None
        if previous is not None and _RANGE_JOIN.match(text[previous.end : mention.start]):
            merged = _merged(previous, mention, text)
            if merged is not None:
                joined[-1] = merged
                continue
        joined.append(mention)
    return joined


def _merged(first: DateMention, last: DateMention, text: str) -> DateMention | None:
    span = {"text": text[first.start : last.end], "start": first.start, "end": last.end, "form": "range"}
    if not first.has_year and first.day is not None and first.month is not None:
        if last.has_year and len(last.readings) == 1 and last.readings[0].granularity in ("day", "minute"):
            end = last.readings[0]
            for year in (end.start.year, end.start.year - 1):
                if _valid(year, first.month, first.day) and datetime(year, first.month, first.day) <= end.start:  # noqa: DTZ001
                    start = datetime(year, first.month, first.day)  # noqa: DTZ001
                    end_day = end.start.replace(hour=0, minute=0)
                    return DateMention(**span, readings=(Reading(start, end_day + timedelta(days=1), "day"),))
            return None
        if not last.has_year and last.day is not None and last.month is not None and last.until is None:
            return DateMention(**span, readings=(), day=first.day, month=first.month, until=(last.month, last.day))
        return None
    if first.has_year and last.has_year and len(first.readings) == len(last.readings) == 1:
        start, end = first.readings[0], last.readings[0]
        if start.granularity == end.granularity == "day" and start.start < end.start <= start.start + timedelta(366):
            return DateMention(**span, readings=(Reading(start.start, end.end, "day"),))
    return None


def settle_order(
    mentions: list[DateMention], locale: str | None = None, *, languages: tuple[str, ...] = ()
) -> list[DateMention]:
    """Drop the reading that the screen or the locale rules out for numeric dates that read two ways.

    A date on the same screen that reads only one way (``13/09/2023``) settles
    the order for the others; failing that, the device ``locale``'s CLDR short
    date pattern does (``M/d/yy`` for en-US is month first, ``dd/MM/y`` for
    en-GB day first); failing that, the screen's ``languages`` do when each
    writes dates the same one way in every country (Russian, Turkish; not
    English); failing that, both readings stay.
    """
    orders = {r.order for m in mentions if len(m.readings) == 1 for r in m.readings}
    orders.discard("")
    order = orders.pop() if len(orders) == 1 else None
    how = "as another date on the screen"
    if order is None and locale:
        order = cldr.numeric_order(locale)
        how = f"as {locale}'s short date pattern writes it"
    if order is None and languages:
        spoken = {cldr.numeric_order_everywhere(language) for language in languages}
        order = spoken.pop() if len(spoken) == 1 else None
        written = " or ".join(cldr.language_name(language) for language in languages)
        how = f"as the screen's language ({written}) writes dates in every country"
    if order not in ("day_first", "month_first"):
        return mentions
    settled = []
    for mention in mentions:
        if len(mention.readings) == 2 and {r.order for r in mention.readings} == {"day_first", "month_first"}:
            kept = tuple(r for r in mention.readings if r.order == order)
            note = f"read {order.replace('_', ' ')}, {how}"
            mention = replace(mention, readings=kept, notes=(*mention.notes, note))
        settled.append(mention)
    return settled


def resolve_year(mention: DateMention, not_after: datetime) -> tuple[Reading, str] | None:
    """For a day and month without a year: the latest such date not after ``not_after``.

    With a weekday (``Mon 4 Sep``), the latest year in which that day falls on
    that weekday, within seven years. A range (``July 13-15``) is placed by
    its last day. A weekday and a day without a month (``Tuesday 19th``) is
    the latest such day within a year and a half. Returns the reading and a
    sentence that says how the year was chosen, or None when no year fits.
    """
    if mention.day is None:
        return None
    if mention.month is None:
        return _month_and_year(mention, not_after)
    end_month, end_day = mention.until or (mention.month, mention.day)
    for year in range(not_after.year, not_after.year - 8, -1):
        start_year = year - (end_month < mention.month)
        if not (_valid(start_year, mention.month, mention.day) and _valid(year, end_month, end_day)):
            continue
        start = datetime(start_year, mention.month, mention.day)  # noqa: DTZ001
        last = datetime(year, end_month, end_day)  # noqa: DTZ001
        if last.date() > not_after.date():
            continue
        if mention.weekday is not None and start.weekday() != mention.weekday:
            continue
        how = f"year {year} assumed: the latest {last:%d %B} not after {not_after:%Y-%m-%d}"
        if mention.weekday is not None:
            how += f" that falls on a {start:%A}"
        return Reading(start, last + timedelta(days=1), "day"), how
    return None


def _month_and_year(mention: DateMention, not_after: datetime) -> tuple[Reading, str] | None:
    if mention.weekday is None or mention.day is None:
        return None
    year, month = not_after.year, not_after.month
    for _ in range(18):
        if _valid(year, month, mention.day):
            start = datetime(year, month, mention.day)  # noqa: DTZ001
            if start.date() <= not_after.date() and start.weekday() == mention.weekday:
                how = f"month and year assumed: the latest {start:%A} the {start.day} not after {not_after:%Y-%m-%d}"
                return Reading(start, start + timedelta(days=1), "day"), how
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None
