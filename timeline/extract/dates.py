"""Dates written in text, in Russian and English. Plain functions, no Django.

``find_dates(text)`` returns every date mention with its span and its readings
(a numeric date such as ``04/09/2023`` can have two). Things that look like
dates but are not (prices, versions, phone numbers, build numbers, copyright
ranges, durations, counters) are left out, and relative phrases ("2 часа
назад", "yesterday") are never turned into dates.

A reading is a local calendar interval [start, end) with its granularity; the
time zone is not known from the text, and callers state what they assume.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

EARLIEST_YEAR = 1990
LATEST_YEAR = 2100

# Month names by their stems and abbreviations, in every grammatical form:
# a word is a month when it starts with a stem and is one of the forms listed.
_RU_MONTHS = {
    1: ("январь", "января", "январе", "янв"),
    2: ("февраль", "февраля", "феврале", "фев", "февр"),
    3: ("март", "марта", "марте", "мар"),
    4: ("апрель", "апреля", "апреле", "апр"),
    5: ("май", "мая", "мае"),
    6: ("июнь", "июня", "июне", "июн"),
    7: ("июль", "июля", "июле", "июл"),
    8: ("август", "августа", "августе", "авг"),
    9: ("сентябрь", "сентября", "сентябре", "сен", "сент"),
    10: ("октябрь", "октября", "октябре", "окт"),
    11: ("ноябрь", "ноября", "ноябре", "ноя", "нояб"),
    12: ("декабрь", "декабря", "декабре", "дек"),
}
_EN_MONTHS = {
    1: ("january", "jan"),
    2: ("february", "feb"),
    3: ("march", "mar"),
    4: ("april", "apr"),
    5: ("may",),
    6: ("june", "jun"),
    7: ("july", "jul"),
    8: ("august", "aug"),
    9: ("september", "sep", "sept"),
    10: ("october", "oct"),
    11: ("november", "nov"),
    12: ("december", "dec"),
}
MONTHS: dict[str, int] = {
    form: number for table in (_RU_MONTHS, _EN_MONTHS) for number, forms in table.items() for form in forms
}
# OCR mixes Cyrillic and Latin letters that look alike ("anp." for "апр.",
# "Мау" for "May"): words are compared by a skeleton in which they are the same.
_LOOKALIKES = str.maketrans("авекмнорстухпгиь", "abekmhopctyxnrub")
_SKELETONS: dict[str, int] = {form.translate(_LOOKALIKES): number for form, number in MONTHS.items()}
_MONTH = r"(?P<{name}>[^\W\d_]{{3,9}})\.?"
_WEEKDAY = (
    r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?|"
    r"пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|среду|четверг|пятница|пятницу|суббота|субботу|воскресенье)\.?,?\s*"
)
_TIME = r"(?:(?:,\s*|\s+|\s+(?:в|at)\s+)(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)(?:\s*(?P<ampm>am|pm))?)?"
_YEAR_WORD = r"(?:\s*(?:г\.|г\b|года\b|году\b|год\b))?"
# A number must not touch other digits, separators or currency signs.
_LEFT = r"(?<![\w.,/:+\-–$€£₽])"
_RIGHT = r"(?![\w/:\-–$€£₽%]|[.,]\d)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "day_month_year",
        re.compile(
            _LEFT
            + rf"(?P<weekday>{_WEEKDAY})?(?P<day>[0-3]?\d)(?:st|nd|rd|th|-?го|-?е)?(?:\s+of)?[\s\-]*"
            + rf"{_MONTH.format(name='month')},?[\s\-]+(?P<year>(?:19|20)\d\d){_YEAR_WORD}{_TIME}"
            + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "month_day_year",
        re.compile(
            _LEFT
            + rf"(?P<weekday>{_WEEKDAY})?{_MONTH.format(name='month')}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+"
            + rf"(?P<year>(?:19|20)\d\d){_TIME}"
            + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "iso",
        re.compile(
            _LEFT
            + r"(?P<year>(?:19|20)\d\d)(?P<sep>[-./])(?P<month>[01]?\d)(?P=sep)(?P<day>[0-3]?\d)"
            + r"(?:[T\s,]+(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?"
            + _RIGHT,
        ),
    ),
    (
        "year_month_day",
        re.compile(
            _LEFT + rf"(?P<year>(?:19|20)\d\d)\s+{_MONTH.format(name='month')}\s+(?P<day>[0-3]?\d)" + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "numeric",
        re.compile(
            _LEFT
            + r"(?P<first>[0-3]?\d)(?P<sep>[./\-])(?P<second>[01]?\d)(?P=sep)(?P<year>(?:19|20)\d\d|\d\d)"
            + r"(?:\s*(?:г\.|г\b))?"
            + r"(?:(?:,\s*|\s+)(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::[0-5]\d)?)?"
            + _RIGHT,
        ),
    ),
    (
        "day_month",
        re.compile(
            _LEFT + rf"(?P<weekday>{_WEEKDAY})?(?P<day>[0-3]?\d)\s+{_MONTH.format(name='month')}{_TIME}" + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "month_day",
        re.compile(
            _LEFT
            + rf"(?P<weekday>{_WEEKDAY})?{_MONTH.format(name='month')}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?{_TIME}"
            + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "month_year",
        re.compile(
            _LEFT + rf"{_MONTH.format(name='month')}\s+(?P<year>(?:19|20)\d\d){_YEAR_WORD}" + _RIGHT,
            re.IGNORECASE,
        ),
    ),
    (
        "year",
        re.compile(
            r"(?:(?<![\w©])(?:в|in|year|of)\s+(?P<year>(?:19|20)\d\d)(?:\s*(?:г\.|года\b|году\b|год\b))?"
            r"|(?<![\w.,/:\-–©])(?P<year2>(?:19|20)\d\d)\s*(?:г\.|года\b|году\b|год\b))" + r"(?![\w\-–/])",
            re.IGNORECASE,
        ),
    ),
]
# Words around a number that make it something other than a date.
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:[$€£₽©#№]|\(c\)|(?<![\w])(?:copyright|v|ver\.?|version|версия|build|сборка|тел\.?|tel\.?|phone|id))\s*$",
    re.IGNORECASE,
)
_NOT_A_DATE_AFTER = re.compile(r"^\s*(?:[$€£₽%₸×]|(?:руб|usd|eur|rub|грн)\b|р\.|x\b)", re.IGNORECASE)
# Words before a date that point ahead: a deadline or a plan bounds nothing.
_FUTURE_BEFORE = re.compile(
    r"(?<![\w])(?:до|к|по|until|till|by|through|deadline|срок|планиру\w*|will|to be)\s*$", re.IGNORECASE
)
_WEEKDAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6,
    "понедельник": 0, "вторник": 1, "среда": 2, "среду": 2, "четверг": 3,
    "пятница": 4, "пятницу": 4, "суббота": 5, "субботу": 5, "воскресенье": 6,
}  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """One way to read a mention: the local interval [start, end) it names."""

    start: datetime
    end: datetime
    granularity: str  # "minute", "day", "month" or "year"
    order: str = ""  # for numeric dates: "day_first" or "month_first"


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    form: str
    readings: tuple[Reading, ...]
    # For a day and month without a year: the day, month and weekday to resolve later.
    day: int | None = None
    month: int | None = None
    weekday: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_year(self) -> bool:
        return bool(self.readings)


def month_number(word: str) -> int | None:
    """The month a word names, allowing OCR's look-alike letters and, in long names, one wrong letter."""
    word = word.lower().rstrip(".")
    if word in MONTHS:
        return MONTHS[word]
    skeleton = word.translate(_LOOKALIKES)
    if skeleton in _SKELETONS:
        return _SKELETONS[skeleton]
    if len(skeleton) >= 6:
        near = {n for form, n in _SKELETONS.items() if len(form) >= 6 and _one_edit(skeleton, form)}
        if len(near) == 1:
            return near.pop()
    return None


