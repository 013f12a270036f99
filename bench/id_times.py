"""Creation times in identifiers shown on screen, read through the OCR stage and decoded by dfir-unfurl.

Thirty screens are rendered by headless Chromium: an address bar holding a
permalink, a share dialog with another one, a post footer, a log line with
a request id. The identifiers are made by their formats' own definitions from
a known moment between 2019 and 2024: X/Twitter, Discord, Mastodon and
LinkedIn snowflakes, TikTok and Instagram ids, MongoDB ObjectIds, UUIDv1 and
Bluesky record keys. Each screen also shows look-alikes that must give no
cue: order and invoice numbers of the same length, a shop's order URL, a
timestamp in a query, a phone number, a random (version 4) UUID.

Each screen is read as PNG and as a re-shared copy (0.75x, JPEG quality 55)
by the OCR stage, and its lines decoded two ways in one run:
- ours: ``timeline.extract.ids.id_times`` (unfurl, with the formats' checks);
- baseline: every 17 to 19 digit number taken as an X/Twitter snowflake, as
  a one-off decoder would.

Prints per level: the identifiers shown, those OCR read correctly, the recall
of their exact creation time among those, the false cues (any time that is no
shown id's), and the time per screen of the decoding. Targets: recall >= 95%
of the ids OCR read correctly, 0 false cues on the look-alikes.

Run: .venv/bin/python bench/id_times.py [--screens 30]
"""

from __future__ import annotations

import argparse
import html
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import _django  # noqa: F401 - sets up Django before the imports below
from django.conf import settings
from playwright.sync_api import sync_playwright

from archive.pipeline.ocr import read_lines
from bench.mentions import degraded
from bench.screens import CHROMIUM, CHROMIUM_ARGS
from timeline.extract.ids import decoded, id_times

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
B32 = "234567abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Shown:
    text: str
    identifier: str
    created: datetime
    # Whether the format holds the time to the millisecond (TikTok ids and ObjectIds: to the second).
    exact: bool


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def snowflake(moment: datetime, epoch_ms: int, shift: int, rng: random.Random) -> str:
    return str(((_ms(moment) - epoch_ms) << shift) | rng.getrandbits(shift))


def instagram(moment: datetime, rng: random.Random) -> str:
    number = ((_ms(moment) - 1314220021721) << 23) | rng.getrandbits(23)
    code = ""
    while number:
        number, digit = divmod(number, 64)
        code = B64[digit] + code
    return code


def tid(moment: datetime, rng: random.Random) -> str:
    number = (int(moment.timestamp() * 1_000_000) << 10) | rng.getrandbits(10)
    code = ""
    for _ in range(13):
        number, digit = divmod(number, 32)
        code = B32[digit] + code
    return code


def uuid1(moment: datetime, rng: random.Random) -> str:
    ticks = int((moment - datetime(1582, 10, 15, tzinfo=UTC)).total_seconds() * 10_000_000)
    low, mid, high = ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF, (ticks >> 48) & 0x0FFF
    fields = (low, mid, high | 0x1000, 0x80 | rng.getrandbits(6), rng.getrandbits(8), rng.getrandbits(48))
    return str(uuid.UUID(fields=fields))


