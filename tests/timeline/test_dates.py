"""Dates in text: pure functions, no database."""

from __future__ import annotations

from datetime import datetime

import pytest

from timeline.extract.dates import find_dates, resolve_year, settle_order


def day(text: str) -> list[tuple[str, str]]:
    """(date, granularity) of each reading of each mention."""
    return [(r.start.strftime("%Y-%m-%d %H:%M"), r.granularity) for m in find_dates(text) for r in m.readings]


@pytest.mark.parametrize(
    "text",
    [
        "4 сентября 2023",
        "4 сент. 2023 г.",
        "04 сентября 2023 года",
        "September 4, 2023",
        "Sept. 4th, 2023",
        "4 Sep 2023",
        "Mon, 4 September 2023",
        "04.09.2023",
        "4.9.2023",
        "04.09.23",
        "2023-09-04",
        "2023/09/04",
        "Опубликовано: 04.09.2023.",
        "(4 сентябрь 2023)",
    ],
)
def test_every_common_form_of_4_september_2023(text: str) -> None:
    assert day(text) == [("2023-09-04 00:00", "day")]


@pytest.mark.parametrize(
    ("month", "text"),
    [(m, f"1 {w} 2023") for m, w in enumerate(["января", "февраля", "марта", "апреля", "мая", "июня"], 1)]
    + [(m, f"1 {w} 2023") for m, w in enumerate(["июля", "августа", "сентября", "октября", "ноября", "декабря"], 7)]
    + [(m, f"1 {w}. 2023") for m, w in enumerate(["янв", "февр", "мар", "апр", "мая", "июн"], 1)]
    + [(m, f"1 {w}. 2023") for m, w in enumerate(["июл", "авг", "сент", "окт", "нояб", "дек"], 7)]
    + [(m, f"{w} 1, 2023") for m, w in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun"], 1)]
    + [
        (m, f"{w} 1, 2023") for m, w in enumerate(["July", "August", "September", "October", "November", "December"], 7)
    ],
)
def test_every_month_name_and_abbreviation(month: int, text: str) -> None:
    assert day(text) == [(f"2023-{month:02d}-01 00:00", "day")]


def test_a_date_with_a_time_is_read_to_the_minute() -> None:
    assert day("4 сентября 2023, 14:58") == [("2023-09-04 14:58", "minute")]
    assert day("September 4, 2023 at 2:32 PM") == [("2023-09-04 14:32", "minute")]
    assert day("04.09.2023 14:32") == [("2023-09-04 14:32", "minute")]


def test_month_and_year_alone_are_coarser() -> None:
    assert day("в сентябре 2023 года") == [("2023-09-01 00:00", "month")]
    assert day("September 2023") == [("2023-09-01 00:00", "month")]
    assert day("в 2023 году") == [("2023-01-01 00:00", "year")]
    assert day("2023 г.") == [("2023-01-01 00:00", "year")]


def test_a_slash_date_that_reads_two_ways_keeps_both() -> None:
    [mention] = find_dates("04/09/2023")
    assert [(r.start.month, r.start.day, r.order) for r in mention.readings] == [
        (9, 4, "day_first"),
        (4, 9, "month_first"),
    ]


def test_an_impossible_value_decides_the_order() -> None:
    [mention] = find_dates("13/09/2023")
    assert [(r.start.month, r.start.day) for r in mention.readings] == [(9, 13)]
    [mention] = find_dates("09/13/2023")
    assert [(r.start.month, r.start.day) for r in mention.readings] == [(9, 13)]


def test_another_date_on_the_same_screen_decides_the_order() -> None:
    mentions = settle_order(find_dates("Posted 09/13/2023 · updated 09/04/2023"))
    assert [(r.start.month, r.start.day) for m in mentions for r in m.readings] == [(9, 13), (9, 4)]


def test_the_locale_decides_the_order_when_nothing_else_does() -> None:
    assert [r.start.month for m in settle_order(find_dates("04/09/2023"), "en-US") for r in m.readings] == [4]
    assert [r.start.month for m in settle_order(find_dates("04/09/2023"), "ru") for r in m.readings] == [9]


@pytest.mark.parametrize(
    "text",
    [
        "12.09 $",
        "$12.09",
        "цена 12.09.2023 руб",
        "version 3.12.1",
        "v2.10.2023",
        "Python 3.12.10",
        "build 2023.09.04.1234",
        "+7 (495) 123-45-67",
        "8-800-555-35-35",
        "© 2015–2023 Example Ltd",
        "Copyright 2023",
        "2015-2023",
        "01:23:45",
        "12:09",
        "1 234 567 просмотров",
        "2 часа назад",
        "yesterday",
        "вчера в 14:32",
        "31.02.2023",
        "04.13.2023",
        "04.09.1850",
        "Сборка 04.09.2023.2",
        "ID 2023-09-04-17",
    ],
)
def test_things_that_are_not_dates_stay_out(text: str) -> None:
    assert day(text) == [], find_dates(text)


def test_a_day_and_month_without_a_year_is_a_candidate_resolved_by_other_bounds() -> None:
    [mention] = find_dates("4 сентября")
    assert not mention.has_year
    reading, how = resolve_year(mention, not_after=datetime(2024, 2, 1))  # noqa: DTZ001
    assert reading.start == datetime(2023, 9, 4)  # noqa: DTZ001
    assert "year 2023 assumed" in how


def test_a_weekday_picks_the_year() -> None:
    [mention] = find_dates("Mon 4 Sep")
    reading, how = resolve_year(mention, not_after=datetime(2026, 1, 1))  # noqa: DTZ001
    # 4 September fell on a Monday in 2023, not in 2025 or 2024.
    assert reading.start == datetime(2023, 9, 4)  # noqa: DTZ001
    assert "Monday" in how


def test_several_dates_in_one_line_are_all_found() -> None:
    found = day("Новости 4 сентября 2023 · обновлено 05.09.2023 14:10 · архив 2023/09/01")
    assert found == [("2023-09-04 00:00", "day"), ("2023-09-05 14:10", "minute"), ("2023-09-01 00:00", "day")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 cентября 2023", "2023-09-04"),  # сентября with a Latin c
        ("Мау 28, 2023", "2023-05-28"),  # May with Cyrillic look-alikes
        ("4 сентябоя 2023", "2023-09-04"),  # one wrong letter in a long name
        # Two wrong letters in a long name, in a whole date: Tesseract's readings of small type.
        ("28 инзаря 2023, 14:22", "2023-01-28"),
        ("Posted 16 Decenber 2022", "2022-12-16"),
    ],
)
def test_month_names_misread_by_ocr(text: str, expected: str) -> None:
    assert [r.start.strftime("%Y-%m-%d") for m in find_dates(text) for r in m.readings] == [expected]


