"""verify_archive against tampering with a timeline: every kind of direct database edit is named."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import Evidence, Frame, Membership
from archive.roles import Role
from archive.services import provenance_update
from tests import media
from tests.conftest import World
from timeline.headlines import headlines_import
from timeline.models import CaptureInterval, Cue, CueStatus, KeyEvent, ReferenceHeadline, SignOff
from timeline.selectors import sign_off_change
from timeline.services import cue_review, event_add, verdict_sign_off


@pytest.fixture
def signed(world: World, run_pipeline: object, tmp_path: Path) -> Evidence:
    """A processed screenshot whose cues are all confirmed and whose verdict is signed off."""
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("published_at,title,outlet\n2023-09-04,EU widens sanctions on surveillance firms,Demo\n")
    headlines_import(corpus)
    image = media.text_image(["Labelling task 5512", "Posted 4 September 2023"], bar=("14:32  04.09.2023", "#e8e8e8"))
    evidence = run_pipeline(media.png(image), "task.png")
    checker = world.user(Role.FACT_CHECKER)
    for cue in Cue.objects.filter(evidence=evidence):
        cue_review(cue=cue, actor=checker, confirm=True)
    event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner)
    verdict_sign_off(evidence=evidence, actor=checker)
    return evidence


def verify() -> str:
    out = io.StringIO()
    try:
        call_command("verify_archive", stdout=out)
    except CommandError as error:
        return out.getvalue() + str(error)
    return out.getvalue()


def test_a_processed_reviewed_and_signed_off_case_is_intact(signed: Evidence) -> None:
    assert "All intact" in verify(), verify()


def _confirm_by_hand(world: World, evidence: Evidence) -> None:
    cue = Cue.objects.filter(evidence=evidence).first()
    Cue.objects.filter(pk=cue.pk).update(status=CueStatus.PROPOSED, reviewed_by=None)
    other = Cue.objects.create(
        evidence=evidence, kind="text_date", bound="not_before", granularity="day", time_zone="UTC", strength="weak",
        text="1 January 2024", explanation="forged", fingerprint="forged", status=CueStatus.CONFIRMED,
        reviewed_by=world.user(Role.FACT_CHECKER),
    )  # fmt: skip
    assert other.pk


TAMPERING: dict[str, tuple[Callable[[World, Evidence], object], str]] = {
    "a cue confirmed by hand": (_confirm_by_hand, "but the custody log records no review of it"),
    "a review undone": (
        lambda w, e: Cue.objects.filter(evidence=e).update(status=CueStatus.PROPOSED),
        "is proposed, the custody log recorded it confirmed",
    ),
    "a cue deleted": (
        lambda w, e: Cue.objects.filter(pk=Cue.objects.filter(evidence=e).first().pk).delete(),
        "recorded in the custody log, is missing from the database",
    ),
    "a cue's date moved": (
        lambda w, e: Cue.objects.filter(evidence=e).update(earliest=datetime(2023, 1, 1, tzinfo=UTC)),
        "differs from what the custody log recorded",
    ),
    "a stored interval": (
        lambda w, e: CaptureInterval.objects.filter(evidence=e).update(earliest=datetime(2024, 1, 1, tzinfo=UTC)),
        "capture interval",
    ),
    "sign-off verdicts": (
        lambda w, e: SignOff.objects.filter(evidence=e).update(verdicts=[{"verdict": "before"}]),
        "differs from what the custody log recorded",
    ),
    "a sign-off deleted": (lambda w, e: SignOff.objects.filter(evidence=e).delete(), "is missing from the database"),
    "a key event's date": (
        lambda w, e: KeyEvent.objects.filter(case=w.case).update(date=date(2023, 10, 1)),
        "differs from the custody log in: date (row '2023-10-01', log '2023-07-20')",
    ),
    "an item's kind": (lambda w, e: Evidence.objects.filter(pk=e.pk).update(kind="document"), "its kind is 'document'"),
    "an item's status": (
        lambda w, e: Evidence.objects.filter(pk=e.pk).update(status="failed"),
        "its status is 'failed', the custody log recorded 'done'",
    ),
    "a member's role": (
        lambda w, e: Membership.objects.filter(case=w.case, role=Role.VIEWER).update(role=Role.OWNER),
        "is owner, the custody log recorded viewer",
    ),
    "OCR text": (
        lambda w, e: Frame.objects.filter(evidence=e).update(text="Posted 4 September 2025"),
        "the text of frame 0 differs",
    ),
    "a corpus date": (
        lambda w, e: ReferenceHeadline.objects.update(published_at=datetime(2023, 6, 1, tzinfo=UTC)),
        "its title, date or outlet changed after it was imported",
    ),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERING))
def test_verify_archive_names_each_kind_of_tampering(world: World, signed: Evidence, tampering: str) -> None:
    edit, named = TAMPERING[tampering]
    edit(world, signed)
    report = verify()
    assert named in report, report
    assert "problem" in report


def test_a_provenance_edit_supersedes_the_reviewed_cue_it_gave_and_outdates_the_sign_off(
    world: World, run_pipeline: object, django_capture_on_commit_callbacks: object
) -> None:
    evidence = run_pipeline(media.png(media.text_image(["Labelling task 5512", "Posted 4 September 2023"])), "t.png")
    record = evidence.provenance.get()

    def edit(**changes: object) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            provenance_update(provenance=record, actor=world.owner, changes=changes)

    edit(posted_at=datetime(2023, 9, 20, tzinfo=UTC), posted_at_granularity="day")
    checker = world.user(Role.FACT_CHECKER)
    for cue in Cue.objects.filter(evidence=evidence):
        cue_review(cue=cue, actor=checker, confirm=True)
    event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner)
    sign_off = verdict_sign_off(evidence=evidence, actor=checker)
    [posted] = Cue.objects.filter(evidence=evidence, kind="platform_upload")
    assert posted.pk in sign_off.cue_ids

    edit(posted_at=datetime(2023, 9, 10, tzinfo=UTC))
    posted.refresh_from_db()
    assert (posted.status, posted.reviewed_by) == (CueStatus.SUPERSEDED, checker), "the review trail is kept"
    [redrafted] = Cue.objects.filter(evidence=evidence, kind="platform_upload", status=CueStatus.PROPOSED)
    assert redrafted.latest == datetime(2023, 9, 11, tzinfo=UTC)
    verified = CaptureInterval.objects.get(evidence=evidence, mode="verified")
    assert verified.cues == Cue.objects.filter(evidence=evidence, status=CueStatus.CONFIRMED).count()
    assert verified.latest > datetime(2023, 9, 21, tzinfo=UTC), "the superseded cue no longer bounds it"
    sign_off.refresh_from_db()
    assert f"cue #{posted.pk} it rests on was superseded: the provenance's posted_at was edited" in sign_off.outdated
    assert "superseded" in sign_off_change(sign_off, [])
    assert "All intact" in verify(), verify()
