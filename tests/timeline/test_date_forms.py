"""Every way a date is written: CLDR's names and patterns in every locale, and what OCR does to them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from babel.dates import format_date
from babel.localedata import locale_identifiers

from timeline.extract.cldr import fold, numeric_order
from timeline.extract.dates import find_dates, resolve_year, settle_order


def spans(text: str, locales: tuple[str, ...] = ("en", "ru"), **options: bool) -> list[tuple[str, str, str]]:
    """(first day, last day, granularity) of each reading of each mention."""
    return [
        (
            f"{r.start:%Y-%m-%d}",
            f"{r.end.date().toordinal() - 1 and date.fromordinal(r.end.toordinal() - 1)}",
            r.granularity,
        )
        for m in find_dates(text, locales, **options)
        for r in m.readings
    ]


def days(text: str, locales: tuple[str, ...] = ("en", "ru"), **options: bool) -> list[str]:
    return [f"{r.start:%Y-%m-%d}" for m in find_dates(text, locales, **options) for r in m.readings]


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("4 Eylül 2023", "tr", "2023-09-04"),
        ("4 вересня 2023", "uk", "2023-09-04"),
        ("sobota, 11 lutego 2023", "pl", "2023-02-11"),
        ("4. September 2023", "de", "2023-09-04"),
        ("4 de septiembre de 2023", "es", "2023-09-04"),
        ("4 de setembro de 2023", "pt", "2023-09-04"),
        ("lundi 4 septembre 2023", "fr", "2023-09-04"),
        ("4 settembre 2023", "it", "2023-09-04"),
        ("Senin, 04 September 2023", "id", "2023-09-04"),
        ("Thứ Hai, 4 tháng 9, 2023", "vi", "2023-09-04"),
        ("2023 ж. 4 қыркүйек", "kk", "2023-09-04"),
        ("4-sentabr, 2023", "uz", "2023-09-04"),
        ("2023年9月4日", "ja", "2023-09-04"),
        ("2023년 9월 4일 월요일", "ko", "2023-09-04"),
        ("2023. gada 4. septembris", "lv", "2023-09-04"),
        ("2023 m. rugsėjo 4 d.", "lt", "2023-09-04"),
    ],
)
def test_dates_in_other_languages(text: str, locale: str, expected: str) -> None:
    assert days(text, (locale,)) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 Eylul 2023", "2023-09-04"),  # Turkish without its diacritics
        ("4 Agustos 2023", "2023-08-04"),
        ("4 EYLÜL 2023", "2023-09-04"),
        ("४ सितंबर २०२३", "2023-09-04"),  # Devanagari digits
        ("৪ সেপ্টেম্বর ২০২৩", "2023-09-04"),  # Bengali digits
        ("٤ سبتمبر ٢٠٢٣", "2023-09-04"),  # Arabic-Indic digits
        ("۴ ستمبر ۲۰۲۳", "2023-09-04"),  # Urdu, Persian digits
    ],
)
def test_wide_month_names_of_any_language_without_their_marks_and_in_other_digits(text: str, expected: str) -> None:
    # Neither Turkish nor Hindi is among the locales asked for: a wide name that names one month is enough.
    assert days(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05 May 18", ["2018-05-05"]),
        ("04-SEP-23", ["2023-09-04"]),
        ("DATE:11/03/18", ["2018-03-11", "2018-11-03"]),
        ("21/05/2018TIME:", ["2018-05-21"]),
        ("Дата12.03.2023", ["2023-03-12"]),
        ("от12.03.2023", ["2023-03-12"]),
        ("Sent Mon4 Sep 2023", ["2023-09-04"]),
        ("12- 06- 2018", ["2018-06-12"]),
        ("the 15th of february 2019", ["2019-02-15"]),
        ("third day of October 2020", ["2020-10-03"]),
        ("march third 2015", ["2015-03-03"]),
        ("третьего марта 2015", ["2015-03-03"]),
        ("двадцать четвертого февраля 2022 года", ["2022-02-24"]),
        ("2017-02-03T09:04:08,00123Z", ["2017-02-03"]),
        ("14 декабря в 1989 году", ["1989-12-14"]),
        ("4 July 1905", ["1905-07-04"]),
    ],
)
def test_english_and_russian_forms(text: str, expected: list[str]) -> None:
    assert days(text) == expected


def test_a_two_digit_year_on_a_slash_date_reads_both_ways() -> None:
    [mention] = find_dates("9/4/23")
    assert [(r.start.month, r.order) for r in mention.readings] == [(4, "day_first"), (9, "month_first")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2/2013", ("2013-02-01", "2013-02-28", "month")),
        ("2014-10", ("2014-10-01", "2014-10-31", "month")),
        ("Q4 2018", ("2018-10-01", "2018-12-31", "quarter")),
        ("2018 Q4", ("2018-10-01", "2018-12-31", "quarter")),
        ("четвёртый квартал 2018", ("2018-10-01", "2018-12-31", "quarter")),
        ("IV кв. 2018 г.", ("2018-10-01", "2018-12-31", "quarter")),
        ("fourth quarter of 2018", ("2018-10-01", "2018-12-31", "quarter")),
        ("14.10. - 15.10.2018", ("2018-10-14", "2018-10-15", "day")),
        ("13-15 July 2023", ("2023-07-13", "2023-07-15", "day")),
        ("14.10.2018 – 16.10.2018", ("2018-10-14", "2018-10-16", "day")),
    ],
)
def test_months_quarters_and_ranges_are_their_intervals(text: str, expected: tuple[str, str, str]) -> None:
    assert spans(text) == [expected]


@pytest.mark.parametrize(
    ("text", "placed"),
    [
        ("July 13-15", ("2023-07-13", "2023-07-16")),
        ("8 авг - 12 авг", ("2023-08-08", "2023-08-13")),
        ("10.12.", ("2022-12-10", "2022-12-11")),
        ("Tuesday 19th", ("2023-09-19", "2023-09-20")),
        ("the 15th of february", ("2023-02-15", "2023-02-16")),
    ],
)
def test_days_without_a_year_are_placed_by_the_item_s_bound(text: str, placed: tuple[str, str]) -> None:
    [mention] = find_dates(text)
    assert not mention.has_year
    reading, how = resolve_year(mention, not_after=datetime(2023, 10, 1))  # noqa: DTZ001
    assert (f"{reading.start:%Y-%m-%d}", f"{reading.end:%Y-%m-%d}") == placed
    assert "assumed" in how


def test_compact_and_day_month_numbers_count_only_where_the_context_says_date() -> None:
    assert days("25032018") == []
    assert days("Дата: 25032018") == ["2018-03-25"]
    assert days("Tarih:25032018") == ["2018-03-25"]
    assert days("25032018", dated=True) == ["2018-03-25"]
    assert find_dates("15/2 cup flour") == []
    [mention] = find_dates("Date: 15/2")
    assert (mention.day, mention.month) == (15, 2)


@pytest.mark.parametrize(
    "text",
    [
        "ID 4521-09-2023",
        "Order 12.05.2023-17",
        "Заказ № 25032018",
        "+90 212 555 12 34",
        "0300-1234567",
        "+880 1712-345678",
        "Tel: 12-05-2018",
        "Цена 12,05 руб",
        "12,50 TL",
        "1.234,56 €",
        "v1.12.2023",
        "iOS 17.4.1",
        "version 10.12.",
        "build 20230904",
        "1920x1080",
        "score 2-1",
        "Final 3-2 (2-1)",
        "15/2 cup flour",
        "add 1/2 cup",
        "duration 12:05:33",
        "01:02:2023",
        "5 min 30 s",
        "page 2/2013",
        "3.12.10",
        "Windows 10 22H2",
        "5 May 18 people",
        "04.09.1850",
        # Headline text: a name with a number glued to it before a modal verb, a version cut short by OCR.
        "HS2 may run fewer, slower trains",
        "Python 3.12.",
        "Android 13.",
        # A year in the genitive is what a headline talks about ("trends of spring 2024"), not when it ran.
        "главные антитренды весны 2024 года",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert days(text) == [], find_dates(text)


def test_a_locale_s_short_pattern_settles_the_order() -> None:
    assert numeric_order("en-US") == "month_first"
    assert numeric_order("en-GB") == "day_first"
    assert numeric_order("en-MY") == "day_first"
    assert numeric_order("tr-TR") == "day_first"
    assert numeric_order("ja-JP") == "year_first"
    assert numeric_order("xx-QQ") is None
    [us] = settle_order(find_dates("04/09/2023"), "en-US")
    assert [r.start.month for r in us.readings] == [4]
    assert "en-US's short date pattern" in us.notes[0]
    [gb] = settle_order(find_dates("04/09/2023"), "en-GB")
    assert [r.start.month for r in gb.readings] == [9]
    [unknown] = settle_order(find_dates("04/09/2023"), None)
    assert len(unknown.readings) == 2


def test_folding_keeps_positions() -> None:
    text = "Tarih: ٤ Eylül ٢٠٢٣"
    folded = fold(text)
    assert folded.text == "tarih: 4 eylul 2023"
    [mention] = find_dates(text, ("tr",))
    assert text[mention.start : mention.end] == "٤ Eylül ٢٠٢٣" == mention.text


def _cldr_lines() -> list[tuple[str, str, date]]:
    """The full, long and medium dates of every CLDR language, as Babel (ICU's patterns) writes them."""
    picked = [date(2023, 9, 4), date(1987, 1, 23), date(2011, 12, 31)]
    lines = []
    for tag in locale_identifiers():
        if "_" in tag:
            continue
        for width in ("full", "long", "medium"):
            lines += [(tag, format_date(day, width, locale=tag), day) for day in picked]
    return lines


def test_cldr_s_own_dates_are_read_in_nearly_every_language() -> None:
    lines = _cldr_lines()
    found = sum(
        day in {r.start.date() for m in find_dates(text, (tag,)) for r in m.readings} for tag, text, day in lines
    )
    assert found / len(lines) >= 0.95, found / len(lines)


@pytest.mark.parametrize(
    "tag",
    [
        "ru",
        "en",
        "tr",
        "uk",
        "de",
        "fr",
        "es",
        "pt",
        "it",
        "pl",
        "id",
        "vi",
        "hi",
        "bn",
        "ur",
        "ar",
        "kk",
        "uz",
        "en-US",
        "en-GB",
        "en-IN",
        "en-MY",
        "fa",
        "he",
        "ja",
        "zh",
        "ko",
    ],
)
def test_cldr_s_own_dates_in_the_case_s_languages(tag: str) -> None:
    for width in ("full", "long", "medium"):
        for day in (date(2023, 9, 4), date(1999, 1, 23), date(2011, 12, 31), date(2020, 5, 15)):
            text = format_date(day, width, locale=tag.replace("-", "_"))
            assert day in {r.start.date() for m in find_dates(text, (tag,)) for r in m.readings}, text
