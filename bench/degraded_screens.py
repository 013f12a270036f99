"""Dates on screens as they really arrive: downscaled, re-compressed, and recordings from a video site.

The 40 realistic screens of ``cues_screens.py`` (browser with a dated URL, a
news widget, a dated post, a taskbar or menu-bar clock, a footer of things that
are not dates) are saved at scales 1.0, 0.75 and 0.5 and as JPEG at quality
90, 55 and 30, as platforms shrink and re-compress a screenshot. Each level is
read three times, with the same date extraction:
- ours: the ocr stage (``archive.pipeline.ocr.read_lines``);
- baseline: the plain ``tesseract IMAGE stdout -l LANGS tsv`` command, its
  words grouped into lines as Tesseract gives them;
- the ocr stage as it was before issue 11, loaded from git (commit
  ``BEFORE``), for the time target.
Prints per level the recall of the dates shown, the false dates as a share
of all found, and seconds per screen for both; and for ours, how many of the
false dates would bound the capture wrongly (a ``not_before`` past the day
the screen was captured, or a clock on another day) rather than only
loosely. A cue coarser than a day (a month, a year) that holds a date shown
is neither found nor false: a misread day that leaves "September 2023" still
bounds the capture truly.

Then the labelling-session recording of ``recording.py`` (6 minutes, a dated
news panel shown for 1.2 s) is re-encoded as a video site serves it, at
854x480 CRF 33 and 640x360 CRF 30; our frames stage picks its keyframes, and
each keyframe is read by both. Prints whether the panel's dated line was read.

Targets: recall >= 95% at 1.0x q30 and 0.75x q55, >= 80% at 0.5x q70 (a
level beyond the grid, read too); false dates <= 2% at every
level; the panel found in both recordings; our time per screen over the grid
at most twice that of the stage before issue 11.

Run: .venv/bin/python bench/degraded_screens.py [--screens 40] [--no-recordings]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from PIL import Image

from archive.pipeline.frames import video_keyframes
from archive.pipeline.ocr import read_lines
from bench.cues_screens import Tally, dated_cues, make_screens, screen_lines
from bench.recording import found_panel, make_recording
from timeline.extract.clocks import Line

SCALES = (1.0, 0.75, 0.5)
QUALITIES = (90, 55, 30)
# The grid of levels, and the level the issue sets a target at beyond it.
LEVELS = [(scale, quality) for scale in SCALES for quality in QUALITIES] + [(0.5, 70)]
TARGETS = {(1.0, 30): 0.95, (0.75, 55): 0.95, (0.5, 70): 0.80}
RECORDINGS = ((854, 480, 33), (640, 360, 30))
# The commit before issue 11: its ocr stage is measured beside ours.
BEFORE = "e61c5d1"

Reader = Callable[[Path], list[Line]]


def degrade(source: Path, scale: float, quality: int, out: Path) -> Path:
    """The screen as a platform passes it on: resized (Lanczos, as libvips and most sites do) and saved as JPEG."""
    image = Image.open(source).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    out.write_bytes(buffer.getvalue())
    return out


def ours(path: Path) -> list[Line]:
    return screen_lines(read_lines(Image.open(path), settings.OCR_LANGUAGES))


def tesseract_command(path: Path) -> list[Line]:
    """Lines of the plain ``tesseract`` command's TSV output, as Tesseract groups its words."""
    output = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", settings.OCR_LANGUAGES, "tsv"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout
    grouped: dict[tuple[str, ...], list[list[str]]] = {}
    for row in output.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip():
            grouped.setdefault(tuple(cells[1:5]), []).append(cells)
    lines = []
    for words in grouped.values():
        left = min(int(w[6]) for w in words)
        top = min(int(w[7]) for w in words)
        right = max(int(w[6]) + int(w[8]) for w in words)
        bottom = max(int(w[7]) + int(w[9]) for w in words)
        lines.append(Line(" ".join(w[11].strip() for w in words), left, top, right - left, bottom - top))
    return lines


def read_level(screens: list, reader: Reader, folder: Path, scale: float, quality: int) -> tuple[Tally, float]:
    tally, seconds = Tally(), 0.0
    for path, width, height, truth in screens:
        file = degrade(path, scale, quality, folder / f"{path.stem}-{scale}-{quality}.jpg")
        started = time.perf_counter()
        lines = reader(file)
        seconds += time.perf_counter() - started
        # Boxes are in the degraded picture's pixels: the clock bands are shares of its size.
        tally.add(path.name, truth, dated_cues(lines, path.name, round(width * scale), round(height * scale)))
    return tally, seconds / len(screens)


