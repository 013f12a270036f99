"""An article's publication date and title from its page, as publishers really mark them up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from timeline.extract.articles import NoDate, article_date

NOW = datetime(2026, 12, 1, tzinfo=UTC)

# The markup news sites use: JSON-LD NewsArticle with a publisher, Open Graph, a <time> element.
LENTA_LIKE = """<!DOCTYPE html><html lang="ru"><head>
<title>Путин провел переговоры с Эрдоганом в Сочи: Политика: Россия: Lenta.ru</title>
<meta property="og:site_name" content="Lenta.ru">
<meta property="og:title" content="Путин провел переговоры с Эрдоганом в Сочи">
<meta property="article:published_time" content="2023-09-04T14:46:51+03:00">
<meta property="article:modified_time" content="2023-09-05T09:12:00+03:00">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"Путин провел переговоры с Эрдоганом в Сочи","datePublished":"2023-09-04T14:46:51+03:00",
 "dateModified":"2023-09-05T09:12:00+03:00","publisher":{"@type":"Organization","name":"Лента.ру"}}</script>
</head><body><article><h1>Путин провел переговоры с Эрдоганом в Сочи</h1>
<time class="topic-header__time" datetime="2023-09-04T14:46:51+03:00">14:46, 4 сентября 2023</time>
<p>Президент России Владимир Путин провел переговоры...</p></article></body></html>"""


def test_a_news_page_gives_its_title_outlet_and_exact_publication_time() -> None:
    article = article_date(LENTA_LIKE, "https://lenta.ru/news/2023/09/04/sochi/", now=NOW)
    assert article.title == "Путин провел переговоры с Эрдоганом в Сочи"
    assert article.outlet == "Lenta.ru"
    assert article.published.moment == datetime(2023, 9, 4, 11, 46, 51, tzinfo=UTC)
    assert article.published.granularity == "second"
    assert article.published.where == "JSON-LD datePublished"
    assert article.others == [], "the same day said in several places is one date; a modification is not a publication"


def test_two_publication_dates_on_one_page_the_earliest_counts_and_the_other_is_shown() -> None:
    republished = LENTA_LIKE.replace(
        '<meta property="article:published_time" content="2023-09-04T14:46:51+03:00">',
        '<meta property="article:published_time" content="2023-09-07T08:00:00+03:00">',
    )
    article = article_date(republished, "https://lenta.ru/news/sochi/", now=NOW)
    assert article.published.day.isoformat() == "2023-09-04"
    assert [(o.where, o.text) for o in article.others] == [
        ("Open Graph article:published_time", "2023-09-07T08:00:00+03:00")
    ]


def test_a_day_without_a_time_or_a_time_without_a_zone_is_a_day() -> None:
    page = '<html><head><script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle",'
    page += '"headline":"Inflation slows for the third month","datePublished":"2023-09-04T10:00:00"}]}'
    page += "</script></head></html>"
    article = article_date(page, "https://news.example.org/inflation", now=NOW)
    assert (article.published.granularity, article.published.day.isoformat()) == ("day", "2023-09-04")
    assert article.title == "Inflation slows for the third month"
    assert article.outlet == "news.example.org"


def test_a_page_dated_only_by_its_address() -> None:
    page = "<html><head><title>Курс доллара превысил 97 рублей</title></head><body><p>Текст</p></body></html>"
    article = article_date(page, "https://www.rbc.ru/finances/2023/08/14/64d9d1b89a7947/", now=NOW)
    assert (article.published.where, article.published.day.isoformat()) == ("the address", "2023-08-14")
    assert article.title == "Курс доллара превысил 97 рублей"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>About us</title></head><body><p>We are a newsroom.</p></body></html>",
        '<html><head><meta property="article:published_time" content="2999-01-01T00:00:00Z"></head></html>',
        '<html><head><script type="application/ld+json">{"datePublished": "1970-01-01"}</script></head></html>',
        '<html><head><script type="application/ld+json">{"datePublished": "not a date"</script></head></html>',
        "",
    ],
)
def test_a_page_without_a_credible_date_says_so(page: str) -> None:
    with pytest.raises(NoDate, match="says nowhere when it was published"):
        article_date(page, "https://example.org/about", now=NOW)
