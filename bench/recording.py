"""A 10-minute screen recording: our keyframes + OCR against OCR of one frame per second.

The script makes a 1280x720 recording of a gig-work labelling session: forty
task screens of 15 seconds each, a taskbar clock that ticks every minute, a
mouse pointer that never stops moving, and once, for 1.2 seconds, a news panel
with a dated headline. Then, on one core:
- ours: the frames stage's keyframe choice and extraction, and the ocr stage's
  reading of each keyframe;
- baseline: one frame per second extracted by ffmpeg and read the same way.
Prints the time ratio (target at most 0.25) and whether each found the panel.

Run: .venv/bin/python bench/recording.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from archive.pipeline.frames import video_keyframes
from archive.pipeline.ocr import read_lines
from bench.screens import substring_distance

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WIDTH, HEIGHT = 1280, 720
TASK_SECONDS = 15
PANEL_AT, PANEL_FOR = 317.3, 1.2
HEADLINE = "ЕС расширил санкции против разработчиков систем слежки — 4 сентября 2023"


def task_screen(task: int, minute: int, panel: bool) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), "#f5f6f8")
    draw = ImageDraw.Draw(image)
    font, small, bold = ImageFont.truetype(FONT, 20), ImageFont.truetype(FONT, 16), ImageFont.truetype(BOLD, 24)
    draw.rectangle((0, 0, WIDTH, 56), fill="#2b3a55")
    draw.text((24, 14), f"Разметка изображений · Задание {5500 + task}", fill="white", font=bold)
    draw.rectangle((24, 80, 760, 620), fill="#c9ced6")
    for box in range(3):
        x, y = 80 + (task * 37 + box * 190) % 560, 120 + (task * 53 + box * 140) % 420
        draw.rectangle((x, y, x + 110, y + 160), outline="#e0473c", width=3)
    lines = [
        "Обведите рамкой каждого человека в кадре.",
        "Draw a box around every human body.",
        f"Изображение {task * 12 + 1} из 480",
        f"Выполнено сегодня: {task * 12}",
        f"Оплата: {0.03 * (task + 1):.2f} $",
    ]
    for number, line in enumerate(lines):
        draw.text((790, 90 + number * 42), line, fill="#1b1b1b", font=font)
    if panel:
        draw.rectangle((790, 400, 1256, 600), fill="#ffffff", outline="#2b3a55", width=2)
        draw.text((806, 412), "Новости", fill="#2b3a55", font=bold)
        words = HEADLINE.split()
        for number, part in enumerate((" ".join(words[:4]), " ".join(words[4:7]), " ".join(words[7:]))):
            draw.text((806, 452 + number * 32), part, fill="#111111", font=small)
    draw.rectangle((0, HEIGHT - 36, WIDTH, HEIGHT), fill="#1e1e1e")
    draw.text((WIDTH - 120, HEIGHT - 30), f"14:{minute:02d}  04.09.2023", fill="#eeeeee", font=small)
    return image


def pointer() -> Image.Image:
    image = Image.new("RGBA", (18, 26), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 0), (0, 22), (6, 16), (11, 25), (14, 23), (9, 15), (17, 15)], fill="white", outline="black")
    return image


def make_recording(folder: Path, minutes: int) -> Path:
    """Still screens joined by ffmpeg's concat demuxer, with a moving pointer laid over them."""
    total = minutes * 60
    assert total > PANEL_AT + PANEL_FOR, "the recording must be long enough to show the panel"
    cuts = sorted({*range(0, total, TASK_SECONDS), PANEL_AT, PANEL_AT + PANEL_FOR, total})
    listing = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        path = folder / f"still-{start:08.2f}.png"
        panel = PANEL_AT <= start < PANEL_AT + PANEL_FOR
        task_screen(int(start // TASK_SECONDS), int(start // 60), panel).save(path)
        listing += [f"file '{path}'", f"duration {end - start:.2f}"]
    listing.append(listing[-2])
    (folder / "list.txt").write_text("\n".join(listing))
    pointer().save(folder / "pointer.png")
    out = folder / "recording.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(folder / "list.txt")]
        + ["-loop", "1", "-i", str(folder / "pointer.png"), "-filter_complex"]
        + ["[0]fps=25[bg];[bg][1]overlay=x='620+560*sin(t/2.3)':y='330+300*sin(t/3.1)':shortest=1,format=yuv420p"]
        + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", str(out)],
        check=True,
    )
    return out


def found_panel(texts: list[str]) -> bool:
    """Whether the headline's last line was read, allowing a tenth of its characters wrong."""
    target = " ".join(HEADLINE.split()[7:])
    return any(substring_distance(target, text) <= len(target) // 10 for text in texts)


def ours(path: Path, work: Path) -> tuple[int, list[str]]:
    chosen = video_keyframes(path, width=WIDTH, height=HEIGHT, duration=0, workdir=work)
    texts = []
    for _, file in chosen:
        texts += [line["text"] for line in read_lines(Image.open(file), settings.OCR_LANGUAGES)]
    return len(chosen), texts


def baseline(path: Path, work: Path) -> tuple[int, list[str]]:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", "fps=1", str(work / "%05d.png")],
        check=True,
    )
    files = sorted(work.glob("*.png"))
    texts = []
    for file in files:
        texts += [line["text"] for line in read_lines(Image.open(file), settings.OCR_LANGUAGES)]
    return len(files), texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=10, help="at least 6, so that the panel is shown")
    minutes = parser.parse_args().minutes
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        recording = make_recording(root, minutes)
        print(
            f"recording: {minutes} min, {WIDTH}x{HEIGHT}, {recording.stat().st_size / 1e6:.1f} MB, "
            f"made in {time.perf_counter() - started:.0f} s; panel at {PANEL_AT} s for {PANEL_FOR} s"
        )
        read_lines(task_screen(0, 0, False), settings.OCR_LANGUAGES)  # load the engine for both
        results = {}
        for name, run in (("one frame per second", baseline), ("our keyframes", ours)):
            work = root / name.replace(" ", "-")
            work.mkdir()
            started = time.perf_counter()
            frames, texts = run(recording, work)
            results[name] = time.perf_counter() - started
            print(f"{name:22}: {results[name]:7.1f} s, {frames:4d} frames read, panel found: {found_panel(texts)}")
        ratio = results["our keyframes"] / results["one frame per second"]
        print(f"time ratio ours/baseline: {ratio:.3f} (target <= 0.25)  {'OK' if ratio <= 0.25 else 'MISSED'}")


if __name__ == "__main__":
    main()
