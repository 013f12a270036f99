from __future__ import annotations

from timeline.extract.clocks import Line, find_clocks

W, H = 1920, 1080


def test_a_windows_taskbar_clock_reads_time_over_date() -> None:
    lines = [
        Line("Some page text 12:30 about a meeting", 100, 400, 600, 20),
        Line("14:32", 1800, 1042, 50, 14),
        Line("04.09.2023", 1780, 1060, 90, 14),
    ]
    [clock] = find_clocks(lines, W, H)
    assert (clock.hour, clock.minute) == (14, 32)
    [reading] = clock.date.readings
    assert reading.start.strftime("%Y-%m-%d") == "2023-09-04"
    assert clock.box == (1780, 1042, 90, 32)


def test_a_macos_menu_bar_clock_has_no_year() -> None:
    [clock] = find_clocks([Line("Mon 4 Sep 14:32", 1700, 4, 160, 16)], W, H)
    assert (clock.hour, clock.minute, clock.date.day, clock.date.month, clock.date.weekday) == (14, 32, 4, 9, 0)
    assert not clock.date.has_year


def test_a_twelve_hour_clock() -> None:
    [clock] = find_clocks([Line("2:32 PM", 1800, 1042, 60, 14), Line("9/4/2023", 1800, 1060, 60, 14)], W, H)
    assert (clock.hour, clock.minute) == (14, 32)


def test_a_time_without_a_date_or_away_from_the_edges_is_no_clock() -> None:
    assert find_clocks([Line("14:32", 1800, 1042, 50, 14)], W, H) == []
    assert find_clocks([Line("14:32 04.09.2023", 800, 500, 200, 14)], W, H) == []
    assert find_clocks([Line("0:42 / 12:09", 20, 1040, 120, 14)], W, H) == []
