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
_HMS = r"(?P<H>[0-2]\d)[.\-_:]?(?P<M>[0-5]\d)(?:[.\-_:]?(?P<S>[0-5]\d))?"
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
    ("date and time", re.compile(rf"(?<!\d){_Y}[-_]?{_M}[-_]?{_D}[ _T-]{_HMS}(?!\d)")),
    ("date", re.compile(rf"(?<!\d){_Y}-{_M}-{_D}(?!\d)")),
]
_URL_DATE = re.compile(r"(?:/|\bdate=)(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]\d)(?:[/-](?P<d>[0-3]\d))?(?=[/?#._-]|$)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s\"'<>]+|\b[a-z0-9.-]+\.[a-z]{2,}/[^\s\"'<>]+", re.IGNORECASE)


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
    """Dates in the paths of URLs found in ``text`` (``/2023/09/04/``, ``/2023-09-04-``, ``?date=``)."""
    found = []
    for url in _URL.finditer(text):
        for match in _URL_DATE.finditer(url.group(0)):
            date = _build(match, "date in a URL")
            if date:
                found.append(NameDate(url.group(0), date.start, date.end, date.granularity, date.how))
                break
    return found
