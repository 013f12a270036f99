"""Entity mentions on task-platform screens as they arrive: names in every spelling, read through real OCR.

Forty screens of a gig-work platform are rendered by headless Chromium (an
address bar, a task page, a sidebar of other tasks, light and dark themes,
UI text of 13-16 px). Each shows eight lines that hold a name: five of the
case's entities, written as people write them (``NTechLab``, ``NtechLab``,
``N-Tech.Lab``, ``NTech Lab``, upper case, the Cyrillic name, inflected:
``для НТехЛаба``, ``с Яндекс Толокой``), and three look-alike names that are
other companies or people (``NetLab``, ``TechLab``, ``VisionLab``,
``Gazprom``, ``Artem Kovalenko``...). Each screen is read at three levels: the
PNG, re-shared (0.75x, JPEG quality 55) and re-compressed (JPEG quality 30),
by the OCR stage (``archive.pipeline.ocr.read_lines``).

The lines read are matched two ways, in one run:
- ours: ``timeline.extract.mentions.names_found`` with the case's names;
- baseline: each name and other name looked for as a case-insensitive
  substring (what ``icontains`` or a browser's find would do).

Prints per level and overall: recall of the names shown (a name is found
when the right entity is found on its screen as often as it is shown),
precision (found names that were shown), the look-alikes taken for an
entity, and the time per screen of the matcher. Targets: recall >= 95%,
precision >= 99%.

Run: .venv/bin/python bench/mentions.py [--screens 40]
"""

from __future__ import annotations

import argparse
import html
import io
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from PIL import Image
from playwright.sync_api import sync_playwright
from rapidfuzz import fuzz, process

from archive.pipeline.ocr import read_lines
from bench.screens import CHROMIUM, CHROMIUM_ARGS
from timeline.extract.mentions import names_found, names_of

# The case's entities: the name and the other names a reporter enters.
ENTITIES = {
    "NTechLab": ["НТехЛаб", "FindFace"],
    "Yandex Toloka": ["Яндекс Толока", "Toloka"],
    "VisionLabs": ["ВижнЛабс"],
    "Tevian": ["Тевиан"],
    "Speech Technology Center": ["Центр речевых технологий"],
    "Artem Kukharenko": ["Артём Кухаренко"],
    "Clickworker": [],
    "Rostec": ["Ростех"],
    "Gazprom Neft": ["Газпром нефть"],
}
# How people and platforms write them, in the lines a task page shows ({} is the name as written).
SHOWN = {
    "NTechLab": ["NTechLab", "NtechLab", "N-Tech.Lab", "NTech Lab", "NTECHLAB", "ntechlab.ru", "НТехЛаб",
                 "НТехЛаба", "НТехЛабом", "FindFace", "Find Face"],
    "Yandex Toloka": ["Yandex Toloka", "Yandex.Toloka", "Toloka", "TOLOKA", "toloka.ai", "Яндекс Толока",
                      "Яндекс.Толоки", "Толоке", "Толокой"],
    "VisionLabs": ["VisionLabs", "Vision Labs", "VISIONLABS", "ВижнЛабс", "ВижнЛабса"],
    "Tevian": ["Tevian", "TEVIAN", "Тевиан", "Тевиана", "Тевианом"],
    "Speech Technology Center": ["Speech Technology Center", "Центр речевых технологий",
                                 "Центра речевых технологий"],
    "Artem Kukharenko": ["Artem Kukharenko", "Artem Kuharenko", "Артём Кухаренко", "Артем Кухаренко",
                         "Артёма Кухаренко"],
    "Clickworker": ["Clickworker", "ClickWorker", "clickworker.com", "Click Worker"],
    "Rostec": ["Rostec", "ROSTEC", "Ростех", "Ростеха", "Ростехом"],
    "Gazprom Neft": ["Gazprom Neft", "Gazpromneft", "Газпром нефть", "Газпром нефти", "«Газпром нефтью»"],
}  # fmt: skip
# Other companies and people, spelled close to an entity's name: none may be taken for it.
LOOK_ALIKES = [
    "NetLab", "TechLab", "NTechnoLab", "InTechLab", "MTechLab", "NTech", "VisionLab", "Vision", "VizorLabs",
    "Tevion", "Teviant", "Rostelecom", "Rosstat", "Rostex", "Gazprom", "Газпром", "Gazprombank", "Neft",
    "Artem Kovalenko", "Anton Kukharenko", "Артём Коваленко", "Clickworkers Inc", "Click", "Speech Center",
    "Tolokno", "толокно", "Yandex", "Яндекс", "Yandex Taxi", "Technology Center", "NTech Labs",
]  # fmt: skip
LEFT = [
    "Requester: {}", "Заказчик: {}", "Задание для {}", "Posted by {} · verified", "Работа с {}",
    "Оплата через {}", "{} · 340 tasks left", "{} ищет разметчиков", "Contact {} support",
]  # fmt: skip
FILLERS = [
    "Разметка лиц на фотографиях", "Reward 0.05 USD per task", "Pool 55121 · 340 tasks left",
    "Выделите все лица рамками", "Accuracy above 90% required", "Осталось 12 заданий",
    "Skip if the image is blurred", "Проверка качества: 3 из 5",
]  # fmt: skip


