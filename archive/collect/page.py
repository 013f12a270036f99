"""A picture of a web page by headless Chromium, every connection through the guarding proxy.

Chromium is the system's (/usr/bin/chromium), driven by Playwright; no browser
is downloaded. Chromium normally connects to loopback addresses directly even
with a proxy set; ``<-loopback>`` removes that exception, so the guard sees
every request. WebRTC may not open direct UDP connections.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from archive.collect.guard import GUARD_HEADER, USERNAME, Guard

CHROMIUM = "/usr/bin/chromium"
# The user and group a root worker runs Chromium as (nobody and nogroup on Debian).
NOBODY = 65534
VIEWPORT = {"width": 1366, "height": 900}
# A full-page picture taller than this is cut: some pages never end.
MAX_HEIGHT = 20_000
# After it has loaded, a page has this long to move on by itself (a script or a refresh that
# sends it elsewhere) before it is captured, and it is followed this many times.
SETTLE_MS = 500
SETTLE_TRIES = 3


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
    # What happened while it was captured, for a person: "the page moved on by itself to ...".
    note: str = ""
    # Chromium's recording of every request and response (HAR, bodies included), written when the browser closes.
    har: Path | None = None


def page_capture(url: str, folder: Path, *, guard: Guard, timeout: float = 45) -> Capture:
    """Load a page and keep a full-page screenshot, its HTML, the final URL and the HTTP status.

    Raises CaptureFailed, whatever went wrong in the browser, so that the media
    taken from the same URL is kept all the same.
    """
    try:
        return _capture(url, folder, guard=guard, timeout=timeout)
    except PlaywrightError as error:
        raise CaptureFailed(f"the browser failed: {_reason(str(error))}") from None


def _capture(url: str, folder: Path, *, guard: Guard, timeout: float) -> Capture:
    # Chromium's own sandbox stays on: hostile pages are what it is for.
    args = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--proxy-bypass-list=<-loopback>",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    ]
    screenshot, html, har = folder / "page.png", folder / "page.html", folder / "page.har"
    proxy = {"server": guard.server, "username": USERNAME, "password": guard.password}
    with _browser(folder) as (profile, executable), sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=args, proxy=proxy,
            viewport=VIEWPORT, accept_downloads=False, record_har_path=str(har), record_har_content="embed",
        )  # fmt: skip
        try:
            # WebRTC can send UDP past any proxy: pages get no way to open it.
            context.add_init_script(_NO_WEBRTC)
            page = context.new_page()
            moves: list[str] = []
            page.on("framenavigated", lambda frame: moves.append(frame.url) if frame == page.main_frame else None)
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
            moves.clear()
            if response is not None and page.url != response.url:
                # Its script sent it on before it had loaded: the document standing is not the one answered.
                moves.append(page.url)
            page.wait_for_timeout(SETTLE_MS)
            start = Capture(screenshot, html, page.url, status, datetime.now(tz=UTC), "", har=har)
            return _settled(page, start, moves, timeout)
        finally:
            context.close()


@contextmanager
def _browser(folder: Path) -> Iterator[tuple[Path, str]]:
    """A fresh browser profile and the Chromium to start, removed afterwards, so nothing is left behind.

    Chromium will not keep its sandbox as root, so a root worker starts it
    through ``setpriv`` as user and group 65534 (nobody) with no capabilities;
    its profile, in a folder of its own, is the only place it may write, and it
    sandboxes itself with user namespaces as for any other user. Any other
    worker starts it as itself, sandboxed too.
    """
    if os.geteuid() != 0:
        yield folder / "profile", CHROMIUM
        return
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    try:
        os.chown(profile, NOBODY, NOBODY)
        launcher = folder / "chromium-as-nobody"
        launcher.write_text(
            "#!/bin/sh\n"
            f"HOME={shlex.quote(str(profile))} exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups "
            f'--inh-caps=-all --bounding-set=-all -- {CHROMIUM} "$@"\n'
        )
        launcher.chmod(0o700)
        yield profile, str(launcher)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _settled(page: Page, capture: Capture, moves: list[str], timeout: float) -> Capture:
    """The page as it stands once it stops moving on by itself, or its last state if it never does.

    A page's own script or refresh can send it elsewhere while it is read
    ("Execution context was destroyed"): it is followed until it holds still,
    and the capture's note says where it went. A page that moved more than
    once while it was given time to settle, or that is still moving after
    ``SETTLE_TRIES``, is held where it is.
    """
    for _ in range(SETTLE_TRIES if len(moves) <= 1 else 0):
        try:
            taken = _full_page(page, capture, timeout)
        except PlaywrightError as error:
            if not (_moved_on(str(error)) or isinstance(error, PlaywrightTimeout)):
                raise CaptureFailed(_reason(str(error))) from None
            with suppress(PlaywrightError):
                page.wait_for_load_state("load", timeout=timeout * 1000)
            continue
        if moves:
            return replace(taken, note=f"the page moved on by itself to {page.url}; captured there")
        return taken
    # Still moving: hold it where it is and take that. Its scripts stop running, and a navigation
    # it still starts (a refresh) is answered so that the document stays.
    page.context.new_cdp_session(page).send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.route("**/*", partial(_held, page))
    with suppress(PlaywrightError):
        page.wait_for_load_state("load", timeout=timeout * 1000)
    page.wait_for_timeout(SETTLE_MS)
    try:
        taken = _full_page(page, capture, timeout)
    except PlaywrightError as error:
        reason = _reason(str(error))
        raise CaptureFailed(f"the page kept moving on by itself and could not be captured: {reason}") from None
    return replace(taken, note=f"the page kept moving on by itself; it was held at {page.url} and captured there")


def _held(page: Page, route: Route) -> None:
    request = route.request
    if request.is_navigation_request() and request.frame == page.main_frame:
        # A navigation answered "204 No Content" leaves the document as it is (an aborted one would not).
        route.fulfill(status=204)
    else:
        route.continue_()


def _full_page(page: Page, capture: Capture, timeout: float) -> Capture:
    captured_at = datetime.now(tz=UTC)
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight") or VIEWPORT["height"])
    page.screenshot(
        path=str(capture.screenshot),
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
        full_page=True,
        timeout=timeout * 1000,
    )
    capture.html.write_text(page.content(), encoding="utf-8")
    return replace(capture, final_url=page.url, captured_at=captured_at, title=page.title())


def _moved_on(message: str) -> bool:
    return "context was destroyed" in message or "navigat" in message.lower()


def _reason(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    if "ERR_TUNNEL_CONNECTION_FAILED" in first or "ERR_PROXY" in first or "ERR_HTTP_RESPONSE_CODE_FAILURE" in first:
        return "the address was blocked: it is local or private, or the host could not be reached"
    if "ERR_NAME_NOT_RESOLVED" in first:
        return "the host was not found"
    if "ERR_CONNECTION_REFUSED" in first:
        return "the server refused the connection"
    return first[:300]
