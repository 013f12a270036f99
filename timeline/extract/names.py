"""Dates in file names and URLs. Plain functions, no Django.

Screenshot and camera tools write the capture time into the file name; news
sites write the publication date into the article's path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from timeline.extract.dates import EARLIEST_YEAR, LATEST_YEAR

_Y, _M, _D = r"(?P<y>(?:19|20)\d\d)", r"(?P<m>[01]\d)", r"(?P<d>[0-3]\d)"
_HMS = r"(?P<H>[0-2]?\d)[.\-_:]?(?P<M>[0-5]\d)(?:[.\-_:]?(?P<S>[0-5]\d))?(?:\s?(?P<ampm>[AaPp][Mm])\b)?"
# Tools and the names they give, most specific first.
_FILE_NAMES: list[tuple[str, re.Pattern[str]]] = [
    (
        "screenshot tool",
        re.compile(
            rf"(?:screenshot|screen shot|screen recording|снимок экрана|запись экрана|скриншот)[ _-]*"
            rf"(?:from[ _])?{_Y}-{_M}-{_D}(?:[ _-]+(?:at|в|à)?[ _]*{_HMS})?",
            re.IGNORECASE,
        ),
    ),
    (
        "messenger",
        re.compile(
            rf"(?:whatsapp (?:image|video)|photo|video|signal|telegram)[ _-]*{_Y}-{_M}-{_D}"
            rf"(?:[ _-]+(?:at[ _]+)?{_HMS})?",
            re.IGNORECASE,
        ),
    ),
    ("camera", re.compile(rf"(?:IMG|VID|PXL|MVIMG|Screenshot|Record)[_-]{_Y}{_M}{_D}[_-]{_HMS}", re.IGNORECASE)),
    ("WhatsApp", re.compile(rf"(?:IMG|VID|AUD|PTT)-{_Y}{_M}{_D}-WA\d+", re.IGNORECASE)),
    ("date and time", re.compile(rf"(?<!\d){_Y}[-_]?{_M}[-_]?{_D}[ _T-]{_HMS}(?!\d)")),
    ("date", re.compile(rf"(?<!\d){_Y}-{_M}-{_D}(?!\d)")),
]
_URL_DATES = [
    re.compile(r"(?:/|\bdate=)(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)(?:[/-](?P<d>[0-3]\d))?(?=[/?#._-]|$)"),
    re.compile(r"/(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?=[/?#._-]|$)"),  # ria.ru/20230904/
    re.compile(r"/(?P<d>[0-3]\d)/(?P<m>[01]\d)/(?P<y>20\d\d)(?=[/?#._-]|$)"),  # rbc.ru/.../04/09/2023/
]
# A URL is a run of non-space characters that starts with a scheme, www. or a host and a path.
_URL = re.compile(r"(?:https?://|www\.|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)", re.IGNORECASE)
# A path's whole date (``org/2023/06/26/story``) after a host's or a path's letters, with a slash after it: an
# address bar read from a small picture, whose start OCR mangled (``hittpsy/news example, org/2023/06/26/...``).
_PATH_DATE = re.compile(rf"^[^\W\d_][\w.-]*(?:/[\w.-]+)*?/{_Y}/{_M}/{_D}/")


@dataclass(frozen=True)
class NameDate:
    text: str
    start: datetime
    end: datetime
    granularity: str
    how: str


def _build(match: re.Match[str], how: str) -> NameDate | None:
    groups = match.groupdict()
    year, month = int(groups["y"]), int(groups["m"])
    day = int(groups["d"]) if groups.get("d") else None
    try:
        start = datetime(year, month, day or 1)  # noqa: DTZ001 - local time; the caller states the zone
    except ValueError:
        return None
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    if day is None:
        end = datetime(year + (month == 12), month % 12 + 1, 1)  # noqa: DTZ001
        return NameDate(match.group(0), start, end, "month", how)
    if groups.get("H") is None:
        return NameDate(match.group(0), start, start + timedelta(days=1), "day", how)
    hour, minute = int(groups["H"]), int(groups["M"])
    ampm = (groups.get("ampm") or "").lower()
    if ampm and not 1 <= hour <= 12:
        return None
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23:
        return None
    start = start.replace(hour=hour, minute=minute)
    if groups.get("S") is not None:
        start = start.replace(second=int(groups["S"]))
        return NameDate(match.group(0), start, start + timedelta(seconds=1), "second", how)
    return NameDate(match.group(0), start, start + timedelta(minutes=1), "minute", how)


def file_name_date(name: str) -> NameDate | None:
    """The capture time a tool wrote into a file name, if there is one."""
    for how, pattern in _FILE_NAMES:
        match = pattern.search(name)
        if match:
            found = _build(match, how)
            if found:
                return found
    return None


def url_dates(text: str) -> list[NameDate]:
    """Dates in the paths of URLs found in ``text`` (``/2023/09/04/``, ``/20230904/``, ``?date=``)."""
    found = []
    # Split on spaces first: a pattern over the whole line could take quadratic time on long ones.
    for token in text.split():
        url = token.strip("\"'<>()[],;«»")
        if "/" not in url:
            continue
        # Not an address as written: only a path's whole date, as the end of a mangled one, counts.
        patterns = _URL_DATES if "." in url and _URL.match(url) else [_PATH_DATE]
        for pattern in patterns:
            match = pattern.search(url)
            date = _build(match, "date in a URL") if match else None
            if date:
                found.append(NameDate(url, date.start, date.end, date.granularity, date.how))
                break
    return found
