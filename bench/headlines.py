"""The headline corpus at a million rows: import rate, matching speed, recall and precision.

1. Builds a corpus of 1,000,000 headlines: every real one in ../shared/data/headlines
   (about 120,000) plus generated ones made from their words; 2,000 real
   headlines are held out of it.
2. Imports it into PostgreSQL with our importer (COPY) and, for scale, 100,000
   rows with Django's bulk_create; prints rows per second (target >= 20,000).
3. Builds the in-memory index and matches the lines of 200 simulated
   screenshots (25 lines each: headlines with OCR errors, some wrapped over two
   lines, among menus, task text and held-out headlines); prints the median and
   95th percentile per screenshot (target median <= 50 ms) and the ratio to a
   brute-force RapidFuzz scan of the whole corpus, timed on 3 screenshots.
4. Recall on 1,000 corpus headlines with simulated OCR errors and precision
   over those plus 1,000 held-out headlines that must not match (targets 95% / 99%).

Run: .venv/bin/python bench/headlines.py   (uses the database "evidence_bench" on
127.0.0.1, created and dropped by the script; set BENCH_DATABASE_URL to change it)
"""

from __future__ import annotations

import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_bench")
os.environ["DATABASE_URL"] = DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django
from _scratch_db import recreate_database

SHARED = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "headlines"
CORPUS_SIZE = 1_000_000
HELD_OUT = 2_000


def real_headlines() -> list[dict[str, str]]:
    rows = []
    for path in sorted(SHARED.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def ocr_noise(text: str, rng: random.Random, rate: float = 0.03) -> str:
    confusions = {"о": "0", "o": "0", "l": "1", "i": "l", "е": "c", "и": "н", "а": "a", "с": "c", "e": "c", "m": "rn"}
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate / 3:
            continue
        out.append(confusions.get(char, char.swapcase()) if roll < rate else char)
    return "".join(out)


def write_corpus(path: Path, real: list[dict[str, str]], rng: random.Random) -> None:
    vocabulary = [w for row in real for w in row["title"].split()]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["published_at", "title", "outlet", "url", "language"])
        for row in real:
            writer.writerow([row["published_at"], row["title"], row["outlet"], row["url"], row["language"]])
        for number in range(CORPUS_SIZE - len(real)):
            title = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 12)))
            day = f"20{rng.randint(10, 24):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            writer.writerow([day, title, "Generated", "", "en" if number % 2 else "ru"])


UI_LINES = [
    "Главная Новости Спорт Погода Курсы валют",
    "Home News Sport Business Culture Opinion",
    "Обведите рамкой каждого человека в кадре",
    "Draw a box around every human body in the picture",
    "Выполнено сегодня: 36 из 480",
    "Оплата: 0.03 $ за изображение",
    "Новости",
    "Weather",
    "Submit  Skip  Report a problem",
    "© 2015–2023 Example Ltd. All rights reserved",
]


def screenshots(count: int, present: list[str], absent: list[str], rng: random.Random) -> list[list[str]]:
    shots = []
    for _ in range(count):
        lines = rng.sample(UI_LINES, 8) + [ocr_noise(t, rng) for t in rng.sample(absent, 7)]
        for title in rng.sample(present, 5):
            noisy = ocr_noise(title, rng)
            words = noisy.split()
            if len(words) > 7 and rng.random() < 0.5:
                lines += [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]
            else:
                lines.append(noisy)
        rng.shuffle(lines)
        shots.append(lines[:25])
    return shots


def main() -> None:
    rng = random.Random(7)
    recreate_database(DATABASE)
    django.setup()
    from django.core.management import call_command
    from rapidfuzz import fuzz, process

    from timeline.extract.headlines import MIN_SCORE, normalise
    from timeline.headlines import headline_index, headlines_import
    from timeline.models import ReferenceHeadline

    call_command("migrate", verbosity=0)
    real = real_headlines()
    rng.shuffle(real)
    usable = [r for r in real if len(normalise(r["title"]).split()) >= 5]
    held_out = {r["title"] for r in usable[:HELD_OUT]}
    corpus_real = [r for r in real if r["title"] not in held_out]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.csv"
        write_corpus(path, corpus_real, rng)
        started = time.perf_counter()
        result = headlines_import(path)
        seconds = time.perf_counter() - started
        print(
            f"import (COPY): {result.imported:,} rows in {seconds:.1f} s = {result.imported / seconds:,.0f} rows/s "
            f"(target >= 20,000)  {'OK' if result.imported / seconds >= 20_000 else 'MISSED'}"
        )
    sample = list(ReferenceHeadline.objects.order_by("?")[:100_000].values())
    ReferenceHeadline.objects.filter(pk__in=[r["id"] for r in sample]).delete()
    for row in sample:
        row.pop("id")
    started = time.perf_counter()
    ReferenceHeadline.objects.bulk_create([ReferenceHeadline(**row) for row in sample], batch_size=5000)
    seconds = time.perf_counter() - started
    print(f"baseline (bulk_create): {len(sample):,} rows in {seconds:.1f} s = {len(sample) / seconds:,.0f} rows/s")

    started = time.perf_counter()
    index = headline_index()
    print(
        f"index of {len(index):,} headlines built in {time.perf_counter() - started:.1f} s; "
        f"process memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )

    present = [r["title"] for r in usable[HELD_OUT:] if r["title"] not in held_out]
    absent = sorted(held_out)
    shots = screenshots(200, present, absent, rng)
    timings = []
    for lines in shots:
        started = time.perf_counter()
        index.match_lines(lines)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(
        f"matching one screenshot (25 lines): median {median:.1f} ms, p95 {p95:.1f} ms (target median <= 50 ms)  "
        f"{'OK' if median <= 50 else 'MISSED'}"
    )

    brute = []
    for lines in shots[:3]:
        started = time.perf_counter()
        for size in (1, 2, 3):
            for first in range(len(lines) - size + 1):
                text = normalise(" ".join(lines[first : first + size]))
                process.extractOne(text, index.titles, scorer=fuzz.ratio, score_cutoff=MIN_SCORE)
        brute.append((time.perf_counter() - started) * 1000)
    ours = statistics.mean(timings[:3])
    print(
        f"brute-force scan of the corpus: {statistics.mean(brute):,.0f} ms per screenshot; "
        f"ours/brute-force = {ours / statistics.mean(brute):.5f}"
    )

    wanted = rng.sample(present, 1000)
    correct = wrong = 0
    for title in wanted:
        matches = index.match_lines([ocr_noise(title, rng)])
        if matches and index.titles[matches[0].headline] == normalise(title):
            correct += 1
        elif matches:
            wrong += 1
    false_matches = sum(bool(index.match_lines([ocr_noise(t, rng)])) for t in rng.sample(absent, 1000))
    recall = correct / len(wanted)
    precision = correct / max(1, correct + wrong + false_matches)
    print(
        f"recall {recall:.1%} (target >= 95%), precision {precision:.1%} (target >= 99%): "
        f"{correct} right, {wrong} wrong headline, {false_matches} matches for held-out headlines  "
        f"{'OK' if recall >= 0.95 and precision >= 0.99 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
