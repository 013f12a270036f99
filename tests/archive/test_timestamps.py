"""Trusted timestamps (RFC 3161) from a real ``openssl ts`` authority on 127.0.0.1, checked offline."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import CustodyAction, CustodyEntry, StageRun, TimestampSubject, TrustedTimestamp
from archive.roles import Role
from archive.tasks import stamp_due
from archive.timestamps import timestamps_due
from archive.tsa import TimestampError, token_verify, tsa_stamp
from tests.conftest import PASSWORD, World, png_bytes
from tests.servers import free_port
from tests.tsa import LocalTSA
from timeline.models import Cue
from timeline.services import cue_add_manual, cue_review, event_add, verdict_sign_off


@pytest.fixture(scope="module")
def authority() -> Iterator[LocalTSA]:
    with LocalTSA() as tsa:
        yield tsa


@pytest.fixture
def tsa(authority: LocalTSA, settings: object) -> LocalTSA:
    authority.mode = "honest"
    settings.TSA_URL, settings.TSA_CA_FILE, settings.TSA_TIMEOUT = authority.url, authority.ca_file, 10
    settings.TSA_TRUSTED_CAS = []
    return authority


def test_a_token_is_asked_for_the_hash_and_checked_against_the_authoritys_certificate(tsa: LocalTSA) -> None:
    digest = "5e" * 32
    before = timezone.now() - timedelta(seconds=2)
    ca = Path(tsa.ca_file).read_text()
    token = tsa_stamp(tsa.url, digest, certificates=ca, timeout=10)
    assert token.digest == digest and before <= token.stamped_at <= timezone.now() + timedelta(seconds=2)
    assert token.policy == "1.3.6.1.4.1.99999.1" and "Test tsa authority" in token.authority
    assert token_verify(token.der, digest, ca) == ""
    # The same token does not prove another hash, nor anything under another authority's certificate.
    assert token_verify(token.der, "00" * 32, ca)
    assert token_verify(token.der, digest, (tsa.root / "rogue.crt").read_text())
    assert token_verify(token.der, digest, "/etc/ssl/certs/ca-certificates.crt") == "no certificate to check it against"


@pytest.mark.parametrize(
    ("mode", "told"),
    [
        ("other_hash", "the token is for another hash"),
        ("rogue", "does not check out"),
        ("garbage", "is not a timestamp reply"),
    ],
)
def test_a_lying_authority_is_refused_with_the_reason(tsa: LocalTSA, mode: str, told: str) -> None:
    tsa.mode = mode
    with pytest.raises(TimestampError, match=told):
        tsa_stamp(tsa.url, "5e" * 32, certificates=Path(tsa.ca_file).read_text(), timeout=10)


def test_an_original_is_stamped_in_its_pipeline_and_the_token_is_a_strong_not_after_cue(
    tsa: LocalTSA, run_pipeline: object, world: World
) -> None:
    evidence = run_pipeline(png_bytes(size=(40, 20)), "stamped.png")
    stamp = TrustedTimestamp.objects.get(evidence=evidence, subject=TimestampSubject.ORIGINAL)
    assert stamp.digest == evidence.sha256 and "BEGIN CERTIFICATE" in stamp.certificates
    entry = CustodyEntry.objects.get(evidence=evidence, action=CustodyAction.TIMESTAMPED)
    assert entry.details["serial"] == stamp.serial
    cue = Cue.objects.get(evidence=evidence, kind="trusted_timestamp")
    assert cue.bound == "not_after" and cue.strength == "strong" and cue.latest == stamp.stamped_at
    assert "Test tsa authority" in cue.text
    # Shown on the item's page, and checked again by verify_archive, offline.
    viewer = Client()
    assert viewer.login(username=world.user(Role.VIEWER).username, password=PASSWORD)
    page = viewer.get(reverse("archive:evidence_detail", args=[world.case.slug, evidence.pk])).content.decode()
    assert "Trusted timestamps" in page and stamp.serial in page
    out = io.StringIO()
    call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert "1 trusted timestamp(s) verified" in out.getvalue()


def test_verify_archive_finds_a_token_that_stamps_other_bytes(
    tsa: LocalTSA, run_pipeline: object, world: World
) -> None:
    first = run_pipeline(png_bytes(size=(30, 20)), "one.png")
    second = run_pipeline(png_bytes(size=(31, 20)), "two.png")
    stamp = TrustedTimestamp.objects.get(evidence=first)
    other = TrustedTimestamp.objects.get(evidence=second)
    TrustedTimestamp.objects.filter(pk=stamp.pk).update(token=bytes(other.token))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert f"evidence #{first.pk}): it stamps {second.sha256}, not {first.sha256}" in out.getvalue()


def test_an_authority_that_cannot_be_reached_leaves_the_item_as_it_was_and_the_schedule_asks_again(
    tsa: LocalTSA, run_pipeline: object, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.TSA_URL = f"http://127.0.0.1:{free_port()}/tsa"
    evidence = run_pipeline(png_bytes(size=(50, 20)), "later.png")
    assert evidence.status == "done"
    run = StageRun.objects.get(evidence=evidence, stage="timestamp")
    assert run.status == "skipped" and "could not be reached" in run.reason
    assert not TrustedTimestamp.objects.filter(evidence=evidence).exists()
    assert not Cue.objects.filter(evidence=evidence, kind="trusted_timestamp").exists()
    # Back up: the schedule's round stamps it, and its cues are read again.
    settings.TSA_URL = tsa.url
    with django_capture_on_commit_callbacks(execute=True):
        assert stamp_due() >= 1
    assert Cue.objects.filter(evidence=evidence, kind="trusted_timestamp").exists()


def test_the_custody_head_is_stamped_at_sign_off_and_on_schedule_without_moving_it(
    tsa: LocalTSA, world: World, in_process: None, django_capture_on_commit_callbacks: object
) -> None:
    event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner)
    cue = cue_add_manual(evidence=world.evidence, actor=world.user(Role.CONTRIBUTOR), bound="not_before",
                         day=date(2023, 9, 4), text="4 September 2023")  # fmt: skip
    checker = world.user(Role.FACT_CHECKER)
    cue_review(cue=cue, actor=checker, confirm=True)
    with django_capture_on_commit_callbacks(execute=True):
        verdict_sign_off(evidence=world.evidence, actor=checker)
    world.case.refresh_from_db()
    head = TrustedTimestamp.objects.get(case=world.case, subject=TimestampSubject.CUSTODY_HEAD)
    assert head.digest == world.case.custody_head and head.custody_length == world.case.custody_length
    heads = TrustedTimestamp.objects.filter(case=world.case, subject=TimestampSubject.CUSTODY_HEAD)
    # Stamping a head writes nothing into the log, so the head it stamped stays the head: the round
    # stamps the other case's head and the world's original (collected before the authority was set).
    assert timestamps_due().stamped == 2 and heads.count() == 1
    # The original's token moved this case's head, so the next round stamps it.
    assert timestamps_due().stamped == 1 and heads.count() == 2
    assert timestamps_due().stamped == 0
    log = Client()
    assert log.login(username=world.owner.username, password=PASSWORD)
    page = log.get(reverse("archive:custody_log", args=[world.case.slug])).content.decode()
    assert "Trusted timestamps of the head" in page
    out = io.StringIO()
    call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert "3 trusted timestamp(s) verified" in out.getvalue()


def test_a_token_travels_in_a_bag_and_is_kept_where_it_is_imported_once_it_checks_out(
    tsa: LocalTSA, world: World, tmp_path: object, settings: object
) -> None:
    from archive.timestamps import timestamp_original
    from timeline.bags import bag_export, bag_import

    stamp = timestamp_original(evidence=world.evidence)
    bag_export(case=world.case, directory=tmp_path / "bag", actor=None)
    settings.TSA_URL = ""
    other = world.outsider.memberships.get().case
    summary = bag_import(directory=tmp_path / "bag", case=other, actor=world.outsider)
    (imported,) = summary.created
    kept = TrustedTimestamp.objects.get(evidence=imported)
    assert (kept.serial, kept.stamped_at, kept.digest) == (stamp.serial, stamp.stamped_at, world.evidence.sha256)
    entry = CustodyEntry.objects.get(evidence=imported, action=CustodyAction.BAG_IMPORTED)
    assert entry.details["timestamps"] == [{"serial": stamp.serial, "stamped_at": stamp.stamped_at.isoformat(),
                                            "url": tsa.url, "kept": True}]  # fmt: skip


def test_a_token_in_a_bag_under_an_authority_not_trusted_here_is_not_kept(
    tsa: LocalTSA, world: World, tmp_path: Path, settings: object
) -> None:
    from archive.timestamps import timestamp_original
    from timeline.bags import bag_export, bag_import

    # The bag's authority is the rogue one: its own certificate travels in the bag, and proves nothing here.
    rogue = LocalTSA()
    rogue.ca_file = str(rogue.root / "rogue.crt")
    rogue.mode = "rogue"
    with rogue:
        settings.TSA_URL, settings.TSA_CA_FILE = rogue.url, rogue.ca_file
        timestamp_original(evidence=world.evidence)
    bag_export(case=world.case, directory=tmp_path / "bag", actor=None)
    settings.TSA_URL, settings.TSA_CA_FILE = "", tsa.ca_file
    other = world.outsider.memberships.get().case
    (imported,) = bag_import(directory=tmp_path / "bag", case=other, actor=world.outsider).created
    assert not TrustedTimestamp.objects.filter(evidence=imported).exists()
    entry = CustodyEntry.objects.get(evidence=imported, action=CustodyAction.BAG_IMPORTED)
    (told,) = entry.details["timestamps"]
    assert told["kept"] is False and told["why"]
