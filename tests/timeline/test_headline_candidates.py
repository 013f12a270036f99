"""Lines that read as headlines and matched nothing: real titles in, interface text out."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import django
import pytest

from tests.conftest import shared_file
from timeline.extract.headlines import Unmatched, headline_like, unmatched_headlines


def _sample(name: str, count: int = 1500) -> list[str]:
    with shared_file("headlines", name).open(encoding="utf-8") as handle:
        rows = [row["title"] for row in csv.DictReader(handle)]
    return random.Random(5).sample(rows, min(count, len(rows)))


@pytest.mark.parametrize("name", ["guardian_uk.csv", "cnbc_us.csv", "lenta_ru.csv", "ru_newsapi_sample.csv"])
def test_real_headlines_read_as_headlines(name: str) -> None:
    titles = _sample(name)
    found = sum(headline_like(title) for title in titles)
    assert found >= 0.95 * len(titles)


def _interface_strings(language: str) -> list[str]:
    """Django's own messages, buttons and labels as its translators wrote them, in one language."""
    strings = []
    for path in Path(django.__file__).parent.glob(f"**/locale/{language}/LC_MESSAGES/django.po"):
        text = path.read_text(encoding="utf-8")
        found = re.findall(r'^msgstr "((?:[^"\\]|\\.)*(?:"\n"(?:[^"\\]|\\.)*)*)"', text, re.MULTILINE)
        strings += [m.replace('"\n"', "") for m in found]
    return [s for s in strings if s and "%" not in s and "{" not in s and "\\n" not in s]


@pytest.mark.parametrize("language", ["ru", "uk", "tr", "hi", "bn", "ur", "en_GB"])
def test_interface_text_written_by_translators_seldom_reads_as_a_headline(language: str) -> None:
    strings = _interface_strings(language)
    assert len(strings) > 150
    assert sum(headline_like(s) for s in strings) <= 0.07 * len(strings)


@pytest.mark.parametrize(
    "line",
    [
        "Путин подписал закон о едином реестре адвокатов",
        "Erdoğan ve Putin Soçi’de bir araya geldi",
        "भारत ने रूस से तेल आयात बढ़ाया, अमेरिका ने जताई चिंता",
        "পাকিস্তান ও বাংলাদেশের মধ্যে নতুন বাণিজ্য চুক্তি স্বাক্ষরিত",
        "پاکستان میں آٹے کی قیمت میں ریکارڈ اضافہ",
        "«Газпром» сообщил о рекордном падении экспорта…",
        "Fed signals two more rate rises this year as inflation stays high...",
    ],
)
def test_titles_in_many_scripts_and_shortened_titles_read_as_headlines(line: str) -> None:
    assert headline_like(line)


@pytest.mark.parametrize(
    "line",
    [
        "Выделите все объекты на изображении и нажмите «Отправить».",
        "कृपया नीचे दिए गए सभी चित्रों को ध्यान से देखें।",
        "براہ کرم تمام تصاویر کو غور سے دیکھیں۔",
        "see the full list of shops to shut announced so far",
        "https://news.example.org/2023/09/04/putin-erdogan-talks",
        "Пн 04.09.2023 14:46 RU 21°C",
        "Tasks | Pools | Projects | Settings | Help",
        "Новости",
    ],
)
def test_sentences_addresses_clocks_and_menus_do_not(line: str) -> None:
    assert not headline_like(line)


def test_a_title_wrapped_in_a_narrow_widget_is_kept_whole_and_each_title_apart() -> None:
    lines = [
        "Новости",
        "Путин провел переговоры с Эрдоганом",
        "в Сочи по зерновой сделке",
        "Курс доллара превысил 97 рублей впервые с марта",
        "14:46",
    ]
    assert unmatched_headlines(lines) == [
        Unmatched((1, 2), "Путин провел переговоры с Эрдоганом в Сочи по зерновой сделке"),
        Unmatched((3,), "Курс доллара превысил 97 рублей впервые с марта"),
    ]


def test_matched_lines_are_not_candidates_and_a_matched_headline_makes_a_news_block() -> None:
    lines = ["Курс доллара превысил 97 рублей впервые с марта", "Путин провел переговоры с Эрдоганом в Сочи"]
    assert unmatched_headlines(lines, matched=[(0,)]) == [Unmatched((1,), lines[1])]


def test_one_title_like_line_outside_a_news_block_is_not_a_candidate() -> None:
    task = ["Task 5512", "Label the traffic signs in Istanbul street photos", "Reward 0.05 USD", "Start"]
    assert unmatched_headlines(task) == []
    assert unmatched_headlines(["Haberler", *task]) == [Unmatched((2,), task[1])]
