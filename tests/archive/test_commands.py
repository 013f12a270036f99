from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive.models import Case, CustodyEntry, Evidence, Provenance
from tests.conftest import PDF_BYTES, World, png_bytes


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def ingest_json(*args: str) -> list[dict]:
    out, _ = run("ingest", *args, "--json")
    return [json.loads(line) for line in out.splitlines()]


def test_create_case_makes_the_named_user_owner(world: World) -> None:
    out, _ = run("create_case", "sanctions-2023", "--title", "Sanctions 2023", "--owner", world.owner.username)
    case = Case.objects.get(slug="sanctions-2023")
    assert case.memberships.get().user == world.owner
    assert "Created case sanctions-2023" in out
    with pytest.raises(CommandError, match="already exists"):
        run("create_case", "sanctions-2023", "--title", "Again", "--owner", world.owner.username)
    with pytest.raises(CommandError, match="not a valid slug"):
        run("create_case", "Bad Slug", "--title", "x", "--owner", world.owner.username)


def test_ingest_prints_the_same_sha256_as_sha256sum_and_reports_a_duplicate(world: World, tmp_path: Path) -> None:
    path = tmp_path / "recording.bin"
    path.write_bytes(b"\x00\x01screen recording bytes" * 5000)
    expected = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]

    [first] = ingest_json(str(path), "--case", world.case.slug, "--platform", "YouTube")
    assert first["sha256"] == expected
    assert first["size"] == path.stat().st_size
    assert first["duplicate_of"] is None
    assert first["status"] == "queued"
    assert {"id", "content_type", "kind"} <= set(first)

    [again] = ingest_json(str(path), "--case", world.case.slug)
    assert again["duplicate_of"] == first["id"] == again["id"]
    assert Provenance.objects.filter(evidence_id=first["id"]).count() == 2


def test_ingest_walks_directories_and_reads_a_manifest(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.png").write_bytes(png_bytes((9, 9, 9)))
    (folder / "b.pdf").write_bytes(PDF_BYTES)
    manifest = folder / "manifest.csv"
    manifest.write_text(
        "path,source_url,platform,account,posted_at,notes\n"
        "a.png,https://t.me/c/1/2,Telegram,@sanctioned,2023-12-12,seen in channel\n"
        "b.pdf,,,,,the regulation\n"
    )
    results = ingest_json("--manifest", str(manifest), "--case", world.case.slug, "--collected-by", "olga_owner")
    assert [Path(r["file"]).name for r in results] == ["a.png", "b.pdf"]
    record = Provenance.objects.get(evidence_id=results[0]["id"])
    assert (record.platform, record.account, record.notes) == ("Telegram", "@sanctioned", "seen in channel")
    assert (record.posted_at.date().isoformat(), record.posted_at_granularity) == ("2023-12-12", "day")
    assert record.collected_by == world.owner
    assert record.method == "bulk_import"


def test_ingest_reports_each_bad_file_and_goes_on(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes((4, 5, 6)))
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 of 3 file"):
        call_command(
            "ingest", str(empty), str(tmp_path / "missing.png"), str(good), "--case", "ntechlab", "--json", stdout=out
        )
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert results[0]["error"] == "empty.png was not stored: it is empty (0 bytes)."
    assert "is not a file" in results[1]["error"]
    assert results[2]["sha256"]


def test_ingest_refuses_an_unknown_case_and_a_bad_url(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No case"):
        run("ingest", str(tmp_path), "--case", "nope")
    with pytest.raises(CommandError, match="not an http"):
        run("ingest", str(tmp_path), "--case", world.case.slug, "--source-url", "javascript:alert(1)")


def test_verify_archive_passes_on_an_intact_archive(world: World) -> None:
    out, _ = run("verify_archive")
    assert "All intact: 1 originals and 2 custody chain(s) verified." in out


def test_verify_archive_names_an_item_whose_bytes_changed(world: World, _isolated_storage: Path) -> None:
    stored = _isolated_storage / world.evidence.storage_name
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[10] ^= 0xFF
    stored.write_bytes(bytes(data))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem found"):
        call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert f"evidence #{world.evidence.pk} (task.png, sha256 {world.evidence.sha256}): its original changed" in (
        out.getvalue()
    )


def test_verify_archive_names_a_missing_original(world: World, _isolated_storage: Path) -> None:
    (_isolated_storage / world.evidence.storage_name).unlink()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", stdout=out)
    assert "its original is missing from storage" in out.getvalue()


def test_verify_archive_names_an_edited_custody_entry(world: World) -> None:
    entry = CustodyEntry.objects.get(evidence=world.evidence)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CustodyEntry._meta.db_table} SET action = 'status_changed' WHERE id = %s", [entry.pk])  # noqa: S608
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", stdout=out)
    assert f"case ntechlab: custody entry {entry.sequence}: altered" in out.getvalue()


def test_ingest_notes_a_file_name_with_control_characters(world: World, tmp_path: Path) -> None:
    path = tmp_path / "shot\nfrom\u202ephone.png"
    path.write_bytes(png_bytes((8, 1, 8)))
    [result] = ingest_json(str(path), "--case", world.case.slug)
    assert result["warnings"] == ["its name contained control characters, which were removed"]
    assert Evidence.objects.get(pk=result["id"]).original_name == "shotfromphone.png"


def test_seed_demo_builds_the_demo_once(db: None, settings: object) -> None:
    settings.DEBUG = True
    out, _ = run("seed_demo")
    run("seed_demo")
    case = Case.objects.get(slug="ntechlab-tevian")
    assert case.evidence.count() == 2
    assert sorted(case.memberships.values_list("user__username", flat=True)) == ["editor", "factchecker", "owner"]
    assert "outsider" in out
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        run("seed_demo")