def stage_before() -> Reader | None:
    """The ocr stage as it was before issue 11 (commit ``BEFORE``), loaded from git; None without the history."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BEFORE}:archive/pipeline/ocr.py"],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("ocr_before_issue_11")
    # The project's own code at an earlier commit, run in this process so that it is timed beside ours.
    exec(compile(source, f"archive/pipeline/ocr.py@{BEFORE}", "exec"), module.__dict__)  # noqa: S102
    return lambda path: screen_lines(module.read_lines(Image.open(path), settings.OCR_LANGUAGES))


def screens_table(screens: list, folder: Path) -> None:
    before = stage_before()
    readers = {"ours": ours, "tesseract command": tesseract_command}
    if before is None:
        print(f"the stage before issue 11 ({BEFORE}) is not in this checkout's history: not measured")
    else:
        readers["stage before issue 11"] = before
    print("level        | " + " | ".join(f"{name}: recall false s/screen" for name in readers))
    totals = dict.fromkeys(readers, 0.0)
    for scale, quality in LEVELS:
        results = {name: read_level(screens, reader, folder, scale, quality) for name, reader in readers.items()}
        if quality in QUALITIES:
            for name, (_, seconds) in results.items():
                totals[name] += seconds
        mine = results["ours"][0]
        target = TARGETS.get((scale, quality))
        verdict = ""
        if target is not None:
            verdict = f"  target >= {target:.0%} {'OK' if mine.recall >= target else 'MISSED'}"
        if mine.false_share > 0.02:
            verdict += "  false > 2% MISSED"
        cells = [
            f"{tally.recall:>6.1%} {tally.false_share:>5.1%} {seconds:>5.2f}" for tally, seconds in results.values()
        ]
        wrong = f"  (ours: {mine.wrong_bounds} of {mine.false} false dates bound wrongly)" if mine.false else ""
        print(f"{scale:>5}x q{quality:<3} | " + " | ".join(cells) + verdict + wrong)
        for line in mine.misses[:4]:
            print(f"{'':14}missed {line}")
        for line in mine.falses[:4]:
            print(f"{'':14}false  {line}")
    print(f"time per screen over the grid, ours over the command: {totals['ours'] / totals['tesseract command']:.2f}")
    if before is not None:
        ratio = totals["ours"] / totals["stage before issue 11"]
        print(f"  ours over the stage before issue 11: {ratio:.2f} (target <= 2)  {'OK' if ratio <= 2 else 'MISSED'}")


def recordings_table(folder: Path) -> None:
    started = time.perf_counter()
    original = make_recording(folder, 6)
    print(f"recording: 6 min, 1280x720, made in {time.perf_counter() - started:.0f} s")
    for width, height, crf in RECORDINGS:
        served = folder / f"served-{height}p.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(original), "-vf", f"scale={width}:{height}"]
            + ["-c:v", "libx264", "-preset", "medium", "-crf", str(crf), "-pix_fmt", "yuv420p", str(served)],
            check=True,
        )
        work = folder / f"keyframes-{height}p"
        work.mkdir()
        chosen = video_keyframes(served, width=width, height=height, duration=360, workdir=work)
        for name, reader in (("ours", ours), ("tesseract command", tesseract_command)):
            started = time.perf_counter()
            texts = [line.text for _, file in chosen for line in reader(file)]
            seconds = time.perf_counter() - started
            found = found_panel(texts)
            print(
                f"{width}x{height} CRF {crf}: {len(chosen)} keyframes; {name:17}: panel found {found!s:5} "
                f"{seconds / len(chosen):.2f} s/keyframe{'' if found or name != 'ours' else '  MISSED'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=40)
    parser.add_argument("--no-recordings", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        screens = make_screens(root, arguments.screens, random.Random(11))
        print(f"screens: {len(screens)} (1366x768 and 1920x1080), languages {settings.OCR_LANGUAGES}, one core")
        screens_table(screens, root)
        if not arguments.no_recordings:
            recordings_table(root)


if __name__ == "__main__":
    main()
