from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q

from archive import services
from archive.collect.page import CHROMIUM
from archive.models import Case, CustodyEntry, Evidence, Membership, Provenance, SimilarLink, UrlCollection
from tests.conftest import PDF_BYTES, World, collect, make_user, png_bytes


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
    assert "All intact: 1 originals, 2 custody chain(s) and 0 trusted timestamp(s) verified." in out


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


# Transactional: the command commits as it goes, so its queued processing runs as it does for real.
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs the system's Chromium ({CHROMIUM})")
def test_seed_demo_builds_the_whole_demo_case_once(transactional_db: None, settings: object, tmp_path: Path) -> None:
    settings.DEBUG, settings.VAR_DIR = True, tmp_path
    out, _ = run("seed_demo")
    case = Case.objects.get(slug="ntechlab-tevian")
    assert sorted(case.memberships.values_list("user__username", flat=True)) == ["editor", "factchecker", "owner"]
    # The first recording came through the URL collector, from its post page, with the platform's upload time.
    job = UrlCollection.objects.get(case=case)
    record = job.media.provenance.get()
    assert (record.method, record.platform, record.account) == ("url", "TaskHive", "ntl.vision.lab")
    assert record.posted_at == dt.datetime(2023, 9, 21, 8, 40, tzinfo=dt.UTC)
    assert job.page.kind == "web_capture"
    names = {item.pk: item.original_name for item in case.evidence.all()}
    assert len(names) == 6 and all(item.status == "done" for item in case.evidence.all())
    # The answer the story needs, against both listings of 20 July 2023.
    verdicts = {}
    for line in run("verdicts", "--case", case.slug, "--json")[0].splitlines():
        record = json.loads(line)
        verdicts[names[record["id"]]] = {v["verdict"] for v in record["verdicts"]}
        assert [v["date"] for v in record["verdicts"]] == ["2023-07-20", "2023-07-20"]
    assert verdicts[job.media.original_name] == {"after"}
    assert verdicts["taskbar-june-2023.png"] == {"before"}
    assert verdicts["social-post-dec-2023.png"] == verdicts["task-recording-2.mp4"] == {"undetermined"}
    second = case.evidence.get(original_name="task-recording-2.mp4")
    assert SimilarLink.objects.filter(Q(first=job.media, second=second) | Q(first=second, second=job.media)).exists()
    assert sorted(case.entities.values_list("name", flat=True)) == ["NTechLab", "Tevian"]
    assert "After EU listing of NTechLab: 1 item (0 verified) · undetermined 4 · before 1 · conflicts 0" in out
    assert "outsider" in out
    # A second run changes nothing.
    entries = case.custody_entries.count()
    run("seed_demo")
    assert (case.evidence.count(), case.custody_entries.count()) == (6, entries)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        run("seed_demo")


def test_seed_demo_refuses_a_demo_case_that_an_earlier_run_left_half_built(db: None, settings: object) -> None:
    settings.DEBUG = True
    services.case_create(slug="ntechlab-tevian", title="left by a run that stopped", owner=make_user("owner"))
    with pytest.raises(CommandError, match="did not come out as it should: it holds 0 items instead of 6"):
        run("seed_demo")


def test_verify_archive_names_an_evidence_row_pointed_at_other_bytes(world: World) -> None:
    # Bytes stored for another case, which this row now claims as its own.
    elsewhere = Membership.objects.get(user=world.outsider).case
    other = collect(elsewhere, b"other bytes", "other.txt").evidence
    Evidence.objects.filter(pk=world.evidence.pk).update(sha256=other.sha256, size=other.size)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert f"evidence #{world.evidence.pk}: its row says sha256 {other.sha256}" in out.getvalue()


