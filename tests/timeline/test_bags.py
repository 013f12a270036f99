"""Evidence packages: BagIt bags written, checked by the bagit library and its own command, and brought back in."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import bagit
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from archive.custody import custody_verify
from archive.models import Case, CustodyAction, CustodyEntry, Evidence
from archive.roles import Role
from tests.conftest import PASSWORD, PDF_BYTES, World
from timeline.bags import PROFILE, BagError, bag_export
from timeline.models import Cue, CueStatus, KeyEvent
from timeline.services import cue_add_manual, cue_review, event_add

BAGIT = Path(sys.executable).with_name("bagit.py")


@pytest.fixture
def bagged(world: World, run_pipeline: object, tmp_path: Path) -> dict[str, object]:
    """A case with a key event, a scanned page, a cue added by hand and confirmed, written as a bag."""
    event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner, entity_name="NTechLab")
    page = run_pipeline(PDF_BYTES, "регламент.pdf")
    checker = world.user(Role.FACT_CHECKER)
    cue = cue_add_manual(evidence=world.evidence, actor=world.user(Role.CONTRIBUTOR), bound="not_after",
                         day=date(2023, 12, 5), text="Posted 5 December 2023", note="seen on the platform")  # fmt: skip
    cue_review(cue=cue, actor=checker, confirm=True, note="matches the post")
    directory = tmp_path / "bag"
    call_command("export_bag", "--case", world.case.slug, str(directory), stdout=io.StringIO())
    return {"dir": directory, "page": page, "cue": cue}


def test_an_exported_bag_passes_bagit_validation_and_names_its_case_and_custody_entry(
    world: World, bagged: dict
) -> None:
    directory = bagged["dir"]
    checked = subprocess.run([sys.executable, str(BAGIT), "--validate", str(directory)], capture_output=True,
                             text=True, timeout=120, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    bag = bagit.Bag(str(directory))
    assert bag.algorithms == ["sha256"] and bag.info["External-Identifier"] == world.case.slug
    assert bag.info["BagIt-Profile-Identifier"] == PROFILE
    world.case.refresh_from_db()
    export = CustodyEntry.objects.get(case=world.case, action=CustodyAction.EXPORTED, details__format="bagit")
    assert bag.info["Custody-Entry"] == str(export.sequence) and bag.info["Custody-Head"] == export.entry_hash
    data = directory / "data"
    lines = (directory / "custody.jsonl").read_text().splitlines()
    assert len(lines) == export.sequence and json.loads(lines[-1])["entry_hash"] == export.entry_hash
    # Each original byte for byte under its hash, with its derived files and records.
    page = bagged["page"]
    item = json.loads((data / "evidence" / page.sha256 / "item.json").read_text())
    assert (data / "evidence" / page.sha256 / item["original"]).read_bytes() == PDF_BYTES
    assert item["derived"] and all((data / "evidence" / page.sha256 / name).is_file() for name in item["derived"])
    assert item["frames"][0]["file"] in item["derived"]
    task = json.loads((data / "evidence" / world.evidence.sha256 / "item.json").read_text())
    assert task["provenance"][0]["platform"] == "Toloka"
    manual = next(cue for cue in task["cues"] if cue["by_person"])
    assert manual["status"] == "confirmed" and manual["review"]["note"] == "matches the post"
    timeline = json.loads((data / "timeline.json").read_text())
    assert {record["sha256"] for record in timeline["verified"]} == {world.evidence.sha256, page.sha256}
    memo = (data / "memo.html").read_text()
    assert "NTechLab gig work" in memo and "<style>" in memo
    assert json.loads((data / "case.json").read_text())["key_events"][0]["title"] == "EU listing"


def test_a_bag_imported_elsewhere_keeps_the_hashes_and_the_history_as_data(world: World, bagged: dict) -> None:
    other = Case.objects.get(slug="other")
    out = io.StringIO()
    call_command("import_bag", str(bagged["dir"]), "--case", "other", stdout=out)
    assert "Imported 2 new items" in out.getvalue()
    imported = {item.sha256: item for item in Evidence.objects.filter(case=other)}
    assert set(imported) == {world.evidence.sha256, bagged["page"].sha256}
    task = imported[world.evidence.sha256]
    provenance = task.provenance.get()
    assert provenance.platform == "Toloka" and "Imported from the bag ntechlab" in provenance.notes
    assert "collected there by user_contributor" in provenance.notes
    # The cue a person added there is proposed here: our fact-checkers confirm for themselves.
    cue = Cue.objects.get(evidence=task, by_person=True)
    assert cue.status == CueStatus.PROPOSED and cue.details["imported"]["status"] == "confirmed"
    entry = CustodyEntry.objects.get(case=other, evidence=task, action=CustodyAction.BAG_IMPORTED)
    assert [line["action"] for line in entry.details["history"]][:1] == ["collected"]
    assert "cue_confirmed" in [line["action"] for line in entry.details["history"]]
    assert entry.details["reviews"][0]["note"] == "matches the post"
    assert KeyEvent.objects.filter(case=other, title="EU listing", date=date(2023, 7, 20)).exists()
    assert custody_verify(other) == []
    # Importing it again adds nothing new.
    again = io.StringIO()
    call_command("import_bag", str(bagged["dir"]), "--case", "other", stdout=again)
    assert "Imported 0 new items" in again.getvalue() and Evidence.objects.filter(case=other).count() == 2


def _copy(bagged: dict, tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(bagged["dir"], copy)
    return copy


def test_a_bag_with_a_wrong_checksum_or_a_missing_file_is_refused_with_the_file_named(
    world: World, bagged: dict, tmp_path: Path
) -> None:
    changed = _copy(bagged, tmp_path, "changed")
    original = next((changed / "data" / "evidence" / world.evidence.sha256 / "original").iterdir())
    original.chmod(0o644)
    original.write_bytes(original.read_bytes() + b"!")
    with pytest.raises(CommandError, match=rf"data/evidence/{world.evidence.sha256}/original/task.png"):
        call_command("import_bag", str(changed), "--case", "other")
    missing = _copy(bagged, tmp_path, "missing")
    (missing / "data" / "memo.html").unlink()
    with pytest.raises(CommandError, match=r"data/memo.html"):
        call_command("import_bag", str(missing), "--case", "other")
    assert not Evidence.objects.filter(case__slug="other").exists()


def test_a_bag_of_another_profile_or_with_a_broken_custody_chain_is_refused(
    world: World, bagged: dict, tmp_path: Path
) -> None:
    foreign = _copy(bagged, tmp_path, "foreign")
    bag = bagit.Bag(str(foreign))
    bag.info["BagIt-Profile-Identifier"] = "https://example.org/other-profile.json"
    bag.save()
    with pytest.raises(CommandError, match="names the profile 'https://example.org/other-profile.json'"):
        call_command("import_bag", str(foreign), "--case", "other")
    forged = _copy(bagged, tmp_path, "forged")
    log = forged / "custody.jsonl"
    lines = log.read_text().splitlines()
    first = json.loads(lines[0])
    first["actor_name"] = "someone else"
    log.chmod(0o644)
    log.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    # The tag manifest is made again, so only the chain itself can tell.
    bagit.Bag(str(forged)).save()
    with pytest.raises(CommandError, match=r"custody.jsonl line 1 \(entry 1\) breaks the hash chain"):
        call_command("import_bag", str(forged), "--case", "other")
    assert not Evidence.objects.filter(case__slug="other").exists()


def test_export_refuses_a_folder_in_use_and_an_item_of_another_case(world: World, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("export_bag", "--case", world.case.slug, str(used))
    with pytest.raises(CommandError, match="has no item 999999"):
        call_command("export_bag", "--case", world.case.slug, "--evidence", "999999", str(tmp_path / "new"))
    with pytest.raises(CommandError, match="Name the folder"):
        call_command("export_bag", "--case", world.case.slug, "--evidence", "1")
    # Ids before the folder or after it, apart or with commas.
    call_command("export_bag", "--case", world.case.slug, "--evidence", str(world.evidence.pk), str(tmp_path / "a"),
                 stdout=io.StringIO())  # fmt: skip
    call_command("export_bag", "--case", world.case.slug, str(tmp_path / "b"), "--evidence", f"{world.evidence.pk},",
                 stdout=io.StringIO())  # fmt: skip
    assert len(list((tmp_path / "a" / "data" / "evidence").iterdir())) == 1
    assert len(list((tmp_path / "b" / "data" / "evidence").iterdir())) == 1


def test_the_bag_download_streams_a_zip_that_is_a_valid_bag_of_the_items_asked_for(
    world: World, tmp_path: Path
) -> None:
    client = Client()
    assert client.login(username=world.user(Role.VIEWER).username, password=PASSWORD)
    url = reverse("timeline:case_bag", args=[world.case.slug])
    assert client.get(url).status_code == 405
    assert client.post(url, {"evidence": "x"}).status_code == 400
    response = client.post(url, {"evidence": world.evidence.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{world.case.slug}-bag-')
    name = response["Content-Disposition"].split('"')[1].removesuffix(".zip")
    chunks = iter(response.streaming_content)
    body = next(chunks)
    (written,) = Path(tempfile.gettempdir()).glob(f"bag-*/{name}")
    body += b"".join(chunks)
    # The folder it was written in goes when the response is closed (here, by the test client, at its end).
    assert not written.exists()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        archive.extractall(tmp_path / "unzipped")
    (top,) = (tmp_path / "unzipped").iterdir()
    bag = bagit.Bag(str(top))
    bag.validate()
    assert [path.parent.parent.name for path in (top / "data" / "evidence").glob("*/original/*")] == [
        world.evidence.sha256
    ]


def test_a_stored_original_that_no_longer_matches_its_hash_stops_the_export(
    world: World, tmp_path: Path, settings: object
) -> None:
    from archive.vault import blob_name

    stored = Path(settings.MEDIA_ROOT) / blob_name(world.evidence.sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"not the original")
    with pytest.raises(BagError, match="no longer matches its SHA-256"):
        bag_export(case=world.case, directory=tmp_path / "bag", actor=None)


def test_a_bag_holding_a_link_is_refused_before_anything_is_read(world: World, bagged: dict, tmp_path: Path) -> None:
    linked = _copy(bagged, tmp_path, "linked")
    outside = tmp_path / "outside"
    outside.mkdir()
    (linked / "data" / "evidence" / ("e" * 64)).symlink_to(outside, target_is_directory=True)
    with pytest.raises(CommandError, match=f"data/evidence/{'e' * 64} is a link"):
        call_command("import_bag", str(linked), "--case", "other")


def test_a_bag_whose_later_item_is_broken_brings_nothing_in(world: World, bagged: dict, tmp_path: Path) -> None:
    broken = _copy(bagged, tmp_path, "broken")
    record = broken / "data" / "evidence" / bagged["page"].sha256 / "item.json"
    values = json.loads(record.read_text())
    values["cues"] = [{"id": 1}]
    record.chmod(0o644)
    record.write_text(json.dumps(values))
    bagit.Bag(str(broken)).save(manifests=True)
    with pytest.raises(CommandError, match=r"item.json: cue 1 lacks some of"):
        call_command("import_bag", str(broken), "--case", "other")
    other = Case.objects.get(slug="other")
    assert not Evidence.objects.filter(case=other).exists()
    assert not KeyEvent.objects.filter(case=other).exists()


def test_importing_into_a_case_that_holds_the_item_keeps_its_archive_intact(world: World, bagged: dict) -> None:
    # The bag goes back into its own case: the items are there, the cue added by hand is known by its fingerprint.
    out = io.StringIO()
    call_command("import_bag", str(bagged["dir"]), "--case", world.case.slug, stdout=out)
    assert "Imported 0 new items" in out.getvalue() and "(2 the case already had)" in out.getvalue()
    assert Cue.objects.filter(evidence=world.evidence, by_person=True).count() == 1
    checked = io.StringIO()
    call_command("verify_archive", "--case", world.case.slug, stdout=checked)
    assert "All intact" in checked.getvalue()
