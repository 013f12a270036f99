"""Reading the posting times that collectors and manifests give us."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

# Posting times outside these years are typing mistakes, not evidence.
EARLIEST_YEAR = 1990
LATEST_YEAR = 2100


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
