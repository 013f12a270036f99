"""The demo case's evidence files, made on this machine by headless Chromium and ffmpeg.

The demo reproduces an investigation: the EU listed NTechLab and Tevian on
20 July 2023 (Council Implementing Regulation (EU) 2023/1498); did labelling
tasks they posted on gig-work platforms go on after that? Each file is built so
that the pipeline reads the cue the story needs, and nothing else dated:

- ``task-recording.mp4``: a screen recording of the task page in which a news
  widget shows, for two seconds, three headlines of 4 September 2023 from
  ``headlines.csv``: a headline cue, not before that day.
- ``task-recording-2.mp4``: the same task recorded again (smaller, shorter, no
  widget, another pointer path): the ``similar`` stage links it to the first.
- ``post-page.html``: the platform post that embeds the first recording, with a
  JSON-LD VideoObject whose upload date becomes a "not after" cue when the page
  is collected by URL.
- ``social-post-dec-2023.png``: a social-network post advertising the task with
  nothing dated on screen; its date is only its provenance.
- ``taskbar-june-2023.png``: the task page in a browser with a Windows-like
  taskbar whose clock shows 15.06.2023: a clock cue, on that day.
- ``regulation.pdf``: a stand-in of the regulation, clearly marked as such.
- ``manifest.csv``: the provenance of each evidence file in the columns of the
  ``ingest --manifest`` command, so that ingesting it gives every item its verdict.

Everything is deterministic: the same Chromium and ffmpeg give the same bytes.
Nothing is fetched: pages are set from strings and every request is refused.
"""

from __future__ import annotations

import csv
import html
import json
import math
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Route, sync_playwright

# The system's Chromium, as the page collector launches it: no browser is ever downloaded.
from archive.collect.page import CHROMIUM

HEADLINES_CSV = Path(__file__).with_name("headlines.csv")
# The day of the headlines the news widget shows (their first publication in headlines.csv).
NEWS_DAY = "2023-09-04"
# The listing of NTechLab and Tevian: the key event every verdict is against.
SANCTION_DAY = "2023-07-20"
LEGAL_ACT = "Council Implementing Regulation (EU) 2023/1498"
# Where the official text is published; the demo's PDF is only a stand-in for it.
LEGAL_ACT_URL = "https://eur-lex.europa.eu/eli/reg_impl/2023/1498/oj"

PLATFORM = "TaskHive"
REQUESTER = "NTL Vision Lab"
REQUESTER_ACCOUNT = "ntl.vision.lab"
TASK_TITLE = "Draw boxes around human bodies"
POST_UPLOADED = "2023-09-21T08:40:00+00:00"

# Distinct screen states per second of a recording; the encoder repeats them up to its frame rate.
STATE_FPS = 5
RECORDING_SIZE = (1280, 720)
SECOND_RECORDING_SIZE = (960, 540)
SCREEN_SIZE = (1366, 768)
# How long ffmpeg may take over one recording (it encodes while Chromium renders).
ENCODE_TIMEOUT = 120
# Chromium's switches for a headless machine without a GPU, as in archive/collect/page.py.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]


class AssetsFailed(Exception):
    """A demo file could not be made; the message says which and why."""


@dataclass(frozen=True)
class DemoAssets:
    """The files ``build_assets`` made, all in one folder."""

    directory: Path
    task_recording: Path
    task_recording_2: Path
    post_page: Path
    social_post: Path
    taskbar_screenshot: Path
    regulation: Path
    manifest: Path


@dataclass(frozen=True)
class AssetProvenance:
    """Where a demo file is said to come from: the provenance that gives it its verdict.

    ``posted_at`` is ISO 8601 as the ingest manifest takes it: a date alone is
    that whole UTC day, a date-time carries its offset.
    """

    platform: str = ""
    account: str = ""
    posted_at: str = ""
    source_url: str = ""
    post_id: str = ""
    notes: str = ""


# The provenance of each evidence file (the post page is collected by URL and is
# not in the list: HTML is not evidence here, the recording and a capture are).
PROVENANCE: dict[str, AssetProvenance] = {
    "task-recording.mp4": AssetProvenance(
        platform=PLATFORM,
        account=REQUESTER_ACCOUNT,
        posted_at=POST_UPLOADED,
        source_url="https://community.taskhive.example/posts/48213",
        post_id="48213",
        notes="Task walkthrough posted by the requester on the platform's community pages (post-page.html).",
    ),
    "task-recording-2.mp4": AssetProvenance(
        platform="GigTalk forum",
        account="annotator_kv",
        posted_at="2023-10-03T14:05:00+00:00",
        source_url="https://forum.gigtalk.example/t/bodies-boxes-task/3391",
        post_id="3391",
        notes="The same task recorded by a worker and shared on a workers' forum; smaller and shorter.",
    ),
    "social-post-dec-2023.png": AssetProvenance(
        platform="Connectr",
        account="gigwork.hub",
        posted_at="2023-12-12",
        source_url="https://connectr.example/gigwork.hub/posts/77104",
        post_id="77104",
        notes="Screenshot of a recruiting post for the task; nothing on screen dates it.",
    ),
    "taskbar-june-2023.png": AssetProvenance(
        notes="Desktop screenshot sent by a former annotator (source A): the task open in a browser.",
    ),
    "regulation.pdf": AssetProvenance(
        notes=f"Demo stand-in for {LEGAL_ACT} of 20 July 2023, not the official text ({LEGAL_ACT_URL}).",
    ),
}
MANIFEST_COLUMNS = ("path", "source_url", "platform", "account", "posted_at", "post_id", "notes")