# Each format: how its permalink or id is shown, and how its id is made from a moment.
FORMATS = {
    "X/Twitter": ("https://x.com/{user}/status/{id}", lambda m, r: snowflake(m, 1288834974657, 22, r)),
    "Discord": ("https://discord.com/channels/{guild}/{id}", lambda m, r: snowflake(m, 1420070400000, 22, r)),
    "Mastodon": ("https://mastodon.social/@{user}/{id}", lambda m, r: str((_ms(m) << 16) | r.getrandbits(16))),
    "LinkedIn": ("https://www.linkedin.com/feed/update/urn:li:activity:{id}/", lambda m, r: snowflake(m, 0, 22, r)),
    "TikTok": ("https://www.tiktok.com/@{user}/video/{id}", lambda m, r: str((int(m.timestamp()) << 32)
                                                                            | (m.microsecond // 1000) << 22
                                                                            | r.getrandbits(22))),
    "Instagram": ("https://www.instagram.com/p/{id}/", instagram),
    "ObjectId": ("https://api.tasks.example/v1/items/{id}", lambda m, r: f"{int(m.timestamp()):08x}"
                                                                         f"{r.getrandbits(64):016x}"),
    "UUIDv1": ("Request ID: {id}", uuid1),
    "Bluesky": ("https://bsky.app/profile/{user}.bsky.social/post/{id}", tid),
}  # fmt: skip
LOOK_ALIKES = [
    "Order #{digits19}", "Invoice {digits18} paid", "https://shop.example/orders/{digits19}",
    "https://cdn.example/app.js?t={epoch}", "Call us: +90 532 {phone}", "Session {uuid4}",
    "Tracking number {digits17}", "https://platform.example.org/tasks/{digits8}",
]  # fmt: skip
PLACES = ["address", "share", "footer", "log"]


@dataclass
class Screen:
    png: bytes
    shown: list[Shown] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    # Identifiers shown beside the ones counted (a Discord server's), whose times are true too.
    also: list[Shown] = field(default_factory=list)


def make_screens(count: int, rng: random.Random) -> list[Screen]:
    screens = []
    start = datetime(2019, 1, 1, tzinfo=UTC)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(count):
            screen = Screen(b"")
            for name in rng.sample(sorted(FORMATS), 3):
                shape, make = FORMATS[name]
                # Within the platform's life: Bluesky's record keys begin in 2023.
                first = datetime(2023, 2, 1, tzinfo=UTC) if name == "Bluesky" else start
                span = int((datetime(2025, 1, 1, tzinfo=UTC) - first).total_seconds())
                created = first + timedelta(seconds=rng.randrange(span), milliseconds=rng.randrange(1000))
                identifier = make(created, rng)
                guild_created = created - timedelta(days=400, milliseconds=rng.randrange(1000))
                guild = snowflake(guild_created, 1420070400000, 22, rng)
                text = shape.format(user=rng.choice(["toloka_tasks", "gigwork", "annotator42"]), guild=guild,
                                    id=identifier)  # fmt: skip
                if "{guild}" in shape:
                    # The server's id is shown too: its creation time is a true bound as well.
                    screen.also.append(Shown(text, guild, guild_created, True))
                exact = name not in ("TikTok", "ObjectId")
                screen.shown.append(
                    Shown(text, identifier, created if exact else created.replace(microsecond=0), exact)
                )
            for shape in rng.sample(LOOK_ALIKES, 3):
                screen.negatives.append(shape.format(
                    digits19=str(rng.randrange(10**18, 10**19)), digits18=str(rng.randrange(10**17, 10**18)),
                    digits17=str(rng.randrange(10**16, 10**17)), digits8=str(rng.randrange(10**7, 10**8)),
                    epoch=str(rng.randrange(1_600_000_000, 1_700_000_000)), phone=f"{rng.randrange(100, 999)} 45 67",
                    uuid4=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                ))  # fmt: skip
            width, height = (1366, 768) if number % 2 == 0 else (1280, 720)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(_page(width, height, screen, dark=number % 3 == 1))
            screen.png = page.screenshot()
            page.close()
            screens.append(screen)
        browser.close()
    return screens


def _page(width: int, height: int, screen: Screen, dark: bool) -> str:
    background, ink = ("#16191d", "#e9e9e9") if dark else ("#ffffff", "#1b1b1b")
    esc = html.escape
    address, share, footer = (shown.text for shown in screen.shown)
    rows = "".join(f"<p>{esc(line)}</p>" for line in [*screen.negatives, f"Permalink: {footer}"])
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    body {{ width: {width}px; height: {height}px; font: 15px "DejaVu Sans", sans-serif; background: {background};
           color: {ink}; overflow: hidden; }}
    .bar {{ height: 40px; background: #dfe1e5; color: #202124; padding: 10px 16px; font-size: 14px; }}
    main {{ padding: 24px; }} h1 {{ font-size: 21px; margin-bottom: 14px; }}
    p {{ margin-bottom: 12px; white-space: nowrap; }}
    .share {{ margin: 18px 0; padding: 12px; border: 1px solid #888; border-radius: 6px; width: 80%; font-size: 14px; }}
    </style></head><body><div class="bar">{esc(address)}</div>
    <main><h1>Task: draw boxes around human bodies</h1><div class="share">Copy link: {esc(share)}</div>
    {rows}</main></body></html>"""


LEVELS = {"PNG": (1.0, None), "0.75x q55": (0.75, 55)}


def ours(lines: list[str]) -> list[tuple[str, datetime]]:
    now = datetime.now(UTC)
    return [(found.identifier, found.moment) for line in lines for found in id_times(line, not_after=now)[0]]


_DIGITS = re.compile(r"(?<!\d)\d{17,19}(?!\d)")


def baseline(lines: list[str]) -> list[tuple[str, datetime]]:
    """A one-off decoder: every long number is an X/Twitter snowflake."""
    found = []
    for line in lines:
        for digits in _DIGITS.findall(line):
            moment = datetime.fromtimestamp(((int(digits) >> 22) + 1288834974657) / 1000, UTC)
            found.append((digits, moment))
    return found


@dataclass
class Tally:
    shown: int = 0
    read: int = 0
    right: int = 0
    false: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, screen: Screen, lines: list[str], found: list[tuple[str, datetime]], seconds: float) -> None:
        """A shown id counts when a cue gives its time; a cue giving no shown id's time is false.

        An id counts as read correctly when OCR read its whole permalink or
        line. An id can be misread where it holds no time (a snowflake's
        sequence bits, a shortcode's last letters) and still give the right
        time. A false time comes from a look-alike (the target is none) or
        from an id OCR misread where its time is held.
        """
        joined = "".join("".join(lines).split())
        self.seconds += seconds
        for shown in screen.shown:
            self.shown += 1
            if "".join(shown.text.split()) in joined:
                self.read += 1
                precision = timedelta(milliseconds=1) if shown.exact else timedelta(seconds=1)
                if any(abs(moment - shown.created) < precision for _, moment in found):
                    self.right += 1
                else:
                    self.misses.append(f"{shown.text}")
        negatives = "".join("".join(screen.negatives).split())
        for identifier, moment in found:
            if any(abs(moment - shown.created) < timedelta(seconds=1) for shown in [*screen.shown, *screen.also]):
                continue
            if identifier in negatives:
                self.false.append(f"{identifier} -> {moment:%Y-%m-%d %H:%M:%S} (a look-alike)")
            else:
                self.misread.append(f"{identifier} -> {moment:%Y-%m-%d %H:%M:%S} (an id misread)")

    def line(self, label: str, screens: int) -> str:
        recall = self.right / max(self.read, 1)
        per_screen = self.seconds / max(screens, 1) * 1000
        return (f"{label:<24} shown {self.shown:3d}  read by OCR {self.read:3d}  recall {recall:6.1%} of those "
                f"({self.right})  false cues: look-alikes {len(self.false):3d}, misread ids {len(self.misread):3d}  "
                f"{per_screen:7.2f} ms/screen")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screens", type=int, default=30)
    count = parser.parse_args().screens
    rng = random.Random(17)
    screens = make_screens(count, rng)
    print(f"screens: {count} (1366x768 and 1280x720, light and dark), 3 identifiers and 3 look-alikes each")
    for level, (scale, quality) in LEVELS.items():
        # Each level decodes afresh: what the first level read must not come free from the cache.
        decoded.cache_clear()
        tallies = {"ours": Tally(), "baseline": Tally()}
        for screen in screens:
            lines = [line["text"] for line in read_lines(degraded(screen.png, scale, quality), settings.OCR_LANGUAGES)]
            for name, decode in (("ours", ours), ("baseline", baseline)):
                started = time.perf_counter()
                found = decode(lines)
                tallies[name].add(screen, lines, found, time.perf_counter() - started)
        for name, tally in tallies.items():
            print(tally.line(f"{level} {name}", count))
        ours_tally = tallies["ours"]
        recall = ours_tally.right / max(ours_tally.read, 1)
        print(f"  {level}: recall {'OK' if recall >= 0.95 else 'MISSED'} (target >= 95%), false cues on look-alikes "
              f"{'OK' if not ours_tally.false else 'MISSED'} (target 0)")  # fmt: skip
        for line in [*ours_tally.false, *ours_tally.misread][:10]:
            print(f"    false: {line}")
        for line in ours_tally.misses[:10]:
            print(f"    missed (read by OCR): {line}")


if __name__ == "__main__":
    main()
