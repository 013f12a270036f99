"""A page capture as web archivists keep one: WARC records of what Chromium loaded, packed as WACZ.

Chromium records every request and response it made while the page loaded
(Playwright's HAR, bodies included), so HTTPS is recorded as the browser saw
it, which no proxy could do. Webrecorder's own tools turn that into the
archivists' formats: har2warc writes the WARC request and response records
(with warcio), and py-wacz packs the WARC with its index, its page list and
a datapackage of SHA-256 digests into a WACZ that ReplayWeb.page opens and
``wacz validate`` accepts.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from har2warc.har2warc import HarParser
from wacz.main import main as wacz_main
from warcio.archiveiterator import ArchiveIterator

# A recording larger than this is not packed (a page that streamed a film): the capture is kept without it.
# har2warc reads the whole recording into memory, several times its size, so the cap keeps a worker alive.
MAX_HAR_BYTES = 128 * 1024 * 1024


class WebArchiveFailed(Exception):
    """The WARC or WACZ could not be made; the message says why, for a person."""


@dataclass(frozen=True)
class WebArchive:
    wacz: Path
    records: int
    responses: int


def web_archive(har: Path, folder: Path, *, url: str, title: str) -> WebArchive:
    """WARC records from Chromium's recording, packed with the page as WACZ in ``folder``."""
    if not har.is_file():
        raise WebArchiveFailed("the browser left no recording of the page")
    if har.stat().st_size > MAX_HAR_BYTES:
        raise WebArchiveFailed(f"the page's recording is over {MAX_HAR_BYTES // 1024**2} MB and was not packed")
    warc = folder / "page.warc.gz"
    try:
        HarParser(str(har), str(warc)).parse("page.warc.gz", title or url)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise WebArchiveFailed(f"the recording could not be written as WARC: {error}") from None
    records = responses = 0
    found = False
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records += 1
            if record.rec_type == "response":
                responses += 1
                found = found or record.rec_headers.get_header("WARC-Target-URI") == url
    if not found:
        raise WebArchiveFailed(f"the recording holds no response for {url}")
    pages = folder / "pages.jsonl"
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    pages.write_text(json.dumps(header) + "\n" + json.dumps({"id": "page", "url": url, "title": title or url}) + "\n")
    wacz = folder / "page.wacz"
    _wacz("create", "-o", str(wacz), str(warc), "-p", str(pages), "--title", title or url,
          "--desc", f"Captured by headless Chromium from {url}")  # fmt: skip
    return WebArchive(wacz=wacz, records=records, responses=responses)


def wacz_validate(path: Path) -> str:
    """Why py-wacz finds the file is not a valid WACZ, or "" when it is."""
    try:
        _wacz("validate", "-f", str(path))
    except WebArchiveFailed as error:
        return str(error)
    return ""


def _wacz(*args: str) -> None:
    """Run py-wacz's command in this process, its chatter kept, its failures told."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            code = wacz_main(list(args))
    except (ValueError, KeyError, OSError) as error:
        raise WebArchiveFailed(f"wacz {args[0]} failed: {error}") from None
    except SystemExit as stop:
        code = stop.code
    if code:
        last = [line for line in said.getvalue().splitlines() if line.strip()][-1:] or ["no reason given"]
        raise WebArchiveFailed(f"wacz {args[0]} failed: {last[0]}")