def news_headlines() -> list[str]:
    """The headlines the widget shows: the first three of ``headlines.csv`` published on NEWS_DAY."""
    with HEADLINES_CSV.open(newline="", encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle) if row["published_at"] == NEWS_DAY]
    if len(titles) < 3:
        raise AssetsFailed(f"{HEADLINES_CSV} needs three headlines published on {NEWS_DAY}")
    return titles[:3]


def build_assets(directory: Path) -> DemoAssets:
    """Make every demo file in ``directory`` (created if missing) and return their paths.

    1. Start the system's Chromium once, with every request refused.
    2. Render the task page state by state and pipe the pictures to ffmpeg,
       once with the news widget and once, smaller, without it.
    3. Take the two screenshots, print the regulation's stand-in, write the
       post page beside the first recording and the ingest manifest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    assets = DemoAssets(
        directory=directory,
        task_recording=directory / "task-recording.mp4",
        task_recording_2=directory / "task-recording-2.mp4",
        post_page=directory / "post-page.html",
        social_post=directory / "social-post-dec-2023.png",
        taskbar_screenshot=directory / "taskbar-june-2023.png",
        regulation=directory / "regulation.pdf",
        manifest=directory / "manifest.csv",
    )
    headlines = news_headlines()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = _blank_page(browser, RECORDING_SIZE)
            _record(page, _task_page(headlines), FIRST_TAKE, assets.task_recording, fps=25)
            _record(page, _task_page(headlines), SECOND_TAKE, assets.task_recording_2, fps=30,
                    size=SECOND_RECORDING_SIZE)  # fmt: skip
            page.set_viewport_size({"width": SCREEN_SIZE[0], "height": SCREEN_SIZE[1]})
            _screenshot(page, _desktop_page(headlines), assets.taskbar_screenshot)
            _screenshot(page, _social_page(), assets.social_post)
            _print_pdf(page, _regulation_page(), assets.regulation)
        finally:
            browser.close()
    assets.post_page.write_text(_post_page(assets.task_recording.name), encoding="utf-8")
    _write_manifest(assets.manifest)
    return assets


def _blank_page(browser: Browser, size: tuple[int, int]) -> Page:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, device_scale_factor=1, locale="en-GB", timezone_id="UTC"
    )
    # Every page is set from a string: a request would be a mistake, and must not leave the machine.
    context.route("**/*", _refuse)
    return context.new_page()


def _refuse(route: Route) -> None:
    route.abort()


def _screenshot(page: Page, markup: str, path: Path) -> None:
    page.set_content(markup, wait_until="load")
    page.screenshot(path=str(path), type="png", animations="disabled", caret="hide")


def _print_pdf(page: Page, markup: str, path: Path) -> None:
    page.set_content(markup, wait_until="load")
    data = page.pdf(
        format="A4",
        print_background=True,
        display_header_footer=True,
        header_template=_PDF_HEADER,
        footer_template=_PDF_FOOTER,
        margin={"top": "26mm", "bottom": "22mm", "left": "22mm", "right": "22mm"},
    )
    path.write_bytes(_without_pdf_dates(data))


def _without_pdf_dates(data: bytes) -> bytes:
    """The PDF with its creation and modification dates blanked, byte for byte.

    Chromium stamps the moment of printing; that would make every build differ
    and give the stand-in a document date it does not have. Spaces of the same
    length keep every offset of the cross-reference table right.
    """
    for key in (b"/CreationDate", b"/ModDate"):
        start = data.find(key + b" (D:")
        if start < 0:
            continue
        end = data.index(b")", start) + 1
        data = data[:start] + b" " * (end - start) + data[end:]
    return data


def _write_manifest(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        for name, origin in PROVENANCE.items():
            writer.writerow(
                [name, origin.source_url, origin.platform, origin.account, origin.posted_at, origin.post_id,
                 origin.notes]
            )  # fmt: skip


# --- Recordings -------------------------------------------------------------------------------

# The people in the task's picture, as boxes a worker draws around them (x, y, width, height
# in the picture's pixels), in the order they are drawn.
Box = tuple[int, int, int, int]
FIGURES: tuple[Box, ...] = ((92, 136, 92, 236), (268, 186, 80, 186), (436, 112, 104, 260), (626, 212, 74, 160))


@dataclass(frozen=True)
class Screen:
    """One state of the task page: the pointer (picture coordinates), boxes drawn, a box being dragged."""

    pointer: tuple[int, int]
    boxes: int
    drag: Box | None = None
    news: bool = False


@dataclass(frozen=True)
class Step:
    """One step of a worker's session: move the pointer, drag a box, wait, or show or hide the news."""

    action: str  # "move", "drag", "wait", "news", "quiet"
    seconds: float = 0.0
    to: tuple[int, int] | str = (0, 0)  # where a move ends: a point of the picture, or "submit"
    bend: int = 0  # how far a move curves away from the straight line, in pixels
    figure: int = 0  # which of FIGURES a drag boxes


