"""Dates on realistic screens: recall of the dates shown, and dates found that are not there.

Renders 40 screens with headless Chromium, in Russian and English, 1366x768 and
1920x1080: a browser with a dated URL, a news widget with dated items, a social
post with its date, a taskbar or menu-bar clock in one of several locales
(light text on dark), and a footer full of things that are not dates (prices,
versions, phone numbers, copyright ranges, durations, counters, relative
times). Each screen is read by our ocr stage and cue extraction, exactly as
the pipeline does, and the cues are compared with the dates the screen shows.

Prints recall (target >= 95%) and the share of false dates among all found
(target <= 2%), with the misses and false dates listed.

Run: .venv/bin/python bench/cues_screens.py
"""

from __future__ import annotations

import html
import random
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from PIL import Image
from playwright.sync_api import sync_playwright

from archive.pipeline.ocr import read_lines
from bench.screens import CHROMIUM, CHROMIUM_ARGS, headlines
from timeline.extract.clocks import Line
from timeline.extract.cues import FrameText, ItemFacts, draft_cues

_RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
_RU_SHORT = "янв. февр. марта апр. мая июня июля авг. сент. окт. нояб. дек."
_EN = "January February March April May June July August September October November December"
RU_MONTHS, RU_SHORT, EN_MONTHS = _RU.split(), _RU_SHORT.split(), _EN.split()
DISTRACTORS = [
    "Цена: 12.09 $",
    "Price $12.09",
    "Version 3.12.1",
    "Python 3.12.10",
    "Тел.: +7 (495) 123-45-67",
    "8-800-555-35-35",
    "© 2015–2023 Example Ltd.",
    "Длительность 12:09",
    "1 234 567 просмотров",
    "2 часа назад",
    "yesterday at 14:32",
    "build 2023.09.04.1234",
    "Осталось 3 из 10",
    "Rating 4.5/5",
]


def ru_date(day: date, rng: random.Random) -> str:
    forms = [
        f"{day.day} {RU_MONTHS[day.month - 1]} {day.year}",
        f"{day.day} {RU_SHORT[day.month - 1]} {day.year} г.",
        f"{day:%d.%m.%Y}",
        f"{day.day} {RU_MONTHS[day.month - 1]} {day.year}, 14:{rng.randint(10, 59)}",
    ]
    return rng.choice(forms)


def en_date(day: date, rng: random.Random) -> str:
    forms = [
        f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}",
        f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}",
        f"{day:%Y-%m-%d}",
        f"{EN_MONTHS[day.month - 1][:3]} {day.day}, {day.year} at {rng.randint(1, 12)}:{rng.randint(10, 59)} PM",
    ]
    return rng.choice(forms)


def clock(day: date, russian: bool, style: int) -> tuple[str, str]:
    """(time line, date line) of a taskbar clock, or a one-line menu-bar clock."""
    if style == 0:
        return "14:32", f"{day:%d.%m.%Y}" if russian else f"{day.month}/{day.day}/{day.year}"
    if style == 1:
        return "2:32 PM", f"{day.day:02d}/{day.month:02d}/{day.year}"
    weekday = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"][day.weekday()] if russian else day.strftime("%a")
    month = RU_SHORT[day.month - 1] if russian else day.strftime("%b")
    return f"{weekday} {day.day} {month} 14:32", ""