def test_verify_archive_names_a_provenance_row_changed_behind_the_application(world: World) -> None:
    record = world.evidence.provenance.get()
    Provenance.objects.filter(pk=record.pk).update(posted_at=dt.datetime(2019, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", stdout=out)
    assert (
        f"provenance record {record.pk} of evidence #{world.evidence.pk} differs from the custody log in: posted_at"
        in (out.getvalue())
    )


def test_provenance_edited_through_the_application_still_verifies(world: World) -> None:
    record = world.evidence.provenance.get()
    services.provenance_update(
        provenance=record, actor=world.owner, changes={"posted_at": dt.datetime(2023, 9, 4, tzinfo=dt.UTC)}
    )
    services.provenance_update(provenance=record, actor=world.owner, changes={"notes": "checked"})
    out, _ = run("verify_archive")
    assert "All intact" in out


def test_ingest_does_not_follow_links_inside_folders_or_leave_the_manifest_folder(world: World, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("operator's own file")
    folder = tmp_path / "received"
    folder.mkdir()
    (folder / "innocent.txt").symlink_to(secret)
    (folder / "real.txt").write_text("evidence")
    manifest = folder / "manifest.csv"
    manifest.write_text("path,source_url,platform,account,posted_at,notes\nreal.txt,,,,,\n")
    results = ingest_json(str(folder), "--manifest", str(manifest), "--case", world.case.slug)
    assert [Path(r["file"]).name for r in results] == ["real.txt"]
    manifest.write_text("path,source_url,platform,account,posted_at,notes\n../secret.txt,,,,,\n")
    with pytest.raises(CommandError, match="outside the manifest's folder"):
        run("ingest", "--manifest", str(manifest), "--case", world.case.slug)


@pytest.mark.parametrize("posted_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00-05:00", "1850-01-01"])
def test_ingest_refuses_an_impossible_posting_time_for_that_file_only(
    world: World, tmp_path: Path, posted_at: str
) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,source_url,platform,account,posted_at,notes\na.txt,,,,{posted_at},\nb.txt,,,,,\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("ingest", "--manifest", str(manifest), "--case", world.case.slug, "--json", stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "outside the years 1990 to 2100" in first["error"]
    assert second["sha256"]


def test_ingest_sets_the_device_locale_from_the_command_line_and_a_manifest_row_wins(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "a.png").write_bytes(png_bytes((1, 9, 1)))
    (folder / "b.png").write_bytes(png_bytes((1, 9, 2)))
    (folder / "c.png").write_bytes(png_bytes((1, 9, 3)))
    manifest = folder / "manifest.csv"
    manifest.write_text("path,source_url,platform,account,posted_at,notes,locale\na.png,,,,,,ru_ru\nb.png,,,,,,\n")
    results = ingest_json(str(folder), "--manifest", str(manifest), "--case", world.case.slug, "--locale", "en-us")
    locales = {Path(r["file"]).name: Provenance.objects.get(pk=r["provenance_id"]).locale for r in results}
    assert locales == {"a.png": "ru-RU", "b.png": "en-US", "c.png": "en-US"}


def test_ingest_refuses_an_unknown_locale_in_a_manifest_for_that_file_only(world: World, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,locale\na.txt,xx-YY\nb.txt,tr-TR\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("ingest", "--manifest", str(manifest), "--case", world.case.slug, "--json", stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["error"] == '"xx-YY" is not a locale CLDR knows; write it as BCP 47, e.g. en-US or tr-TR.'
    assert Provenance.objects.get(pk=second["provenance_id"]).locale == "tr-TR"


def test_ingest_and_create_case_refuse_an_unknown_locale_before_anything_is_stored(
    world: World, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(CommandError, match='"en-ZZ" is not a locale CLDR knows'):
        run("ingest", str(tmp_path), "--case", world.case.slug, "--locale", "en-ZZ")
    assert Evidence.objects.filter(case=world.case).count() == 1
    with pytest.raises(CommandError, match='"xx" is not a locale CLDR knows'):
        run("create_case", "bad-locales", "--title", "x", "--owner", world.owner.username, "--locales", "en,xx")
    assert not Case.objects.filter(slug="bad-locales").exists()


def test_create_case_takes_a_default_device_locale_and_the_cases_locales(world: World) -> None:
    run(
        "create_case",
        "istanbul",
        "--title",
        "Istanbul",
        "--owner",
        world.owner.username,
        "--locale",
        "tr_tr",
        "--locales",
        "tr, en",
    )
    case = Case.objects.get(slug="istanbul")
    assert (case.default_locale, case.locales) == ("tr-TR", "tr,en")


def test_ingest_keeps_a_file_whose_name_is_not_utf8(world: World, tmp_path: Path) -> None:
    path = Path(os.fsdecode(bytes(tmp_path) + b"/\xcf\xf0\xe8\xe2\xe5\xf2.png"))
    path.write_bytes(png_bytes((2, 2, 9)))
    [result] = ingest_json(str(path), "--case", world.case.slug)
    assert result["warnings"] == ["its name was not valid UTF-8; the undecodable bytes were replaced"]
    assert Evidence.objects.get(pk=result["id"]).original_name == "\ufffd" * 6 + ".png"


def test_ingest_refuses_a_manifest_row_that_does_not_fit_its_columns_and_goes_on(
    world: World, tmp_path: Path, _isolated_storage: Path
) -> None:
    for name, shade in (("nul.png", 1), ("long.png", 2), ("link.png", 3), ("good.png", 4)):
        (tmp_path / name).write_bytes(png_bytes((7, 7, shade)))
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,source_url,platform,notes\n"
        "nul.png,,,a NUL\x00 in the notes\n"
        f"long.png,,{'p' * 300},\n"
        "link.png,javascript:alert(1),,\n"
        "good.png,,telegram,kept\n"
    )
    stored_before = sum(1 for path in _isolated_storage.rglob("*") if path.is_file())
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 of 4"):
        call_command("ingest", "--manifest", str(manifest), "--case", world.case.slug, "--json", stdout=out)
    results = {Path(r["file"]).name: r for r in map(json.loads, out.getvalue().splitlines())}
    assert "the notes field holds a NUL byte" in results["nul.png"]["error"]
    assert "the platform field is longer than 100 characters" in results["long.png"]["error"]
    assert "is not an http(s) URL" in results["link.png"]["error"]
    assert Provenance.objects.get(pk=results["good.png"]["provenance_id"]).notes == "kept"
    # Only the good file's original was stored: the refused ones left nothing in the vault.
    assert sum(1 for path in _isolated_storage.rglob("*") if path.is_file()) == stored_before + 1


def test_a_provenance_edit_that_does_not_fit_its_columns_is_refused(world: World) -> None:
    record = world.evidence.provenance.get()
    for changes, problem in (({"notes": "x\x00"}, "NUL byte"), ({"account": "a" * 201}, "longer than 200"),
                             ({"source_url": "javascript:alert(1)"}, "not an http or https address")):  # fmt: skip
        with pytest.raises(services.ServiceError, match=problem):
            services.provenance_update(provenance=record, actor=world.owner, changes=changes)


def test_ingest_writes_names_that_are_not_utf_8_or_hold_escapes_safely(world: World, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = os.fsencode(inbox)
    for name, shade in ((b"shot\xff\xfe.png", 1), (b"\x1b[31mred\xe2\x80\xae.png", 2)):
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(png_bytes((3, 3, shade)))
    out = io.StringIO()
    call_command("ingest", str(inbox), "--case", world.case.slug, "--json", stdout=out)
    files = sorted(Path(json.loads(line)["file"]).name for line in out.getvalue().splitlines())
    assert files == ["\\x1b[31mred\\u202e.png", "shot\\xff\\xfe.png"]
    plain, _ = run("ingest", str(inbox), "--case", world.case.slug)
    assert "\x1b" not in plain and "\u202e" not in plain
    assert "shot\\xff\\xfe.png" in plain