def _corner(figure: int) -> tuple[int, int]:
    x, y, _, _ = FIGURES[figure]
    return x, y


def _drag_and_move(order: Sequence[int], seconds: float, bends: Sequence[int], move: float) -> list[Step]:
    steps = []
    for figure, bend in zip(order, bends, strict=True):
        steps += [Step("move", move, _corner(figure), bend), Step("drag", seconds, figure=figure)]
    return steps


# The first take, 20 s: four boxes, and the news widget from 9 s to 11 s, between two boxes
# (a box finished while it shows would split its run, and its keyframe might miss it).
FIRST_TAKE: tuple[Step, ...] = (
    Step("wait", 1.0),
    *_drag_and_move([0, 1], 0.6, [0, -30], 1.0),
    Step("wait", 0.8),
    Step("move", 1.4, _corner(2), 40),
    Step("drag", 0.6, figure=2),
    Step("wait", 1.0),
    Step("move", 1.0, (700, 60)),
    Step("news"),
    Step("move", 2.0, (610, 150), 60),
    Step("quiet"),
    Step("move", 0.6, _corner(3)),
    Step("drag", 0.6, figure=3),
    Step("wait", 1.0),
    Step("move", 1.4, "submit", -50),
    Step("wait", 2.0),
    Step("move", 1.4, (520, 330), 30),
    Step("wait", 2.0),
)
# The second take, 16 s: the same boxes by another hand, slower drags, curved moves, no news.
SECOND_TAKE: tuple[Step, ...] = (
    Step("wait", 0.6),
    *_drag_and_move([0, 1, 2, 3], 0.8, [60, 45, -70, 90], 1.0),
    Step("wait", 1.2),
    Step("move", 1.6, "submit", 80),
    Step("wait", 5.4),
)


def _screens(steps: Sequence[Step], submit: tuple[int, int], start: tuple[int, int] = (600, 300)) -> list[Screen]:
    """The screen at each of STATE_FPS instants per second of a worker's session."""
    screens: list[Screen] = []
    pointer, boxes, news = start, 0, False
    for step in steps:
        count = round(step.seconds * STATE_FPS)
        if step.action in ("news", "quiet"):
            news = step.action == "news"
        elif step.action == "wait":
            screens += [Screen(pointer, boxes, news=news)] * count
        elif step.action == "move":
            target = submit if isinstance(step.to, str) else step.to
            for number in range(1, count + 1):
                share = number / count
                # Smooth start and stop, as a hand moves.
                eased = share * share * (3 - 2 * share)
                screens.append(Screen(_along(pointer, target, eased, step.bend), boxes, news=news))
            pointer = target
        elif step.action == "drag":
            x, y, width, height = FIGURES[step.figure]
            for number in range(1, count):
                share = number / count
                corner = (round(x + width * share), round(y + height * share))
                box = (x, y, corner[0] - x, corner[1] - y)
                screens.append(Screen(corner, boxes, drag=box, news=news))
            pointer, boxes = (x + width, y + height), boxes + 1
            screens.append(Screen(pointer, boxes, news=news))
    return screens


def _along(start: tuple[int, int], end: tuple[int, int], share: float, bend: int) -> tuple[int, int]:
    """A point of a move from start to end, on a curve that bows ``bend`` pixels to one side at its middle."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    bow = 4 * share * (1 - share) * bend
    x = x0 + (x1 - x0) * share - (y1 - y0) / length * bow
    y = y0 + (y1 - y0) * share + (x1 - x0) / length * bow
    return round(x), round(y)


def _record(
    page: Page, markup: str, steps: Sequence[Step], path: Path, *, fps: int, size: tuple[int, int] | None = None
) -> None:
    """Render a worker's session screen by screen and encode it as H.264 (yuv420p, faststart)."""
    page.set_content(markup, wait_until="load")
    x, y = page.evaluate("submitPoint()")
    screens = _screens(steps, submit=(x, y))

    def pictures() -> Iterator[bytes]:
        last: tuple[Screen | None, bytes] = (None, b"")
        for screen in screens:
            if screen != last[0]:
                page.evaluate("render", _state(screen))
                last = (screen, page.screenshot(type="png", animations="disabled", caret="hide"))
            yield last[1]

    _encode(pictures(), path, fps=fps, size=size)


def _state(screen: Screen) -> dict[str, object]:
    return {
        "pointer": list(screen.pointer),
        "boxes": [list(box) for box in FIGURES[: screen.boxes]],
        "drag": list(screen.drag) if screen.drag else None,
        "news": screen.news,
    }


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AssetsFailed(f"{name} is not installed; run scripts/install-system-packages.sh")
    return path


