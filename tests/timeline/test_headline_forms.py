"""Headlines as widgets show them: inflected, reordered, cut short, with an outlet beside; and what must not match."""

from __future__ import annotations

import random

import pymorphy3
import pytest

from tests.timeline.test_headlines import ocr_noise, titles
from timeline.extract.headlines import build_index, normalise, words
from timeline.extract.lemmas import lemma, one_script

SOCHI = "Путин провел переговоры с Эрдоганом в Сочи"


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return [SOCHI, *titles("lenta_ru.csv", 3000), *titles("guardian_uk.csv", 3000)]


@pytest.fixture(scope="module")
def index(corpus: list[str]) -> object:
    return build_index(corpus)


def matched(index: object, line: str) -> str | None:
    found = index.match_lines([line])
    return index.titles[found[0].headline] if found else None


def test_lemmas_join_the_forms_of_a_word_in_russian_ukrainian_and_english() -> None:
    assert lemma("провел") == lemma("провели") == "провести"
    assert lemma("эрдоганом") == lemma("эрдоган")
    assert lemma("україни") == lemma("україна")
    assert lemma("talks") == lemma("talk")
    # OCR's Latin look-alikes and zeros inside a Cyrillic word are read in one script.
    assert one_script("пyтин") == "путин"
    assert lemma("п0ехали") == lemma("поехали")


def test_the_same_news_in_other_forms_and_order_matches(index: object) -> None:
    found = index.match_lines(["Путин и Эрдоган провели переговоры в Сочи"])
    assert [index.titles[m.headline] for m in found] == [normalise(SOCHI)]
    assert "other forms or order" in found[0].reason
    assert 0 < found[0].score <= 100


def test_a_headline_cut_short_or_with_its_outlet_beside_matches(index: object) -> None:
    assert matched(index, "Путин провел переговоры с Эрдоганом") == normalise(SOCHI)
    assert matched(index, "РИА Новости · 12:30 · Путин провел переговоры с Эрдоганом в Сочи") == normalise(SOCHI)


def test_another_name_place_or_number_in_the_same_words_does_not_match(index: object) -> None:
    assert matched(index, "Путин провел переговоры с Макроном в Сочи") is None
    assert matched(index, "Путин провел переговоры с Эрдоганом в Анкаре") is None
    assert matched(index, "Путин и Макрон провели переговоры в Сочи") is None
    # Words of their own inside the headline make another headline, even with the outlet set apart.
    assert matched(index, "Путин провел срочные переговоры с Эрдоганом в Сочи") is None
    # The end of the headline is not the headline cut short.
    assert matched(index, "переговоры с Эрдоганом в Сочи") is None


def test_the_start_of_two_headlines_matches_neither() -> None:
    index = build_index(
        [
            "Путин провел переговоры с Эрдоганом в Сочи по зерновой сделке",
            "Путин провел переговоры с Эрдоганом в Сочи и пообещал газовый хаб",
        ]
    )
    assert index.match_lines(["Путин провел переговоры с Эрдоганом в Сочи"]) == []
    assert index.match_lines(["Путин провел переговоры с Эрдоганом в Сочи по зерновой сделке"])


def inflect(title: str, morph: pymorphy3.MorphAnalyzer, rng: random.Random) -> str:
    """Nouns and verbs put in another case or number, as a widget's own wording would."""
    words = title.split()
    for position, word in enumerate(words):
        parse = morph.parse(word)[0]
        if parse.tag.POS == "NOUN" and rng.random() < 0.5:
            other = parse.inflect({rng.choice(["gent", "datv", "ablt", "loct"])})
        elif parse.tag.POS == "VERB" and parse.tag.number:
            other = parse.inflect({"plur" if parse.tag.number == "sing" else "sing"})
        else:
            continue
        if other:
            words[position] = other.word.capitalize() if word[:1].isupper() else other.word
    return " ".join(words)


def test_real_russian_headlines_inflected_and_read_with_ocr_errors_match_themselves_only(
    index: object, corpus: list[str]
) -> None:
    rng = random.Random(5)
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    russian = [t for t in corpus[1:3001] if len(t.split()) >= 6]
    tried = found = wrong = 0
    for title in rng.sample(russian, 300):
        variant = inflect(title, morph, rng)
        if normalise(variant) == normalise(title):
            continue
        tried += 1
        got = matched(index, ocr_noise(variant, rng))
        found += got == normalise(title)
        wrong += got is not None and not same_words(got, normalise(title))
    assert tried > 200
    assert found / tried >= 0.85
    assert wrong == 0


def same_words(one: str, other: str) -> bool:
    """Whether the words of one headline are all in the other: the corpus has some titles twice, one cut short."""
    first, second = ({lemma(w) for w in words(t)} for t in (one, other))
    return first <= second or second <= first


def test_real_headlines_with_one_name_replaced_never_match(index: object, corpus: list[str]) -> None:
    rng = random.Random(6)
    names = sorted({w for t in corpus for w in t.split()[1:] if w[:1].isupper() and w.isalpha() and len(w) > 4})
    tried = 0
    for title in rng.sample(corpus[1:], 400):
        words = title.split()
        capitalised = [i for i, w in enumerate(words[1:], start=1) if w[:1].isupper() and w.isalpha() and len(w) > 4]
        if len(words) < 6 or not capitalised:
            continue
        position = rng.choice(capitalised)
        other = rng.choice([n for n in names if lemma(n.lower()) != lemma(words[position].lower())])
        changed = " ".join([*words[:position], other, *words[position + 1 :]])
        if normalise(changed) in index.titles:
            continue
        tried += 1
        assert matched(index, ocr_noise(changed, rng)) != normalise(title), changed
    assert tried > 100


def test_ocr_runs_words_together_and_slips_in_short_words(index: object) -> None:
    assert matched(index, "Путин провел переговорыс Эрдоганом вСочи") == normalise(SOCHI)
    assert matched(index, "Путин пр0вел переговоры с Эрдоганом в Сочн") == normalise(SOCHI)
