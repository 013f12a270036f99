"""Realistic UI screenshots rendered by headless Chromium, with the text each one shows.

Each screen is a web page in a browser window with a URL bar, a site header, a
post, a news widget and an operating-system taskbar with a clock, in a light
or a dark theme, in Russian and English. Every piece of text sits on one line
so that the text a screen shows is known exactly. Headlines are real ones from
``../shared/data/headlines/``.
"""

from __future__ import annotations

import csv
import html
import os
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

HEADLINES = Path(os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "headlines"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@dataclass(frozen=True)
class Screen:
    path: Path
    width: int
    height: int
    lines: list[str]


def headlines(count: int, seed: int) -> list[str]:
    """Real headlines, half Russian and half English, short enough for one line of a widget."""
    rng = random.Random(seed)
    picked = []
    for name in ("lenta_ru.csv", "guardian_uk.csv"):
        with (HEADLINES / name).open(encoding="utf-8") as handle:
            titles = [row["title"] for row in csv.DictReader(handle) if 25 <= len(row["title"]) <= 70]
        picked += rng.sample(titles, count // 2)
    rng.shuffle(picked)
    return picked


def _page(width: int, height: int, dark: bool, texts: dict[str, list[str] | str]) -> str:
    background, ink, panel = ("#15181c", "#e6e6e6", "#22262b") if dark else ("#ffffff", "#1b1b1b", "#f1f3f5")
    widget = "".join(f"<li>{html.escape(t)}</li>" for t in texts["widget"])
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts["body"])
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    body {{ width: {width}px; height: {height}px; font: 15px "DejaVu Sans", sans-serif; background: {background};
           color: {ink}; overflow: hidden; position: relative; }}
    .bar {{ height: 40px; background: #dfe1e5; color: #202124; padding: 10px 16px; white-space: nowrap; }}
    .url {{ background: #fff; border-radius: 14px; padding: 2px 14px; font-size: 14px; }}
    header {{ height: 54px; background: #1d3b5a; color: #fff; padding: 16px 24px; font-size: 18px;
              white-space: nowrap; }}
    main {{ display: flex; gap: 32px; padding: 24px; }}
    article {{ flex: 1; }} h1 {{ font-size: 22px; margin-bottom: 12px; white-space: nowrap; }}
    .meta {{ color: #888; margin-bottom: 16px; white-space: nowrap; }}
    p {{ margin-bottom: 10px; white-space: nowrap; }}
    aside {{ width: {int(width * 0.34)}px; background: {panel}; padding: 14px; border-radius: 6px; }}
    aside h2 {{ font-size: 16px; margin-bottom: 10px; }} li {{ list-style: none; margin-bottom: 9px;
              font-size: 13px; white-space: nowrap; }}
    .taskbar {{ position: absolute; left: 0; right: 0; bottom: 0; height: 40px; background: #202020;
                color: #f0f0f0; font-size: 13px; padding: 4px 16px; text-align: right; }}
    </style></head><body>
    <div class="bar"><span class="url">{html.escape(texts["url"])}</span></div>
    <header>{html.escape(texts["site"])}</header>
    <main><article><h1>{html.escape(texts["title"])}</h1><div class="meta">{html.escape(texts["meta"])}</div>
    {body}</article><aside><h2>{html.escape(texts["widget_title"])}</h2><ul>{widget}</ul></aside></main>
    <div class="taskbar"><div>{html.escape(texts["clock"])}</div><div>{html.escape(texts["date"])}</div></div>
    </body></html>"""


def render_screens(folder: Path, count: int = 12, seed: int = 1) -> list[Screen]:
    """``count`` screens, half 1366x768 and half 1920x1080, alternately light and dark."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    screens = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(count):
            width, height = (1366, 768) if number % 2 == 0 else (1920, 1080)
            pool = headlines(12, seed * 100 + number)
            day, month = rng.randint(1, 28), rng.randint(1, 12)
            russian = number % 4 < 2
            texts = {
                "url": f"https://news.example.org/2023/{month:02d}/{day:02d}/story-{number}",
                "site": "Новости дня" if russian else "Daily News",
                "title": pool[0],
                "meta": f"{day} сентября 2023, 14:{rng.randint(10, 59)}" if russian else f"September {day}, 2023",
                "body": pool[1:5],
                "widget_title": "Главное" if russian else "Top stories",
                "widget": pool[5:11],
                "clock": f"{rng.randint(8, 23)}:{rng.randint(10, 59)}",
                "date": f"{day:02d}.{month:02d}.2023",
            }
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(_page(width, height, dark=number % 3 == 1, texts=texts))
            path = folder / f"screen-{number:02d}.png"
            page.screenshot(path=str(path))
            page.close()
            lines = [texts["url"], texts["site"], texts["title"], texts["meta"], *texts["body"]]
            lines += [texts["widget_title"], *texts["widget"], texts["clock"], texts["date"]]
            screens.append(Screen(path, width, height, lines))
        browser.close()
    return screens


def substring_distance(pattern: str, text: str) -> int:
    """Fewest edits that turn ``pattern`` into some substring of ``text`` (Sellers' algorithm)."""
    previous = [0] * (len(text) + 1)
    for i, char in enumerate(pattern, start=1):
        current = [i] + [0] * len(text)
        for j, other in enumerate(text, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
        previous = current
    return min(previous)


def character_accuracy(expected: list[str], found_lines: list[str]) -> float:
    """Share of expected characters read correctly: each expected line against its best OCR line."""
    total = correct = 0
    for line in expected:
        # Only the OCR lines sharing the most characters with it can be its best match.
        wanted = Counter(line)
        likely = sorted(found_lines, key=lambda found: -sum((wanted & Counter(found)).values()))[:3]
        best = min((substring_distance(line, found) for found in likely), default=len(line))
        total += len(line)
        correct += max(0, len(line) - best)
    return correct / total if total else 1.0
