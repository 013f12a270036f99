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


def test_tray_icons_and_the_keyboard_layout_left_of_a_taskbar_date_do_not_hide_the_clock() -> None:
    # As OCR reads a tray: icons as marks and brackets, a layout in capitals, now and then two small letters.
    tray = ["^ ® 9) ENG", "О ©", "0) РУС", "^ > wh) MD ENG", "^ > io ENG"]
    for date_line in [f"{icons} 15.06.2023" for icons in tray]:
        [clock] = find_clocks([Line("14:32", 1800, 1042, 50, 14), Line(date_line, 1600, 1058, 270, 16)], W, H)
        [reading] = clock.date.readings
        assert (reading.start.strftime("%Y-%m-%d"), clock.hour, clock.minute) == ("2023-06-15", 14, 32), date_line
    [clock] = find_clocks([Line("^ ® 9) ENG 14:32 15.06.2023", 1500, 1050, 370, 16)], W, H)
    [reading] = clock.date.readings
    assert (reading.start.strftime("%Y-%m-%d"), clock.hour, clock.minute) == ("2023-06-15", 14, 32)


def test_words_beside_a_time_and_date_still_make_them_no_clock() -> None:
    for text in [
        "Posted by Bob 14:32 15.06.2023",
        "by Bob 14:32 15.06.2023",
        "Отправлено 14:32 15.06.2023",
        "14:32 15.06.2023 1.2M Views",
        "ENG 14:32 15.06.2023 Reply",
    ]:
        assert find_clocks([Line(text, 1500, 1050, 370, 16)], W, H) == [], text
    time_line = Line("14:32", 1800, 1042, 50, 14)
    for date_line in ["Sent via app 15.06.2023", "^ ® seen 15.06.2023", "^ ® 15.06.2023 Views", "by Bob 15.06.2023"]:
        assert find_clocks([time_line, Line(date_line, 1600, 1058, 270, 16)], W, H) == [], date_line
