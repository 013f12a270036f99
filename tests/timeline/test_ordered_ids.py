"""Identifiers numbered in order, calibrated by the ids the case knows the creation date of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Case, CustodyAction, CustodyEntry, Evidence, Frame, StageRun, TextLine
from archive.roles import Role
from tests.conftest import PASSWORD, World, collect, png_bytes
from timeline.extract.ordered import PatternError, Point, bound, checked, pattern_check, sighted
from timeline.models import Cue, CueStatus
from timeline.services import ReviewError, cue_review, ordered_ids_add, ordered_ids_recompute
from timeline.stages import run_cues

PATTERN = r"toloka\.ai/tasks/(\d+)"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_the_rules_of_the_order() -> None:
    made = [
        Point(1000, at("2023-09-04"), at("2023-09-05"), 1, "a"),
        Point(2000, at("2023-10-01"), at("2023-10-02"), 2, "b"),
    ]
    good, flags = checked(made)
    assert good == made and flags == []
    # Larger than both: bounded by the later one; between them: by the smaller; below both: by nothing.
    assert bound(2500, good, item=9).number == 2000
    assert bound(1500, good, item=9).number == 1000
    assert bound(900, good, item=9) is None
    # An item is not bounded by its own point.
    assert bound(2500, good, item=2).number == 1000
    # A larger id made earlier contradicts the order: neither point bounds anything.
    odd = Point(1200, at("2023-01-01"), at("2023-01-02"), 3, "c")
    good, flags = checked([*made, odd])
    assert [point.number for point in good] == [2000]
    assert {flag.point.number for flag in flags} == {1000, 1200}
    assert "run against the order" in flags[0].reason
    assert sighted(pattern_check(PATTERN), "see toloka.ai/tasks/1500 and TOLOKA.AI/tasks/77") == [1500, 77]


@pytest.mark.parametrize(
    ("pattern", "told"),
    [
        (r"toloka\.ai/tasks/\d+", "exactly one group"),
        (r"(\d+)", "fixed text"),
        (r"toloka(", "exactly one group"),
        (r"toloka\.ai/tasks/((?:\d+)+)!", "exactly one group"),
    ],
)
def test_a_pattern_that_cannot_find_ordered_ids_is_refused(pattern: str, told: str) -> None:
    with pytest.raises(PatternError, match=told):
        pattern_check(pattern)


def _shown(
    world: World, name: str, lines: list[str], date_beside: str = "", label: str = "Created"
) -> tuple[Evidence, Cue | None]:
    """An item whose screen shows these lines (the first at the top), and a date cue beside the first one."""
    evidence = collect(world.case, png_bytes(size=(30 + len(name), 9)) + name.encode(), name).evidence
    frame = Frame.objects.create(evidence=evidence, index=0, source="image", width=1366, height=768,
                                 text="\n".join(lines), ocr_done=True)  # fmt: skip
    for number, text in enumerate(lines):
        TextLine.objects.create(frame=frame, index=number, text=text, left=40, top=100 + 40 * number, width=600,
                                height=20, confidence=90)  # fmt: skip
    cue = None
    if date_beside:
        cue = Cue.objects.create(
            evidence=evidence, kind="text_date", bound="not_before", earliest=at(date_beside),
            latest=at(date_beside) + timedelta(days=1), granularity="day", time_zone="UTC", strength="weak",
            text=f"{label} {date_beside}", explanation="test", fingerprint=f"beside-{name}",
            locator={"frame": 0, "box": [700, 100, 200, 20]},
        )  # fmt: skip
    return evidence, cue


def test_an_item_showing_a_larger_id_is_bounded_by_a_confirmed_calibration_point(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    checker = world.user(Role.FACT_CHECKER)
    known, date_cue = _shown(world, "known.png", ["toloka.ai/tasks/1000 Draw boxes"], date_beside="2023-09-04")
    later, _ = _shown(world, "later.png", ["Task page: toloka.ai/tasks/1500"])
    earlier, _ = _shown(world, "earlier.png", ["toloka.ai/tasks/900"])
    ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    assert CustodyEntry.objects.filter(case=world.case, action=CustodyAction.ORDERED_IDS_ADDED).exists()
    # Not confirmed yet: no point, no bound.
    run_cues(later)
    assert not Cue.objects.filter(evidence=later, kind="id_order").exists()
    with django_capture_on_commit_callbacks(execute=False) as requested:
        cue_review(cue=date_cue, actor=checker, confirm=True)
    # The review asked for the points to be worked out again once it commits (a task); here, by hand.
    assert len(requested) >= 1
    assert ordered_ids_recompute(case=world.case, evidence_id=known.pk) == 3
    assert StageRun.objects.filter(evidence=later, stage="cues").exists()
    for item in (later, earlier):
        run_cues(item)
    (inferred,) = Cue.objects.filter(evidence=later, kind="id_order")
    assert (inferred.bound, inferred.earliest, inferred.status) == ("not_before", at("2023-09-04"), CueStatus.PROPOSED)
    assert inferred.text == "Toloka id 1500" and inferred.details["calibration"]["id"] == 1000
    assert f"cue {date_cue.pk}" in inferred.explanation and "no earlier" in inferred.explanation
    assert not Cue.objects.filter(evidence=earlier, kind="id_order").exists()
    page = Client()
    assert page.login(username=world.user(Role.VIEWER).username, password=PASSWORD)
    body = page.get(reverse("timeline:ordered_ids", args=[world.case.slug])).content.decode()
    assert "toloka\\.ai/tasks/(\\d+)" in body and f"cue {date_cue.pk}: Created 2023-09-04" in body
    assert f"#{known.pk}" in body


def test_points_that_contradict_the_order_are_flagged_and_bound_nothing(world: World) -> None:
    checker = world.user(Role.FACT_CHECKER)
    _, first = _shown(world, "a.png", ["toloka.ai/tasks/1000"], date_beside="2023-09-04")
    _, second = _shown(world, "b.png", ["toloka.ai/tasks/1200"], date_beside="2023-01-01")
    later, _ = _shown(world, "c.png", ["toloka.ai/tasks/1500"])
    ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    for cue in (first, second):
        cue_review(cue=cue, actor=checker, confirm=True)
    ordered_ids_recompute(case=world.case)
    stored = Case.objects.get(pk=world.case.pk).ordered_ids.get()
    assert stored.points == [] and {flag["point"]["number"] for flag in stored.flags} == {1000, 1200}
    run_cues(later)
    assert not Cue.objects.filter(evidence=later, kind="id_order").exists()
    page = Client()
    assert page.login(username=world.owner.username, password=PASSWORD)
    body = page.get(reverse("timeline:ordered_ids", args=[world.case.slug])).content.decode()
    assert "Points that contradict the order" in body and "run against the order" in body


def test_a_pattern_is_added_once_and_only_by_editors(world: World) -> None:
    ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    with pytest.raises(ReviewError, match="already has the pattern"):
        ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    with pytest.raises(ReviewError, match="exactly one group"):
        ordered_ids_add(case=world.case, platform="VK", pattern=r"vk\.com/wall-\d+_\d+", actor=world.owner)
    viewer = Client()
    assert viewer.login(username=world.user(Role.VIEWER).username, password=PASSWORD)
    url = reverse("timeline:ordered_ids_add", args=[world.case.slug])
    assert viewer.post(url, {"platform": "VK", "pattern": r"vk\.com/wall-1_(\d+)"}).status_code == 403
    assert Case.objects.get(pk=world.case.pk).ordered_ids.count() == 1


def test_a_deadline_or_a_posting_time_beside_an_id_is_no_calibration_point(world: World) -> None:
    checker = world.user(Role.FACT_CHECKER)
    _, deadline = _shown(world, "due.png", ["toloka.ai/tasks/1000"], date_beside="2023-09-04", label="Deadline")
    collect(world.case, png_bytes(size=(77, 9)), "post.png", source_url="https://toloka.ai/tasks/2000",
            posted_at=at("2023-10-01"), posted_at_granularity="day")  # fmt: skip
    later, _ = _shown(world, "after.png", ["toloka.ai/tasks/2100"])
    ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    cue_review(cue=deadline, actor=checker, confirm=True)
    ordered_ids_recompute(case=world.case)
    stored = Case.objects.get(pk=world.case.pk).ordered_ids.get()
    assert stored.points == [] and stored.items == 3
    run_cues(later)
    assert not Cue.objects.filter(evidence=later, kind="id_order").exists()


def test_a_point_made_after_the_item_was_posted_does_not_bound_it(world: World) -> None:
    checker = world.user(Role.FACT_CHECKER)
    _, created = _shown(world, "known.png", ["toloka.ai/tasks/1000"], date_beside="2024-05-01")
    later = collect(world.case, png_bytes(size=(79, 9)), "old.png", posted_at=at("2023-01-01"),
                    posted_at_granularity="day").evidence  # fmt: skip
    frame = Frame.objects.create(evidence=later, index=0, source="image", width=1366, height=768, ocr_done=True)
    TextLine.objects.create(frame=frame, index=0, text="toloka.ai/tasks/15000", left=40, top=100, width=600,
                            height=20, confidence=90)  # fmt: skip
    ordered_ids_add(case=world.case, platform="Toloka", pattern=PATTERN, actor=world.owner)
    cue_review(cue=created, actor=checker, confirm=True)
    ordered_ids_recompute(case=world.case)
    run_cues(later)
    assert not Cue.objects.filter(evidence=later, kind="id_order").exists()