@dataclass
class Screen:
    png: bytes
    shown: Counter = field(default_factory=Counter)  # entity -> times shown
    lines: list[str] = field(default_factory=list)


def make_screens(count: int, rng: random.Random) -> list[Screen]:
    screens = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(count):
            screen = Screen(b"")
            picked = [(entity, rng.choice(SHOWN[entity])) for entity in rng.sample(sorted(SHOWN), 5)]
            picked += [(None, alike) for alike in rng.sample(LOOK_ALIKES, 3)]
            rng.shuffle(picked)
            for entity, written in picked:
                screen.lines.append(rng.choice(LEFT).format(written))
                if entity:
                    screen.shown[entity] += 1
            width, height = (1366, 768) if number % 2 == 0 else (1280, 720)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(_page(width, height, screen.lines, rng.sample(FILLERS, 4), dark=number % 3 == 1))
            screen.png = page.screenshot()
            page.close()
            screens.append(screen)
        browser.close()
    return screens


def _page(width: int, height: int, lines: list[str], fillers: list[str], dark: bool) -> str:
    background, ink = ("#16191d", "#e9e9e9") if dark else ("#ffffff", "#1b1b1b")
    esc = html.escape
    main = "".join(f"<p>{esc(line)}</p>" for line in [fillers[0], *lines[:5], fillers[1]])
    side = "".join(f"<li>{esc(line)}</li>" for line in [fillers[2], *lines[5:], fillers[3]])
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    body {{ width: {width}px; height: {height}px; font: 15px "DejaVu Sans", sans-serif; background: {background};
           color: {ink}; overflow: hidden; }}
    .bar {{ height: 40px; background: #dfe1e5; color: #202124; padding: 10px 16px; font-size: 14px; }}
    main {{ display: flex; gap: 32px; padding: 24px; }} article {{ flex: 1; }}
    h1 {{ font-size: 21px; margin-bottom: 14px; }} p {{ margin-bottom: 12px; white-space: nowrap; }}
    aside {{ width: {int(width * 0.36)}px; padding: 12px; border: 1px solid #888; border-radius: 6px; }}
    li {{ list-style: none; margin-bottom: 10px; font-size: 13px; white-space: nowrap; }}
    </style></head><body><div class="bar">https://platform.example.org/tasks/55121</div>
    <main><article><h1>Task 55121</h1>{main}</article><aside><ul>{side}</ul></aside></main></body></html>"""


LEVELS = {"PNG": (1.0, None), "0.75x q55": (0.75, 55), "q30": (1.0, 30)}


def degraded(png: bytes, scale: float, quality: int | None) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    if quality is None:
        return image
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


@dataclass
class Tally:
    shown: int = 0
    found: int = 0
    right: int = 0
    look_alikes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, shown: Counter, found: Counter, wrong: list[str], seconds: float) -> None:
        self.shown += sum(shown.values())
        self.found += sum(found.values())
        self.right += sum(min(count, shown[entity]) for entity, count in found.items())
        self.look_alikes += wrong
        self.seconds += seconds

    def line(self, label: str, screens: int) -> str:
        recall = self.right / max(self.shown, 1)
        precision = self.right / max(self.found, 1)
        per_screen = self.seconds / max(screens, 1) * 1000
        counts = f"({self.right}/{self.shown} shown, {self.found - self.right} false)"
        return f"{label:<30} recall {recall:6.1%}  precision {precision:7.2%}  {counts}  {per_screen:6.2f} ms/screen"


def ours(lines: list[str]) -> tuple[Counter, list[str]]:
    found: Counter = Counter()
    texts = []
    for line in lines:
        for mention in names_found(line, NAMES):
            found[ENTITY_OF[mention.entity]] += 1
            texts.append(f"{mention.text} → {ENTITY_OF[mention.entity]}")
    return found, texts


def baseline(lines: list[str]) -> tuple[Counter, list[str]]:
    found: Counter = Counter()
    texts = []
    for line in lines:
        lowered = line.lower()
        for entity, names in ENTITIES.items():
            if any(name.lower() in lowered for name in (entity, *names)):
                found[entity] += 1
                texts.append(f"{line} → {entity}")
    return found, texts


ENTITY_OF = dict(enumerate(ENTITIES))
NAMES = [name for number, entity in ENTITY_OF.items() for name in names_of(number, [entity, *ENTITIES[entity]])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=40)
    options = parser.parse_args()
    rng = random.Random(15)
    screens = make_screens(options.screens, rng)
    matchers = {"ours": ours, "baseline (substring)": baseline}
    totals = {name: Tally() for name in matchers}
    misses: list[str] = []
    for level, (scale, quality) in LEVELS.items():
        tallies = {name: Tally() for name in matchers}
        for screen in screens:
            read = [line["text"] for line in read_lines(degraded(screen.png, scale, quality), settings.OCR_LANGUAGES)]
            for name, matcher in matchers.items():
                started = time.perf_counter()
                found, texts = matcher(read)
                seconds = time.perf_counter() - started
                wrong = [t for t in texts if not _shown_entity(t, screen.shown)]
                for tally in (tallies[name], totals[name]):
                    tally.add(screen.shown, found, wrong, seconds)
                if name == "ours":
                    misses += [_miss(level, entity, screen.lines, read) for entity in screen.shown
                               if found[entity] < screen.shown[entity]]  # fmt: skip
        for name in matchers:
            print(tallies[name].line(f"{level} {name}", len(screens)))
    print()
    for name in matchers:
        print(totals[name].line(f"all {name}", len(screens) * len(LEVELS)))
    recall = totals["ours"].right / max(totals["ours"].shown, 1)
    precision = totals["ours"].right / max(totals["ours"].found, 1)
    print(f"recall {recall:.1%} (target >= 95%)  {'OK' if recall >= 0.95 else 'MISSED'}")
    print(f"precision {precision:.2%} (target >= 99%)  {'OK' if precision >= 0.99 else 'MISSED'}")
    print(f"look-alikes taken for an entity by ours: {totals['ours'].look_alikes[:10]}")
    for miss in misses[:40]:
        print(f"  missed {miss}")


def _shown_entity(text: str, shown: Counter) -> bool:
    return text.rsplit(" → ", 1)[1] in shown


def _miss(level: str, entity: str, shown: list[str], read: list[str]) -> str:
    """A name not found: the line that showed it, and the line OCR read closest to it."""
    line = next((x for x in shown if any(written in x for written in SHOWN[entity])), "")
    closest = process.extractOne(line, read, scorer=fuzz.ratio)
    return f"{level}: {entity}: {line!r} read as {closest[0] if closest else ''!r}"


if __name__ == "__main__":
    main()
