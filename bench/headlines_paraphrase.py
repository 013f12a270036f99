"""Headlines as a news widget shows them, against the million-headline corpus of bench/headlines.py.

1. Builds the same corpus as bench/headlines.py (every real headline of
   ../shared/data/headlines plus generated ones, 1,000,000 in all) and indexes
   it in memory, as the cues stage does.
2. Takes 1,000 real Russian and English headlines of the corpus and shows each
   as a widget would: verbatim with OCR noise; reworded: shortened to its
   first clause, with the outlet and a time beside it, its clauses or words
   reordered; and, for the Russian ones, inflected (one or two words put in
   another case or number by pymorphy3's generator, the clauses swapped).
   Everything goes through OCR noise.
3. Negatives, which must match nothing: the same headlines with a name, a
   number or a place changed; and 1,000 real headlines held out of the corpus,
   verbatim and reworded as above (a widget showing news the corpus lacks).
4. Prints, for the matcher before lemmas (characters only: the same index and
   candidates, ``match_lines(other_forms=False)``) and the matcher of today
   (lemmas and rare-word weights) on the same screens, recall per set and way,
   precision over what was shown (verbatim, reworded, changed), and the
   matching time per screenshot of 25 lines (median). Lines of headlines the
   corpus lacks are counted apart: many real headlines have near copies in
   the corpus (the same news by another outlet or on another day, "введен"
   for "ввели"), which a match to is no error of reading; what would be one
   is a match first published after the line's own headline (a wrong bound).

Targets (issue 14): recall >= 90% reworded, >= 97% verbatim; precision >= 99.5%;
median <= 50 ms per screenshot.

Run: .venv/bin/python bench/headlines_paraphrase.py   (memory only; no database)
"""

from __future__ import annotations

import csv
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pymorphy3  # noqa: E402 - after the path
from headlines import UI_LINES, ocr_noise, real_headlines, write_corpus  # noqa: E402

from timeline.extract.headlines import HeadlineIndex, normalise  # noqa: E402
from timeline.extract.lemmas import lemma  # noqa: E402

SAMPLE = 1000
HELD_OUT = 1000
# A line shown, the corpus position it should match (None: nothing), the way it was shown, and the
# publication date of what it shows.
Case = tuple[str, int | None, str, str]
Matcher = Callable[[list[str]], list[tuple[tuple[int, ...], int]]]
_CASES = {"nomn", "gent", "datv", "accs", "ablt", "loct"}
_CLAUSE = re.compile(r"\s*(?::|\.\s|,\s|\s[–—-]\s)\s*")
_NUMBER = re.compile(r"\d+")


def first_clause(title: str) -> str | None:
    """The title up to its first colon, full stop, comma or dash, when that leaves four words or more."""
    head = _CLAUSE.split(title, maxsplit=1)[0]
    return head if head != title and len(head.split()) >= 4 else None


def beside(title: str, outlet: str, rng: random.Random) -> str:
    stamp = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    return rng.choice([f"{outlet} · {stamp} · {title}", f"{title} {stamp}", f"{stamp} {title} — {outlet}"])


def reordered(title: str, rng: random.Random) -> str | None:
    """The clauses swapped ("X: Y" as "Y: X"), or the last words moved to the front."""
    parts = _CLAUSE.split(title, maxsplit=1)
    if len(parts) == 2 and len(parts[1].split()) >= 3:
        return f"{parts[1]}: {parts[0]}"
    words = title.split()
    if len(words) < 6:
        return None
    cut = rng.randint(2, 3)
    return " ".join(words[-cut:] + words[:-cut])


