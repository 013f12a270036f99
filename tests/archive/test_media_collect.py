"""yt-dlp through the guarding proxy, against a page served by the tests on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import ipaddress
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.collect.guard import guarding_proxy
from archive.collect.media import MediaFailed, json_ld_video, media_download, posted_at
from tests import media

LOCAL = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="module")
def site(root: Path) -> Iterator[str]:
    (root / "video.mp4").write_bytes(media.recording([(media.text_image(["Labelling task 5512"]), 2)]))
    (root / "nothing.html").write_text("<html><body><p>No media here.</p></body></html>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    (root / "task.html").write_text(media.video_page(base))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield base
    httpd.shutdown()


def test_a_page_with_a_video_gives_the_media_and_the_platform_facts(site: str, root: Path, tmp_path: Path) -> None:
    with guarding_proxy(LOCAL) as guard:
        found = media_download(f"{site}/task.html", tmp_path, proxy=guard.url, max_bytes=10_000_000)
    assert found is not None
    assert found.path.name == "media.mp4"
    assert found.path.read_bytes() == (root / "video.mp4").read_bytes()
    assert found.info["webpage_url"] == f"{site}/task.html"
    # yt-dlp's generic extractor takes the HTML5 video; the JSON-LD on the page adds who posted it and when.
    info = {**found.info, **json_ld_video((root / "task.html").read_text())}
    assert info["uploader"] == "gigwork.tasks"
    assert posted_at(info) == (datetime(2023, 9, 20, 10, 15, tzinfo=UTC), "instant")


def test_a_page_without_media_gives_none_and_a_missing_one_says_so(site: str, tmp_path: Path) -> None:
    with guarding_proxy(LOCAL) as guard:
        assert media_download(f"{site}/nothing.html", tmp_path, proxy=guard.url, max_bytes=10_000_000) is None
        with pytest.raises(MediaFailed, match="not found"):
            media_download(f"{site}/gone.html", tmp_path, proxy=guard.url, max_bytes=10_000_000)


def test_a_local_address_is_blocked_by_the_guard(site: str, tmp_path: Path) -> None:
    with guarding_proxy() as guard:
        with pytest.raises(MediaFailed):
            media_download(f"{site}/task.html", tmp_path, proxy=guard.url, max_bytes=10_000_000)
        assert guard.refused and "local or private address" in guard.refused[0]


def test_a_date_only_upload_is_a_whole_day_in_utc() -> None:
    assert posted_at({"upload_date": "20230920"}) == (datetime(2023, 9, 20, tzinfo=UTC), "day")
    assert posted_at({}) == (None, "")
