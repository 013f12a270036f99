"""Headline matching on real headlines from ../shared/data/headlines, with OCR-like errors."""

from __future__ import annotations

import csv
import random

import pytest

from tests.conftest import shared_file
from timeline.extract.headlines import build_index, normalise


def titles(name: str, count: int) -> list[str]:
    with shared_file("headlines", name).open(encoding="utf-8") as handle:
        return [row["title"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return titles("lenta_ru.csv", 4000) + titles("guardian_uk.csv", 4000) + titles("ru_newsapi_sample.csv", 433)


@pytest.fixture(scope="module")
def index(corpus: list[str]) -> object:
    return build_index(corpus)


def ocr_noise(text: str, rng: random.Random, rate: float = 0.03) -> str:
    """Swap, drop and confuse characters the way OCR does."""
    confusions = {"о": "0", "o": "0", "l": "1", "е": "c", "и": "н", "rn": "m", "а": "a", "с": "c"}
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate / 3:
            continue
        if roll < rate:
            out.append(confusions.get(char, char.upper() if char.islower() else char))
            continue
        out.append(char)
    return "".join(out)


def test_normalising_drops_case_punctuation_and_yo() -> None:
    assert normalise("«Ёлки» — в Москве: 4 сентября!") == "елки в москве 4 сентября"


def test_exact_headlines_match_themselves(index: object, corpus: list[str]) -> None:
    for position in range(0, len(corpus), 401):
        if len(normalise(corpus[position]).split()) < 5:
            continue
        [match] = index.match_lines([corpus[position]])
        assert index.titles[match.headline] == normalise(corpus[position])


def test_headlines_with_ocr_errors_still_match(index: object, corpus: list[str]) -> None:
    rng = random.Random(4)
    tried = found = 0
    for position in rng.sample(range(len(corpus)), 300):
        title = corpus[position]
        if len(normalise(title).split()) < 5:
            continue
        tried += 1
        matches = index.match_lines([ocr_noise(title, rng)])
        found += bool(matches) and index.titles[matches[0].headline] == normalise(title)
    assert found / tried >= 0.95


def test_a_headline_wrapped_over_three_lines_matches(index: object, corpus: list[str]) -> None:
    title = next(t for t in corpus if len(t.split()) >= 9)
    parts = title.split()
    lines = ["Главное", " ".join(parts[:3]), " ".join(parts[3:6]), " ".join(parts[6:]), "Погода"]
    [match] = index.match_lines(lines)
    assert match.lines == (1, 2, 3)
    assert index.titles[match.headline] == normalise(title)


def test_generic_lines_menus_and_unrelated_text_do_not_match(index: object) -> None:
    lines = [
        "Новости",
        "Weather",
        "Главная Новости Спорт Погода Курсы валют",
        "Home News Sport Business Culture",
        "Обведите рамкой каждого человека в кадре",
        "Draw a box around every human body in the picture",
        "Выполнено сегодня: 36 из 480",
    ]
    assert index.match_lines(lines) == []


def test_a_headline_inside_a_longer_line_matches(index: object, corpus: list[str]) -> None:
    title = next(t for t in corpus if len(t) > 60)
    [match] = index.match_lines([f"14:32  {title}  Lenta.ru"])
    assert index.titles[match.headline] == normalise(title)


def test_a_different_name_is_a_different_headline_but_ocr_digit_slips_are_not() -> None:
    index = build_index(
        ["Генпрокуратура России заподозрила бывшего министра в измене", "Covid-19 cases rise again in London hospitals"]
    )
    assert index.match_lines(["Генпрокуратура Украины заподозрила бывшего министра в измене"]) == []
    assert index.match_lines(["Covid-l9 cases rise again in London hospitals"])
    assert index.match_lines(["Covid-20 cases rise again in London hospitals"]) == []
