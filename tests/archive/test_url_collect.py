"""Collecting from URLs end to end: a local site, the guard, yt-dlp, Chromium, the vault and the pipeline."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import ipaddress
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from archive.models import CustodyAction, CustodyEntry, UrlCollection
from tests import media
from tests.conftest import PASSWORD, World
from timeline.models import Cue

ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>EU widens sanctions</title></head>
<body style="font: 30px 'DejaVu Sans'; padding: 40px"><h1>EU widens sanctions on surveillance firms</h1>
<p>Published 4 September 2023</p></body></html>"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path == "/slow.html":
            time.sleep(4)
        super().do_GET()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site")
    (root / "video.mp4").write_bytes(media.recording([(media.text_image(["Labelling task 5512"]), 2)]))
    (root / "article.html").write_text(ARTICLE)
    (root / "slow.html").write_text(ARTICLE)
    # Hostile pages: a refresh to addresses no program may follow, and a page that moves on at once.
    for name, target in (("refresh-mailto.html", "mailto:a@b.example"), ("refresh-file.html", "file:///etc/passwd")):
        (root / name).write_text(
            ARTICLE.replace("<title>", f'<meta http-equiv="refresh" content="30;url={target}"><title>')
        )
    (root / "moving.html").write_text(
        ARTICLE.replace("</body>", "<script>setTimeout(() => { location.href = '/article.html'; }, 10)</script></body>")
    )
    # Sent on while it is still loading: its own document never finishes.
    (root / "hasty.html").write_text(
        ARTICLE.replace("</head>", "<script>location.href = '/article.html';</script></head>")
    )
    (root / "restless.html").write_text(
        ARTICLE.replace("</body>", "<script>setInterval(() => { location.reload(); }, 15)</script></body>")
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    (root / "task.html").write_text(media.video_page(base))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield base
    httpd.shutdown()


@pytest.fixture
def local_allowed(settings: object) -> None:
    settings.URL_FETCH_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    settings.URL_FETCH_TIMEOUT = 2


def test_a_video_page_gives_the_recording_with_the_platforms_facts_and_a_page_capture(
    world: World, site: str, local_allowed: None, in_process: None, django_capture_on_commit_callbacks: object
) -> None:
    client = Client()
    client.login(username=world.user("contributor").username, password=PASSWORD)
    url = reverse("archive:url_collect", kwargs={"slug": world.case.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"urls": f"{site}/task.html", "notes": "posted by the company"}, follow=True)
    assert "1 URL queued for collection." in response.content.decode()
    job = UrlCollection.objects.get()
    assert job.status == UrlCollection.Status.DONE, job.reason
    recording = job.media
    assert (recording.kind, recording.content_type) == ("recording", "video/mp4")
    record = recording.provenance.get()
    assert (record.method, record.source_url, record.account) == ("url", f"{site}/task.html", "gigwork.tasks")
    # yt-dlp read it with its generic extractor, which names no platform: the host does.
    assert (record.platform, record.platform_info["extractor"]) == ("127.0.0.1", "html5")
    assert (record.posted_at, record.posted_at_granularity) == (datetime(2023, 9, 20, 10, 15, tzinfo=UTC), "instant")
    assert record.notes == "posted by the company"
    upload = Cue.objects.get(evidence=recording, kind="platform_upload")
    assert (upload.bound, upload.latest) == ("not_after", datetime(2023, 9, 20, 10, 15, tzinfo=UTC))
    assert Cue.objects.filter(evidence=recording, kind="received").exists()
    assert job.page.kind == "web_capture"
    page_record = job.page.provenance.get()
    assert page_record.platform_info["final_url"] == f"{site}/task.html"
    # What the browser loaded, the video included, is kept as WACZ beside the picture, its digest in the provenance.
    facts = page_record.platform_info["web_archive"]
    assert facts["responses"] >= 2
    wacz = client.get(reverse("archive:web_archive", args=[world.case.slug, job.page.pk]))
    assert wacz.status_code == 200 and wacz["Content-Disposition"].endswith('.wacz"')
    assert hashlib.sha256(b"".join(wacz.streaming_content)).hexdigest() == facts["wacz_sha256"]
    assert "Web archive (WACZ)" in client.get(job.page.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert f"media #{recording.pk}" in page


def test_an_article_is_captured_and_read_and_the_command_prints_json(
    world: World, site: str, local_allowed: None, in_process: None, django_capture_on_commit_callbacks: object
) -> None:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "ingest_url", f"{site}/article.html", "--case", world.case.slug, "--collected-by", world.owner.username,
            "--json", stdout=out,
        )  # fmt: skip
    [record] = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    assert (record["part"], record["kind"], record["content_type"]) == ("page", "web_capture", "image/png")
    assert {"id", "sha256", "size", "status", "duplicate_of"} <= set(record)
    job = UrlCollection.objects.get()
    assert job.media is None and "media" not in job.reason
    assert "EU widens sanctions on surveillance" in job.page.frames.get().text
    assert Cue.objects.filter(evidence=job.page, kind="text_date").exists()


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/missing.html", "404"), ("/slow.html", "did not load within 2 s")],
)
def test_missing_and_slow_pages_fail_with_their_reason(
    world: World, site: str, local_allowed: None, in_process: None, path: str, reason: str
) -> None:
    with pytest.raises(CommandError, match="1 of 1 URL"):
        call_command("ingest_url", f"{site}{path}", "--case", world.case.slug, "--collected-by", world.owner.username)
    job = UrlCollection.objects.get()
    assert job.status == UrlCollection.Status.FAILED
    assert reason in job.reason
    assert CustodyEntry.objects.filter(action=CustodyAction.URL_COLLECTION_FAILED, details__collection=job.pk).exists()


@pytest.mark.parametrize("path", ["/refresh-mailto.html", "/refresh-file.html"])
def test_a_refresh_to_an_address_no_program_follows_still_keeps_the_page(
    world: World,
    site: str,
    local_allowed: None,
    in_process: None,
    django_capture_on_commit_callbacks: object,
    path: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_url", f"{site}{path}", "--case", world.case.slug, "--collected-by", world.owner.username)
    job = UrlCollection.objects.get()
    assert job.status == UrlCollection.Status.DONE, job.reason
    assert job.page is not None and job.media is None
    assert "media: yt-dlp could not follow the page" in job.reason
    assert "EU widens sanctions" in job.page.frames.get().text


@pytest.mark.parametrize(
    ("path", "moved"), [("/moving.html", "moved on"), ("/hasty.html", "moved on"), ("/restless.html", "kept moving on")]
)
def test_a_page_that_moves_on_by_itself_is_captured_with_the_reason_noted(
    world: World,
    site: str,
    local_allowed: None,
    in_process: None,
    django_capture_on_commit_callbacks: object,
    path: str,
    moved: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_url", f"{site}{path}", "--case", world.case.slug, "--collected-by", world.owner.username)
    job = UrlCollection.objects.get()
    assert job.status == UrlCollection.Status.DONE, job.reason
    record = job.page.provenance.get()
    assert moved in record.platform_info["capture_note"]
    assert "EU widens sanctions" in job.page.frames.get().text


def test_local_addresses_are_refused_under_default_settings(world: World, site: str, in_process: None) -> None:
    with pytest.raises(CommandError):
        call_command("ingest_url", f"{site}/article.html", "--case", world.case.slug, "--collected-by", "olga_owner")
    job = UrlCollection.objects.get()
    assert job.status == UrlCollection.Status.FAILED
    assert "blocked address" in job.reason


def test_a_csv_of_urls_with_notes(
    world: World, site: str, local_allowed: None, in_process: None, tmp_path: Path
) -> None:
    sheet = tmp_path / "urls.csv"
    sheet.write_text(f"url,notes\n{site}/article.html,seen on the company's channel\n")
    call_command("ingest_url", "--csv", str(sheet), "--case", world.case.slug, "--collected-by", "olga_owner")
    job = UrlCollection.objects.get()
    assert job.page.provenance.get().notes == "seen on the company's channel"


def test_bad_urls_are_refused_before_anything_is_queued(world: World) -> None:
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    url = reverse("archive:url_collect", kwargs={"slug": world.case.slug})
    response = client.post(url, {"urls": "javascript:alert(1)"})
    assert "is not an http or https address" in response.content.decode()
    assert not UrlCollection.objects.exists()


def test_the_command_refuses_a_url_too_long_to_keep(world: World) -> None:
    with pytest.raises(CommandError, match="2,000 characters long at most"):
        call_command(
            "ingest_url", "https://example.org/" + "a" * 2000, "--case", world.case.slug, "--collected-by", "olga_owner"
        )
    assert not UrlCollection.objects.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://2130706433/", "2130706433 is 127.0.0.1, a local or private address"),
        ("http://0x7f.1/", "0x7f.1 is 127.0.0.1"),
        ("http://0177.0.0.1/", "0177.0.0.1 is 127.0.0.1"),
        ("http://0/", "0 is 0.0.0.0"),
        ("http://localhost./", "localhost. names this machine"),
    ],
)
def test_local_addresses_written_oddly_are_refused_as_blocked(world: World, url: str, reason: str) -> None:
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    response = client.post(reverse("archive:url_collect", kwargs={"slug": world.case.slug}), {"urls": url})
    assert f"is a blocked address: {reason}" in response.content.decode()
    with pytest.raises(CommandError, match="blocked address"):
        call_command("ingest_url", url, "--case", world.case.slug, "--collected-by", world.owner.username)
    assert not UrlCollection.objects.exists()


def test_a_csv_of_urls_with_a_nul_byte_is_refused_with_its_line(world: World, tmp_path: Path) -> None:
    sheet = tmp_path / "urls.csv"
    sheet.write_text("url,notes\nhttps://example.org/a,fine\nhttps://example.org/b,a NUL\x00 here\n")
    with pytest.raises(CommandError, match="Line 3 of the CSV holds a NUL byte"):
        call_command("ingest_url", "--csv", str(sheet), "--case", world.case.slug, "--collected-by", "olga_owner")
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    with sheet.open("rb") as upload:
        response = client.post(reverse("archive:url_collect", kwargs={"slug": world.case.slug}), {"csv_file": upload})
    assert "Line 3 of the CSV holds a NUL byte" in response.content.decode()
    assert not UrlCollection.objects.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="a worker that is not root starts Chromium as itself")
def test_a_root_worker_starts_chromium_sandboxed_as_nobody_with_a_profile_it_removes(tmp_path: Path) -> None:
    from archive.collect.page import NOBODY, _browser

    with _browser(tmp_path) as (profile, executable):
        assert profile.stat().st_uid == NOBODY
        launcher = Path(executable).read_text()
        assert f"setpriv --reuid={NOBODY}" in launcher and "--no-sandbox" not in launcher
        # The launcher really runs a program as nobody.
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30)
        assert "Chromium" in out.stdout
    assert not profile.exists()