def _encode(pictures: Iterator[bytes], path: Path, *, fps: int, size: tuple[int, int] | None) -> None:
    """Pipe PNG pictures (STATE_FPS a second) into ffmpeg while they are rendered; raise on failure or timeout."""
    scale = [f"scale={size[0]}:{size[1]}:flags=lanczos"] if size else []
    args = [
        _program("ffmpeg"), "-v", "error", "-y", "-f", "image2pipe", "-c:v", "png", "-framerate", str(STATE_FPS),
        "-i", "pipe:0", "-vf", ",".join([*scale, "format=yuv420p"]), "-r", str(fps),
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "20", "-pix_fmt", "yuv420p",
        # No encoder version or creation time in the file: the same input gives the same bytes.
        "-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        str(path),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - an argument list, never a shell
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            process.kill()

        # A stuck ffmpeg is killed, which breaks the pipe and ends the loop below.
        watchdog = threading.Timer(ENCODE_TIMEOUT, stop)
        watchdog.start()
        try:
            try:
                for picture in pictures:
                    process.stdin.write(picture)
                process.stdin.close()
            except BrokenPipeError:
                pass
            process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.returncode != 0:
                path.unlink(missing_ok=True)
        if timed_out.is_set():
            raise AssetsFailed(f"ffmpeg took longer than {ENCODE_TIMEOUT} s over {path.name} and was stopped")
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-500:] or f"exit code {process.returncode}"
            raise AssetsFailed(f"ffmpeg could not encode {path.name}: {message}")


# --- Pages ------------------------------------------------------------------------------------

_FONT = "font-family: 'DejaVu Sans', sans-serif;"

_TASK_CSS = f"""
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; height: 100%; overflow: hidden; }}
body {{ background: #eef1f5; color: #1d2733; {_FONT} font-size: 16px; position: relative; }}
header {{ height: 56px; background: #24324a; color: #fff; display: flex; align-items: center; gap: 30px;
  padding: 0 24px; }}
.logo {{ font-weight: bold; font-size: 23px; letter-spacing: .01em; }}
.logo span {{ color: #ffc24b; }}
nav {{ display: flex; gap: 22px; color: #cfd8e6; }}
nav .here {{ color: #fff; border-bottom: 2px solid #ffc24b; padding-bottom: 3px; }}
.user {{ margin-left: auto; color: #cfd8e6; }}
main {{ display: flex; gap: 24px; padding: 18px 24px; }}
.task {{ flex: 1; min-width: 0; }}
h1 {{ font-size: 26px; margin: 0 0 8px; }}
.meta {{ display: flex; gap: 26px; color: #3a4656; margin-bottom: 6px; }}
.meta b {{ color: #1d2733; }}
.hint {{ color: #3a4656; margin-bottom: 12px; }}
#picture {{ position: relative; width: 820px; height: 420px; background: #dde5ee; border: 1px solid #aab6c4;
  overflow: hidden; }}
#picture svg {{ position: absolute; left: 0; top: 0; }}
.box {{ position: absolute; border: 3px solid #16b345; }}
.box.drag {{ border: 2px dashed #e67e22; }}
.tools {{ margin-top: 12px; display: flex; gap: 10px; }}
.tools span {{ border: 1px solid #aab6c4; background: #fff; padding: 6px 14px; border-radius: 4px; }}
.tools .on {{ background: #24324a; color: #fff; border-color: #24324a; }}
aside {{ width: 360px; flex: none; display: flex; flex-direction: column; gap: 16px; }}
.panel {{ background: #fff; border: 1px solid #c9d2dd; border-radius: 6px; padding: 14px 16px; }}
.panel h2 {{ font-size: 18px; margin: 0 0 10px; }}
.row {{ display: flex; justify-content: space-between; margin: 7px 0; }}
.buttons {{ display: flex; gap: 10px; margin-top: 14px; }}
.button {{ flex: 1; text-align: center; padding: 10px 0; border-radius: 4px; font-weight: bold; }}
.submit {{ background: #2f8f4e; color: #fff; }}
.skip {{ background: #e4e8ee; }}
#news {{ display: none; border-left: 5px solid #b83227; }}
#news.shown {{ display: block; }}
#news .label {{ font-size: 15px; font-weight: bold; color: #b83227; margin-bottom: 4px; }}
#news p {{ font-size: 19px; font-weight: bold; line-height: 1.3; margin: 0; padding: 9px 0;
  border-top: 1px solid #e1e5ea; color: #111; }}
#pointer {{ position: absolute; left: 0; top: 0; width: 24px; height: 34px; z-index: 10; }}
"""

_PEOPLE_SVG = """
<svg width="820" height="420" viewBox="0 0 820 420" xmlns="http://www.w3.org/2000/svg">
  <rect x="0" y="0" width="820" height="300" fill="#d3dde8"/>
  <rect x="0" y="372" width="820" height="48" fill="#c2ccd6"/>
  <rect x="740" y="60" width="60" height="312" fill="#b7c3cf"/>
  <rect x="200" y="40" width="48" height="70" fill="#c6d1dc"/>
  <g fill="none" stroke="#2c3e50" stroke-width="7" stroke-linecap="round">
    FIGURES
  </g>
</svg>
"""


