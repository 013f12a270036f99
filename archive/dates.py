"""Reading the posting times and device locales that collectors and manifests give us."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from archive.locale_tags import locale_of

# Posting times outside these years are typing mistakes, not evidence.
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100
# The longest tag a provenance record or a case keeps (BCP 47 tags of a language,
# script, region and a variant or two are far shorter).
LOCALE_MAX_LENGTH = 35
# The longest comma-separated list of them a case keeps.
LOCALES_MAX_LENGTH = 200


def parse_posted_at(text: str) -> tuple[datetime | None, str]:
    """``(moment, granularity)`` from an ISO 8601 date or date-time.

    A date alone (``2023-09-04``) means that whole day in UTC, granularity
    ``day``. A date-time must carry its offset (``Z`` or ``+03:00``): a
    platform's clock without a time zone cannot be placed, and guessing one
    would move the bound by hours. Raises ValueError with a readable message.
    """
    text = text.strip()
    if not text:
        return None, ""
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD.") from None
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValueError(f"{text!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}.")
        return datetime.combine(day, time(), tzinfo=UTC), "day"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time such as 2023-09-04T14:32:00Z.") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; add one, as in {text}Z (UTC) or {text}+03:00.")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"{text!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}.")
    return moment, "instant"


def parse_locale(text: str) -> str:
    """A BCP 47 tag in its canonical case (``en-us`` is ``en-US``, ``tr_tr`` is ``tr-TR``); "" when blank.

    The tag must name, as written, a locale CLDR knows: Babel falls back from a
    region it lacks to the language alone (``ru-US`` to ``ru``) and from an
    unknown language to an alias (``und`` to ``en_US``), and a device locale
    read that way would settle numeric dates in an order nobody chose. Raises
    ValueError with a readable message.
    """
    text = text.strip()
    if not text:
        return ""
    subtags = text.replace("_", "-").split("-")
    tag = "-".join(_subtag_case(position, subtag) for position, subtag in enumerate(subtags))
    if not _is_known(tag, subtags):
        raise ValueError(f'"{text}" is not a locale CLDR knows; write it as BCP 47, e.g. en-US or tr-TR.')
    return tag


def parse_locales(tags: str | Iterable[str]) -> tuple[str, ...]:
    """Comma-separated BCP 47 tags (or the tags themselves), each checked by ``parse_locale``, without repeats."""
    if isinstance(tags, str):
        tags = tags.split(",")
    return tuple(dict.fromkeys(tag for tag in (parse_locale(item) for item in tags) if tag))


def _subtag_case(position: int, subtag: str) -> str:
    """BCP 47's case conventions: language lower, script title (``Hant``), region upper (``TR``, ``419``)."""
    if position > 0 and len(subtag) == 4 and subtag.isalpha():
        return subtag.title()
    if position > 0 and (len(subtag) == 2 and subtag.isalpha() or len(subtag) == 3 and subtag.isdigit()):
        return subtag.upper()
    return subtag.lower()


def _is_known(tag: str, subtags: list[str]) -> bool:
    if len(tag) > LOCALE_MAX_LENGTH or not all(re.fullmatch(r"[A-Za-z0-9]{1,8}", subtag) for subtag in subtags):
        return False
    language, *rest = (subtag.lower() for subtag in subtags)
    if not re.fullmatch(r"[a-z]{2,3}", language):
        return False
    locale = locale_of(tag)
    if locale is None or locale.language != language:
        return False
    # Every subtag written must be one the locale has; the ones left out may be filled in (zh-TW is zh-Hant-TW).
    has = {(locale.script or "").lower(), (locale.territory or "").lower(), (locale.variant or "").lower()} - {""}
    return set(rest) <= has
