"""When an article was published, read from its page. Plain data, no Django.

A fact-checker who found the article behind a headline on screen pastes its
address; its page says when it was published, in ways its publisher chose:
schema.org ``datePublished`` in JSON-LD or microdata, Open Graph's
``article:published_time`` (read with extruct), or elsewhere in the markup and
in the address itself (read with htmldate). Pages disagree with themselves
(a republished story, an edited date): every declared date is kept, the
earliest credible one counts, and the others are shown beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import extruct
import lxml.html
from htmldate import find_date

# Where each declared date was found, as people call it.
_PUBLISHED_KEYS = {
    "json-ld": ("datePublished", "dateCreated"),
    "microdata": ("datePublished", "dateCreated"),
    "opengraph": ("article:published_time",),
}
_SOURCE_NAMES = {"json-ld": "JSON-LD", "microdata": "microdata", "opengraph": "Open Graph"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A web page dated before the web (a 1970 placeholder) says nothing about its story.
EARLIEST_YEAR = 1991


class NoDate(ValueError):
    """The page says nowhere when it was published."""


@dataclass(frozen=True)
class Declared:
    """One publication date a page declares."""

    moment: datetime  # UTC; midnight UTC for a day
    granularity: str  # "second" for a moment with its offset, "day" otherwise
    where: str  # "JSON-LD datePublished", "the page's markup", "the address"
    text: str  # as the page wrote it

    @property
    def day(self) -> date:
        """The day as the publisher wrote it, in their own time zone."""
        return date.fromisoformat(self.text[:10])


@dataclass(frozen=True)
class Article:
    url: str
    title: str
    outlet: str
    published: Declared
    # The other dates the page declares, earliest first: shown, not counted.
    others: list[Declared] = field(default_factory=list)


def article_date(html: str, url: str, *, now: datetime) -> Article:
    """The title, outlet and earliest credible publication date of a page; NoDate when it declares none.

    A date is credible when it falls between EARLIEST_YEAR and ``now`` (the
    time the page was fetched); one that does not is left out, as a page
    dated in the future or in 1970 says nothing about its story.
    """
    data = _structured(html, url)
    declared = [d for d in _declared(data) if _credible(d, now)]
    found = find_date(html, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    if found:
        where = "the address" if found.replace("-", "/") in url or found in url else "the page's markup"
        day = _parsed(found)
        if day is not None and _credible(day, now):
            declared.append(Declared(day.moment, "day", where, found))
    if not declared:
        raise NoDate(
            "the page says nowhere when it was published (no datePublished, no published time, no date in its address)"
        )
    # The earliest day; on that day, an exact moment before a whole day.
    declared.sort(key=lambda d: (d.day, d.granularity != "second", d.moment))
    first = declared[0]
    # The same day said twice (a time in JSON-LD, the day in the address) is one date.
    others: dict[date, Declared] = {}
    for other in declared[1:]:
        if other.day != first.day:
            others.setdefault(other.day, other)
    return Article(url, _title(data, html), _outlet(data, url), first, list(others.values()))


def _credible(declared: Declared, now: datetime) -> bool:
    return declared.moment.year >= EARLIEST_YEAR and declared.moment <= now


def _structured(html: str, url: str) -> dict[str, list[dict]]:
    try:
        return extruct.extract(html, base_url=url, syntaxes=list(_PUBLISHED_KEYS), uniform=True, errors="ignore")
    except (ValueError, TypeError, lxml.etree.ParserError):
        return {}


def _declared(data: dict[str, list[dict]]) -> list[Declared]:
    found = []
    for syntax, keys in _PUBLISHED_KEYS.items():
        for item in _items(data.get(syntax, [])):
            for key in keys:
                value = item.get(key)
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str) and (parsed := _parsed(text.strip())) is not None:
                        where = f"{_SOURCE_NAMES[syntax]} {key}"
                        found.append(Declared(parsed.moment, parsed.granularity, where, text))
    return found


def _items(items: list[dict]) -> list[dict]:
    """The items of structured data and those inside a JSON-LD ``@graph``."""
    flat = []
    for item in items:
        if isinstance(item, dict):
            flat.append(item)
            flat += [i for i in item.get("@graph", []) if isinstance(i, dict)]
    return flat


def _parsed(text: str) -> Declared | None:
    """An ISO 8601 date or moment; a day, or a time without its offset, counts as its day."""
    try:
        if _DAY.match(text):
            return Declared(datetime.fromisoformat(text).replace(tzinfo=UTC), "day", "", text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # The publisher's local time with its zone unknown: only its day is sure.
        return Declared(datetime(moment.year, moment.month, moment.day, tzinfo=UTC), "day", "", text)
    return Declared(moment.astimezone(UTC), "second", "", text)


def _title(data: dict[str, list[dict]], html: str) -> str:
    for syntax, key in (("json-ld", "headline"), ("microdata", "headline"), ("opengraph", "og:title")):
        for item in _items(data.get(syntax, [])):
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    try:
        title = lxml.html.fromstring(html).findtext(".//title") or ""
    except (ValueError, lxml.etree.ParserError):
        title = ""
    return " ".join(title.split())


def _outlet(data: dict[str, list[dict]], url: str) -> str:
    for item in _items(data.get("opengraph", [])):
        if isinstance(item.get("og:site_name"), str):
            return item["og:site_name"].strip()
    for item in _items(data.get("json-ld", [])):
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return publisher["name"].strip()
    return urlsplit(url).hostname or ""
