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


def pattern_check(pattern: str) -> re.Pattern[str]:
    """The compiled pattern, which must have one group of digits (``toloka.ai/tasks/(\\d+)``)."""
    if len(pattern) > 300:
        raise PatternError("A pattern is at most 300 characters.")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise PatternError(f"{pattern!r} is not a regular expression: {error}.") from None
    if compiled.groups != 1:
        raise PatternError("The pattern needs exactly one group, around the id: toloka.ai/tasks/(\\d+).")
    if not re.search(r"\w{3,}", re.sub(r"\\.|\[[^]]*\]|\(\?[^)]*\)", "", pattern)):
        raise PatternError("The pattern needs some fixed text (a host, a path) so that it finds ids, not any number.")
    return compiled


def sighted(pattern: re.Pattern[str], text: str) -> list[int]:
    """The ids the pattern finds in a text, as numbers."""
    found = []
    for match in pattern.finditer(text):
        digits = match.group(1) or ""
        if digits.isdigit() and len(digits) <= MAX_DIGITS:
            found.append(int(digits))
    return found


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
            if larger.number > smaller.number and smaller.earliest > larger.latest:
                why = (f"id {smaller.number} made {smaller.earliest:%Y-%m-%d} and the larger id {larger.number} made "
                       f"by {larger.latest:%Y-%m-%d} run against the order")  # fmt: skip
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
