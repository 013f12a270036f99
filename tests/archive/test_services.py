from __future__ import annotations

import datetime as dt

import pytest

from archive import services
from archive.custody import custody_append, custody_replay, custody_verify, provenance_snapshot
from archive.locales import case_locales, evidence_device_locale
from archive.models import Case, CustodyAction, CustodyEntry, Evidence, ProcessingStatus, Provenance
from archive.roles import Role
from tests.conftest import PDF_BYTES, World, collect, png_bytes


def test_collecting_stores_evidence_with_provenance_and_a_custody_entry(world: World) -> None:
    result = collect(
        world.case,
        png_bytes((1, 2, 3)),
        "shot.png",
        actor=world.owner,
        source_url="https://example.org/post/1",
        platform="Facebook",
    )
    evidence = result.evidence
    assert result.created
    assert (evidence.kind, evidence.content_type, evidence.status) == (
        "screenshot",
        "image/png",
        ProcessingStatus.QUEUED,
    )
    assert evidence.provenance.get().platform == "Facebook"
    entry = CustodyEntry.objects.get(evidence=evidence)
    assert entry.action == CustodyAction.COLLECTED
    assert entry.details["sha256"] == evidence.sha256
    assert entry.actor_name == world.owner.username


def test_the_same_bytes_twice_are_one_item_with_two_provenance_records(world: World) -> None:
    again = collect(world.case, png_bytes(), "renamed.png", actor=world.owner, platform="Telegram")
    assert not again.created
    assert again.evidence == world.evidence
    assert Evidence.objects.filter(case=world.case).count() == 1
    assert list(Provenance.objects.filter(evidence=world.evidence).values_list("platform", flat=True)) == [
        "Toloka",
        "Telegram",
    ]
    actions = list(CustodyEntry.objects.filter(evidence=world.evidence).values_list("action", flat=True))
    assert actions == [CustodyAction.COLLECTED, CustodyAction.COLLECTED_AGAIN]


def test_the_same_bytes_in_another_case_are_a_separate_item(world: World) -> None:
    other = services.case_create(slug="second", title="Second", owner=world.owner)
    assert collect(other, png_bytes(), "task.png").created


def test_a_pdf_named_jpg_is_kept_as_a_pdf_with_a_warning(world: World) -> None:
    result = collect(world.case, PDF_BYTES, "photo.jpg")
    assert result.evidence.content_type == "application/pdf"
    assert result.evidence.kind == "document"
    assert "its name ends in .jpg" in result.warnings[0]


def test_an_empty_file_is_rejected_with_a_clear_message(world: World) -> None:
    with pytest.raises(services.EvidenceRejected, match=r"empty.txt was not stored: it is empty \(0 bytes\)"):
        collect(world.case, b"", "empty.txt")
    assert Evidence.objects.filter(case=world.case).count() == 1


def test_the_last_owner_cannot_leave_or_be_demoted(world: World) -> None:
    owner = world.membership(Role.OWNER)
    with pytest.raises(services.ServiceError, match="at least one owner"):
        services.membership_remove(membership=owner, actor=world.owner)
    with pytest.raises(services.ServiceError, match="at least one owner"):
        services.membership_change_role(membership=owner, role=Role.EDITOR, actor=world.owner)
    editor = world.membership(Role.EDITOR)
    services.membership_change_role(membership=editor, role=Role.OWNER, actor=world.owner)
    services.membership_change_role(membership=owner, role=Role.VIEWER, actor=world.owner)
    assert custody_verify(world.case) == []


def test_editing_provenance_logs_old_and_new_values(world: World) -> None:
    record = world.evidence.provenance.get()
    services.provenance_update(provenance=record, actor=world.owner, changes={"account": "sanctioned_co"})
    entry = CustodyEntry.objects.filter(action=CustodyAction.PROVENANCE_EDITED).get()
    assert entry.details["changes"] == {"account": {"from": "", "to": "sanctioned_co"}}
    with pytest.raises(services.ServiceError):
        services.provenance_update(provenance=record, actor=world.owner, changes={"collected_at": None})