def _figure(box: Box) -> str:
    """A stick figure filling a box: a head, a body, two arms and two legs."""
    x, y, width, height = box
    middle = x + width / 2
    head = height * 0.12
    neck, hip, foot = y + 2 * head + 4, y + height * 0.58, y + height - 6
    shoulder = neck + height * 0.08
    return (
        f'<circle cx="{middle:.0f}" cy="{y + head + 4:.0f}" r="{head:.0f}"/>'
        f'<path d="M{middle:.0f} {neck:.0f} L{middle:.0f} {hip:.0f}'
        f" M{x + 8:.0f} {shoulder + height * 0.18:.0f} L{middle:.0f} {shoulder:.0f}"
        f" L{x + width - 8:.0f} {shoulder + height * 0.16:.0f}"
        f' M{x + 12:.0f} {foot:.0f} L{middle:.0f} {hip:.0f} L{x + width - 12:.0f} {foot:.0f}"/>'
    )


_POINTER_SVG = """<svg id="pointer" viewBox="0 0 24 34" xmlns="http://www.w3.org/2000/svg">
<path d="M2 2 L2 27 L8 21 L12.5 31 L16.5 29.2 L12 19.5 L20 19.5 Z" fill="#000" stroke="#fff" stroke-width="1.6"
 stroke-linejoin="round"/></svg>"""

# render(state) draws one screen; submitPoint() says where the Submit button is, in picture coordinates.
_TASK_SCRIPT = """
const picture = document.getElementById("picture");
function origin() { const r = picture.getBoundingClientRect(); return [r.left + 1, r.top + 1]; }
function submitPoint() {
  const [x0, y0] = origin();
  const r = document.querySelector(".submit").getBoundingClientRect();
  return [Math.round(r.left + r.width * 0.4 - x0), Math.round(r.top + r.height * 0.6 - y0)];
}
function render(state) {
  const [x0, y0] = origin();
  const pointer = document.getElementById("pointer");
  pointer.style.transform = `translate(${x0 + state.pointer[0] - 2}px, ${y0 + state.pointer[1] - 2}px)`;
  const layer = document.getElementById("boxes");
  layer.replaceChildren();
  const boxes = state.boxes.map((b) => ["box", b]);
  if (state.drag) boxes.push(["box drag", state.drag]);
  for (const [name, [x, y, w, h]] of boxes) {
    const div = document.createElement("div");
    div.className = name;
    Object.assign(div.style, {left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px`});
    layer.appendChild(div);
  }
  document.getElementById("count").textContent = String(state.boxes.length);
  document.getElementById("news").classList.toggle("shown", state.news);
}
"""


def _task_page(headlines: Sequence[str], state: Screen | None = None) -> str:
    """The platform's task page. Nothing on it is dated: no clock, no date, no year."""
    people = _PEOPLE_SVG.replace("FIGURES", "".join(_figure(box) for box in FIGURES))
    news = "".join(f"<p>{html.escape(title)}</p>" for title in headlines)
    start = f"<script>render({json.dumps(_state(state))});</script>" if state else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TASK_TITLE} - {PLATFORM}</title>
