"""The timeline at scale: a case of 10,000 items and 100,000 cues.

1. Builds the case in PostgreSQL: 10,000 items with 10 cues each around a
   sanction date of 20 July 2023 (headlines, clocks, posting times; some
   confirmed, some rejected), a posting time on a third of them, two entities.
2. Confirms one cue through the review service and shows what it touched:
   the queries it ran and the capture-interval rows that changed (target:
   only that item's).
3. Renders the timeline page through Django's test client as a fact-checker,
   counting its queries at 10,000 items and at 10 (target: the same number),
   and times it against a naive implementation that recomputes every item's
   intervals and verdicts from all its cues on each request. Both give the
   same answer line, which the script checks.

Run: .venv/bin/python bench/timeline.py   (uses the database "evidence_bench_timeline"
on 127.0.0.1, created and dropped by the script; set BENCH_DATABASE_URL to change it)
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_bench_timeline")
os.environ["DATABASE_URL"] = DATABASE
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django
from _scratch_db import drop_database, recreate_database

ITEMS = 10_000
CUES_PER_ITEM = 10
EVENT = datetime(2023, 7, 20, tzinfo=UTC)
RUNS = 5


def build_case(slug: str, items: int, owner: object, rng: random.Random) -> object:
    """A case of ``items`` items with their cues and stored intervals, written in bulk."""
    from archive import services
    from archive.models import CollectionMethod, Evidence, Provenance
    from timeline.intervals import intersect
    from timeline.models import CaptureInterval, Cue, Entity
    from timeline.services import event_add

    case = services.case_create(slug=slug, title=f"Bench {slug}", owner=owner)
    event_add(case=case, title="EU listing", day=EVENT.date(), actor=owner, entity_name="NTechLab")
    event_add(case=case, title="Second listing", day=(EVENT + timedelta(days=200)).date(), actor=owner)
    evidence = Evidence.objects.bulk_create(
        Evidence(case=case, kind="recording", sha256=f"{slug}{n:060d}"[-64:], size=1000 + n,
                 content_type="video/mp4", original_name=f"task-{n:05d}.mp4", status="done")
        for n in range(items)
    )  # fmt: skip
    now = datetime.now(UTC)
    Provenance.objects.bulk_create(
        Provenance(evidence=item, method=CollectionMethod.UPLOAD, collected_by=owner, collected_at=now,
                   original_name=item.original_name, platform="TaskHive",
                   posted_at=EVENT + timedelta(days=rng.randint(-100, 200)) if n % 3 == 0 else None)
        for n, item in enumerate(evidence)
    )  # fmt: skip
    cues = []
    for item in evidence:
        # The true capture moment; each cue bounds it, and one cue in twenty is wrong by months.
        moment = EVENT + timedelta(days=rng.randint(-150, 150), hours=rng.randint(0, 23))
        for number in range(CUES_PER_ITEM):
            bound = rng.choice(["not_before", "not_after", "on"])
            offset = {"not_before": -rng.randint(1, 90), "not_after": rng.randint(0, 90), "on": -0.5}[bound]
            if rng.random() < 0.05:
                offset += rng.choice([-120, 120])
            start = moment + timedelta(days=offset)
            status = rng.choices(["proposed", "confirmed", "rejected"], weights=[6, 3, 1])[0]
            cues.append(Cue(evidence=item, kind=rng.choice(["headline", "clock", "text_date", "platform_upload"]),
                            bound=bound, earliest=start, latest=start + timedelta(days=1), granularity="day",
                            time_zone="UTC", strength=rng.choice(["strong", "medium", "weak"]), status=status,
                            text=f"cue {number}", explanation="bench", fingerprint=f"{item.pk}-{number}"))  # fmt: skip
    Cue.objects.bulk_create(cues, batch_size=5000)
    by_item: dict[int, list[Cue]] = {}
    for cue in cues:
        by_item.setdefault(cue.evidence_id, []).append(cue)
    intervals = []
    for item in evidence:
        counted = [c for c in by_item[item.pk] if c.status != "rejected"]
        for mode, chosen in (("provisional", counted), ("verified", [c for c in counted if c.status == "confirmed"])):
            found = intersect(chosen)
            intervals.append(CaptureInterval(evidence=item, mode=mode, earliest=found.earliest, latest=found.latest,
                                             conflict=found.empty, cues=len(chosen)))  # fmt: skip
    CaptureInterval.objects.bulk_create(intervals, batch_size=5000)
    entity = Entity.objects.get(case=case, name="NTechLab")
    entity.evidence.add(*evidence[: items // 2])
    return case


def naive_timeline(case: object, events: list) -> tuple[list[str], list]:
    """What a timeline without stored intervals does on each request: every cue read, every item recomputed."""
    from archive.models import Evidence
    from timeline.intervals import intersect, verdict
    from timeline.models import Cue
    from timeline.selectors import EventAnswer

    by_item: dict[int, list[Cue]] = {}
    for cue in Cue.objects.filter(evidence__case=case).exclude(status="rejected"):
        by_item.setdefault(cue.evidence_id, []).append(cue)
    rows = []
    for item in Evidence.objects.filter(case=case):
        cues = by_item.get(item.pk, [])
        rows.append((item, intersect(cues), intersect([c for c in cues if c.status == "confirmed"])))
    answers = []
    for event in events:
        counts = {"after": 0, "before": 0, "undetermined": 0, "conflict": 0}
        verified_after = 0
        for _, provisional, verified in rows:
            outcome = verdict(provisional, event.moment).outcome
            counts[outcome] += 1
            verified_after += outcome == "after" and verdict(verified, event.moment).outcome == "after"
        answers.append(EventAnswer(event, counts["after"], verified_after, counts["undetermined"], counts["before"],
                                   counts["conflict"]).line)  # fmt: skip
    rows.sort(key=lambda row: (row[1].earliest is None, row[1].earliest or EVENT, row[0].pk))
    return answers, rows[:100]


def main() -> None:
    recreate_database(DATABASE)
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from archive.models import Membership
    from timeline.models import CaptureInterval, Cue
    from timeline.selectors import case_events
    from timeline.services import cue_review

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(20230720)
        owner = get_user_model().objects.create_user("bench_owner", password="bench-password")  # noqa: S106
        started = time.perf_counter()
        big = build_case("big", ITEMS, owner, rng)
        small = build_case("small", 10, owner, rng)
        print(f"built {ITEMS:,} items and {Cue.objects.filter(evidence__case=big).count():,} cues "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        # 2. One cue confirmed: what does it touch?
        cue = Cue.objects.filter(evidence__case=big, status="proposed").order_by("?").first()
        before = {(r.evidence_id, r.mode): r for r in CaptureInterval.objects.filter(evidence__case=big)}
        with CaptureQueriesContext(connection) as review:
            cue_review(cue=cue, actor=owner, confirm=True, note="bench")
        after = {(r.evidence_id, r.mode): r for r in CaptureInterval.objects.filter(evidence__case=big)}
        changed = {key[0] for key, row in after.items()
                   if (row.earliest, row.latest, row.conflict, row.cues) !=
                   (before[key].earliest, before[key].latest, before[key].conflict, before[key].cues)}  # fmt: skip
        writes = [q["sql"] for q in review.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
        interval_writes = [sql for sql in writes if "timeline_captureinterval" in sql]
        # Rows the writes name by primary key, mapped back to their items.
        ids = {int(n) for sql in interval_writes for n in re.findall(r'"id" = (\d+)', sql)}
        written = set(CaptureInterval.objects.filter(pk__in=ids).values_list("evidence_id", flat=True))
        only_that_item = changed <= {cue.evidence_id} and written == {cue.evidence_id}
        print(
            f"confirming one cue: {len(review.captured_queries)} queries, {len(writes)} writes "
            f"({len(interval_writes)} to capture intervals); items whose intervals changed: {sorted(changed)} "
            f"(the cue's item is #{cue.evidence_id}); only that item touched: {only_that_item}"
        )

        # 3. The page: queries at both sizes, render time against the naive way.
        Membership.objects.filter(case__in=[big, small]).update(role="fact_checker")
        client = Client(HTTP_HOST="localhost")
        client.login(username="bench_owner", password="bench-password")  # noqa: S106
        counts = {}
        for case in (small, big):
            with CaptureQueriesContext(connection) as page:
                response = client.get(reverse("timeline:timeline", args=[case.slug]))
            assert response.status_code == 200
            counts[case.slug] = len(page.captured_queries)
        print(f"timeline page queries: {counts['small']} at 10 items, {counts['big']} at {ITEMS:,} items")

        ours = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(reverse("timeline:timeline", args=[big.slug]))
            ours.append(time.perf_counter() - started)
        events = case_events(big)
        naive = []
        for _ in range(RUNS):
            started = time.perf_counter()
            answers, _rows = naive_timeline(big, events)
            naive.append(time.perf_counter() - started)
        page = response.content.decode()
        agree = all(line in page for line in answers)
        ours_ms, naive_ms = statistics.median(ours) * 1000, statistics.median(naive) * 1000
        print(f"answer: {answers[0]}")
        print(f"naive answer lines found on our page: {agree}")
        print(f"timeline page, median of {RUNS}: ours {ours_ms:.0f} ms (whole request, 100 rows, chart, answer) "
              f"vs naive recompute {naive_ms:.0f} ms (computation alone, before any rendering); "
              f"ratio {ours_ms / naive_ms:.3f}")  # fmt: skip
    finally:
        drop_database(DATABASE)


if __name__ == "__main__":
    main()
