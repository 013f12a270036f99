from __future__ import annotations

import pytest

from archive import services
from archive.custody import custody_verify
from archive.models import CustodyAction, CustodyEntry, Evidence, ProcessingStatus, Provenance
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
