"""Identifiers a platform numbers in order, calibrated by the ids the case knows a creation date of.

An id larger than a calibration point's was made no earlier than that point
was; so an item showing it was captured no earlier either: a ``not_before``
at the point's earliest creation moment. An id smaller than a point's was
made no later, which bounds nothing about the capture: context only. Two
points whose dates run against their order (a larger id made earlier)
contradict the order, and neither bounds anything until a person settles
them. Nothing is ever extrapolated beyond that. Pure: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# Longest id kept: an ordered id is a counter, and 19 digits hold any 64-bit one.
MAX_DIGITS = 19


class PatternError(ValueError):
    """A pattern that cannot find ordered ids; the message says why, for a person."""


# What an editor writes: fixed text around one group for the id, "(\d+)". The fixed text is matched as it
# is (a backslash before a dot or a slash is allowed and dropped), so no pattern can be slow or match any number.
_SHAPE = re.compile(r"(?P<before>[^()]*)\(\\d\+\)(?P<after>[^()]*)")


def pattern_check(pattern: str) -> re.Pattern[str]:
    r"""The compiled pattern: fixed text around ``(\d+)``, the id (``toloka.ai/tasks/(\d+)``)."""
    if len(pattern) > 300:
        raise PatternError("A pattern is at most 300 characters.")
    shape = _SHAPE.fullmatch(pattern)
    if shape is None:
        raise PatternError("Write the pattern as fixed text with exactly one group (\\d+) where the id is: "
                           "toloka.ai/tasks/(\\d+).")  # fmt: skip
    before, after = (_unescaped(shape.group(part)) for part in ("before", "after"))
    if len(re.sub(r"\W", "", before + after)) < 3:
        raise PatternError("The pattern needs some fixed text (a host, a path) so that it finds ids, not any number.")
    number = rf"([0-9]{{1,{MAX_DIGITS}}})(?![0-9])"
    return re.compile(re.escape(before) + number + re.escape(after), re.IGNORECASE)


def pattern_text(pattern: str) -> str:
    """The fixed text before the id, as it appears in lines: what finds the lines that may hold ids."""
    shape = _SHAPE.fullmatch(pattern)
    return _unescaped(shape.group("before")) if shape else ""


def _unescaped(text: str) -> str:
    return re.sub(r"\\([./\\-])", r"\1", text)


# Words that say a date beside an id is when the thing was made (created, added, published...), in the
# languages of the case's platforms: a deadline or a "last updated" beside an id says nothing of its making.
MADE = re.compile(
    r"\b(created|creation|added|posted|published|opened|registered|since|"
    r"создан\w*|добавлен\w*|опубликован\w*|размещен\w*|открыт\w*|"
    r"oluşturul\w*|eklen\w*|yayınlan\w*|बनाया|तैयार|তৈরি|بنایا)\b",
    re.IGNORECASE,
)


def sighted(pattern: re.Pattern[str], text: str) -> list[int]:
    """The ids the pattern finds in a text, as numbers."""
    return [int(match.group(1)) for match in pattern.finditer(text[:20_000])]


@dataclass(frozen=True)
class Point:
    """An id whose creation the case knows: between ``earliest`` and ``latest``, and where that is known from."""

    number: int
    earliest: datetime
    latest: datetime
    item: int
    source: str


@dataclass(frozen=True)
class Flag:
    point: Point
    reason: str


def checked(points: Iterable[Point]) -> tuple[list[Point], list[Flag]]:
    """The points that agree with the order, and those that contradict another, each with the reason."""
    ordered = sorted(set(points), key=lambda point: (point.number, point.earliest))
    flagged: dict[Point, str] = {}
    for index, smaller in enumerate(ordered):
        for larger in ordered[index + 1 :]:
            apart = smaller.latest < larger.earliest or larger.latest < smaller.earliest
            if larger.number == smaller.number and apart:
                why = f"id {smaller.number} is dated twice, {smaller.earliest:%Y-%m-%d} and {larger.earliest:%Y-%m-%d}"
            elif larger.number > smaller.number and smaller.earliest > larger.latest:
                why = (f"id {smaller.number} made {smaller.earliest:%Y-%m-%d} and the larger id {larger.number} made "
                       f"by {larger.latest:%Y-%m-%d} run against the order")  # fmt: skip
            else:
                continue
            flagged.setdefault(smaller, why)
            flagged.setdefault(larger, why)
    good = [point for point in ordered if point not in flagged]
    return good, [Flag(point, reason) for point, reason in flagged.items()]


def bound(number: int, points: Sequence[Point], item: int) -> Point | None:
    """The calibration point that bounds an id best: the latest made of those with a smaller id (another item's)."""
    below = [point for point in points if point.number < number and point.item != item]
    return max(below, key=lambda point: point.earliest, default=None)


@dataclass(frozen=True)
class Ordered:
    """A platform that numbers in order, as the cue extraction needs it: its pattern and calibration points."""

    platform: str
    pattern: str
    points: tuple[Point, ...]
