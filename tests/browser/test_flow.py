"""What a newsroom does in the browser: log in, upload, watch processing, review a cue, read the timeline.

Each test leaves a full-page picture under a stable name (README.md shows them).
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from archive.models import Evidence, ProcessingStatus
from tests import media
from tests.browser.conftest import Newsroom, Tasks
from tests.conftest import PASSWORD, collect
from timeline.models import Cue, CueStatus

pytestmark = pytest.mark.slow

OpenAs = Callable[..., Page]

# A news page as a reporter screenshots it: a dated publication line and the taskbar clock.
PUBLISHED = "Опубликовано 4 сентября 2023"
ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>EU widens sanctions</title></head>
<body style="font: 30px 'DejaVu Sans'; padding: 40px"><h1>EU widens sanctions on surveillance firms</h1>
<p>Published 4 September 2023</p></body></html>"""


@functools.cache
def news_screenshot() -> bytes:
    lines = ["Лента новостей", "ЕС расширил санкции против разработчиков систем слежки", PUBLISHED]
    return media.png(media.text_image(lines, bar=("14:32  04.09.2023", "#e8e8e8")))


def url(name: str, newsroom: Newsroom, **kwargs: object) -> str:
    return reverse(name, kwargs={"slug": newsroom.case.slug, **kwargs})


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name), full_page=True)


@pytest.fixture
def dated_item(newsroom: Newsroom, in_process: None) -> Evidence:
    """The news screenshot, collected by the contributor and processed in this process."""
    evidence = collect(
        newsroom.case, news_screenshot(), "news.png", actor=newsroom.contributor, platform="Telegram",
        account="gigwork.tasks", posted_at=datetime(2023, 9, 20, tzinfo=UTC), posted_at_granularity="day",
    ).evidence  # fmt: skip
    evidence.refresh_from_db()
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    return evidence


def dated_cue(page: Page) -> Locator:
    """The cue read from the publication line, as the page shows it."""
    return page.locator("article.cue", has_text="4 сентября 2023")


