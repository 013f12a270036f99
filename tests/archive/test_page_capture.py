"""Pages captured by the system's Chromium through the guarding proxy, from a server of the tests' own."""

from __future__ import annotations

import functools
import http.server
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from archive.collect.guard import guarding_proxy
from archive.collect.page import CaptureFailed, page_capture

LOCAL = [ipaddress.ip_network("127.0.0.1/32")]
ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>EU widens sanctions</title></head>
<body style="font: 28px 'DejaVu Sans'; padding: 40px"><h1>EU widens sanctions on surveillance firms</h1>
<p>Published 4 September 2023</p><img src="http://10.20.30.40/tracker.png"></body></html>"""


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        if self.path.startswith("/webrtc?port="):
            port = int(self.path.split("=", 1)[1])
            body = (
                "<html><body><script>try { const pc = new RTCPeerConnection({iceServers: [{urls: "
                f"'stun:127.0.0.1:{port}'}}]}}); pc.createDataChannel('x'); pc.createOffer()"
                ".then(o => pc.setLocalDescription(o)); } catch (e) { document.title = 'no webrtc'; }"
                "</script></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/admin")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pages")
    (root / "article.html").write_text(ARTICLE)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_an_article_is_captured_with_its_final_url_status_and_html(site: str, tmp_path: Path) -> None:
    with guarding_proxy(LOCAL) as guard:
        capture = page_capture(f"{site}/old", tmp_path, guard=guard)
    assert (capture.final_url, capture.status, capture.title) == (f"{site}/article.html", 200, "EU widens sanctions")
    assert "Published 4 September 2023" in capture.html.read_text()
    picture = Image.open(capture.screenshot)
    assert picture.width == 1366 and picture.height >= 200
    # The page's image on a private address went to the guard, which refused it.
    assert any("10.20.30.40" in refused for refused in guard.refused)


def test_loopback_and_a_redirect_to_a_private_address_are_refused(site: str, tmp_path: Path) -> None:
    with guarding_proxy() as guard, pytest.raises(CaptureFailed, match="blocked"):
        page_capture(f"{site}/article.html", tmp_path, guard=guard)
    with guarding_proxy(LOCAL) as guard, pytest.raises(CaptureFailed, match="blocked"):
        page_capture(f"{site}/to-private", tmp_path, guard=guard)
    assert any("10.1.2.3" in refused for refused in guard.refused)


def test_a_missing_page_says_so(site: str, tmp_path: Path) -> None:
    with guarding_proxy(LOCAL) as guard, pytest.raises(CaptureFailed, match="HTTP 404"):
        page_capture(f"{site}/gone.html", tmp_path, guard=guard)


def test_a_page_cannot_send_webrtc_packets_around_the_guard(site: str, tmp_path: Path) -> None:
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(3)
    port = listener.getsockname()[1]
    # Served over HTTP, as hostile pages are (Chromium runs as nobody, who may not read the tests' files).
    with guarding_proxy(LOCAL) as guard:
        capture = page_capture(f"{site}/webrtc?port={port}", tmp_path, guard=guard)
    assert capture.title == "no webrtc"
    with pytest.raises(TimeoutError):
        listener.recv(1024)
    listener.close()


def test_what_chromium_loaded_is_kept_as_warc_records_in_a_wacz_that_wacz_validate_accepts(
    site: str, tmp_path: Path
) -> None:
    import subprocess
    import sys
    import zipfile

    from warcio.archiveiterator import ArchiveIterator

    from archive.collect.webarchive import wacz_validate, web_archive

    (tmp_path / "page").mkdir()
    with guarding_proxy(LOCAL) as guard:
        capture = page_capture(f"{site}/old", tmp_path / "page", guard=guard)
    archive = web_archive(capture.har, tmp_path, url=capture.final_url, title=capture.title)
    assert wacz_validate(archive.wacz) == ""
    tool = Path(sys.executable).with_name("wacz")
    checked = subprocess.run([str(tool), "validate", "-f", str(archive.wacz)], capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
    assert checked.returncode == 0 and "valid" in checked.stdout, checked.stdout + checked.stderr
    with zipfile.ZipFile(archive.wacz) as wacz:
        names = wacz.namelist()
        assert {"datapackage.json", "pages/pages.jsonl", "indexes/index.cdx.gz"} <= set(names)
        (warc,) = [name for name in names if name.startswith("archive/")]
        pages = wacz.read("pages/pages.jsonl").decode().splitlines()[1:]
        records = {}
        with wacz.open(warc) as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    records[uri] = (record.http_headers.get_statuscode(), record.content_stream().read())
    assert records[f"{site}/old"][0] == "301"
    status, body = records[f"{site}/article.html"]
    assert status == "200" and b"Published 4 September 2023" in body
    assert f'"url": "{site}/article.html"' in pages[0] and "EU widens sanctions" in pages[0]
    # The tracker on a private address was refused before any byte left: nothing of it was recorded as a page's.
    assert not any("10.20.30.40" in uri and code == "200" for uri, (code, _) in records.items())


def test_a_missing_or_huge_recording_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.collect import webarchive

    with pytest.raises(webarchive.WebArchiveFailed, match="no recording"):
        webarchive.web_archive(tmp_path / "none.har", tmp_path, url="https://example.org/", title="")
    har = tmp_path / "page.har"
    har.write_text('{"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "pages": [], "entries": []}}')
    with pytest.raises(webarchive.WebArchiveFailed, match="holds no response for https://example.org/"):
        webarchive.web_archive(har, tmp_path, url="https://example.org/", title="")
    monkeypatch.setattr(webarchive, "MAX_HAR_BYTES", 10)
    with pytest.raises(webarchive.WebArchiveFailed, match="over 0 MB"):
        webarchive.web_archive(har, tmp_path, url="https://example.org/", title="")
