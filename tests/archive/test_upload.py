from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archive.models import CustodyAction, CustodyEntry, Evidence
from archive.roles import Role
from tests.conftest import PASSWORD, PDF_BYTES, World, png_bytes


@pytest.fixture
def upload_tmp(settings: object, tmp_path: Path) -> Path:
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def _upload(world: World, files: list[SimpleUploadedFile], role: str = Role.CONTRIBUTOR, **fields: str) -> str:
    client = Client()
    client.login(username=world.user(role).username, password=PASSWORD)
    url = reverse("archive:evidence_upload", kwargs={"slug": world.case.slug})
    response = client.post(url, {"files": files, **fields}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def _stored_files(media: Path) -> list[str]:
    return sorted(p.name for p in (media / "originals").rglob("*") if p.is_file())


def test_several_files_upload_at_once_with_shared_provenance(world: World, upload_tmp: Path) -> None:
    page = _upload(
        world,
        [SimpleUploadedFile("one.png", png_bytes((1, 1, 1))), SimpleUploadedFile("two.pdf", PDF_BYTES)],
        platform="Facebook",
        source_url="https://facebook.com/posts/123",
        posted_at="2023-12-12T10:00:00+01:00",
        notes="From the company's page",
    )
    assert "2 files stored in the vault." in page
    items = Evidence.objects.filter(case=world.case, original_name__in=["one.png", "two.pdf"])
    assert {e.content_type for e in items} == {"image/png", "application/pdf"}
    for item in items:
        record = item.provenance.get()
        assert (record.method, record.platform, record.collected_by) == (
            "upload",
            "Facebook",
            world.user("contributor"),
        )
        assert record.posted_at.isoformat() == "2023-12-12T09:00:00+00:00"
    assert list(upload_tmp.iterdir()) == []


def test_an_empty_file_gets_a_clear_message_and_leaves_nothing_behind(
    world: World, upload_tmp: Path, _isolated_storage: Path
) -> None:
    before = _stored_files(_isolated_storage)
    page = _upload(world, [SimpleUploadedFile("blank.png", b"")])
    assert "blank.png was not stored: it is empty (0 bytes)." in page
    assert _stored_files(_isolated_storage) == before
    assert list(upload_tmp.iterdir()) == []
    assert not Evidence.objects.filter(original_name="blank.png").exists()


def test_a_file_over_the_limit_is_refused_while_it_streams_in(
    world: World, upload_tmp: Path, _isolated_storage: Path, settings: object
) -> None:
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 1000
    before = _stored_files(_isolated_storage)
    page = _upload(world, [SimpleUploadedFile("huge.bin", b"z" * 5000), SimpleUploadedFile("ok.bin", b"small")])
    assert "huge.bin was not stored: it is larger than the limit of 1000" in page
    assert "1 file stored in the vault." in page
    assert len(_stored_files(_isolated_storage)) == len(before) + 1
    assert list(upload_tmp.iterdir()) == []


def test_a_pdf_named_jpg_is_stored_as_pdf_and_the_uploader_is_told(world: World) -> None:
    page = _upload(world, [SimpleUploadedFile("holiday.jpg", PDF_BYTES)])
    assert "its name ends in .jpg (image/jpeg) but its bytes are application/pdf" in page
    evidence = Evidence.objects.get(original_name="holiday.jpg")
    assert (evidence.content_type, evidence.kind) == ("application/pdf", "document")
    entry = CustodyEntry.objects.get(evidence=evidence, action=CustodyAction.COLLECTED)
    assert "its name ends in .jpg" in entry.details["warnings"][0]


def test_names_with_paths_or_control_characters_are_cleaned(world: World) -> None:
    # Django's upload parser already drops path parts and unprintable characters;
    # what reaches the vault must be a plain name either way.
    _upload(
        world,
        [
            SimpleUploadedFile("../../../etc/evil.png", png_bytes((7, 7, 7))),
            SimpleUploadedFile("a\u202egnp.exe", b"MZ"),
        ],
    )
    assert Evidence.objects.filter(original_name="evil.png").exists()
    assert Evidence.objects.filter(original_name="agnp.exe").exists()


def test_file_names_and_notes_are_escaped_on_every_page(world: World) -> None:
    hostile = "<img src=x onerror=alert(1)>.png"
    _upload(world, [SimpleUploadedFile(hostile, png_bytes((3, 3, 3)))], notes="<script>alert(2)</script>")
    evidence = Evidence.objects.get(original_name=hostile)
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    for url in (world.case.get_absolute_url(), evidence.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;.png" in page
    detail = client.get(evidence.get_absolute_url()).content.decode()
    assert "<script>alert(2)" not in detail
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in detail


def test_a_posting_time_without_a_time_zone_is_refused(world: World) -> None:
    page = _upload(world, [SimpleUploadedFile("x.png", png_bytes())], posted_at="2023-12-12 10:00")
    assert "has no time zone" in page
    assert Evidence.objects.filter(case=world.case).count() == 1


def test_an_upload_keeps_its_device_locale_in_bcp_47_case_and_the_item_page_shows_it(world: World) -> None:
    page = _upload(world, [SimpleUploadedFile("clock.png", png_bytes((3, 1, 4)))], locale="en-my")
    assert "1 file stored in the vault." in page
    evidence = Evidence.objects.get(case=world.case, original_name="clock.png")
    assert evidence.provenance.get().locale == "en-MY"
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    detail = client.get(evidence.get_absolute_url()).content.decode()
    assert "<dt>Device locale</dt><dd>en-MY</dd>" in detail


def test_an_unknown_device_locale_is_refused_with_how_to_write_one(world: World) -> None:
    page = _upload(world, [SimpleUploadedFile("x.png", png_bytes((2, 7, 1)))], locale="xx-YY")
    assert "&quot;xx-YY&quot; is not a locale CLDR knows; write it as BCP 47, e.g. en-US or tr-TR." in page
    assert Evidence.objects.filter(case=world.case).count() == 1


def test_a_viewer_cannot_upload(world: World) -> None:
    client = Client()
    client.login(username=world.user(Role.VIEWER).username, password=PASSWORD)
    url = reverse("archive:evidence_upload", kwargs={"slug": world.case.slug})
    response = client.post(url, {"files": [SimpleUploadedFile("x.png", png_bytes((5, 5, 5)))]})
    assert response.status_code == 403
    assert Evidence.objects.filter(case=world.case).count() == 1


def test_anonymous_uploads_are_not_even_spooled(world: World, upload_tmp: Path) -> None:
    url = reverse("archive:evidence_upload", kwargs={"slug": world.case.slug})
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"files": [SimpleUploadedFile("x.bin", b"x" * 100_000)]})
    assert response.status_code in (302, 403)
    assert list(upload_tmp.iterdir()) == []
    assert Evidence.objects.filter(case=world.case).count() == 1
