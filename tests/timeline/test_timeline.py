"""The timeline: verdicts counted in SQL, the page, its filters and its cost, the review queue's order."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Evidence
from archive.roles import Role
from tests.conftest import PASSWORD, World, collect, png_bytes
from timeline.intervals import Interval, verdict
from timeline.models import CaptureInterval, Cue, CueStatus, Entity, KeyEvent
from timeline.selectors import VERDICTS, review_effect, review_queue, verdict_q, with_intervals
from timeline.services import ReviewError, cue_add_manual, event_add, intervals_refresh, verdict_sign_off

EVENT_DAY = date(2023, 7, 20)
EVENT = datetime(2023, 7, 20, tzinfo=UTC)


def day(offset: int) -> datetime:
    return EVENT + timedelta(days=offset)


def client(user: object) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def add_cue(item: Evidence, bound: str, start: datetime, days: int = 1, status: str = "proposed") -> Cue:
    cue = Cue.objects.create(
        evidence=item, kind="text_date", bound=bound, earliest=start, latest=start + timedelta(days=days),
        granularity="day", time_zone="UTC", strength="strong", status=status, text=f"{bound} {start:%Y-%m-%d}",
        explanation="test", fingerprint=f"{bound}-{start}-{status}-{Cue.objects.count()}",
    )  # fmt: skip
    intervals_refresh(evidence=item)
    return cue


def item(world: World, name: str, *cues: tuple[str, int, str]) -> Evidence:
    evidence = collect(world.case, png_bytes(size=(8 + len(name), 8)) + name.encode(), name).evidence
    for bound, offset, status in cues:
        add_cue(evidence, bound, day(offset), status=status)
    intervals_refresh(evidence=evidence)
    return evidence


@pytest.mark.django_db
def test_verdicts_counted_in_sql_agree_with_the_interval_library(world: World) -> None:
    edges = [None, day(-40), day(-1), day(0), day(1), day(40)]
    items = []
    for number, (earliest, latest) in enumerate(itertools.product(edges, edges)):
        evidence = collect(world.case, png_bytes() + bytes([number]), f"{number}.png").evidence
        interval = Interval(earliest, latest)
        CaptureInterval.objects.create(evidence=evidence, mode="provisional", earliest=earliest, latest=latest,
                                       conflict=interval.empty, cues=2)  # fmt: skip
        items.append((evidence.pk, interval))
    # And one item whose intervals were never computed.
    items.append((world.evidence.pk, Interval(None, None)))
    rows = with_intervals(Evidence.objects.filter(case=world.case))
    for moment in (day(-1), day(0), day(1)):
        for outcome in VERDICTS:
            in_sql = set(rows.filter(verdict_q("p_", moment, outcome)).values_list("pk", flat=True))
            in_python = {pk for pk, interval in items if verdict(interval, moment).outcome == outcome}
            assert in_sql == in_python, (moment, outcome)


@pytest.mark.django_db
def test_the_queue_puts_first_exactly_the_cues_that_would_change_a_verified_verdict(world: World) -> None:
    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
    evidence = item(world, "a.png", ("not_after", 60, "confirmed"))
    other = item(world, "b.png", ("on", -30, "confirmed"))
    for bound, offset in itertools.product(("not_before", "not_after", "on"), (-60, -30, -1, 0, 10, 61, 70)):
        add_cue(evidence, bound, day(offset))
        add_cue(other, bound, day(offset))
    events = list(KeyEvent.objects.filter(case=world.case))
    queue = list(review_queue(world.case, events))
    assert len(queue) == 42
    for cue in queue:
        assert cue.changes == bool(review_effect(cue, events)), (cue.bound, cue.earliest, cue.evidence_id)
    flags = [cue.changes for cue in queue]
    assert flags == sorted(flags, reverse=True) and any(flags) and not all(flags)
    # A headline of 4 September on an item posted in September makes it "after".
    headline = next(
        c for c in queue if c.evidence_id == evidence.pk and c.bound == "not_before" and c.earliest == day(10)
    )
    [(event, now, then)] = review_effect(headline, events)
    assert (now.outcome, then.outcome, then.margin_days) == ("undetermined", "after", 10.0)


@pytest.fixture
def timeline_case(world: World) -> dict[str, Evidence]:
    """The design's examples: after, before, undetermined, conflict, and the world's undated item."""
    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner, entity_name="NTechLab")
    items = {
        "after": item(world, "recording.mp4", ("not_before", 46, "confirmed"), ("not_after", 63, "proposed")),
        "before": item(world, "taskbar.png", ("on", -35, "proposed")),
        "undetermined": item(world, "december.png", ("not_after", 145, "proposed")),
        "conflict": item(world, "mixed.png", ("on", -35, "proposed"), ("not_before", 46, "proposed")),
    }
    Entity.objects.get(name="NTechLab").evidence.add(items["after"], items["before"])
    return items


def test_the_page_answers_in_one_line_and_charts_every_item(world: World, timeline_case: dict) -> None:
    response = client(world.user(Role.VIEWER)).get(reverse("timeline:timeline", args=[world.case.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "After EU listing: 1 item (1 verified) · undetermined 2 · before 1 · conflicts 1" in page
    assert page.count('class="bar v-') == 5
    for outcome in ("after", "before", "undetermined", "conflict"):
        assert f'class="bar v-{outcome}"' in page
    assert 'class="event"' in page and "<svg" in page
    # Readable without JavaScript: the chart is in the page itself.
    assert "<script" not in page.split("<main>")[1]


def test_filters_narrow_the_table_but_the_answer_counts_every_verdict(world: World, timeline_case: dict) -> None:
    c = client(world.user(Role.VIEWER))
    url = reverse("timeline:timeline", args=[world.case.slug])
    entity = Entity.objects.get(name="NTechLab")
    rows = c.get(url, {"entity": entity.pk}).content.decode()
    assert "recording.mp4" in rows and "taskbar.png" in rows and "december.png" not in rows
    assert "undetermined 0 · before 1 · conflicts 0" in rows
    after = c.get(url, {"verdict": "after"}).content.decode()
    assert after.count("<tr data-evidence-id") == 1 and "recording.mp4" in after
    assert "After EU listing: 1 item (1 verified) · undetermined 2" in after
    verified = c.get(url, {"mode": "verified", "verdict": "undetermined"}).content.decode()
    assert verified.count("<tr data-evidence-id") == 4
    kinds = c.get(url, {"kind": "recording"}).content.decode()
    assert kinds.count("<tr data-evidence-id") == 0


def test_the_page_costs_the_same_queries_whatever_the_size_of_the_case(world: World, timeline_case: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client(world.user(Role.VIEWER))
    url = reverse("timeline:timeline", args=[world.case.slug])
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    for number in range(12):
        evidence = item(world, f"extra-{number}.png", ("not_before", number, "proposed"))
        Entity.objects.get(name="NTechLab").evidence.add(evidence)
    with CaptureQueriesContext(connection) as large:
        assert c.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries) <= 14


def test_a_fact_checker_confirms_a_cue_and_the_verdict_becomes_verified(world: World, timeline_case: dict) -> None:
    taskbar = timeline_case["before"]
    cue = taskbar.cues.get()
    url = reverse("timeline:timeline", args=[world.case.slug])
    checker = client(world.user(Role.FACT_CHECKER))
    assert "undetermined 4 · before 0" in checker.get(url, {"mode": "verified"}).content.decode()
    contributor = client(world.user(Role.CONTRIBUTOR))
    review = reverse("timeline:cue_review", args=[world.case.slug, cue.pk])
    assert contributor.post(review, {"decision": "confirm"}).status_code == 403
    assert Cue.objects.get(pk=cue.pk).status == CueStatus.PROPOSED
    response = checker.post(review, {"decision": "confirm", "note": "clock matches the locale"}, follow=True)
    assert "Cue confirmed" in response.content.decode()
    verified = checker.get(url, {"mode": "verified"}).content.decode()
    assert "undetermined 3 · before 1 · conflicts 0" in verified


def test_the_queue_lists_verdict_changing_cues_first_with_their_effect(world: World, timeline_case: dict) -> None:
    page = client(world.user(Role.FACT_CHECKER)).get(reverse("timeline:review_queue", args=[world.case.slug]))
    text = page.content.decode()
    assert "5 proposed cues wait" in text
    assert text.index('class="queued changes"') < text.index('class="queued"')
    assert "Confirming it makes the verified verdict against <b>EU listing</b>" in text
    assert text.count('name="decision" value="confirm"') == 5
    viewer = client(world.user(Role.VIEWER)).get(reverse("timeline:review_queue", args=[world.case.slug]))
    assert 'name="decision"' not in viewer.content.decode()


def test_a_cue_added_from_a_frame_region_is_shown_cropped(world: World, timeline_case: dict) -> None:
    from archive.models import Frame

    evidence = timeline_case["undetermined"]
    frame = Frame.objects.create(evidence=evidence, index=0, source="original", width=8, height=8)
    c = client(world.user(Role.CONTRIBUTOR))
    url = reverse("timeline:cue_add", args=[world.case.slug, evidence.pk])
    nothing = c.post(url, {"bound": "not_after", "day": "2023-12-12", "text": "posted 12 Dec 2023"}, follow=True)
    assert "Give the cue a source" in nothing.content.decode()
    outside = c.post(url, {"bound": "not_after", "day": "2023-12-12", "text": "x", "frame": frame.pk,
                           "box": "4, 4, 10, 10"}, follow=True)  # fmt: skip
    assert "must lie inside the frame" in outside.content.decode()
    c.post(url, {"bound": "not_before", "day": "2023-09-04", "text": "headline seen", "frame": frame.pk,
                 "box": "1, 1, 4, 4"})  # fmt: skip
    cue = Cue.objects.get(evidence=evidence, by_person=True)
    assert cue.locator == {"frame": 0, "time": None, "page": None, "box": [1, 1, 4, 4]}
    reasoning = c.get(reverse("timeline:reasoning", args=[world.case.slug, evidence.pk])).content.decode()
    assert reverse("timeline:cue_crop", args=[world.case.slug, evidence.pk, cue.pk]) in reasoning
    assert c.get(reverse("timeline:cue_crop", args=[world.case.slug, evidence.pk, cue.pk])).status_code == 200
    # It counts at once in the provisional interval: posted in December, a headline of September.
    interval = CaptureInterval.objects.get(evidence=evidence, mode="provisional")
    assert interval.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)


def test_a_sign_off_waits_for_verdict_changing_cues_and_goes_stale_when_a_review_changes_the_verdict(
    world: World, timeline_case: dict
) -> None:
    from archive.models import CustodyAction, CustodyEntry

    evidence = timeline_case["conflict"]
    checker = client(world.user(Role.FACT_CHECKER))
    sign = reverse("timeline:sign_off", args=[world.case.slug, evidence.pk])
    reasoning = reverse("timeline:reasoning", args=[world.case.slug, evidence.pk])
    refused = checker.post(sign, follow=True).content.decode()
    assert "Proposed cues of this item would change its verdict against EU listing" in refused
    review = "timeline:cue_review"
    on_cue, headline = evidence.cues.get(bound="on"), evidence.cues.get(bound="not_before")
    checker.post(reverse(review, args=[world.case.slug, on_cue.pk]), {"decision": "confirm"})
    still = checker.post(sign, follow=True).content.decode()
    assert "would change its verdict" in still
    checker.post(reverse(review, args=[world.case.slug, headline.pk]), {"decision": "reject", "note": "a repost"})
    page = checker.post(sign, {"note": "clock checked"}, follow=True).content.decode()
    assert "Verdict signed off" in page and "still stands" in page
    entry = CustodyEntry.objects.filter(action=CustodyAction.VERDICT_SIGNED_OFF).get()
    assert (entry.details["verdicts"][0]["verdict"], entry.details["cues"]) == ("before", [on_cue.pk])
    # A date found later and confirmed makes the cues disagree: the sign-off no longer stands.
    late = cue_add_manual(evidence=evidence, actor=world.owner, bound="not_before", day=date(2023, 9, 4),
                          text="post seen", source_url="https://example.org/post")  # fmt: skip
    checker.post(reverse(review, args=[world.case.slug, late.pk]), {"decision": "confirm"})
    page = checker.get(reasoning).content.decode()
    assert "Outdated: the verdict against EU listing is now conflict, not before" in page
    assert "empty: the cues disagree" in page
    table = checker.get(reverse("timeline:timeline", args=[world.case.slug])).content.decode()
    assert "outdated" in table


def test_exports_carry_the_verdicts_and_are_logged(world: World, timeline_case: dict) -> None:
    import csv
    import io
    import json

    from archive.models import CustodyAction, CustodyEntry

    evil = collect(world.case, png_bytes() + b"evil", "=HYPERLINK(evil).png").evidence
    add_cue(evil, "on", day(-3))
    c = client(world.user(Role.VIEWER))
    listing = c.get(reverse("timeline:timeline_json", args=[world.case.slug]), {"mode": "verified"})
    body = json.loads(listing.content)
    assert body["mode"] == "verified" and len(body["items"]) == 6
    recording = next(i for i in body["items"] if i["name"] == "recording.mp4")
    assert recording["verdicts"] == [{"event": "EU listing", "date": "2023-07-20", "verdict": "after",
                                      "margin_days": 46.0}]  # fmt: skip
    assert recording["sha256"] == timeline_case["after"].sha256
    provisional = json.loads(c.get(reverse("timeline:timeline_json", args=[world.case.slug])).content)
    # Strongest first: after, then before (in time order), conflicts, undetermined.
    order = [i["name"] for i in provisional["items"]]
    assert order[:4] == ["recording.mp4", "taskbar.png", "=HYPERLINK(evil).png", "mixed.png"]
    assert provisional["items"][0]["verified_verdicts"] == ["after"]
    assert provisional["items"][0]["sign_off"] is None
    mixed = next(i for i in provisional["items"] if i["name"] == "mixed.png")
    assert sorted(mixed["conflict"]) == sorted(timeline_case["conflict"].cues.values_list("pk", flat=True))
    sheet = c.get(reverse("timeline:timeline_csv", args=[world.case.slug]))
    assert sheet["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(sheet.content.decode())))
    assert rows[0][-2:] == ["verdict: EU listing (2023-07-20)", "margin days: EU listing (2023-07-20)"]
    assert ["before", "2.0"] in [row[-2:] for row in rows]
    assert "'=HYPERLINK(evil).png" in [row[1] for row in rows]
    memo = c.get(reverse("timeline:memo", args=[world.case.slug])).content.decode()
    assert timeline_case["after"].sha256 in memo and "verified: only cues a fact-checker confirmed" in memo
    assert "@media print" not in memo  # print styles live in the stylesheet
    entries = CustodyEntry.objects.filter(action=CustodyAction.EXPORTED)
    assert sorted(entries.values_list("details__format", flat=True)) == ["csv", "json", "json", "memo"]


def test_editors_manage_entities_and_events_and_fact_checkers_do_not(world: World) -> None:
    from archive.models import CustodyAction, CustodyEntry

    editor = client(world.user(Role.EDITOR))
    editor.post(reverse("timeline:entity_add", args=[world.case.slug]),
                {"name": "Tevian", "kind": "organisation", "aliases": "Тевиан, Tevian LLC"})  # fmt: skip
    tevian = Entity.objects.get(case=world.case, name="Tevian")
    assert tevian.aliases == ["Тевиан", "Tevian LLC"]
    editor.post(reverse("timeline:event_add", args=[world.case.slug]),
                {"title": "EU listing of Tevian", "kind": "sanction", "date": "2023-07-20", "entity": tevian.pk,
                 "legal_act": "Implementing Regulation (EU) 2023/1498"})  # fmt: skip
    event = KeyEvent.objects.get(case=world.case)
    assert (event.entity, event.legal_act) == (tevian, "Implementing Regulation (EU) 2023/1498")
    editor.post(reverse("timeline:entities_link", args=[world.case.slug, world.evidence.pk]), {"entities": [tevian.pk]})
    assert list(world.evidence.entities.all()) == [tevian]
    checker = client(world.user(Role.FACT_CHECKER))
    assert checker.post(reverse("timeline:event_remove", args=[world.case.slug, event.pk])).status_code == 403
    page = checker.get(reverse("timeline:events", args=[world.case.slug])).content.decode()
    assert "EU listing of Tevian" in page and "Add a key event" not in page
    editor.post(reverse("timeline:event_remove", args=[world.case.slug, event.pk]))
    assert not KeyEvent.objects.filter(case=world.case).exists()
    actions = list(CustodyEntry.objects.filter(case=world.case).values_list("action", flat=True))
    assert actions[-4:] == [CustodyAction.ENTITY_ADDED, CustodyAction.EVENT_ADDED, CustodyAction.ENTITIES_LINKED,
                            CustodyAction.EVENT_REMOVED]  # fmt: skip


def test_cues_that_change_a_verdict_only_together_still_hold_back_a_sign_off(world: World) -> None:
    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
    evidence = item(world, "pair.png", ("not_before", 1, "confirmed"), ("not_after", 100, "confirmed"))
    # Each alone leaves the item after the event; together they cannot both hold.
    add_cue(evidence, "not_before", day(50))
    add_cue(evidence, "not_after", day(20))
    with pytest.raises(ReviewError, match="would change its verdict against EU listing"):
        verdict_sign_off(evidence=evidence, actor=world.user(Role.FACT_CHECKER))


def test_a_sign_off_needs_a_key_event_and_names_what_changed_since(world: World) -> None:
    evidence = item(world, "clock.png", ("on", -30, "confirmed"))
    with pytest.raises(ReviewError, match="no key events"):
        verdict_sign_off(evidence=evidence, actor=world.owner)
    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
    verdict_sign_off(evidence=evidence, actor=world.owner)
    event_add(case=world.case, title="Second listing", day=date(2023, 12, 1), actor=world.owner)
    page = client(world.owner).get(reverse("timeline:reasoning", args=[world.case.slug, evidence.pk]))
    assert "Outdated: Second listing was added as a key event" in page.content.decode()


def test_bad_dates_are_refused_and_the_page_stays_up(world: World, timeline_case: dict) -> None:
    editor = client(world.user(Role.EDITOR))
    url = reverse("timeline:event_add", args=[world.case.slug])
    for typo in ("0023-07-20", "9999-12-31"):
        response = editor.post(url, {"title": "typo", "kind": "sanction", "date": typo}, follow=True)
        assert "outside the years 1900 to 2100" in response.content.decode()
    assert not KeyEvent.objects.filter(title="typo").exists()
    with pytest.raises(ReviewError):
        event_add(case=world.case, title="typo", day=date(1, 1, 1), actor=world.owner)
    # An old record with a stray year is drawn without it.
    KeyEvent.objects.create(case=world.case, title="Stray", date=date(1, 1, 1))
    assert editor.get(reverse("timeline:timeline", args=[world.case.slug])).status_code == 200


def test_without_events_the_verdict_filter_matches_what_the_page_shows(world: World) -> None:
    item(world, "mixed.png", ("on", -35, "proposed"), ("not_before", 46, "proposed"))
    item(world, "plain.png", ("on", -35, "proposed"))
    c = client(world.owner)
    url = reverse("timeline:timeline", args=[world.case.slug])
    conflict = c.get(url, {"verdict": "conflict"}).content.decode()
    assert conflict.count("<tr data-evidence-id") == 1 and "mixed.png" in conflict
    undetermined = c.get(url, {"verdict": "undetermined"}).content.decode()
    assert "mixed.png" not in undetermined and "plain.png" in undetermined


@pytest.mark.parametrize(
    "name", ["timeline:review_queue", "timeline:memo", "timeline:events", "timeline:timeline_csv",
             "timeline:timeline_json"],
)  # fmt: skip
def test_case_pages_cost_the_same_queries_whatever_the_size_of_the_case(
    world: World, timeline_case: dict, name: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client(world.user(Role.FACT_CHECKER))
    url = reverse(name, args=[world.case.slug])
    with CaptureQueriesContext(connection) as small:
        assert c.get(url).status_code == 200
    for number in range(8):
        evidence = item(world, f"more-{number}.png", ("not_before", number, "proposed"), ("on", -9, "confirmed"))
        Entity.objects.get(name="NTechLab").evidence.add(evidence)
        cue_add_manual(evidence=evidence, actor=world.owner, bound="not_after", day=date(2023, 12, 1),
                       text="seen", source_url="https://example.org/x")  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        assert c.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries) <= 20


def test_the_reasoning_page_costs_the_same_queries_whatever_the_number_of_cues(world: World, timeline_case: dict):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    evidence = timeline_case["undetermined"]
    c = client(world.user(Role.FACT_CHECKER))
    url = reverse("timeline:reasoning", args=[world.case.slug, evidence.pk])
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    for offset in range(6):
        cue_add_manual(evidence=evidence, actor=world.owner, bound="not_before", day=date(2023, 8, 1 + offset),
                       text="seen", source_url="https://example.org/x")  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        c.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_review_goes_back_only_to_pages_of_this_site(world: World, timeline_case: dict) -> None:
    cue = timeline_case["before"].cues.get()
    review = reverse("timeline:cue_review", args=[world.case.slug, cue.pk])
    c = client(world.user(Role.FACT_CHECKER))
    queue = reverse("timeline:review_queue", args=[world.case.slug])
    assert c.post(review, {"decision": "reject", "next": f"{queue}#cue-{cue.pk}"})["Location"].startswith(queue)
    other = timeline_case["undetermined"].cues.get()
    away = c.post(reverse("timeline:cue_review", args=[world.case.slug, other.pk]),
                  {"decision": "reject", "next": "https://evil.example/"})  # fmt: skip
    assert away["Location"] == reverse("timeline:reasoning", args=[world.case.slug, other.evidence_id])


def test_an_editor_corrects_an_event_date_and_its_sign_offs_say_so(world: World) -> None:
    from archive.models import CustodyAction, CustodyEntry

    evidence = item(world, "clock.png", ("on", -30, "confirmed"))
    event = event_add(case=world.case, title="EU listing", day=date(2023, 7, 2), actor=world.owner)
    verdict_sign_off(evidence=evidence, actor=world.owner)
    editor = client(world.user(Role.EDITOR))
    url = reverse("timeline:event_edit", args=[world.case.slug, event.pk])
    assert 'value="2023-07-02"' in editor.get(url).content.decode()
    form = {"title": "EU listing", "kind": "sanction", "date": "2023-07-20", "legal_act": "2023/1498"}
    assert editor.post(url, form).status_code == 302
    event.refresh_from_db()
    assert (event.date, event.legal_act) == (date(2023, 7, 20), "2023/1498")
    entry = CustodyEntry.objects.filter(action=CustodyAction.EVENT_EDITED).get()
    assert entry.details["changes"] == {"date": {"from": "2023-07-02", "to": "2023-07-20"},
                                        "legal_act": {"from": "", "to": "2023/1498"}}  # fmt: skip
    page = editor.get(reverse("timeline:reasoning", args=[world.case.slug, evidence.pk])).content.decode()
    assert "Outdated: the date of EU listing changed" in page
    assert client(world.user(Role.FACT_CHECKER)).post(url, form).status_code == 403


def test_an_export_is_logged_once_while_nothing_changes_like_a_viewing(world: World) -> None:
    from archive.models import CustodyAction, CustodyEntry

    def exported() -> int:
        return CustodyEntry.objects.filter(case=world.case, action=CustodyAction.EXPORTED).count()

    owner, editor = client(world.owner), client(world.user(Role.EDITOR))
    memo = reverse("timeline:memo", args=[world.case.slug])
    for _ in range(5):
        assert owner.get(memo).status_code == 200
    assert exported() == 1
    owner.get(memo, {"kind": "screenshot"})
    owner.get(reverse("timeline:timeline_csv", args=[world.case.slug]))
    editor.get(memo)
    assert exported() == 4, "another filter, another format and another person each count"
    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
    editor.get(memo)
    assert exported() == 5, "the case changed since: the same export is logged again"


def test_a_review_or_sign_off_sent_twice_stands_once(world: World) -> None:
    from archive.models import CustodyAction, CustodyEntry
    from timeline.models import SignOff
    from timeline.services import cue_review

    event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
    evidence = item(world, "clock.png", ("on", -30, "confirmed"))
    proposed = add_cue(evidence, "not_before", day(-60))
    checker = world.user(Role.FACT_CHECKER)
    for _ in range(2):
        cue_review(cue=proposed, actor=checker, confirm=True, note="seen on the outlet")
        verdict_sign_off(evidence=evidence, actor=checker, note="checked")
    assert SignOff.objects.filter(evidence=evidence).count() == 1
    actions = list(CustodyEntry.objects.filter(case=world.case).values_list("action", flat=True))
    assert actions.count(CustodyAction.CUE_CONFIRMED) == 1 and actions.count(CustodyAction.VERDICT_SIGNED_OFF) == 1
    with pytest.raises(ReviewError, match="already confirmed"):
        cue_review(cue=proposed, actor=checker, confirm=False)


@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_posted_at_once_make_one(world: World) -> None:
    import threading

    from django.db import connection, transaction

    from timeline.models import SignOff

    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL's row locks; SQLite has one writer")
    with transaction.atomic():
        event_add(case=world.case, title="EU listing", day=EVENT_DAY, actor=world.owner)
        evidence = item(world, "clock.png", ("on", -30, "confirmed"))
    checker = world.user(Role.FACT_CHECKER)
    start = threading.Barrier(2)

    def sign() -> None:
        start.wait()
        try:
            verdict_sign_off(evidence=evidence, actor=checker, note="checked")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert SignOff.objects.filter(evidence=evidence).count() == 1


def test_timelinejs_export_spans_each_capture_interval_and_escapes_names(world: World, timeline_case: dict) -> None:
    import json

    from archive.models import CustodyEntry

    hostile = collect(world.case, png_bytes() + b"xss", "<img src=x onerror=alert(1)>.png").evidence
    add_cue(hostile, "not_before", day(10))
    c = client(world.user(Role.VIEWER))
    response = c.get(reverse("timeline:timeline_timelinejs", args=[world.case.slug]))
    assert response["Content-Disposition"].startswith(f'attachment; filename="{world.case.slug}-timelinejs-')
    document = json.loads(response.content)
    slides = {slide["unique_id"]: slide for slide in document["events"]}
    after = slides[f"evidence-{timeline_case['after'].pk}"]
    assert after["start_date"].pop("display_date") == "Captured between 2023-09-04 00:00 UTC and 2023-09-22 00:00 UTC"
    assert after["start_date"] == {"year": 2023, "month": 9, "day": 4, "hour": 0, "minute": 0, "second": 0}
    assert after["end_date"]["month"] == 9 and after["end_date"]["day"] == 22
    assert after["group"] == "after" and "after EU listing (2023-07-20)" in after["text"]["text"]
    assert after["text"]["text"].endswith(f'/evidence/{timeline_case["after"].pk}/reasoning/">The reasoning</a></p>')
    # Only a lower bound: placed at it, with no end, and said so.
    open_ended = slides[f"evidence-{hostile.pk}"]
    assert "end_date" not in open_ended and open_ended["start_date"]["display_date"].startswith("Captured on or after")
    assert "<img" not in open_ended["text"]["headline"] and "&lt;img" in open_ended["text"]["headline"]
    # The conflict spans the bounds that disagree, and says it is nowhere.
    conflict = slides[f"evidence-{timeline_case['conflict'].pk}"]
    assert "cues disagree" in conflict["start_date"]["display_date"]
    listing = next(slide for slide in document["events"] if slide["group"] == "Key events")
    assert listing["start_date"] == {"year": 2023, "month": 7, "day": 20}
    assert listing["text"]["headline"] == "EU listing"
    # The world's undated item cannot be placed: counted on the title slide.
    assert len(slides) == 6 and "1 item with no dated cue cannot be placed" in document["title"]["text"]["text"]
    assert document["title"]["text"]["headline"] == world.case.title
    assert CustodyEntry.objects.filter(case=world.case, action="exported", details__format="timelinejs").exists()
