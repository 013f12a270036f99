"""Review services: confirming and rejecting cues, adding one by hand; verified intervals follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from archive.models import CustodyAction, CustodyEntry
from archive.roles import Capability, Role, role_can
from tests.conftest import World
from timeline.models import CaptureInterval, Cue, CueStatus
from timeline.services import ReviewError, cue_add_manual, cue_review


def proposed(world: World) -> Cue:
    return Cue.objects.create(
        evidence=world.evidence, kind="headline", bound="not_before", earliest=datetime(2023, 9, 4, tzinfo=UTC),
        latest=datetime(2023, 9, 5, tzinfo=UTC), granularity="day", time_zone="UTC", strength="strong",
        text="EU widens sanctions", explanation="headline", fingerprint="h",
    )  # fmt: skip


def test_only_fact_checkers_and_owners_review_and_contributors_cannot() -> None:
    assert role_can(Role.FACT_CHECKER, Capability.REVIEW_CUES)
    assert role_can(Role.OWNER, Capability.REVIEW_CUES)
    assert not role_can(Role.CONTRIBUTOR, Capability.REVIEW_CUES)
    assert not role_can(Role.EDITOR, Capability.REVIEW_CUES)
    assert role_can(Role.EDITOR, Capability.MANAGE_EVENTS)
    assert not role_can(Role.VIEWER, Capability.ADD_CUES)


def test_confirming_a_cue_moves_it_into_the_verified_interval_and_logs_it(world: World) -> None:
    cue = proposed(world)
    checker = world.user(Role.FACT_CHECKER)
    cue_review(cue=cue, actor=checker, confirm=True, note="checked against the outlet's archive")
    cue.refresh_from_db()
    assert (cue.status, cue.reviewed_by, cue.note) == (
        CueStatus.CONFIRMED,
        checker,
        "checked against the outlet's archive",
    )
    verified = CaptureInterval.objects.get(evidence=world.evidence, mode="verified")
    assert (verified.earliest, verified.cues) == (datetime(2023, 9, 4, tzinfo=UTC), 1)
    entry = CustodyEntry.objects.filter(action=CustodyAction.CUE_CONFIRMED).get()
    assert entry.details["cue"] == cue.pk
    with pytest.raises(ReviewError, match="already confirmed"):
        cue_review(cue=cue, actor=checker, confirm=False)


def test_a_rejected_cue_leaves_the_provisional_interval(world: World) -> None:
    cue = proposed(world)
    cue_review(cue=cue, actor=world.owner, confirm=False, note="the widget shows a later repost")
    provisional = CaptureInterval.objects.get(evidence=world.evidence, mode="provisional")
    assert (provisional.earliest, provisional.cues) == (None, 0)


def test_a_cue_added_by_hand_is_a_whole_day_proposed_for_review(world: World) -> None:
    cue = cue_add_manual(
        evidence=world.evidence, actor=world.user(Role.CONTRIBUTOR), bound="not_after", day=date(2023, 12, 12),
        text="post date seen on the platform: 12 Dec 2023", source_url="https://facebook.com/posts/1",
    )  # fmt: skip
    assert (cue.kind, cue.status, cue.by_person) == ("manual", CueStatus.PROPOSED, True)
    # The page's time zone is unknown: the day is widened to every zone, as for dates the machine reads.
    widened = (datetime(2023, 12, 11, 10, tzinfo=UTC), datetime(2023, 12, 13, 12, tzinfo=UTC))
    assert (cue.earliest, cue.latest) == widened
    assert cue.created_by == world.user(Role.CONTRIBUTOR)
    assert CaptureInterval.objects.get(evidence=world.evidence, mode="provisional").latest == cue.latest
    assert CustodyEntry.objects.filter(action=CustodyAction.CUE_ADDED, details__cue=cue.pk).exists()


def test_a_cue_added_by_hand_in_a_known_zone_is_that_local_day(world: World) -> None:
    cue = cue_add_manual(
        evidence=world.evidence, actor=world.owner, bound="not_before", day=date(2023, 9, 4),
        text="dated 4 Sep on a Moscow news site", source_url="https://example.org/a", zone="Europe/Moscow",
    )  # fmt: skip
    assert (cue.earliest, cue.latest, cue.time_zone) == (
        datetime(2023, 9, 3, 21, tzinfo=UTC),
        datetime(2023, 9, 4, 21, tzinfo=UTC),
        "Europe/Moscow",
    )
    with pytest.raises(ReviewError, match="not a time zone"):
        cue_add_manual(evidence=world.evidence, actor=world.owner, bound="on", day=date(2023, 9, 4), text="x",
                       zone="Mars/Olympus")  # fmt: skip
    with pytest.raises(ReviewError, match="outside the years"):
        cue_add_manual(evidence=world.evidence, actor=world.owner, bound="on", day=date(1, 1, 1), text="x")


def test_whoever_adds_a_cue_cannot_confirm_it_alone(world: World) -> None:
    checker = world.user(Role.FACT_CHECKER)
    cue = cue_add_manual(evidence=world.evidence, actor=checker, bound="not_after", day=date(2023, 12, 12),
                         text="post date seen on the platform", source_url="https://example.org/p")  # fmt: skip
    with pytest.raises(ReviewError, match="another fact-checker must confirm it"):
        cue_review(cue=cue, actor=checker, confirm=True)
    # Another reviewer may confirm it.
    cue_review(cue=cue, actor=world.owner, confirm=True, note="seen too")
    assert Cue.objects.get(pk=cue.pk).status == CueStatus.CONFIRMED
