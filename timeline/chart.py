"""The timeline chart's geometry: capture intervals as bars, key events as lines. Pure, no Django.

The page draws it as inline SVG, so it reads without JavaScript and prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

LABEL_WIDTH = 230
ROW_HEIGHT = 24
TOP = 40
BOTTOM = 34
RIGHT = 16
FADE = 40
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
    posted: list[datetime] = field(default_factory=list)


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
    def fade_x(self) -> float:
        """Where the fade of an open end starts."""
        return round(self.x + self.width - FADE, 1)


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
    moments = [m for row in rows for m in (row.earliest, row.latest, *row.posted) if m is not None]
    moments += [moment for _, moment in events]
    if not moments:
        return None
    start, end = min(moments), max(moments)
    if end - start < timedelta(days=30):
        start, end = start - timedelta(days=15), end + timedelta(days=15)
    pad = (end - start) * 0.04
    start, end = start - pad, end + pad
    plot_left, plot_right = LABEL_WIDTH, width - RIGHT
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return round(plot_left + (moment - start).total_seconds() / span * (plot_right - plot_left), 1)

    bars, posts = [], []
    for number, row in enumerate(rows):
        y = TOP + number * ROW_HEIGHT
        left = x(row.earliest) if row.earliest else plot_left
        right = x(row.latest) if row.latest else plot_right
        left, right = min(left, right), max(left, right)
        bars.append(
            Bar(
                label=_shorten(row.label),
                href=row.href,
                y=y,
                x=left,
                width=max(right - left, 3),
                outcome=row.outcome,
                open_start=row.earliest is None,
                open_end=row.latest is None,
                title=f"{row.label}: {_day(row.earliest)} to {_day(row.latest)}, {row.outcome}",
            )
        )
        posts += [Mark(x(moment), y + ROW_HEIGHT // 2, f"{row.label}: posted {moment:%d %b %Y %H:%M} UTC")
                  for moment in row.posted]  # fmt: skip
    height = TOP + len(rows) * ROW_HEIGHT + BOTTOM
    marks = [Mark(x(moment), TOP - 8, f"{title}: {moment:%d %b %Y}") for title, moment in events]
    return Chart(width, height, plot_left, plot_right, bars, marks, posts, _ticks(start, end, x))


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


def _day(moment: datetime | None) -> str:
    return f"{moment:%d %b %Y}" if moment else "open"


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
