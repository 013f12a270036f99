"""Capture intervals: the intersection of cue bounds. A small pure library, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Bounded(Protocol):
    bound: str
    earliest: datetime | None
    latest: datetime | None


@dataclass(frozen=True)
class Interval:
    """[earliest, latest] of the capture moment; None is an open side."""

    earliest: datetime | None
    latest: datetime | None

    @property
    def empty(self) -> bool:
        return self.earliest is not None and self.latest is not None and self.earliest > self.latest


def lower_bound(cue: Bounded) -> datetime | None:
    """The earliest capture moment a cue allows: not_before and on cues start at their date."""
    return cue.earliest if cue.bound in ("not_before", "on") else None


def upper_bound(cue: Bounded) -> datetime | None:
    """The latest capture moment a cue allows: not_after and on cues end with their date."""
    return cue.latest if cue.bound in ("not_after", "on") else None


def intersect(cues: Iterable[Bounded]) -> Interval:
    """The capture interval all the cues allow; empty (earliest > latest) when they conflict."""
    cues = list(cues)
    lowers = [b for cue in cues if (b := lower_bound(cue)) is not None]
    uppers = [b for cue in cues if (b := upper_bound(cue)) is not None]
    return Interval(max(lowers, default=None), min(uppers, default=None))


def conflicting(cues: Iterable[Bounded]) -> list[Bounded]:
    """The smallest set of cues that cannot all hold: empty when they agree.

    On a line, bounds disagree exactly when some lower bound lies after some
    upper bound, so the latest lower bound and the earliest upper bound are a
    smallest disagreeing set (one cue when it disagrees with itself).
    """
    cues = list(cues)
    lowers = [(b, i) for i, cue in enumerate(cues) if (b := lower_bound(cue)) is not None]
    uppers = [(b, i) for i, cue in enumerate(cues) if (b := upper_bound(cue)) is not None]
    if not lowers or not uppers:
        return []
    (lowest_upper, upper_cue), (highest_lower, lower_cue) = min(uppers), max(lowers)
    if highest_lower <= lowest_upper:
        return []
    return [cues[lower_cue]] if lower_cue == upper_cue else [cues[lower_cue], cues[upper_cue]]


@dataclass(frozen=True)
class Verdict:
    """Where an item's capture interval lies against an event: after, before, undetermined or conflict."""

    outcome: str
    # Days between the event and the near side of the interval (after, before); None otherwise.
    margin_days: float | None = None


def verdict(interval: Interval, event: datetime) -> Verdict:
    """``after``: the whole interval is on or after the event; ``before``: wholly before it;
    ``undetermined``: it straddles the event or lacks the side that would decide; ``conflict``: empty."""
    if interval.empty:
        return Verdict("conflict")
    if interval.earliest is not None and interval.earliest >= event:
        return Verdict("after", round((interval.earliest - event).total_seconds() / 86400, 2))
    if interval.latest is not None and interval.latest < event:
        return Verdict("before", round((event - interval.latest).total_seconds() / 86400, 2))
    return Verdict("undetermined")


def narrowed(interval: Interval, cue: Bounded) -> Interval:
    """The interval once one more cue holds as well: what confirming that cue would make of it."""
    lower, upper = lower_bound(cue), upper_bound(cue)
    earliest = interval.earliest if lower is None or (interval.earliest and interval.earliest >= lower) else lower
    latest = interval.latest if upper is None or (interval.latest and interval.latest <= upper) else upper
    return Interval(earliest, latest)