def test_a_weekday_glued_to_its_day_and_a_misread_abbreviation() -> None:
    [mention] = find_dates("Чт20 апр. 14:32")
    assert (mention.day, mention.month, mention.weekday) == (20, 4, 3)
    [mention] = find_dates("Ur 6 anp. 14:32")
    assert (mention.day, mention.month) == (6, 4)


def test_ordinary_words_between_numbers_are_not_months() -> None:
    assert find_dates("5 people 2023") == []
    assert find_dates("в 2 раза 2023") == []
    assert find_dates("10 марок 2023") == []
    # Two letters away from a month is a month only in a whole date, and only where no other month is as near.
    assert find_dates("28 инзаря") == []
    assert find_dates("инзаря 2023") == []
    assert find_dates("5 minutes 2023") == []
    assert find_dates("3 сеоября 2023") == []  # two letters from both сентября and ноября


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Madrid 04.09.2023", "2023-09-04"),
        ("paid 04.09.2023", "2023-09-04"),
        ("4 September 2023 European Council", "2023-09-04"),
        ("2023-09-04T14:32:00Z", "2023-09-04"),
        ("4-го сентября 2023", "2023-09-04"),
        ("4th of September 2023", "2023-09-04"),
        ("04-Sep-2023", "2023-09-04"),
        ("09-13-2023", "2023-09-13"),
        ("2023 Sep 04", "2023-09-04"),
    ],
)
def test_more_forms_found_in_the_wild(text: str, expected: str) -> None:
    assert [r.start.strftime("%Y-%m-%d") for m in find_dates(text) for r in m.readings] == [expected]


@pytest.mark.parametrize("text", ["до 2024 года", "к 2030 году", "until May 2004", "of 2000 people", "Match 12 2023"])
def test_deadlines_counts_and_look_alike_words_are_not_dates(text: str) -> None:
    assert find_dates(text) == []