def page(width: int, height: int, texts: dict, dark: bool) -> str:
    background, ink = ("#16191d", "#e9e9e9") if dark else ("#ffffff", "#1b1b1b")
    esc = html.escape
    widget = "".join(f"<li><span>{esc(d)}</span> · {esc(t)}</li>" for d, t in texts["widget"])
    footer = " · ".join(esc(t) for t in texts["footer"])
    menu = texts["menu"]
    top_clock = f'<div class="menubar">{esc(menu)}</div>' if menu else ""
    bottom = "" if menu else f'<div class="taskbar"><div>{esc(texts["time"])}</div><div>{esc(texts["day"])}</div></div>'
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    body {{ width: {width}px; height: {height}px; font: 15px "DejaVu Sans", sans-serif; background: {background};
           color: {ink}; position: relative; overflow: hidden; }}
    .menubar {{ height: 26px; background: #2a2a2a; color: #f2f2f2; font-size: 13px; text-align: right;
                padding: 5px 16px; }}
    .bar {{ height: 40px; background: #dfe1e5; color: #202124; padding: 10px 16px; white-space: nowrap; }}
    .url {{ background: #fff; border-radius: 14px; padding: 2px 14px; font-size: 14px; }}
    main {{ display: flex; gap: 32px; padding: 24px; }} article {{ flex: 1; }}
    h1 {{ font-size: 21px; margin-bottom: 10px; white-space: nowrap; }} .meta {{ color: #888; margin-bottom: 12px; }}
    p {{ margin-bottom: 10px; white-space: nowrap; }}
    aside {{ width: {int(width * 0.36)}px; padding: 12px; border: 1px solid #888; border-radius: 6px; }}
    li {{ list-style: none; margin-bottom: 9px; font-size: 13px; white-space: nowrap; }}
    footer {{ position: absolute; left: 24px; right: 24px; bottom: 56px; font-size: 13px; color: #888; }}
    .taskbar {{ position: absolute; left: 0; right: 0; bottom: 0; height: 40px; background: #202020;
                color: #f0f0f0; font-size: 13px; padding: 4px 16px; text-align: right; }}
    </style></head><body>{top_clock}
    <div class="bar"><span class="url">{esc(texts["url"])}</span></div>
    <main><article><h1>{esc(texts["title"])}</h1><div class="meta">{esc(texts["posted"])}</div>
    <p>{esc(texts["body"])}</p></article><aside><ul>{widget}</ul></aside></main>
    <footer>{footer}</footer>{bottom}</body></html>"""


def make_screens(folder: Path, count: int, rng: random.Random) -> list[tuple[Path, int, int, set[date]]]:
    screens = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(count):
            width, height = (1366, 768) if number % 2 == 0 else (1920, 1080)
            russian = number % 4 < 2
            pool = headlines(10, 500 + number)
            base = date(2023, 1, 1) + timedelta(days=rng.randint(0, 360))
            days = [base - timedelta(days=rng.randint(0, 60)) for _ in range(6)]
            write = ru_date if russian else en_date
            url_day, posted_day, *widget_days = days
            shown_clock = base
            style = number % 3
            time_line, day_line = clock(shown_clock, russian, style)
            texts = {
                "url": f"https://news.example.org/{url_day:%Y/%m/%d}/story-{number}",
                "title": pool[0],
                "posted": ("Опубликовано " if russian else "Posted ") + write(posted_day, rng),
                "body": pool[1],
                "widget": [(write(d, rng), pool[2 + i]) for i, d in enumerate(widget_days)],
                "footer": rng.sample(DISTRACTORS, 6),
                "menu": time_line if style == 2 else "",
                "time": time_line,
                "day": day_line,
            }
            browser_page = browser.new_page(viewport={"width": width, "height": height})
            browser_page.set_content(page(width, height, texts, dark=number % 3 == 1))
            path = folder / f"screen-{number:02d}.png"
            browser_page.screenshot(path=str(path))
            browser_page.close()
            screens.append((path, width, height, {url_day, posted_day, *widget_days, shown_clock}))
        browser.close()
    return screens


def local_start(cue: object) -> date:
    """The first local calendar day a cue allows: a date on screen is widened to every zone (UTC+14 first)."""
    return (cue.earliest + timedelta(hours=14) if cue.time_zone.startswith("local time") else cue.earliest).date()


def local_dates(cue: object) -> set[date]:
    """The calendar dates a cue names (both readings of a date that reads two ways)."""
    if cue.granularity not in ("day", "minute", "second"):
        return set()
    readings = cue.details.get("readings") or []
    return {date.fromisoformat(r[:10]) for r in readings} or {local_start(cue)}


def covers(cue: object, truth: set[date]) -> bool:
    """Whether a coarser cue (a month, a year) is true: a date shown lies in its local calendar range."""
    end = (cue.latest - timedelta(hours=12) if cue.time_zone.startswith("local time") else cue.latest).date()
    return any(local_start(cue) <= day < end for day in truth)


def dated_cues(lines: list[Line], name: str, width: int, height: int) -> list:
    """The date cues that the pipeline's cue extraction drafts from one screen's lines."""
    facts = ItemFacts(
        name=name,
        frames=[FrameText(0, width, height, lines)],
        posted=[(datetime(2023, 12, 31, tzinfo=UTC), "day")],
    )
    drafts, _ = draft_cues(facts)
    return [d for d in drafts if d.kind in ("text_date", "clock", "url_date")]


@dataclass
class Tally:
    """Dates shown and found over screens, with the misses and the false dates named."""

    shown: int = 0
    found: int = 0
    false: int = 0
    # Cues coarser than a day (a month, a year) that hold a date shown: true, but not a date found.
    coarse: int = 0
    # False dates that would bound the capture wrongly. A screen is captured on its clock's day, the
    # latest date it shows: a false ``not_before`` on or before that day only bounds it more loosely
    # (``2023`` read as ``2021``), one after it, or a clock on any other day, is wrong.
    wrong_bounds: int = 0
    misses: list[str] = field(default_factory=list)
    falses: list[str] = field(default_factory=list)

    def add(self, name: str, truth: set[date], cues: list) -> None:
        seen: set[date] = set()
        for cue in cues:
            dates = local_dates(cue)
            if dates & truth:
                seen |= dates & truth
            elif not dates and covers(cue, truth):
                self.coarse += 1
            else:
                self.false += 1
                self.falses.append(f"{name}: {cue.kind} {cue.text!r}")
                self.wrong_bounds += cue.bound == "on" or min(dates, default=local_start(cue)) > max(truth)
        self.shown += len(truth)
        self.found += len(seen & truth)
        self.misses += [f"{name}: {d}" for d in sorted(truth - seen)]

    @property
    def recall(self) -> float:
        return self.found / max(1, self.shown)

    @property
    def false_share(self) -> float:
        return self.false / max(1, self.found + self.false)


def screen_lines(lines: list[dict]) -> list[Line]:
    return [Line(line["text"], line["left"], line["top"], line["width"], line["height"]) for line in lines]


def main() -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        screens = make_screens(Path(folder), 40, rng)
        tally = Tally()
        for path, width, height, truth in screens:
            lines = screen_lines(read_lines(Image.open(path), settings.OCR_LANGUAGES))
            tally.add(path.name, truth, dated_cues(lines, path.name, width, height))
        recall, share = tally.recall, tally.false_share
        print(f"screens: {len(screens)}; dates shown: {tally.shown}; found: {tally.found}; false dates: {tally.false}")
        print(f"recall {recall:.1%} (target >= 95%)  {'OK' if recall >= 0.95 else 'MISSED'}")
        print(f"false dates {share:.1%} of all found (target <= 2%)  {'OK' if share <= 0.02 else 'MISSED'}")
        print(f"  of them bounding the capture wrongly (past its day, or a clock on another): {tally.wrong_bounds}")
        for line in tally.misses[:15]:
            print(f"  missed {line}")
        for line in tally.falses[:15]:
            print(f"  false  {line}")


if __name__ == "__main__":
    main()
