"""The demo case in a real browser, walked through as the README tells a newcomer to.

`seed_demo` builds the case as `make demo` does (files made by Chromium and
ffmpeg, the first recording collected from its post page, everything
processed); a fact-checker then confirms the headline that dates the
recording, signs off its verdict, and prints the memo. The pictures saved
here are the README's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from archive.models import Case, UrlCollection
from demo.case import DEMO_SLUG
from timeline.models import Cue, CueStatus, SignOff

pytestmark = pytest.mark.slow

OpenAs = Callable[..., Page]
ANSWER = "After EU listing of NTechLab: 1 item ({} verified) · undetermined 4 · before 1 · conflicts 0"


def assert_loaded(images: Locator) -> None:
    """Every picture arrived and decoded: a broken one is "complete" too, but has no width."""
    expect(images.first).to_be_visible()
    for image in images.all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("image => image.naturalWidth") > 0


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name), full_page=True)


@pytest.fixture
def demo(transactional_db: None, settings: object, tmp_path: Path) -> Case:
    settings.DEBUG, settings.VAR_DIR = True, tmp_path

    def seed() -> None:
        try:
            call_command("seed_demo", stdout=io.StringIO())
        finally:
            connection.close()

    # The demo draws its files with Playwright too, which cannot start inside the tests' running browser
    # loop; in a thread of its own it has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(seed).result()
    return Case.objects.get(slug=DEMO_SLUG)


def test_the_demo_answers_the_question_and_a_fact_checker_verifies_it(
    demo: Case, open_as: OpenAs, screenshots: Path
) -> None:
    from django.contrib.auth import get_user_model

    checker = get_user_model().objects.get(username="factchecker")
    recording = UrlCollection.objects.get(case=demo).media
    page = open_as(checker)

    # 1. The timeline gives the answer, provisional: one recording after the listing, nothing verified yet.
    page.goto(reverse("timeline:timeline", args=[demo.slug]))
    expect(page.locator(".answer").first).to_contain_text(ANSWER.format(0))
    expect(page.locator("svg rect.bar")).to_have_count(6)
    for name, outcome in (
        ("taskbar-june-2023.png", "before"),
        ("social-post-dec-2023.png", "undetermined"),
        ("task-recording-2.mp4", "undetermined"),
        (recording.original_name, "after"),
    ):
        row = page.locator("tr[data-evidence-id]", has_text=name)
        expect(row.locator(".verdict").first).to_have_text(outcome)
    shoot(page, screenshots, "demo-timeline.png")

    # 2. The review queue puts the recording's headlines first: confirming one makes it "after", verified.
    page.get_by_role("link", name="Review").click()
    first = page.locator("section.queued").first
    expect(first).to_have_class(re.compile(r"\bchanges\b"))
    expect(first).to_contain_text(recording.original_name)
    expect(first.locator(".effects")).to_contain_text("undetermined → after")
    assert_loaded(first.locator("img.crop"))
    shoot(page, screenshots, "demo-review.png")
    first.get_by_placeholder("Note (what you checked)").fill("Headline found in the outlet's archive, 4 Sep 2023")
    first.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("Cue confirmed")

    # 3. The reasoning page shows the verified verdict and lets the fact-checker sign it off.
    page.goto(reverse("timeline:reasoning", args=[demo.slug, recording.pk]))
    verified = page.locator("dd.mode-verified").first
    expect(verified).to_contain_text("after by 45.42 days")
    page.get_by_role("button", name="Sign off the verified verdicts").click()
    expect(page.locator(".messages")).to_contain_text("Verdict signed off.")
    expect(page.locator("#sign-off")).to_contain_text("still stands")
    # Each of the three headlines is shown where it was read.
    expect(page.locator("article.cue img.crop")).to_have_count(3)
    assert_loaded(page.locator("article.cue img.crop"))
    shoot(page, screenshots, "demo-reasoning.png")
    assert Cue.objects.filter(evidence=recording, status=CueStatus.CONFIRMED).count() == 1
    assert SignOff.objects.get(evidence=recording).verdicts[0]["verdict"] == "after"

    # 4. In verified mode the answer now rests on a checked fact; the memo prints it with its evidence.
    page.goto(reverse("timeline:timeline", args=[demo.slug]) + "?mode=verified")
    expect(page.locator(".answer").first).to_contain_text(
        "After EU listing of NTechLab: 1 item (1 verified) · undetermined 5 · before 0 · conflicts 0"
    )
    shoot(page, screenshots, "demo-timeline-verified.png")
    page.goto(reverse("timeline:memo", args=[demo.slug]))
    item = page.locator("section.memo-item", has_text=recording.sha256)
    expect(item).to_contain_text("Headline found in the outlet's archive")
    expect(item.locator("img.crop")).to_have_count(1)
    assert_loaded(item.locator("img.crop"))
    shoot(page, screenshots, "demo-memo.png")

    # 5. The recording's own page: its keyframes, with the one that shows the headlines.
    page.goto(recording.get_absolute_url())
    expect(page.locator("article.cue", has_text="Headline")).to_have_count(3)
    shoot(page, screenshots, "demo-evidence.png")
