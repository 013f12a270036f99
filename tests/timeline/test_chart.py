"""The timeline chart's geometry: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime

from timeline.chart import ChartRow, build_chart

EVENT = datetime(2023, 7, 20, tzinfo=UTC)


def test_nothing_dated_draws_no_chart() -> None:
    assert build_chart([ChartRow("a.png", "/a", None, None, "undetermined")], []) is None


def test_bars_sit_left_or_right_of_the_event_as_their_verdicts_say() -> None:
    rows = [
        ChartRow("june.png", "/1", datetime(2023, 6, 15, tzinfo=UTC), datetime(2023, 6, 16, tzinfo=UTC), "before"),
        ChartRow("sept.mp4", "/2", datetime(2023, 9, 4, tzinfo=UTC), datetime(2023, 9, 21, tzinfo=UTC), "after",
                 [(datetime(2023, 9, 21, tzinfo=UTC), "instant")]),
    ]  # fmt: skip
    chart = build_chart(rows, [("EU listing", EVENT)])
    line = chart.events[0].x
    june, sept = chart.bars
    assert june.x + june.width < line < sept.x
    assert chart.plot_left <= june.x and sept.x + sept.width <= chart.plot_right
    assert chart.posts[0].x == sept.x + sept.width
    assert [tick.label for tick in chart.ticks][:3] == ["Jul 2023", "Aug 2023", "Sep 2023"]


def test_an_open_side_runs_to_the_edge_of_the_chart() -> None:
    rows = [
        ChartRow("december.png", "/3", None, datetime(2023, 12, 12, tzinfo=UTC), "undetermined"),
        ChartRow("june.png", "/1", datetime(2023, 6, 15, tzinfo=UTC), datetime(2023, 6, 16, tzinfo=UTC), "before"),
    ]
    chart = build_chart(rows, [("EU listing", EVENT)])
    december = chart.bars[0]
    assert december.open_start and not december.open_end
    assert december.x == chart.plot_left
    assert december.x < chart.events[0].x < december.x + december.width


def test_long_spans_tick_by_year_and_long_names_are_shortened() -> None:
    rows = [ChartRow("a-very-long-file-name-of-a-screen-recording.mp4", "/1", datetime(2015, 1, 1, tzinfo=UTC),
                     datetime(2023, 1, 1, tzinfo=UTC), "undetermined")]  # fmt: skip
    chart = build_chart(rows, [])
    assert all(len(tick.label) == 4 for tick in chart.ticks)
    assert 1 < len(chart.ticks) <= 10
    assert chart.bars[0].label.endswith("…") and len(chart.bars[0].label) == 32


def test_a_bound_years_away_from_everything_else_runs_off_the_edge() -> None:
    received = datetime(2026, 11, 27, tzinfo=UTC)
    rows = [
        ChartRow("page.png", "/2", None, received, "undetermined"),
        ChartRow("sept.mp4", "/1", datetime(2023, 9, 4, tzinfo=UTC), datetime(2023, 9, 21, tzinfo=UTC), "after",
                 [(datetime(2023, 9, 21, tzinfo=UTC), "instant")]),
    ]  # fmt: skip
    chart = build_chart(rows, [("EU listing of NTechLab", EVENT), ("EU listing of Tevian", EVENT)])
    page, sept = chart.bars
    assert (page.x, page.x + page.width) == (chart.plot_left, chart.plot_right)
    assert page.open_start and page.open_end and "27 Nov 2026" in page.title
    # The months that matter keep their room: the September bar is not squeezed to a sliver.
    assert sept.width > 40
    [line] = chart.events
    assert line.title == "EU listing of NTechLab, EU listing of Tevian: 20 Jul 2023"