<style>{_TASK_CSS}</style></head><body>
<header><div class="logo">Task<span>Hive</span></div>
<nav><span class="here">Tasks</span><span>Earnings</span><span>Messages</span><span>Help</span></nav>
<div class="user">worker kv_annot</div></header>
<main><section class="task">
<h1>{TASK_TITLE}</h1>
<div class="meta"><span>Requester: <b>{REQUESTER}</b></span><span>Reward: <b>0.03 $</b> per image</span>
<span>Images left: <b>148</b></span></div>
<div class="hint">Draw a tight box around every person. Include people who are partly hidden.</div>
<div id="picture">{people}<div id="boxes"></div></div>
<div class="tools"><span class="on">Box tool</span><span>Move</span><span>Undo</span><span>Zoom</span></div>
</section>
<aside>
<div class="panel"><h2>Task progress</h2>
<div class="row"><span>Image</span><b>3 of 20</b></div>
<div class="row"><span>Boxes drawn</span><b id="count">0</b></div>
<div class="row"><span>Your accuracy</span><b>97 %</b></div>
<div class="buttons"><div class="button submit">Submit</div><div class="button skip">Skip</div></div></div>
<div class="panel" id="news"><div class="label">Latest news &middot; Demo Wire</div>{news}</div>
</aside></main>
{_POINTER_SVG}
<script>{_TASK_SCRIPT}</script>{start}
</body></html>"""


_DESKTOP_CSS = f"""
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; width: 1366px; height: 768px; overflow: hidden; background: #0b3a63; {_FONT} }}
.tabs {{ height: 36px; background: #dee1e6; display: flex; align-items: flex-end; padding-left: 8px; gap: 4px; }}
.tab {{ background: #fff; height: 30px; width: 260px; border-radius: 8px 8px 0 0; padding: 7px 12px;
  font-size: 13px; color: #202124; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.tab.off {{ background: transparent; color: #5f6368; width: 200px; }}
.controls {{ margin-left: auto; display: flex; }}
.controls span {{ width: 46px; height: 36px; text-align: center; line-height: 30px; color: #3c4043; }}
.bar {{ height: 40px; background: #fff; display: flex; align-items: center; gap: 14px; padding: 0 12px;
  border-bottom: 1px solid #dadce0; color: #5f6368; font-size: 18px; }}
.address {{ flex: 1; background: #f1f3f4; border-radius: 16px; height: 30px; padding: 6px 16px; font-size: 14px;
  color: #202124; }}
iframe {{ display: block; border: 0; width: 1366px; height: 644px; }}
.taskbar {{ position: absolute; left: 0; bottom: 0; width: 1366px; height: 48px; background: #eef1f5;
  border-top: 1px solid #d0d4da; color: #1b1b1b; }}
.apps {{ position: absolute; left: 0; right: 0; top: 0; height: 47px; display: flex; justify-content: center;
  align-items: center; gap: 6px; }}
.app {{ width: 40px; height: 40px; border-radius: 4px; display: flex; align-items: center; justify-content: center; }}
.app.open {{ background: #dde3ea; }}
.app i {{ width: 22px; height: 22px; border-radius: 4px; display: block; }}
.start {{ display: grid; grid-template-columns: 10px 10px; gap: 2px; }}
.start i {{ width: 10px; height: 10px; border-radius: 1px; background: #0067c0; }}
.lens {{ width: 16px !important; height: 16px !important; border: 2.5px solid #333; border-radius: 50% !important; }}
.tray {{ position: absolute; right: 0; top: 0; height: 47px; display: flex; align-items: center; padding-right: 14px; }}
.clock {{ text-align: right; font-size: 15px; line-height: 19px; }}
"""


def _desktop_page(headlines: Sequence[str]) -> str:
    """The task page in a browser window over a Windows-like taskbar whose clock shows 15.06.2023.

    The taskbar is light (Windows 11's default) and nothing stands beside the
    clock: on a dark bar our OCR's polarity step leaves a dark strip along the
    bar's top edge that cuts into the time, and tray icons next to the clock are
    read as letters that join, and spoil, the date's line.
    """
    state = Screen(pointer=(330, 250), boxes=2)
    task = html.escape(_task_page(headlines, state), quote=True)
    apps = "".join(
        f'<div class="app{" open" if colour == "#1a73e8" else ""}"><i style="background: {colour}"></i></div>'
        for colour in ("#f0b429", "#1a73e8", "#2e7d32", "#7e57c2")
    )
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>{_DESKTOP_CSS}</style></head><body>
<div class="tabs"><div class="tab">{TASK_TITLE} - {PLATFORM}</div><div class="tab off">Inbox - Mail</div>
<div class="controls"><span>&#8211;</span><span>&#9633;</span><span>&#10005;</span></div></div>
<div class="bar"><span>&#8592;</span><span>&#8594;</span><span>&#8635;</span>
<div class="address">taskhive.example/tasks/bodies-boxes/work</div><span>&#8942;</span></div>
<iframe srcdoc="{task}"></iframe>
<div class="taskbar"><div class="apps"><div class="app"><div class="start"><i></i><i></i><i></i><i></i></div></div>
<div class="app"><i class="lens"></i></div>{apps}</div>
<div class="tray"><div class="clock">14:32<br>15.06.2023</div></div></div>
</body></html>"""


_SOCIAL_CSS = f"""
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; width: 1366px; height: 768px; overflow: hidden; background: #f0f2f5; color: #1c1e21;
  {_FONT} font-size: 15px; }}
header {{ height: 56px; background: #fff; border-bottom: 1px solid #dddfe2; display: flex; align-items: center;
  padding: 0 20px; gap: 18px; }}
.logo {{ font-size: 26px; font-weight: bold; color: #0a66c2; }}
.find {{ background: #f0f2f5; border-radius: 18px; padding: 9px 16px; width: 260px; color: #65676b; }}
.me {{ margin-left: auto; width: 36px; height: 36px; border-radius: 50%; background: #9aa5b1; }}
.columns {{ display: flex; gap: 28px; padding: 18px 24px; }}
.left {{ width: 240px; }}
.left div {{ padding: 10px 8px; font-size: 16px; font-weight: bold; color: #333; }}
.feed {{ width: 640px; }}
.card {{ background: #fff; border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.2); padding: 14px 16px; }}
.who {{ display: flex; gap: 10px; align-items: center; }}
.avatar {{ width: 44px; height: 44px; border-radius: 50%; background: #e67e22; color: #fff; font-weight: bold;
  display: flex; align-items: center; justify-content: center; }}
.name {{ font-weight: bold; font-size: 16px; }}
.when {{ color: #65676b; font-size: 14px; }}
.text {{ font-size: 19px; line-height: 1.4; margin: 12px 0; }}
.attachment {{ border: 1px solid #dddfe2; border-radius: 6px; overflow: hidden; }}
.attachment .caption {{ padding: 8px 12px; background: #f7f8fa; color: #444; font-size: 15px; }}
.counts {{ display: flex; justify-content: space-between; color: #65676b; padding: 10px 2px;
  border-bottom: 1px solid #e4e6eb; }}
.actions {{ display: flex; justify-content: space-around; color: #65676b; font-weight: bold; padding-top: 8px; }}
.right {{ width: 300px; }}
.right h3 {{ margin: 4px 0 10px; font-size: 16px; color: #65676b; }}
.group {{ background: #fff; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }}
.group b {{ display: block; }}
.group span {{ color: #65676b; font-size: 14px; }}
"""


def _social_page() -> str:
    """A recruiting post for the task on a social network. Only a relative time ("2 d"): nothing dates it."""
    boxes = "".join(
        f'<rect x="{x * 0.7:.0f}" y="{y * 0.55:.0f}" width="{w * 0.7:.0f}" height="{h * 0.55:.0f}" fill="none" '
        f'stroke="#16b345" stroke-width="3"/>'
        for x, y, w, h in FIGURES
    )
    people = "".join(
        _figure((round(x * 0.7), round(y * 0.55), round(w * 0.7), round(h * 0.55))) for x, y, w, h in FIGURES
    )
    picture = f"""<svg width="606" height="240" viewBox="0 0 606 240" xmlns="http://www.w3.org/2000/svg">
<rect width="606" height="240" fill="#dde5ee"/><rect y="205" width="606" height="35" fill="#c2ccd6"/>
<g fill="none" stroke="#2c3e50" stroke-width="5" stroke-linecap="round">{people}</g>{boxes}</svg>"""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{_SOCIAL_CSS}</style></head><body>
<header><div class="logo">connectr</div><div class="find">Search</div><div class="me"></div></header>
<div class="columns">
<div class="left"><div>Home</div><div>Groups</div><div>Jobs</div><div>Marketplace</div><div>Saved</div></div>
<div class="feed"><div class="card">
<div class="who"><div class="avatar">GW</div><div><div class="name">Gig Work Hub</div>
<div class="when">2 d &middot; Public</div></div></div>
<div class="text">Need annotators: draw boxes around human bodies, 0.03$ per image.<br>
Steady volume, paid every week. Comment below and we send you an invite to the task.</div>
<div class="attachment">{picture}<div class="caption">{PLATFORM} - {TASK_TITLE}</div></div>
<div class="counts"><span>124 reactions</span><span>31 comments &middot; 9 shares</span></div>
<div class="actions"><span>Like</span><span>Comment</span><span>Share</span></div>
</div></div>
<div class="right"><h3>Groups you may like</h3>
<div class="group"><b>Data labelling jobs</b><span>12K members</span></div>
<div class="group"><b>Remote micro tasks</b><span>8.4K members</span></div>
<div class="group"><b>Annotators helping annotators</b><span>3.1K members</span></div>
</div></div>
</body></html>"""


def _post_page(video: str) -> str:
    """The platform post that embeds the recording, with the JSON-LD the URL collector reads.

    The page shows no date: the upload time is the platform's machine-readable
    claim (JSON-LD ``uploadDate``), which becomes the recording's "not after" cue.
    """
    video_object = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": f"Task walkthrough: {TASK_TITLE.lower()}",
        "description": "How tight the boxes should be, before you start the task.",
        "uploadDate": POST_UPLOADED,
        "author": {"@type": "Organization", "name": REQUESTER_ACCOUNT},
        "duration": "PT20S",
    }
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(video_object["name"])} - {PLATFORM} community</title>
<script type="application/ld+json">
{json.dumps(video_object, indent=2)}
</script>
<style>
body {{ margin: 0; background: #eef1f5; color: #1d2733; {_FONT} }}
header {{ height: 56px; background: #24324a; color: #fff; font-size: 23px; font-weight: bold; padding: 13px 24px;
  box-sizing: border-box; }}
header span {{ color: #ffc24b; }}
article {{ width: 1000px; margin: 24px auto; background: #fff; border: 1px solid #c9d2dd; border-radius: 6px;
  padding: 18px 20px; }}
.who {{ font-weight: bold; font-size: 17px; }} .who small {{ color: #5a6878; font-weight: normal; }}
p {{ font-size: 17px; line-height: 1.45; }}
video {{ display: block; width: 960px; height: 540px; background: #000; }}
</style></head>
<body><header>Task<span>Hive</span> community</header>
<article>
<div class="who">{REQUESTER} <small>@{REQUESTER_ACCOUNT} &middot; requester</small></div>
<p>Walkthrough for our task &ldquo;{TASK_TITLE}&rdquo;. Watch how tight the boxes should be before you
start: one box per person, including people who are partly hidden. Reward 0.03 $ per image.</p>
<video controls preload="metadata" src="{html.escape(video, quote=True)}"></video>
</article></body></html>
"""


_PDF_HEADER = (
    "<div style=\"width: 100%; font-size: 9px; font-family: 'DejaVu Sans', sans-serif; color: #b00020; "
    'text-align: center; font-weight: bold;">DEMO STAND-IN, NOT THE OFFICIAL TEXT</div>'
)
_PDF_FOOTER = (
    "<div style=\"width: 100%; font-size: 9px; font-family: 'DejaVu Sans', sans-serif; color: #555; "
    'text-align: center;">Demo stand-in &middot; page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)

_REGULATION_CSS = """
body { font-family: 'DejaVu Serif', serif; font-size: 11.5pt; line-height: 1.45; color: #111; }
.stamp { border: 2px solid #b00020; color: #b00020; padding: 8px 12px; font-family: 'DejaVu Sans', sans-serif;
  font-size: 10.5pt; margin-bottom: 18px; }
.stamp b { display: block; font-size: 13pt; margin-bottom: 4px; }
h1 { font-size: 14pt; text-align: center; margin: 10px 0 4px; }
.of { text-align: center; font-weight: bold; margin: 0 0 6px; }
.title { text-align: center; font-style: italic; margin: 0 0 18px; }
h2 { font-size: 12pt; text-align: center; margin: 18px 0 6px; }
.annex { break-before: page; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #444; padding: 6px 7px; vertical-align: top; text-align: left; }
th { background: #eee; }
"""


def _regulation_page() -> str:
    """A stand-in of the regulation, in the demo's own words, marked on every page as not the official text."""
    listed = [
        (
            "NTechLab (ООО «НтехЛаб»)",
            "Type of entity: limited liability company. Place of registration: Moscow, Russian Federation. "
            "Field: facial recognition software.",
            "NTechLab develops facial recognition software. Its technology runs in the video surveillance "
            "system of the city of Moscow, which the authorities have used to identify, track and detain "
            "peaceful protesters and journalists. NTechLab is therefore responsible for serious human rights "
            "violations in the Russian Federation, including arbitrary arrest and detention and violations of "
            "the freedoms of peaceful assembly and of expression.",
        ),
        (
            "Tevian (ООО «Тевиан»)",
            "Type of entity: limited liability company. Place of registration: Moscow, Russian Federation. "
            "Field: facial recognition and video analytics software.",
            "Tevian develops facial recognition and video analytics software supplied for the video "
            "surveillance system of the city of Moscow. The system has been used to find and arrest people "
            "who took part in peaceful protests. Tevian is therefore responsible for serious human rights "
            "violations in the Russian Federation, including arbitrary arrest and detention and violations of "
            "the freedoms of peaceful assembly and of expression.",
        ),
    ]
    rows = "".join(
        f"<tr><td>{number}.</td><td><b>{html.escape(name)}</b></td><td>{html.escape(info)}</td>"
        f"<td>{html.escape(reasons)}</td><td>20.7.2023</td></tr>"
        for number, (name, info, reasons) in enumerate(listed, start=1)
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Demo stand-in: {LEGAL_ACT}</title><style>{_REGULATION_CSS}</style></head><body>
<div class="stamp"><b>Demo stand-in, not the official text</b>
Written for the demo case of this evidence archive. The wording, the reasons and the layout are the demo's own;
the official text of the act is published in the Official Journal of the European Union.</div>
<h1>COUNCIL IMPLEMENTING REGULATION (EU) 2023/1498</h1>
<p class="of">of 20 July 2023</p>
<p class="title">implementing Regulation (EU) 2020/1998 concerning restrictive measures against serious
human rights violations and abuses</p>
<p>THE COUNCIL OF THE EUROPEAN UNION,</p>
<p>Having regard to the Treaty on the Functioning of the European Union,</p>
<p>Having regard to Council Regulation (EU) 2020/1998 of 7 December 2020 concerning restrictive measures
against serious human rights violations and abuses, and in particular Article 14(1) thereof,</p>
<p>Having regard to the proposal from the High Representative of the Union for Foreign Affairs and
Security Policy,</p>
<p>Whereas:</p>
<p>(1) Regulation (EU) 2020/1998 establishes the EU global human rights sanctions regime: a framework for
targeted restrictive measures against those responsible for, involved in or associated with serious human
rights violations and abuses worldwide.</p>
<p>(2) Facial recognition technology has been used in the Russian Federation to identify, track and detain
people who took part in peaceful protests, and journalists, in violation of the freedoms of peaceful
assembly and of expression.</p>
<p>(3) In view of the gravity of the situation, two entities that develop and supply that technology should
be included in the list of natural and legal persons, entities and bodies subject to restrictive measures
set out in Annex I to Regulation (EU) 2020/1998.</p>
<p>(4) Annex I to Regulation (EU) 2020/1998 should therefore be amended accordingly,</p>
<p>HAS ADOPTED THIS REGULATION:</p>
<h2>Article 1</h2>
<p>Annex I to Regulation (EU) 2020/1998 is amended as set out in the Annex to this Regulation.</p>
<h2>Article 2</h2>
<p>This Regulation shall enter into force on the date of its publication in the Official Journal of the
European Union.</p>
<p>This Regulation shall be binding in its entirety and directly applicable in all Member States.</p>
<p>Done at Brussels, 20 July 2023.</p>
<p><i>For the Council</i><br><i>The President</i></p>
<section class="annex">
<h2>ANNEX</h2>
<p>The following entries are added to the list of natural and legal persons, entities and bodies set out
in Annex I to Regulation (EU) 2020/1998, under heading B (Legal persons, entities and bodies):</p>
<table><tr><th></th><th>Name</th><th>Identifying information</th><th>Reasons for listing</th>
<th>Date of listing</th></tr>{rows}</table>
<p style="margin-top: 18px">Demo note: both entries are written for this demo from public reporting on the
listing; check the official text before quoting either of them.</p>
</section>
</body></html>"""


if __name__ == "__main__":
    import sys

    made = build_assets(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-assets"))
    sys.stdout.write("".join(f"{value}\n" for value in vars(made).values()))
