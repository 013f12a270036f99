"""The timeline chart's geometry: capture intervals as bars, key events as lines. Pure, no Django.

The page draws it as inline SVG, so it reads without JavaScript and prints.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

LABEL_WIDTH = 230
ROW_HEIGHT = 24
TOP = 40
BOTTOM = 34
RIGHT = 16
FADE = 40
YEARS = (1900, 2200)
# A gap in time longer than this may leave a far cluster of end dates off the axis.
REACH = timedelta(days=180)
# Steps between ticks, in months; the smallest that keeps the axis readable wins.
TICK_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
MAX_TICKS = 10


@dataclass(frozen=True)
class ChartRow:
    label: str
    href: str
    earliest: datetime | None
    latest: datetime | None
    outcome: str
    # Posting times on platforms, each with its granularity ("day" when only the date is known).
    posted: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Bar:
    label: str
    href: str
    y: float
    x: float
    width: float
    outcome: str
    # An open side runs to the edge of the chart: the cues do not bound it.
    open_start: bool
    open_end: bool
    title: str

    @property
    def fade(self) -> float:
        """How long the fade of an open side is: never more than half the bar."""
        return round(min(FADE, self.width / 2), 1)

    @property
    def fade_x(self) -> float:
        """Where the fade of an open end starts."""
        return round(self.x + self.width - self.fade, 1)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    bars: list[Bar]
    events: list[Mark]
    posts: list[Mark]
    ticks: list[Tick]

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def build_chart(rows: list[ChartRow], events: list[tuple[str, datetime]], width: int = 1000) -> Chart | None:
    """Place each row's interval, its posting times and the events on one time axis; None with nothing dated."""
    moments = [m for row in rows for m in (row.earliest, row.latest, *_moments(row.posted)) if m is not None]
    moments += [moment for _, moment in events]
    # A stray year (a typo kept in an old record) must not stretch the axis past what dates can hold.
    moments = [moment for moment in moments if YEARS[0] <= moment.year <= YEARS[1]]
    if not moments:
        return None
    start, end = _window(rows, events, moments)
    if end - start < timedelta(days=30):
        start, end = start - timedelta(days=15), end + timedelta(days=15)
    pad = (end - start) * 0.04
    start, end = start - pad, end + pad
    plot_left, plot_right = LABEL_WIDTH, width - RIGHT
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return round(plot_left + (moment - start).total_seconds() / span * (plot_right - plot_left), 1)

    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment <= end

    bars, posts = [], []
    for number, row in enumerate(rows):
        y = TOP + number * ROW_HEIGHT
        # A side that is open, or lies beyond the window, runs to the edge and fades.
        left = x(row.earliest) if inside(row.earliest) else plot_left
        right = x(row.latest) if inside(row.latest) else plot_right
        if row.earliest and row.earliest > end:
            left = plot_right
        if row.latest and row.latest < start:
            right = plot_left
        left, right = min(left, right), max(left, right)
        bars.append(
            Bar(
                label=_shorten(row.label),
                href=row.href,
                y=y,
                x=left,
                width=max(right - left, 3),
                outcome=row.outcome,
                open_start=not inside(row.earliest) and left == plot_left,
                open_end=not inside(row.latest) and right == plot_right,
                title=_bar_title(row),
            )
        )
        posts += [Mark(x(moment), y + ROW_HEIGHT // 2, f"{row.label}: posted {_posted(moment, granularity)}")
                  for moment, granularity in row.posted if inside(moment)]  # fmt: skip
    height = TOP + len(rows) * ROW_HEIGHT + BOTTOM
    return Chart(width, height, plot_left, plot_right, bars, _event_marks(events, x), posts, _ticks(start, end, x))


def _moments(posted: list[tuple[datetime, str]]) -> list[datetime]:
    return [moment for moment, _ in posted]


def _window(rows: list[ChartRow], events: list[tuple[str, datetime]], moments: list[datetime]) -> tuple:
    """The span the axis covers: every moment, except a far cluster of end dates.

    Most items carry a "received" bound at the day they were collected, often
    years after the events; drawn to scale, it would squeeze the months that
    matter into a sliver. So when the widest gap between moments is longer than
    REACH and twice the span below it, and only end dates lie above it, those
    are left outside and their bars run off the edge.
    """
    ordered = sorted(set(moments))
    if len(ordered) < 3:
        return ordered[0], ordered[-1]
    gap, cut = max((later - earlier, number) for number, (earlier, later) in enumerate(itertools.pairwise(ordered)))
    below, above = ordered[: cut + 1], ordered[cut + 1 :]
    starts = {moment for _, moment in events} | {m for row in rows for m in (row.earliest, *_moments(row.posted)) if m}
    if len(below) >= 2 and gap > REACH and gap > 2 * (below[-1] - below[0]) and not starts & set(above):
        return below[0], below[-1]
    return ordered[0], ordered[-1]


def _event_marks(events: list[tuple[str, datetime]], x: object) -> list[Mark]:
    """One line per moment; events on the same day share it and its label."""
    by_moment: dict[datetime, list[str]] = {}
    for title, moment in events:
        by_moment.setdefault(moment, []).append(title)
    return [Mark(x(moment), TOP - 8, f"{', '.join(titles)}: {moment:%d %b %Y}") for moment, titles in by_moment.items()]


def _ticks(start: datetime, end: datetime, x: object) -> list[Tick]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in TICK_STEPS if months / s <= MAX_TICKS), TICK_STEPS[-1])
    # The first month start on or after the chart's start that falls on the step.
    year, month = start.year, start.month + 1
    ticks = []
    while True:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        moment = datetime(year, month, 1, tzinfo=UTC)
        if moment > end:
            return ticks
        if (year * 12 + month - 1) % step == 0:
            ticks.append(Tick(x(moment), f"{moment:%Y}" if step >= 12 else f"{moment:%b %Y}"))
        month += 1


def _posted(moment: datetime, granularity: str) -> str:
    return f"{moment:%d %b %Y}" if granularity == "day" else f"{moment:%d %b %Y %H:%M} UTC"


def _bar_title(row: ChartRow) -> str:
    if row.earliest and row.latest and row.earliest > row.latest:
        return f"{row.label}: cues disagree: not before {_day(row.earliest)} but not after {_day(row.latest)}"
    return f"{row.label}: {_day(row.earliest)} to {_day(row.latest)}, {row.outcome}"


def _day(moment: datetime | None) -> str:
    return f"{moment:%d %b %Y}" if moment else "open"


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
