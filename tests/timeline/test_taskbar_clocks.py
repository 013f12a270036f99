"""The system clock on rendered desktops, read by the real ocr stage and the real cues stage.

The Windows 10 taskbar is the one most evidence shows: dark, 40 pixels tall,
light text, the time over a ru-RU date, the tray (icons and the keyboard
layout) just left of it. The light Windows 11 taskbar and a macOS menu bar,
its menus at one end and its clock at the other, are read too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive.models import Evidence
from tests import media
from timeline.extract.cues import UNKNOWN_ZONE
from timeline.models import Cue

pytestmark = pytest.mark.usefixtures("in_process")

SIZES = [(1366, 768), (1920, 1080)]
SIZE_IDS = ["1366x768", "1920x1080"]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(media.FONT, size)


def _window(draw: ImageDraw.ImageDraw, width: int, top: int, bottom: int) -> None:
    """A maximised light application window from ``top`` to ``bottom``: a title bar and a task's text, none dated."""
    draw.rectangle((0, top, width, bottom), fill="#ffffff")
    draw.rectangle((0, top, width, top + 31), fill="#f0f0f0")
    draw.text((16, top + 8), "Labelling tool", font=_font(14), fill="#202020")
    for number, text in enumerate(["Labelling task 5512", "Draw a box around every person", "Reward 0.03 per image"]):
        draw.text((40, top + 70 + 40 * number), text, font=_font(20), fill="#1b1b1b")


def _tray(draw: ImageDraw.ImageDraw, right: float, middle: int, ink: str) -> None:
    """Tray icons drawn as small shapes, leftwards from ``right``: battery, volume, wi-fi and a caret."""
    x = right
    draw.rectangle((x - 18, middle - 5, x - 2, middle + 5), outline=ink)
    draw.rectangle((x - 1, middle - 2, x, middle + 2), fill=ink)
    draw.rectangle((x - 16, middle - 3, x - 8, middle + 3), fill=ink)
    x -= 30
    speaker = [(x - 16, middle - 3), (x - 12, middle - 3), (x - 7, middle - 7), (x - 7, middle + 7)]
    draw.polygon([*speaker, (x - 12, middle + 3), (x - 16, middle + 3)], fill=ink)
    draw.arc((x - 9, middle - 5, x - 1, middle + 5), -60, 60, fill=ink)
    draw.arc((x - 9, middle - 9, x + 3, middle + 9), -60, 60, fill=ink)
    x -= 30
    for radius in (4, 8, 12):
        box = (x - 10 - radius, middle + 5 - radius, x - 10 + radius, middle + 5 + radius)
        draw.arc(box, 225, 315, fill=ink, width=2)
    draw.ellipse((x - 11, middle + 4, x - 9, middle + 6), fill=ink)
    x -= 30
    draw.line([(x - 12, middle + 2), (x - 8, middle - 2), (x - 4, middle + 2)], fill=ink, width=1)


