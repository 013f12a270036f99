"""Feeds and news sitemaps fetched through the address guard, kept as sources and polled."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command

from tests.local_site import local_site
from timeline.models import HeadlineSource, HeadlineSourceRun, ReferenceHeadline
from timeline.sources import sources_poll

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Lenta.ru</title>
<language>ru</language>
<item><title>Путин провел переговоры с Эрдоганом в Сочи</title><link>https://lenta.ru/news/2023/09/04/sochi/</link>
<pubDate>Mon, 04 Sep 2023 14:46:51 +0300</pubDate></item>
<item><title>Курс доллара превысил 97 рублей впервые с марта</title><link>https://lenta.ru/news/2023/08/14/usd/</link>
<pubDate>not a date</pubDate></item>
</channel></rss>"""
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://www.aa.com.tr/tr/dunya/erdogan-ve-putin-socide/2982345</loc><news:news>
<news:publication><news:name>Anadolu Ajansı</news:name><news:language>tr</news:language></news:publication>
<news:publication_date>2023-09-04T13:05:00+03:00</news:publication_date>
<news:title>Erdoğan ve Putin Soçi'de bir araya geldi</news:title></news:news></url>
<url><loc>https://www.aa.com.tr/tr/ekonomi/dolar/2982346</loc><news:news>
<news:publication><news:name>Anadolu Ajansı</news:name><news:language>tr</news:language></news:publication>
<news:publication_date>2023-09-04</news:publication_date><news:title>Dolar güne yükselişle başladı</news:title>
</news:news></url>
<url><loc>https://www.aa.com.tr/tr/no-news</loc></url>
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site}/news-sitemap.xml</loc></sitemap><sitemap><loc>http://10.1.2.3/private.xml</loc></sitemap>
</sitemapindex>"""
ENTITIES = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<rss><channel><item><title>&lol2;</title></item></channel></rss>"""


@pytest.fixture
def site(settings: object) -> Iterator[str]:
    routes = {"/rss.xml": RSS, "/news-sitemap.xml": SITEMAP, "/index.xml": INDEX, "/broken.xml": RSS[:300],
              "/entities.xml": ENTITIES}  # fmt: skip
    with local_site(settings, routes, "application/xml") as address:
        yield address


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_headlines", *args, stdout=out)
    return out.getvalue()


def test_a_feed_and_a_news_sitemap_are_fetched_and_imported_once(db: None, site: str) -> None:
    said = _run("--feed", f"{site}/rss.xml", "--sitemap", f"{site}/news-sitemap.xml")
    assert "1 headlines imported" in said and "2 headlines imported" in said
    assert "skipped item 2: pubDate 'not a date' is not a date" in said
    turkish = ReferenceHeadline.objects.get(title="Erdoğan ve Putin Soçi'de bir araya geldi")
    assert (turkish.outlet, turkish.language, turkish.origin) == ("Anadolu Ajansı", "tr", "sitemap")
    assert turkish.url == "https://www.aa.com.tr/tr/dunya/erdogan-ve-putin-socide/2982345"
    assert turkish.published_granularity == "second"
    assert ReferenceHeadline.objects.get(title__startswith="Dolar").published_granularity == "day"
    assert ReferenceHeadline.objects.get(title__startswith="Путин").origin == "feed"
    assert "0 headlines imported, 2 already" in _run("--sitemap", f"{site}/news-sitemap.xml")
    assert ReferenceHeadline.objects.count() == 3


def test_a_sitemap_index_is_followed_and_a_private_sitemap_in_it_refused(db: None, site: str) -> None:
    with pytest.raises(CommandError, match="10.1.2.3"):
        _run("--sitemap", f"{site}/index.xml")
    assert ReferenceHeadline.objects.count() == 2, "the public sitemap of the index was read before"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/broken.xml", "is not a readable RSS or Atom feed"),
        ("/entities.xml", "declares XML entities"),
        ("/gone.xml", "HTTP 404"),
    ],
)
def test_a_malformed_hostile_or_missing_feed_imports_nothing_and_says_why(
    db: None, site: str, path: str, reason: str
) -> None:
    with pytest.raises(CommandError, match=reason):
        _run("--feed", f"{site}{path}")
    assert not ReferenceHeadline.objects.exists()


def test_sources_are_kept_polled_and_each_run_logged(db: None, site: str) -> None:
    call_command("headline_sources", "add", "--feed", f"{site}/rss.xml", stdout=io.StringIO())
    call_command("headline_sources", "add", "--sitemap", f"{site}/gone.xml", stdout=io.StringIO())
    first = sources_poll()
    assert [(r.imported, r.error) for r in first][0] == (1, "")
    assert "HTTP 404" in first[1].error
    second = sources_poll()
    assert (second[0].imported, second[0].already) == (0, 1)
    assert HeadlineSourceRun.objects.count() == 4
    listed = io.StringIO()
    call_command("headline_sources", "list", stdout=listed)
    assert f"{site}/rss.xml" in listed.getvalue() and "0 imported, 1 already" in listed.getvalue()
    source = HeadlineSource.objects.get(url=f"{site}/gone.xml")
    call_command("headline_sources", "remove", str(source.pk), stdout=io.StringIO())
    assert not HeadlineSource.objects.filter(pk=source.pk, active=True).exists()


def test_a_feed_over_the_size_limit_is_stopped_and_imports_nothing(
    db: None, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("timeline.sources.MAX_SOURCE_BYTES", 200)
    with pytest.raises(CommandError, match="over the limit of 200|larger than the limit of 200"):
        _run("--feed", f"{site}/rss.xml")
    assert not ReferenceHeadline.objects.exists()