def inflected(title: str, morph: pymorphy3.MorphAnalyzer, rng: random.Random) -> str | None:
    """A Russian title with one or two nouns, adjectives or verbs in another case or number, its clauses swapped."""
    words = title.split()
    changeable = []
    for position, word in enumerate(words):
        parse = morph.parse(word.strip("«»\"'.,:;!?"))[0]
        if parse.tag.POS in ("NOUN", "ADJF", "VERB") and len(word) > 3:
            changeable.append((position, parse))
    if not changeable:
        return None
    for position, parse in rng.sample(changeable, min(2, len(changeable))):
        if parse.tag.POS == "VERB":
            wanted = {"plur"} if parse.tag.number == "sing" else {"sing"}
        else:
            wanted = {rng.choice(sorted(_CASES - {parse.tag.case}))}
        other = parse.inflect(wanted)
        if other and other.word != parse.word:
            form = other.word.capitalize() if words[position][:1].isupper() else other.word
            words[position] = form
    variant = " ".join(words)
    swapped = reordered(variant, rng)
    return (swapped or variant) if variant != title else None


def changed(title: str, names: list[str], rng: random.Random) -> str | None:
    """The same headline about something else: a number moved on, or a capitalised name or place replaced."""
    numbers = _NUMBER.findall(title)
    if numbers and rng.random() < 0.5:
        number = rng.choice(numbers)
        return title.replace(number, str(int(number) + rng.randint(1, 9)), 1)
    words = title.split()
    capitalised = [i for i, w in enumerate(words[1:], start=1) if w[:1].isupper() and len(w) > 3]
    if not capitalised:
        return None
    position = rng.choice(capitalised)
    # Another name, not the same one in another case (``Путина`` for ``Путиным``).
    before = lemma(normalise(words[position]))
    for _ in range(20):
        other = rng.choice(names)
        if lemma(normalise(other)) != before:
            return " ".join([*words[:position], other, *words[position + 1 :]])
    return None


def measure(match: Matcher, sets: dict[str, list[Case]], titles: list[str], first: dict[str, str]) -> dict:
    """Recall per set and per way of showing, precision, and the wrong bounds; each line last on a screen of 25.

    The other 24 lines are a widget's menus and task text and 16 other
    headlines of the corpus; only what is matched on the line itself is
    scored. A line of a headline the corpus lacks that matches another one
    first published after it would give a wrong bound (``later``).
    """
    hits: Counter[str] = Counter()  # per set, and per way of showing (keys apart: "verbatim" is both)
    shown: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    times = []
    rng = random.Random(11)
    for name, cases in sets.items():
        for line, expected, way, published in cases:
            screen = [*rng.sample(UI_LINES, 8), *(ocr_noise(t, rng) for t in rng.sample(titles, 16)), line]
            started = time.perf_counter()
            matched = match(screen)
            times.append(time.perf_counter() - started)
            shown[name] += 1
            shown[f"way:{way}"] += 1
            for covered, position in matched:
                if len(screen) - 1 not in covered:
                    continue
                # The same title twice in the corpus (another day, another outlet) is the same answer.
                if expected is not None and titles[position] == titles[expected]:
                    hits[name] += 1
                    hits[f"way:{way}"] += 1
                else:
                    wrong[way] += 1
                    wrong["later"] += way == NOT_IN_CORPUS and first[titles[position]] > published
    right = sum(hits[name] for name in sets)
    counted = sum(count for way, count in wrong.items() if way not in (NOT_IN_CORPUS, "later"))
    return {
        "recall": {key.removeprefix("way:"): hits[key] / count for key, count in shown.items() if key != "negatives"},
        "wrong": wrong,
        "precision": right / (right + counted) if right + counted else 1.0,
        "median_ms": statistics.median(times) * 1000,
    }


def widget_views(title: str, outlet: str, morph: pymorphy3.MorphAnalyzer, rng: random.Random) -> list[tuple[str, str]]:
    """The title as widgets reword it, each with the way it was reworded."""
    views = [
        ("shortened", first_clause(title)),
        ("beside", beside(title, outlet or "Lenta.ru", rng)),
        ("reordered", reordered(title, rng)),
    ]
    if any("а" <= c <= "я" for c in title.lower()):
        views.append(("inflected", inflected(title, morph, rng)))
    return [(way, ocr_noise(text, rng)) for way, text in views if text]