def windows_desktop(size: tuple[int, int], *, dark: bool = True, tray: bool = True) -> Image.Image:
    """A Windows desktop: "14:32" over "15.06.2023" at the right of the taskbar, the tray and "ENG" left of it.

    Dark is Windows 10 (#1f1f1f, 40 pixels, a light search box, the clock in
    15-pixel type from the bar's second row); light is Windows 11 (#f3f3f3,
    48 pixels, dark text).
    """
    width, height = size
    bar_height, bar, ink = (40, "#1f1f1f", "#ffffff") if dark else (48, "#f3f3f3", "#1a1a1a")
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top = height - bar_height
    _window(draw, width, 0, top)
    draw.rectangle((0, top, width, height), fill=bar)
    start = 14 if dark else width // 2 - 90
    for dx, dy in ((0, 0), (9, 0), (0, 9), (9, 9)):
        left, upper = start + dx, top + bar_height // 2 - 8 + dy
        draw.rectangle((left, upper, left + 7, upper + 7), fill=ink if dark else "#0067c0")
    if dark:
        draw.rectangle((48, top, 392, height), fill="#f3f3f3")
        draw.text((60, top + 12), "Type here to search", font=_font(13), fill="#505050")
    font = _font(15)
    clock_width = max(draw.textlength("14:32", font=font), draw.textlength("15.06.2023", font=font))
    centre = width - 18 - clock_width / 2
    first_line = top + 1 if dark else top + 5
    for line, text in ((0, "14:32"), (1, "15.06.2023")):
        draw.text((centre - draw.textlength(text, font=font) / 2, first_line + 18 * line), text, font=font, fill=ink)
    if tray:
        small = _font(12)
        layout = centre - clock_width / 2 - 14 - draw.textlength("ENG", font=small)
        draw.text((layout, top + bar_height // 2 - 7), "ENG", font=small, fill=ink)
        _tray(draw, layout - 16, top + bar_height // 2, ink)
    return image


def macos_desktop(size: tuple[int, int]) -> Image.Image:
    """A macOS desktop: a dark 26-pixel menu bar, the menus at the left, "Mon 4 Sep 14:32" at the right after icons."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    _window(draw, width, 26, height)
    draw.rectangle((0, 0, width, 25), fill="#2a2a2a")
    font = _font(13)
    draw.text((40, 5), "Finder   File   Edit   View   Go   Window   Help", font=font, fill="#f2f2f2")
    clock = width - 16 - draw.textlength("Mon 4 Sep 14:32", font=font)
    draw.text((clock, 5), "Mon 4 Sep 14:32", font=font, fill="#f2f2f2")
    _tray(draw, clock - 30, 13, "#f2f2f2")
    return image


def dated_cues(evidence: Evidence) -> list[Cue]:
    """The cues an item's pictures and name give: all but the time it was received."""
    return list(Cue.objects.filter(evidence=evidence).exclude(kind="received"))


@pytest.mark.parametrize("tray", [True, False], ids=["with tray", "without tray"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_clock_on_a_dark_windows_10_taskbar_dates_the_screenshot_to_the_minute(
    run_pipeline: object, size: tuple[int, int], tray: bool
) -> None:
    evidence = run_pipeline(media.png(windows_desktop(size, tray=tray)), "desktop.png")
    [clock] = dated_cues(evidence)
    assert (clock.kind, clock.bound, clock.granularity, clock.time_zone) == ("clock", "on", "minute", UNKNOWN_ZONE)
    # 14:32 on 15 June 2023 in a zone from UTC+14 to UTC-12.
    assert clock.earliest == datetime(2023, 6, 15, 0, 32, tzinfo=UTC)
    assert clock.latest == datetime(2023, 6, 16, 2, 33, tzinfo=UTC)
    lines = list(evidence.frames.get().lines.values_list("text", flat=True))
    assert "14:32" in lines and "15.06.2023" in lines, lines


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_clock_on_a_light_windows_11_taskbar_dates_the_screenshot(
    run_pipeline: object, size: tuple[int, int]
) -> None:
    evidence = run_pipeline(media.png(windows_desktop(size, dark=False)), "desktop.png")
    [clock] = dated_cues(evidence)
    assert (clock.kind, clock.bound, clock.earliest) == ("clock", "on", datetime(2023, 6, 15, 0, 32, tzinfo=UTC))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_the_clock_at_the_far_end_of_a_macos_menu_bar_dates_the_screenshot(
    run_pipeline: object, size: tuple[int, int]
) -> None:
    evidence = run_pipeline(media.png(macos_desktop(size)), "desktop.png")
    [clock] = dated_cues(evidence)
    assert (clock.kind, clock.bound, clock.granularity) == ("clock", "on", "minute")
    # No year is shown: the latest 4 September before the item was received.
    shown = clock.earliest + timedelta(hours=14)
    assert (shown.month, shown.day, shown.hour, shown.minute) == (9, 4, 14, 32)
