"""A picture of a web page by headless Chromium, every connection through the guarding proxy.

Chromium is the system's (/usr/bin/chromium), driven by Playwright; no browser
is downloaded. Chromium normally connects to loopback addresses directly even
with a proxy set; ``<-loopback>`` removes that exception, so the guard sees
every request. WebRTC may not open direct UDP connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from archive.collect.guard import GUARD_HEADER, USERNAME, Guard

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 900}
# A full-page picture taller than this is cut: some pages never end.
MAX_HEIGHT = 20_000


_NO_WEBRTC = """
for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "RTCIceCandidate"]) {
  try { Object.defineProperty(window, name, {value: undefined, configurable: false}); } catch (error) {}
}
"""


class CaptureFailed(Exception):
    """The page could not be captured; the message says why, for a person."""


@dataclass(frozen=True)
class Capture:
    screenshot: Path
    html: Path
    final_url: str
    status: int | None
    captured_at: datetime
    title: str


def page_capture(url: str, folder: Path, *, guard: Guard, timeout: float = 45) -> Capture:
    """Load a page and keep a full-page screenshot, its HTML, the final URL and the HTTP status."""
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--proxy-bypass-list=<-loopback>",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    ]
    screenshot, html = folder / "page.png", folder / "page.html"
    proxy = {"server": guard.server, "username": USERNAME, "password": guard.password}
    with sync_playwright() as playwright:
        # The browser profile lives in the job's folder, so nothing is left elsewhere.
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=CHROMIUM, args=args, proxy=proxy,
            viewport=VIEWPORT, accept_downloads=False,
        )  # fmt: skip
        try:
            # WebRTC can send UDP past any proxy: pages get no way to open it.
            context.add_init_script(_NO_WEBRTC)
            page = context.new_page()
            try:
                response = page.goto(url, timeout=timeout * 1000, wait_until="load")
            except PlaywrightTimeout:
                raise CaptureFailed(f"the page did not load within {timeout:.0f} s") from None
            except PlaywrightError as error:
                raise CaptureFailed(_reason(str(error))) from None
            status = response.status if response else None
            if response is not None and response.headers.get(GUARD_HEADER.lower()):
                raise CaptureFailed(f"the address was blocked: {response.text().strip()}")
            if status and status >= 400:
                raise CaptureFailed(f"the page answered HTTP {status}" + (" (not found)" if status == 404 else ""))
            captured_at = datetime.now(tz=UTC)
            height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight") or VIEWPORT["height"])
            page.screenshot(
                path=str(screenshot),
                clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
                full_page=True,
            )
            html.write_text(page.content(), encoding="utf-8")
            return Capture(screenshot, html, page.url, status, captured_at, page.title())
        finally:
            context.close()


def _reason(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    if "ERR_TUNNEL_CONNECTION_FAILED" in first or "ERR_PROXY" in first or "ERR_HTTP_RESPONSE_CODE_FAILURE" in first:
        return "the address was blocked: it is local or private, or the host could not be reached"
    if "ERR_NAME_NOT_RESOLVED" in first:
        return "the host was not found"
    if "ERR_CONNECTION_REFUSED" in first:
        return "the server refused the connection"
    return first[:300]
