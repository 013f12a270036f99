"""Full-text search at a million OCR lines on PostgreSQL: indexing rate, query latency, and the ratio to a scan.

1. Builds a case of 100,000 frames with 10 lines each (1,000,000 lines): real
   Russian and English headlines of ../shared/data/headlines and task-platform
   interface text, through OCR noise, as the index stage writes them
   (``search_entries_replace``, with the GIN indexes in place); prints lines
   per second (target >= 5,000).
2. Times 100 queries of each sort through ``search_hits`` (one page of 25
   hits and the count): single words, quoted phrases, and words with one
   letter damaged as OCR damages them; prints p50 and p95 (target p95 <= 100 ms).
3. Times the same single words as a plain ``icontains`` scan of the rows
   (Django's ``text__icontains``, first page and count), on 10 queries, and
   prints the ratio (target: search at least 50x faster).

Run: .venv/bin/python bench/search.py   (uses the database "evidence_bench_search" on
127.0.0.1, created and dropped by the script; set BENCH_SEARCH_DATABASE_URL to change it, and
BENCH_SEARCH_KEEP=1 to keep it for a look afterwards)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
# bench/headlines.py points DATABASE_URL at its own database when imported: import it first.
from headlines import UI_LINES, ocr_noise, real_headlines  # noqa: E402 - after the path

DATABASE = os.environ.get("BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_bench_search")
os.environ["DATABASE_URL"] = DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402 - after the environment
from _scratch_db import drop_database, recreate_database  # noqa: E402

FRAMES = int(os.environ.get("BENCH_SEARCH_FRAMES", "100000"))  # fewer for a quick try of the script
LINES_PER_FRAME = 10
QUERIES = 100
SCANS = 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    rng = random.Random(5)
    recreate_database(DATABASE)
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from archive.models import Case, Evidence, SearchEntry, SearchKind
    from archive.search import Entry, query_parse, search_entries_replace, search_hits

    try:
        call_command("migrate", verbosity=0)
        user = get_user_model().objects.create_user("bench")
        case = Case.objects.create(slug="bench", title="Bench", created_by=user)
        titles = [r["title"] for r in real_headlines() if r["language"] in ("ru", "en")]
        texts = [*UI_LINES, *titles]
        started = time.perf_counter()
        for item in range(FRAMES // 1000):
            evidence = Evidence.objects.create(
                case=case,
                kind="recording",
                sha256=f"{item:064x}",
                size=1,
                content_type="video/mp4",
                original_name=f"rec{item}.mp4",
            )
            entries = [
                Entry(
                    f"line:{item}:{frame}:{n}",
                    ocr_noise(rng.choice(texts), rng, 0.02),
                    frame,
                    frame * 0.5,
                    [10, 20 * n, 400, 18],
                )  # fmt: skip
                for frame in range(1000)
                for n in range(LINES_PER_FRAME)
            ]
            search_entries_replace(evidence, SearchKind.OCR, entries)
        seconds = time.perf_counter() - started
        rows = SearchEntry.objects.count()
        rate = rows / seconds
        print(f"indexed {rows:,} lines in {seconds:.0f} s = {rate:,.0f} lines/s (target >= 5,000)")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE archive_searchentry")

        words = [w for t in rng.sample(titles, 2000) for w in t.split() if len(w) >= 6 and w.isalpha()]
        singles = rng.sample(words, QUERIES)
        phrases = []
        for title in rng.sample(titles, QUERIES * 3):
            parts = [w for w in title.split() if w.isalpha()]
            if len(parts) >= 3:
                start = rng.randrange(len(parts) - 1)
                phrases.append(f'"{parts[start]} {parts[start + 1]}"')
        phrases = phrases[:QUERIES]
        damaged = []
        for word in rng.sample(words, QUERIES):
            position = rng.randrange(1, len(word) - 1)
            damaged.append(word[:position] + rng.choice("cleo1") + word[position + 1 :])

        def timed(queries: list[str]) -> tuple[list[float], float]:
            times, found = [], 0
            for text in queries:
                began = time.perf_counter()
                hits, total = search_hits(query_parse(text), cases=[case.pk], limit=25)
                times.append((time.perf_counter() - began) * 1000)
                found += total > 0
            return times, found / len(queries)

        results = {}
        for name, queries in (("single words", singles), ("phrases", phrases), ("OCR-damaged words", damaged)):
            times, found = timed(queries)
            results[name] = times
            print(
                f"{name}: p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
                f"(target p95 <= 100 ms); {found:.0%} found something"
            )
        scans = []
        for text in singles[:SCANS]:
            began = time.perf_counter()
            matching = SearchEntry.objects.filter(case=case, text__icontains=text)
            list(matching.order_by("id")[:25])
            matching.count()
            scans.append((time.perf_counter() - began) * 1000)
        ours = statistics.median(results["single words"][:SCANS])
        scan = statistics.median(scans)
        print(f"icontains scan of the same words: median {scan:.0f} ms; search/scan = {ours / scan:.4f} "
              f"({scan / ours:.0f}x faster; target >= 50x)")  # fmt: skip
    finally:
        if not os.environ.get("BENCH_SEARCH_KEEP"):
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