NOT_IN_CORPUS = "not in the corpus"
WAYS = ("shortened", "beside", "reordered", "inflected")


def main() -> None:
    rng = random.Random(7)
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    real = real_headlines()
    rng.shuffle(real)
    usable = [r for r in real if r["language"] in ("ru", "en") and len(r["title"].split()) >= 6]
    held_out_titles = {normalise(r["title"]) for r in usable[:HELD_OUT]}
    held_out = usable[:HELD_OUT]
    in_corpus = [r for r in real if normalise(r["title"]) not in held_out_titles]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.csv"
        write_corpus(path, in_corpus, rng)
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    titles, dates = [r["title"] for r in rows], [r["published_at"] for r in rows]
    started = time.perf_counter()
    index = HeadlineIndex([normalise(t) for t in titles])
    built = time.perf_counter() - started
    position = {t: i for i, t in reversed(list(enumerate(titles)))}
    first = {}
    for title, published in zip(index.titles, dates, strict=True):
        first[title] = min(first.get(title, published), published)
    sample = [r for r in in_corpus if r["language"] in ("ru", "en") and len(r["title"].split()) >= 6][:SAMPLE]
    names = [w for r in real for w in r["title"].split()[1:] if w[:1].isupper() and w.isalpha() and len(w) > 3]
    sets: dict[str, list[Case]] = {"verbatim": [], "reworded": [], "negatives": []}
    for row in sample:
        title, expected, day = row["title"], position[row["title"]], row["published_at"]
        sets["verbatim"].append((ocr_noise(title, rng), expected, "verbatim", day))
        views = widget_views(title, row["outlet"], morph, rng)
        sets["reworded"] += [(text, expected, way, day) for way, text in views]
        other = changed(title, names, rng)
        if other and normalise(other) not in position:
            sets["negatives"].append((ocr_noise(other, rng), None, "changed", day))
    for row in held_out:
        day = row["published_at"]
        sets["negatives"].append((ocr_noise(row["title"], rng), None, NOT_IN_CORPUS, day))
        views = widget_views(row["title"], row["outlet"], morph, rng)
        sets["negatives"] += [(text, None, NOT_IN_CORPUS, day) for _, text in views]
    print(f"corpus {len(titles):,} headlines, indexed in {built:.1f} s; {len(sample)} real headlines shown as a widget")
    count = Counter(way for cases in sets.values() for _, _, way, _ in cases)
    print(", ".join(f"{name} {len(cases)}" for name, cases in sets.items()))
    for label, other_forms in (("before lemmas (characters only)", False), ("today (lemmas, rare-word weights)", True)):

        def matcher(lines: list[str], other_forms: bool = other_forms) -> list[tuple[tuple[int, ...], int]]:
            return [(m.lines, m.headline) for m in index.match_lines(lines, other_forms=other_forms)]

        result = measure(matcher, sets, index.titles, first)
        recall, wrong = result["recall"], result["wrong"]
        print(
            f"{label}: recall verbatim {recall['verbatim']:.1%} (target >= 97%), reworded {recall['reworded']:.1%} "
            f"(target >= 90%); precision {result['precision']:.2%} (target >= 99.5%); "
            f"median {result['median_ms']:.1f} ms per screenshot (target <= 50 ms)"
        )
        ways = ", ".join(f"{way} {recall[way]:.1%}" for way in WAYS)
        print(f"  reworded by way: {ways}")
        print(
            f"  wrong: {wrong['verbatim'] + sum(wrong[w] for w in WAYS)} shown headlines matched another; "
            f"{wrong['changed']} of {count['changed']} with a name or number changed matched; "
            f"of {count[NOT_IN_CORPUS]} lines of headlines the corpus lacks, {wrong[NOT_IN_CORPUS]} matched another "
            f"(in the precision above: no), {wrong['later']} of them first published later (a wrong bound)"
        )


if __name__ == "__main__":
    main()
