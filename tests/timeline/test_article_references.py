"""From a headline the corpus lacks to a dated reference: the whole path on a local server, and its bad pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import CustodyAction, CustodyEntry
from archive.roles import Role
from archive.vault import vault_open
from tests import media
from tests.conftest import World
from tests.local_site import Redirect, local_site
from tests.timeline.test_unmatched_headlines import _client, _jpeg
from timeline import services
from timeline.intervals import Interval, verdict
from timeline.models import CaptureInterval, Cue, HeadlineCandidate, ReferenceHeadline

TITLE = "Путин провел переговоры с Эрдоганом в Сочи"
OTHER = "Курс доллара превысил 97 рублей впервые с марта"
ARTICLE = f"""<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>{TITLE}: Политика: Lenta.ru</title><meta property="og:site_name" content="Lenta.ru">
<meta property="og:title" content="{TITLE}">
<meta property="article:published_time" content="2023-09-04T14:46:51+03:00">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{TITLE}",
"datePublished":"2023-09-04T14:46:51+03:00"}}</script></head>
<body style="font: 24px 'DejaVu Sans'; padding: 30px"><h1>{TITLE}</h1><p>Президент провел переговоры.</p>
</body></html>"""
UNDATED = "<!doctype html><html><head><title>О проекте</title></head><body><p>Мы редакция.</p></body></html>"


@pytest.fixture
def site(settings: object) -> Iterator[str]:
    routes = {"/news/sochi/": ARTICLE, "/about/": UNDATED, "/to-private/": Redirect("http://10.1.2.3/admin")}
    with local_site(settings, routes, "text/html; charset=utf-8") as address:
        yield address


def test_an_article_found_for_a_headline_on_screen_dates_it_and_changes_the_verdict(
    world: World, site: str, run_pipeline: object, reprocess: object
) -> None:
    event = services.event_add(case=world.case, title="New sanctions", day=date(2023, 9, 1), actor=world.owner)
    screen = media.text_image(["Задание 5512: разметка", "Новости", TITLE, OTHER, "Отправить"], font_size=26)
    evidence = run_pipeline(_jpeg(screen, 60), "task.jpg")
    candidate = HeadlineCandidate.objects.get(evidence=evidence, text__startswith="Путин")
    checker, reviewer = world.user(Role.FACT_CHECKER), world.owner
    page = _client(checker).get(evidence.get_absolute_url()).content.decode()
    lookup = reverse("timeline:candidate_lookup", args=[world.case.slug, evidence.pk, candidate.pk])
    assert lookup in page, "a fact-checker sees where to paste the article"
    assert lookup not in _client(world.user(Role.VIEWER)).get(evidence.get_absolute_url()).content.decode()

    response = _client(checker).post(lookup, {"url": f"{site}/news/sochi/"}, follow=True)
    assert "was first published 2023-09-04 11:46 UTC, by its JSON-LD datePublished" in response.content.decode()
    reference = ReferenceHeadline.objects.get(title=TITLE)
    assert (reference.origin, reference.found_by, reference.outlet) == ("url", checker, "Lenta.ru")
    with vault_open(reference.page_sha256) as stored:
        assert TITLE in stored.read().decode()
    with vault_open(reference.capture_sha256) as stored:
        assert stored.read(8) == b"\x89PNG\r\n\x1a\n"
    cue = Cue.objects.get(evidence=evidence, kind="headline", headline=reference)
    with pytest.raises(services.ReviewError, match="dated meanwhile"):
        services.reference_from_url(url=f"{site}/news/sochi/", actor=checker, candidate=candidate)
    assert Cue.objects.filter(evidence=evidence, kind="headline", headline=reference).count() == 1
    assert (cue.status, cue.by_person, cue.created_by, cue.locator) == ("proposed", True, checker, candidate.locator)
    assert not HeadlineCandidate.objects.filter(pk=candidate.pk).exists()
    reasoning = _client(reviewer).get(reverse("timeline:reasoning", args=[world.case.slug, evidence.pk])).content
    assert f"Reference from article found, found by {checker.username}" in reasoning.decode()
    assert reference.page_sha256 in reasoning.decode()
    picture = reverse("timeline:reference_copy", args=[world.case.slug, evidence.pk, cue.pk, "picture"])
    assert picture in reasoning.decode()
    served = _client(world.user(Role.VIEWER)).get(picture)
    assert (served["Content-Type"], served["X-Evidence-SHA256"]) == ("image/png", reference.capture_sha256)
    assert _client(world.outsider).get(picture).status_code == 404
    logged = CustodyEntry.objects.filter(case=world.case, action=CustodyAction.CUE_ADDED).latest("sequence")
    assert logged.details["reference"]["page_sha256"] == reference.page_sha256

    # Whoever found the article cannot confirm its cue; somebody else does, and the verified verdict moves.
    review = reverse("timeline:cue_review", args=[world.case.slug, cue.pk])
    _client(checker).post(review, {"decision": "confirm"})
    assert Cue.objects.get(pk=cue.pk).status == "proposed"
    verified = CaptureInterval.objects.get(evidence=evidence, mode="verified")
    assert verdict(Interval(verified.earliest, verified.latest), event.moment).outcome == "undetermined"
    _client(reviewer).post(review, {"decision": "confirm"})
    verified.refresh_from_db()
    assert verified.earliest == cue.earliest
    assert verdict(Interval(verified.earliest, verified.latest), event.moment).outcome == "after"

    # Read again, the line now matches the corpus: the same cue, not a second one.
    evidence = reprocess(evidence, "cues")
    assert Cue.objects.filter(evidence=evidence, kind="headline", text__startswith="Путин").count() == 1
    call_command("verify_archive")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/about/", "gives no date to rely on"),
        ("/to-private/", "could not be fetched: the address was blocked"),
        ("/gone/", "could not be fetched: the page answered HTTP 404"),
    ],
)
def test_a_page_without_a_date_or_that_leads_somewhere_private_is_refused_with_why(
    db: None, site: str, path: str, reason: str
) -> None:
    with pytest.raises(services.ReviewError, match=reason):
        services.reference_from_url(url=f"{site}{path}", actor=None)
    assert not ReferenceHeadline.objects.exists()


def test_only_web_addresses_are_fetched(db: None) -> None:
    for url in ("javascript:alert(1)", "file:///etc/passwd", ""):
        with pytest.raises(services.ReviewError):
            services.reference_from_url(url=url, actor=None)


def test_import_headlines_from_url_keeps_the_page_and_says_what_it_read(db: None, site: str) -> None:
    import io

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 article"):
        call_command("import_headlines", "--from-url", f"{site}/news/sochi/", f"{site}/about/", stdout=out, stderr=err)
    assert f"added: {TITLE} (Lenta.ru), first published 2023-09-04T11:46:51+00:00 by its JSON-LD" in out.getvalue()
    assert "/about/: The page gives no date to rely on" in err.getvalue()
    reference = ReferenceHeadline.objects.get()
    assert (reference.origin, reference.found_by, reference.date_found_in) == ("url", None, "JSON-LD datePublished")
    call_command("import_headlines", "--from-url", f"{site}/news/sochi/", stdout=out)
    assert "already in the corpus" in out.getvalue() and ReferenceHeadline.objects.count() == 1