def test_a_reporter_logs_in_through_the_form(newsroom: Newsroom, open_as: OpenAs, screenshots: Path) -> None:
    page = open_as()
    page.goto(reverse("archive:case_list"))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(newsroom.contributor.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text("Please enter a correct username and password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("header .who")).to_have_text(newsroom.contributor.username)
    expect(page.get_by_role("link", name="NTechLab gig work")).to_be_visible()
    expect(page.get_by_text("Another case")).to_have_count(0)
    shoot(page, screenshots, "login.png")


def test_an_upload_with_its_provenance_is_processed_while_the_case_page_watches(
    newsroom: Newsroom, open_as: OpenAs, tasks: Tasks, screenshots: Path
) -> None:
    page = open_as(newsroom.contributor)
    page.goto(url("archive:evidence_upload", newsroom))
    files = page.locator("input[type=file][name=files]")
    expect(files).to_have_attribute("multiple", "")
    files.set_input_files([{"name": "news.png", "mimeType": "image/png", "buffer": news_screenshot()}])
    page.get_by_label("Source URL:", exact=True).fill("https://t.me/gigwork_tasks/5512")
    page.get_by_label("Platform:", exact=True).fill("Telegram")
    page.get_by_label("Account:", exact=True).fill("gigwork.tasks")
    page.get_by_label("Posted at (per the platform):", exact=True).fill("2023-09-20")
    page.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(re.compile(re.escape(url("archive:case_detail", newsroom)) + "$"))
    expect(page.locator(".messages")).to_contain_text("1 file stored in the vault.")
    row = page.locator("tr[data-evidence-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("news.png")
    expect(row).to_contain_text("Telegram · gigwork.tasks")
    badge = row.locator(".status")
    if tasks.in_worker:
        # The worker is not running yet: the item waits in the queue, and the page says so.
        expect(badge).to_have_text(re.compile(r"^Queued"))
    shoot(page, screenshots, "upload-processing.png")
    # A reload would drop this mark: it shows that the badge changed in the page the reporter is reading.
    page.evaluate("window.sameDocument = true")
    tasks.start()
    try:
        expect(badge).to_have_text("Done", timeout=90_000)
    except AssertionError as error:
        raise AssertionError(f"{error}\nworker log:\n{tasks.log()}") from None
    assert page.evaluate("window.sameDocument === true")
    expect(row).to_have_attribute("data-final", "1")
    shoot(page, screenshots, "upload-done.png")

    page.get_by_role("link", name="news.png").click()
    expect(page.locator(".provenance")).to_contain_text("https://t.me/gigwork_tasks/5512")
    expect(dated_cue(page)).to_have_count(1)


def test_the_evidence_page_shows_each_cue_with_the_crop_it_was_read_from(
    newsroom: Newsroom, dated_item: Evidence, open_as: OpenAs, screenshots: Path
) -> None:
    page = open_as(newsroom.contributor)
    page.goto(url("archive:evidence_detail", newsroom, pk=dated_item.pk))
    cue = dated_cue(page)
    expect(cue).to_have_count(1)
    expect(cue).to_contain_text("Date in the text · not before")
    expect(cue.locator(".when")).to_contain_text("2023-09-03 10:00 to 2023-09-05 12:00 UTC")
    expect(cue.locator(".cue-status")).to_have_text("proposed")
    crops = page.locator("article.cue img.crop")
    assert crops.count() >= 2, "the date line and the clock were both read from the picture"
    for index in range(crops.count()):
        crop = crops.nth(index)
        crop.scroll_into_view_if_needed()
        page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=crop.element_handle())
    assert cue.locator("img.crop").evaluate("image => image.naturalWidth") > 50
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, screenshots, "evidence-cues.png")


def test_searching_a_case_finds_the_line_with_its_crop_and_an_outsider_finds_nothing(
    newsroom: Newsroom, dated_item: Evidence, open_as: OpenAs, screenshots: Path
) -> None:
    page = open_as(newsroom.contributor)
    page.goto(url("archive:case_detail", newsroom))
    page.get_by_role("searchbox", name="Search this case").fill("сентября")
    page.get_by_role("searchbox", name="Search this case").press("Enter")
    hit = page.locator("li.hit", has_text="2023").first
    expect(hit.locator("mark").first).to_have_text(re.compile("сентября", re.IGNORECASE))
    crop = hit.locator("img.crop")
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=crop.element_handle())
    shoot(page, screenshots, "search.png")
    hit.get_by_role("link", name=re.compile("news.png")).click()
    expect(page).to_have_url(re.compile(rf"/evidence/{dated_item.pk}/"))

    outsider = open_as(newsroom.outsider)
    outsider.goto(reverse("archive:search_everywhere") + "?q=сентября")
    expect(outsider.locator("p.count")).to_have_text("0 hits")