def _one_edit(a: str, b: str) -> bool:
    """Whether two words differ by one substituted, added or dropped letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: 00-69 are this century, 70-99 the last.
        year += 2000 if year < 70 else 1900
    return year


def _valid(year: int, month: int, day: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _day_reading(year: int, month: int, day: int, match: re.Match[str], order: str = "") -> Reading:
    start = datetime(year, month, day)  # noqa: DTZ001 - a local calendar day; the zone is stated by the caller
    hour = match.groupdict().get("hour")
    if hour is not None:
        hours = int(hour)
        ampm = (match.groupdict().get("ampm") or "").lower()
        if ampm == "pm" and hours < 12:
            hours += 12
        elif ampm == "am" and hours == 12:
            hours = 0
        start = start.replace(hour=hours, minute=int(match.group("minute")))
        return Reading(start, start + timedelta(minutes=1), "minute", order)
    return Reading(start, start + timedelta(days=1), "day", order)


def _weekday(match: re.Match[str]) -> int | None:
    word = (match.groupdict().get("weekday") or "").strip(" ,.").lower()
    return _WEEKDAYS.get(word[:3]) if word[:3] in _WEEKDAYS else _WEEKDAYS.get(word)


def _readings(form: str, match: re.Match[str]) -> tuple[tuple[Reading, ...], dict[str, int | None]]:
    groups = match.groupdict()
    if groups.get("month") and not groups["month"].isdigit() and month_number(groups["month"]) is None:
        return (), {}
    if form in ("day_month_year", "month_day_year", "year_month_day"):
        year, month, day = int(groups["year"]), month_number(groups["month"]), int(groups["day"])
        return ((_day_reading(year, month, day, match),) if _valid(year, month, day) else ()), {}
    if form == "iso":
        year, month, day = int(groups["year"]), int(groups["month"]), int(groups["day"])
        return ((_day_reading(year, month, day, match),) if _valid(year, month, day) else ()), {}
    if form == "numeric":
        if len(groups["year"]) == 2 and (len(groups["first"]) < 2 or len(groups["second"]) < 2):
            # "3.12.10" is a version number far more often than a date; "03.12.10" is a date.
            return (), {}
        first, second, year = int(groups["first"]), int(groups["second"]), _year(groups["year"])
        options = []
        if _valid(year, second, first):
            options.append(_day_reading(year, second, first, match, "day_first"))
        # Month-first is an American habit with slashes (and dashes, when the day-first
        # reading is impossible: 09-13-2023); dotted dates are day-first.
        month_first = groups["sep"] == "/" or (groups["sep"] == "-" and not options)
        if month_first and first != second and _valid(year, first, second):
            options.append(_day_reading(year, first, second, match, "month_first"))
        return tuple(options), {}
    if form in ("day_month", "month_day"):
        month, day = month_number(groups["month"]), int(groups["day"])
        if not 1 <= day <= 31:
            return (), {}
        return (), {"day": day, "month": month, "weekday": _weekday(match)}
    if form == "month_year":
        year, month = int(groups["year"]), month_number(groups["month"])
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            return (), {}
        start = datetime(year, month, 1)  # noqa: DTZ001
        end = datetime(year + (month == 12), month % 12 + 1, 1)  # noqa: DTZ001
        return (Reading(start, end, "month"),), {}
    year = int(groups.get("year") or groups["year2"])
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return (), {}
    return (Reading(datetime(year, 1, 1), datetime(year + 1, 1, 1), "year"),), {}  # noqa: DTZ001


def find_dates(text: str) -> list[DateMention]:
    """Every date mention in ``text``, longest forms first, never overlapping."""
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for form, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            before = text[max(0, start - 14) : start]
            if (
                _NOT_A_DATE_BEFORE.search(before)
                or _NOT_A_DATE_AFTER.match(text[end:])
                or _FUTURE_BEFORE.search(before)
            ):
                continue
            if form == "year" and _not_a_year(text, start, end):
                continue
            readings, partial = _readings(form, match)
            if not readings and not partial:
                continue
            taken.append((start, end))
            mentions.append(DateMention(match.group(0).strip(), start, end, form, readings, **partial))
    return sorted(mentions, key=lambda m: m.start)


def _not_a_year(text: str, start: int, end: int) -> bool:
    """ "2015-2023", "of 2000 people": a span of years or a count ("2023 году" is still a year)."""
    after = text[end:]
    counted = re.match(r"\s+[^\W\d_]", after) and not re.match(r"\s*(?:г\.|года|году|год)\b", after, re.IGNORECASE)
    return bool(_is_range(text, start, end) or counted)


def _is_range(text: str, start: int, end: int) -> bool:
    """Year ranges such as 2015–2023 (copyright lines, spans of years) name no single date."""
    return bool(
        re.search(r"\d\s*[-–—]\s*$", text[max(0, start - 8) : start]) or re.match(r"^\s*[-–—]\s*\d", text[end:])
    )


def settle_order(mentions: list[DateMention], locale: str | None = None) -> list[DateMention]:
    """Drop the reading that the screen rules out for numeric dates that read two ways.

    A date on the same screen that reads only one way (``13/09/2023``) settles
    the order for the others; failing that, a locale does ("en-US" month first,
    anything else day first); failing that, both readings stay.
    """
    orders = {r.order for m in mentions if m.form == "numeric" and len(m.readings) == 1 for r in m.readings}
    orders.discard("")
    order = orders.pop() if len(orders) == 1 else None
    if order is None and locale:
        order = "month_first" if locale.lower() in ("en-us", "us") else "day_first"
    if order is None:
        return mentions
    settled = []
    for mention in mentions:
        if mention.form == "numeric" and len(mention.readings) == 2:
            kept = tuple(r for r in mention.readings if r.order == order)
            mention = replace(mention, readings=kept, notes=(*mention.notes, f"read {order.replace('_', ' ')}"))
        settled.append(mention)
    return settled


def resolve_year(mention: DateMention, not_after: datetime) -> tuple[Reading, str] | None:
    """For a day and month without a year: the latest such date not after ``not_after``.

    With a weekday (``Mon 4 Sep``), the latest year in which that day falls on
    that weekday, within seven years. Returns the reading and a sentence that
    says how the year was chosen, or None when no year fits.
    """
    if mention.day is None or mention.month is None:
        return None
    for year in range(not_after.year, not_after.year - 8, -1):
        if not _valid(year, mention.month, mention.day):
            continue
        start = datetime(year, mention.month, mention.day)  # noqa: DTZ001
        if start.date() > not_after.date():
            continue
        if mention.weekday is not None and start.weekday() != mention.weekday:
            continue
        how = f"year {year} assumed: the latest {start:%d %B} not after {not_after:%Y-%m-%d}"
        if mention.weekday is not None:
            how += f" that falls on a {start:%A}"
        return Reading(start, start + timedelta(days=1), "day"), how
    return None
