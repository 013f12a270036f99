"""Headlines from the GDELT Global Frontpage Graph (leads, not dates) and from WARC files of news pages."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests import media
from tests.conftest import World
from tests.timeline.test_unmatched_headlines import IN_CORPUS, MISSING, _client, _jpeg, corpus  # noqa: F401 - fixture
from timeline.headlines import headline_lookup
from timeline.models import Cue, HeadlineCandidate, HeadlineOrigin, ReferenceHeadline

SOCHI = MISSING[0]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_headlines", *args, stdout=out)
    return out.getvalue()


def front_page_file(folder: Path, hour: str, rows: list[str]) -> Path:
    path = folder / f"{hour}.LINKS.TXT.gz"
    path.write_bytes(gzip.compress("".join(f"{row}\n" for row in rows).encode()))
    return path


ARTICLE_URL = "https://lenta.ru/news/2023/09/04/sochi/"


def link(hour: str, text: str, page: str = "https://lenta.ru/", to: str = ARTICLE_URL) -> str:
    """A front-page row: the hour, the page, the link's number and position, its address and text."""
    return "\t".join([hour, page, "17", "3", to, text])


def test_front_page_links_import_as_leads_once_at_their_first_sighting(db: None, tmp_path: Path) -> None:
    later = front_page_file(
        tmp_path,
        "20230904150000",
        [
            link("20230904150000", SOCHI),
            link("20230904150000", "Спорт"),
            link("20230904150000", "Главная"),
            "20230904150000\thttps://lenta.ru/\tbroken row",
            link("2023090415xx00", "Курс доллара превысил 97 рублей впервые с марта"),
        ],
    )
    out = run(str(later))
    assert "1 headlines imported, 0 already in the corpus, 2 skipped, 2 passed over as no headlines" in out
    assert "line 4: 3 fields, where a front-page row has 6" in out
    assert "line 5: '2023090415xx00' is not an hour as YYYYMMDDHHMMSS" in out
    [row] = ReferenceHeadline.objects.all()
    assert (row.origin, row.outlet, row.url) == (
        HeadlineOrigin.GDELT,
        "lenta.ru",
        "https://lenta.ru/news/2023/09/04/sochi/",
    )
    assert row.date_found_in == "first sighting on a front page (GDELT)"
    assert row.published_at.isoformat() == "2023-09-04T15:00:00+00:00"

    # The hour before, imported after: the same link, seen earlier, is still one row.
    earlier = front_page_file(tmp_path, "20230904140000", [link("20230904140000", SOCHI)])
    assert "0 headlines imported, 1 already in the corpus" in run(str(earlier))
    [row] = ReferenceHeadline.objects.all()
    assert row.published_at.isoformat() == "2023-09-04T14:00:00+00:00"
    assert "0 headlines imported, 1 already in the corpus" in run(str(later))
    assert ReferenceHeadline.objects.get().published_at.isoformat() == "2023-09-04T14:00:00+00:00"


def test_a_truncated_gzip_front_page_file_imports_nothing(db: None, tmp_path: Path) -> None:
    path = front_page_file(tmp_path, "20230904150000", [link("20230904150000", f"{SOCHI} {n}") for n in range(2000)])
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(CommandError, match="could not be read to its end"):
        run(str(path))
    assert not ReferenceHeadline.objects.exists()


def test_a_headline_only_seen_on_a_front_page_is_a_lead_to_its_article_not_a_cue(
    world: World,
    corpus: None,  # noqa: F811 - the fixture
    run_pipeline: object,
    tmp_path: Path,
) -> None:
    run(str(front_page_file(tmp_path, "20230904140000", [link("20230904140000", SOCHI)])))
    lookup = headline_lookup()
    [(_, headline)] = lookup(["Новости", SOCHI])
    assert headline.seen_only

    screen = media.text_image(["Задание 5512: разметка", "Новости", IN_CORPUS, SOCHI, "Отправить"], font_size=26)
    evidence = run_pipeline(_jpeg(screen, 60), "task.jpg")
    [cue] = Cue.objects.filter(evidence=evidence, kind="headline")
    assert cue.headline.title == IN_CORPUS, "only the dated headline is a cue"
    [candidate] = HeadlineCandidate.objects.filter(evidence=evidence, lead__gt="")
    assert candidate.lead == "seen on the front page of lenta.ru on 2023-09-04 14:00 UTC (GDELT)"
    assert candidate.lead_url == "https://lenta.ru/news/2023/09/04/sochi/"
    page = _client(world.owner).get(evidence.get_absolute_url()).content.decode()
    assert 'value="https://lenta.ru/news/2023/09/04/sochi/"' in page
    assert "says when it was shown, not when it was published" in page


def warc_file(path: Path, records: list[tuple[str, str, bytes]]) -> Path:
    """A WARC of responses (address, content type, body), archived on 2023-09-06."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        for url, kind, body in records:
            status = "404 Not Found" if "missing" in url else "200 OK"
            headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2023-09-06T08:00:00Z"},
            )  # fmt: skip
            writer.write_record(record)
    return path


ARTICLE = (
    "<html><head><title>Путин провел переговоры с Эрдоганом в Сочи — Lenta.ru</title>"
    '<meta property="og:title" content="Путин провел переговоры с Эрдоганом в Сочи">'
    '<meta property="og:site_name" content="Lenta.ru">'
    '<meta property="article:published_time" content="2023-09-04T16:20:00+03:00">'
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
    '"headline": "Путин провел переговоры с Эрдоганом в Сочи", "datePublished": "2023-09-04T13:05:00+00:00"}'
    "</script></head><body><h1>Путин провел переговоры с Эрдоганом в Сочи</h1></body></html>"
)


def test_news_pages_in_a_warc_are_dated_from_their_pages(db: None, tmp_path: Path) -> None:
    path = warc_file(
        tmp_path / "news.warc.gz",
        [
            ("https://lenta.ru/news/2023/09/04/sochi/", "text/html; charset=utf-8", ARTICLE.encode()),
            ("https://example.org/about/", "text/html", b"<html><head><title>About us</title></head></html>"),
            ("https://lenta.ru/logo.png", "image/png", media.png(media.text_image(["logo"]))),
            ("https://lenta.ru/missing/", "text/html", b"<html>gone</html>"),
        ],
    )
    out = run(str(path))
    assert "1 headlines imported, 0 already in the corpus, 1 skipped, 2 passed over" in out
    assert "https://example.org/about/: " in out
    [row] = ReferenceHeadline.objects.all()
    assert (row.title, row.origin, row.url) == (SOCHI, HeadlineOrigin.WARC, "https://lenta.ru/news/2023/09/04/sochi/")
    # Two dates on the page: the earliest credible one counts.
    assert row.published_at.isoformat() == "2023-09-04T13:05:00+00:00"
    assert row.date_found_in
    assert "0 headlines imported, 1 already in the corpus" in run(str(path))


def test_a_warc_with_a_record_that_fails_its_digest_imports_nothing(db: None, tmp_path: Path) -> None:
    path = warc_file(
        tmp_path / "news.warc",
        [
            ("https://lenta.ru/news/2023/09/04/sochi/", "text/html; charset=utf-8", ARTICLE.encode()),
            ("https://lenta.ru/news/2023/09/05/other/", "text/html", ARTICLE.replace("Сочи", "Анкаре").encode()),
        ],
    )
    data = path.read_bytes()
    path.write_bytes(data.replace("Анкаре".encode(), "Анкара".encode()))
    with pytest.raises(CommandError, match="damaged at record"):
        run(str(path))
    assert not ReferenceHeadline.objects.exists()