def test_a_fact_checker_confirms_a_cue_and_the_verdict_becomes_verified(
    newsroom: Newsroom, dated_item: Evidence, open_as: OpenAs, screenshots: Path
) -> None:
    page = open_as(newsroom.fact_checker)
    timeline = url("timeline:timeline", newsroom)
    row = page.locator(f"tr[data-evidence-id='{dated_item.pk}']")
    answer = page.locator(".answer")

    page.goto(timeline)
    expect(answer).to_contain_text("After EU listing: 1 item (0 verified) · undetermined 0 · before 0 · conflicts 0")
    expect(row.locator("span.verdict").first).to_have_class(re.compile(r"\bv-after\b"))
    page.goto(f"{timeline}?mode=verified")
    expect(answer).to_contain_text("After EU listing: 0 items (0 verified) · undetermined 1 · before 0 · conflicts 0")
    expect(row.locator("span.verdict").first).to_have_class(re.compile(r"\bv-undetermined\b"))

    page.goto(url("timeline:reasoning", newsroom, pk=dated_item.pk))
    cue = dated_cue(page)
    cue.get_by_label("Note").fill("Checked against the outlet's archive")
    cue.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("Cue confirmed")
    expect(cue.locator(".cue-status")).to_have_text("confirmed")
    expect(cue.locator(".review-note")).to_contain_text(f"by {newsroom.fact_checker.username}")
    expect(cue.locator(".review-note")).to_contain_text("Checked against the outlet's archive")
    expect(cue.get_by_role("button", name="Confirm")).to_have_count(0)
    expect(page.locator("dd.mode-verified span.verdict")).to_have_text("after")
    # The frame picker of "Add a cue by hand" stays out of sight until a frame is chosen.
    expect(page.locator(".region-picker")).to_be_hidden()
    shoot(page, screenshots, "review-confirm.png")

    page.goto(f"{timeline}?mode=verified")
    expect(answer).to_contain_text("After EU listing: 1 item (1 verified) · undetermined 0 · before 0 · conflicts 0")
    expect(row.locator("span.verdict").first).to_have_class(re.compile(r"\bv-after\b"))
    expect(row.locator(".verified-verdict")).to_contain_text("1 confirmed")
    expect(page.locator("form.filters")).not_to_contain_text("invalid name")
    shoot(page, screenshots, "timeline-verified.png")


def test_a_contributor_cannot_confirm_a_cue(
    newsroom: Newsroom, dated_item: Evidence, open_as: OpenAs, screenshots: Path
) -> None:
    page = open_as(newsroom.contributor)
    page.goto(url("timeline:reasoning", newsroom, pk=dated_item.pk))
    cue = dated_cue(page)
    expect(cue).to_have_count(1)
    expect(page.locator("button[name=decision]")).to_have_count(0)
    # The contributor sends the form anyway, with a valid CSRF token from the page.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    cue_pk = int(cue.get_attribute("id").removeprefix("cue-"))
    response = page.request.post(
        url("timeline:cue_review", newsroom, cue_pk=cue_pk),
        form={"csrfmiddlewaretoken": token, "decision": "confirm", "note": "looks right to me"},
        max_redirects=0,
    )
    assert response.status == 403
    assert "CSRF" not in response.text(), "refused for the role, not for a missing token"
    page.reload()
    expect(cue.locator(".cue-status")).to_have_text("proposed")
    expect(cue.locator(".review-note")).to_have_count(0)
    assert Cue.objects.get(pk=cue_pk).status == CueStatus.PROPOSED
    shoot(page, screenshots, "contributor-cannot-confirm.png")


