"""OCR of realistic UI screenshots: our ocr stage against a loop over the `tesseract` command.

Renders 12 screenshots (1366x768 and 1920x1080, light and dark, Russian and
English) with headless Chromium, then reads them twice on one core:
- ours: archive.pipeline.ocr.read_lines, Tesseract kept loaded in the process;
- baseline: `tesseract IMAGE stdout -l eng+rus`, one process per image.
Prints the time ratio (target at most 0.9) and the character accuracy of each
against the known text (ours must be at least as good).

Run: .venv/bin/python bench/ocr_screens.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from PIL import Image

from archive.pipeline.ocr import read_lines
from bench.screens import character_accuracy, render_screens


def ours(paths: list[Path]) -> list[list[str]]:
    return [[line["text"] for line in read_lines(Image.open(path), settings.OCR_LANGUAGES)] for path in paths]


def baseline(paths: list[Path]) -> list[list[str]]:
    results = []
    for path in paths:
        output = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", settings.OCR_LANGUAGES],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        ).stdout
        results.append([line.strip() for line in output.splitlines() if line.strip()])
    return results


def timed(read: object, paths: list[Path]) -> tuple[float, list[list[str]]]:
    started = time.perf_counter()
    result = read(paths)
    return time.perf_counter() - started, result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        screens = render_screens(Path(folder))
        paths = [screen.path for screen in screens]
        base_time, base_lines = timed(baseline, paths)
        our_time, our_lines = timed(ours, paths)
        base_accuracy = sum(character_accuracy(s.lines, f) for s, f in zip(screens, base_lines, strict=True)) / len(
            screens
        )
        our_accuracy = sum(character_accuracy(s.lines, f) for s, f in zip(screens, our_lines, strict=True)) / len(
            screens
        )
        dark = [i for i in range(len(screens)) if i % 3 == 1]
        print(f"screens: {len(screens)} (1366x768 and 1920x1080), languages {settings.OCR_LANGUAGES}, one core")
        print(f"tesseract command loop: {base_time:6.2f} s   character accuracy {base_accuracy:.2%}")
        print(f"our ocr stage:          {our_time:6.2f} s   character accuracy {our_accuracy:.2%}")
        for label, indexes in (("dark-theme screens", dark),):
            b = sum(character_accuracy(screens[i].lines, base_lines[i]) for i in indexes) / len(indexes)
            o = sum(character_accuracy(screens[i].lines, our_lines[i]) for i in indexes) / len(indexes)
            print(f"  {label}: command {b:.2%}, ours {o:.2%}")
        ratio = our_time / base_time
        print(f"time ratio ours/command: {ratio:.2f} (target <= 0.90)  {'OK' if ratio <= 0.9 else 'MISSED'}")
        better = our_accuracy >= base_accuracy
        print(f"accuracy ours >= command: {'OK' if better else 'MISSED'}")


if __name__ == "__main__":
    main()