def test_collecting_with_a_device_locale_keeps_it_in_the_record_and_the_log(world: World) -> None:
    result = collect(world.case, png_bytes((7, 1, 7)), "clock.png", actor=world.owner, locale="tr-TR")
    assert result.provenance.locale == "tr-TR"
    entry = CustodyEntry.objects.get(evidence=result.evidence, action=CustodyAction.COLLECTED)
    assert entry.details["record"]["locale"] == "tr-TR"
    assert custody_replay(world.case) == []


def test_editing_the_device_locale_is_a_custody_entry_that_replays(world: World) -> None:
    record = world.evidence.provenance.get()
    services.provenance_update(provenance=record, actor=world.owner, changes={"locale": "en-MY"})
    entry = CustodyEntry.objects.filter(action=CustodyAction.PROVENANCE_EDITED).get()
    assert entry.details["changes"] == {"locale": {"from": "", "to": "en-MY"}}
    assert custody_replay(world.case) == []
    Provenance.objects.filter(pk=record.pk).update(locale="en-US")
    [problem] = custody_replay(world.case)
    assert "differs from the custody log in: locale (row 'en-US', log 'en-MY')" in str(problem)


def test_a_record_logged_before_device_locales_existed_replays_until_its_locale_is_changed(world: World) -> None:
    record = world.evidence.provenance.get()
    # The snapshot an older version wrote: every field but the locale.
    old_snapshot = {name: value for name, value in provenance_snapshot(record).items() if name != "locale"}
    custody_append(
        case=world.case,
        action=CustodyAction.COLLECTED_AGAIN,
        actor=world.owner,
        evidence=world.evidence,
        details={"provenance": record.pk, "record": old_snapshot},
    )
    assert custody_replay(world.case) == []
    Provenance.objects.filter(pk=record.pk).update(locale="ru-RU")
    [problem] = custody_replay(world.case)
    assert "locale (row 'ru-RU', log '')" in str(problem)


def test_an_items_device_locale_is_its_latest_record_naming_one_else_the_case_default(world: World) -> None:
    evidence = world.evidence
    assert evidence_device_locale(evidence) == ""
    Case.objects.filter(pk=world.case.pk).update(default_locale="en-GB")
    evidence = Evidence.objects.select_related("case").get(pk=evidence.pk)
    assert evidence_device_locale(evidence) == "en-GB"
    first = evidence.provenance.get()
    Provenance.objects.filter(pk=first.pk).update(locale="ru-RU")
    assert evidence_device_locale(evidence) == "ru-RU"
    # A later collection that names no locale leaves the earlier one standing; one that names one wins.
    collect(world.case, png_bytes(), "again.png", actor=world.owner)
    assert evidence_device_locale(evidence) == "ru-RU"
    later = collect(world.case, png_bytes(), "third.png", actor=world.owner, locale="tr-TR").provenance
    assert evidence_device_locale(evidence) == "tr-TR"
    Provenance.objects.filter(pk=later.pk).update(collected_at=first.collected_at - dt.timedelta(days=1))
    assert evidence_device_locale(evidence) == "ru-RU"


def test_an_items_device_locale_can_come_from_records_the_caller_has(world: World) -> None:
    records = list(world.evidence.provenance.all())
    records[0].locale = "en-US"
    assert evidence_device_locale(world.evidence, records) == "en-US"


def test_a_case_reads_its_own_locales_else_the_setting(world: World, settings: object) -> None:
    settings.CASE_LOCALES = ("en", "ru")
    assert case_locales(world.case) == ("en", "ru")
    case = services.case_create(
        slug="turkey", title="Turkish contracts", owner=world.owner, default_locale="tr-TR", locales=("tr", "en")
    )
    case.refresh_from_db()
    assert (case.default_locale, case.locales, case_locales(case)) == ("tr-TR", "tr,en", ("tr", "en"))
    created = CustodyEntry.objects.get(case=case, action=CustodyAction.CASE_CREATED)
    assert created.details == {"title": "Turkish contracts", "default_locale": "tr-TR", "locales": "tr,en"}