def test_an_outsider_gets_not_found_for_the_case_its_evidence_original_and_timeline(
    newsroom: Newsroom, dated_item: Evidence, open_as: OpenAs, screenshots: Path
) -> None:
    evidence = dated_item
    cue = Cue.objects.filter(evidence=evidence, locator__has_key="box").first()
    addresses = [
        url("archive:case_detail", newsroom),
        url("archive:evidence_detail", newsroom, pk=evidence.pk),
        url("archive:evidence_original", newsroom, pk=evidence.pk),
        url("archive:evidence_preview", newsroom, pk=evidence.pk),
        url("timeline:cue_crop", newsroom, pk=evidence.pk, cue_pk=cue.pk),
        url("timeline:timeline", newsroom),
        url("timeline:timeline_csv", newsroom),
        url("timeline:memo", newsroom),
    ]
    # The same addresses answer a member, so the 404s below are the outsider's alone.
    member = open_as(newsroom.contributor)
    assert [member.request.get(address).status for address in addresses] == [200] * len(addresses)
    page = open_as(newsroom.outsider)
    for address in reversed(addresses):
        response = page.goto(address)
        assert response.status == 404, address
        expect(page.locator("body")).to_contain_text("Not found")
        expect(page.locator("body")).not_to_contain_text("NTechLab")
    shoot(page, screenshots, "outsider-404.png")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A news site of the test's own on the loopback address."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "article.html").write_text(ARTICLE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_url_is_collected_and_its_page_capture_appears_in_the_case(
    newsroom: Newsroom, site: str, settings: object, tasks: Tasks, open_as: OpenAs, screenshots: Path
) -> None:
    # The collector refuses local addresses unless allowed; the worker gets the same setting from its environment.
    settings.URL_FETCH_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    settings.URL_FETCH_TIMEOUT = 20
    tasks.start()
    page = open_as(newsroom.contributor)
    page.goto(url("archive:url_collect", newsroom))
    page.get_by_label("URLs:", exact=True).fill(f"{site}/article.html")
    page.get_by_role("button", name="Collect").click()
    expect(page.locator(".messages")).to_contain_text("1 URL queued for collection.")
    job = page.locator("tr", has_text=f"{site}/article.html")
    expect(job).to_have_count(1)
    # The list of collections does not refresh itself: the reporter reloads it.
    deadline = time.monotonic() + 90
    while "Done" not in job.locator(".status").inner_text():
        assert "Failed" not in job.inner_text(), job.inner_text()
        assert time.monotonic() < deadline, f"the collection did not finish; worker log:\n{tasks.log()}"
        page.wait_for_timeout(1000)
        page.reload()
    expect(job.get_by_role("link", name=re.compile(r"^page #\d+$"))).to_be_visible()
    shoot(page, screenshots, "url-collected.png")

    page.goto(url("archive:case_detail", newsroom))
    row = page.locator("tr[data-evidence-id]", has_text="127.0.0.1_article.html-page.png")
    expect(row).to_contain_text("Web capture")
    try:
        expect(row.locator(".status")).to_have_text("Done", timeout=60_000)
    except AssertionError as error:
        raise AssertionError(f"{error}\nworker log:\n{tasks.log()}") from None
    row.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("EU widens sanctions on surveillance firms")
    shoot(page, screenshots, "url-case.png")


def test_an_entity_added_is_found_on_screen_and_a_confirmed_mention_links_the_item(
    newsroom: Newsroom, in_process: None, open_as: OpenAs, screenshots: Path
) -> None:
    screen = media.text_image(["Задание 5512: разметка лиц", "Заказчик: НТехЛаб", "Партнёр: NetLab"], font_size=28)
    evidence = collect(newsroom.case, media.png(screen), "task.png", actor=newsroom.contributor).evidence
    page = open_as(newsroom.owner)
    page.goto(url("timeline:events", newsroom))
    form = page.locator("form", has_text="Add an entity")
    form.get_by_role("textbox", name="Name:", exact=True).fill("NTechLab")
    form.get_by_label("Other names").fill("НТехЛаб, FindFace")
    form.get_by_role("button", name="Add entity").click()
    expect(page.locator(".messages")).to_contain_text("Entity added: NTechLab")
    # The look through every item ran when the entity was added (in this process), and says how it went.
    expect(page.locator("li.scan").first).to_contain_text("NTechLab was added: done, 1 of 1 items, 1 mention proposed")

    checker = open_as(newsroom.fact_checker)
    checker.goto(url("timeline:mentions", newsroom))
    mention = checker.locator("article.mention", has_text="НТехЛаб")
    expect(mention).to_have_count(1)
    expect(checker.locator("article.mention", has_text="NetLab")).to_have_count(0)
    expect(mention).to_contain_text("Read as НТехЛаб: as written")
    crop = mention.locator("img.crop")
    checker.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=crop.element_handle())
    shoot(checker, screenshots, "mentions.png")
    mention.get_by_label("Note").fill("The requester's name on the task")
    mention.get_by_role("button", name="Confirm").click()
    expect(checker.locator(".messages")).to_contain_text("the item is linked to NTechLab")
    expect(mention.locator(".mention-status")).to_have_text("confirmed")
    checker.goto(url("timeline:reasoning", newsroom, pk=evidence.pk))
    expect(checker.locator("dd", has_text="NTechLab").first).to_be_visible()

    outsider = open_as(newsroom.outsider)
    response = outsider.goto(url("timeline:mentions", newsroom))
    assert response is not None and response.status == 404
