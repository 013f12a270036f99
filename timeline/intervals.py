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
