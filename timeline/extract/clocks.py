"""The operating system's clock on a screen: taskbar, menu bar, phone status bar. No Django.

A clock sits in a band along the top or bottom edge and shows a time of day,
with a date on the same line (macOS: ``Mon 4 Sep 14:32``) or on the line
below or above it (Windows: ``14:32`` over ``04.09.2023``). A time with no date
beside it dates nothing and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from timeline.extract.dates import DEFAULT_LOCALES, DateMention, find_dates

# The share of the screen's height, from the top and from the bottom, where clocks live.
TOP_BAND = 0.08
BOTTOM_BAND = 0.12
_TIME = re.compile(r"(?<![\d:.])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?::[0-5]\d)?(?:\s*(?P<ampm>[AaPp][Mm]))?(?![\d:])")


@dataclass(frozen=True)
class Line:
    text: str
    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width


@dataclass(frozen=True)
class Clock:
    text: str
    box: tuple[int, int, int, int]  # left, top, width, height on the frame
    date: DateMention
    hour: int
    minute: int
    # Positions of the lines it was read from, in the list given to find_clocks.
    lines: tuple[int, ...] = ()

    def at(self, day: datetime) -> datetime:
        return day.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)

    def interval(self, day: datetime) -> tuple[datetime, datetime]:
        start = self.at(day)
        return start, start + timedelta(minutes=1)


def _time_of(line: Line) -> tuple[int, int] | None:
    match = _TIME.search(line.text)
    if not match:
        return None
    hour = int(match.group("h"))
    ampm = (match.group("ampm") or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return hour, int(match.group("m"))


def _date_of(line: Line, locales: tuple[str, ...]) -> DateMention | None:
    text = _TIME.sub(" ", line.text)
    mentions = _dated(text, locales)
    if not mentions:
        # A tray icon read as "©" or "#" just before the date makes it look
        # like a copyright or a number: the date is looked for again without
        # the tray's glyphs (those with digits are left, as a day may be one).
        tokens = text.split()
        while tokens and _tray_glyph(tokens[0]) and not any(ch.isdigit() for ch in tokens[0]):
            tokens.pop(0)
        mentions = _dated(" ".join(tokens), locales)
    return mentions[0] if len(mentions) == 1 else None


def _dated(text: str, locales: tuple[str, ...]) -> list[DateMention]:
    """The mentions in ``text`` that name a day, with or without a year; beside a clock, "15/2" is a date."""
    return [m for m in find_dates(text, locales, dated=True) if m.readings or m.day is not None]


def _only_clock(line: Line, date: DateMention | None) -> bool:
    """Whether a line holds nothing but a time and a date: a post's "2:32 PM · Sep 4, 2023 · 1.2M Views" is no clock.

    Left of the time or date may also stand the tray beside a taskbar clock,
    its icons and keyboard layout read as short garbage ("^ ® 9) ENG"): that
    is let through, but not words ("Posted by Bob 14:32 15.06.2023").
    """
    time_at = _TIME.search(line.text)
    date_at = line.text.find(date.text) if date is not None else -1
    start = min((found for found in (time_at.start() if time_at else -1, date_at) if found >= 0), default=0)
    tray = sum(ch.isalnum() for token in line.text[:start].split() if _tray_glyph(token) for ch in token)
    return _other_characters(line.text, date) - tray <= 3


def _other_characters(text: str, date: DateMention | None) -> int:
    """Letters and digits of ``text`` besides its times and the date."""
    rest = _TIME.sub(" ", text)
    if date is not None:
        rest = rest.replace(date.text, " ")
    return sum(ch.isalnum() for ch in rest)


def _tray_glyph(token: str) -> bool:
    """Whether a token is what an icon or a keyboard layout reads as: "9)", "wh)", "®", "ENG", "РУС".

    That is three letters or digits at most, and no word: letters only, two
    or more, some in lower case ("by", "Bob").
    """
    word = len(token) >= 2 and token.isalpha() and not token.isupper()
    return sum(ch.isalnum() for ch in token) <= 3 and not word


def find_clocks(lines: list[Line], width: int, height: int, locales: tuple[str, ...] = DEFAULT_LOCALES) -> list[Clock]:
    """Clocks in the edge bands of one frame, their dates read in ``locales``."""
    band = [line for line in lines if line.bottom <= height * TOP_BAND or line.top >= height * (1 - BOTTOM_BAND)]
    clocks = []
    used: set[int] = set()
    for number, line in enumerate(band):
        time_of_day = _time_of(line)
        if time_of_day is None or number in used:
            continue
        date = _date_of(line, locales)
        if not _only_clock(line, date):
            continue
        partner = None
        if date is None:
            # The date on the line just below or above, overlapping horizontally.
            for other_number, other in enumerate(band):
                if other_number == number or other_number in used:
                    continue
                near = (
                    abs(other.top - line.bottom) <= 2 * line.height or abs(line.top - other.bottom) <= 2 * line.height
                )
                overlap = min(line.right, other.right) - max(line.left, other.left) > 0
                if near and overlap and (found := _date_of(other, locales)) is not None and _only_clock(other, found):
                    date, partner = found, other_number
                    break
        if date is None:
            continue
        used |= {number} | ({partner} if partner is not None else set())
        parts = [line] + ([band[partner]] if partner is not None else [])
        left, top = min(p.left for p in parts), min(p.top for p in parts)
        box = (left, top, max(p.right for p in parts) - left, max(p.bottom for p in parts) - top)
        positions = tuple(lines.index(p) for p in parts)
        clocks.append(Clock(" / ".join(p.text for p in parts), box, date, *time_of_day, lines=positions))
    return clocks
