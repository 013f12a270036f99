from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.conftest import shared_file
from timeline.headlines import _COLUMNS, _copy_skipping, headline_key, headlines_import
from timeline.models import Granularity, ReferenceHeadline


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_headlines", *args, stdout=out)
    return out.getvalue()


def test_the_real_corpus_files_import(db: None) -> None:
    out = run(str(shared_file("headlines", "ru_newsapi_sample.csv")), str(shared_file("headlines", "cnbc_us.csv")))
    assert "433 headlines imported, 0 already in the corpus, 0 skipped" in out
    assert "2800 headlines imported, 0 already in the corpus, 0 skipped" in out
    first = ReferenceHeadline.objects.filter(outlet="RBC").order_by("published_at").first()
    assert first.published_granularity == Granularity.SECOND
    assert first.published_at.isoformat() == "2021-05-08T09:58:00+00:00"
    assert first.normalized_title == first.normalized_title.lower()
    cnbc = ReferenceHeadline.objects.get(title="Jim Cramer: A better way to invest in the Covid-19 vaccine gold rush")
    assert cnbc.published_at.isoformat() == "2020-07-17T23:51:00+00:00"


def test_a_csv_with_bad_rows_imports_the_good_ones_and_names_the_bad(db: None, tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(
        "published_at,title,outlet\n"
        "2023-09-04,EU widens sanctions on surveillance firms,Demo\n"
        "yesterday,A headline with no usable date,Demo\n"
        "2023-09-05,,Demo\n"
        "2023-09-05T10:00:00,A time without a zone keeps its day,Demo\n"
    )
    out = run(str(path))
    assert "2 headlines imported, 0 already in the corpus, 2 skipped" in out
    assert "line 3: published_at 'yesterday' is not a date" in out
    kept = ReferenceHeadline.objects.get(title="A time without a zone keeps its day")
    assert (kept.published_at.isoformat(), kept.published_granularity) == ("2023-09-05T00:00:00+00:00", "day")


def test_rss_and_atom_feeds_import(db: None, tmp_path: Path) -> None:
    rss = tmp_path / "feed.rss"
    rss.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Lenta.ru</title><language>ru</language>'
        "<item><title>ЕС расширил санкции против разработчиков систем слежки</title>"
        "<link>https://lenta.ru/news/2023/09/04/x/</link><pubDate>Mon, 04 Sep 2023 10:15:00 +0300</pubDate></item>"
        "</channel></rss>"
    )
    atom = tmp_path / "feed.atom"
    atom.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Example News</title>'
        '<entry><title>Sanctions widen</title><link href="https://example.org/a"/>'
        "<published>2023-09-04T08:00:00Z</published></entry></feed>"
    )
    run(str(rss), str(atom))
    lenta = ReferenceHeadline.objects.get(outlet="Lenta.ru")
    assert (lenta.published_at.isoformat(), lenta.language, lenta.url) == (
        "2023-09-04T07:15:00+00:00",
        "ru",
        "https://lenta.ru/news/2023/09/04/x/",
    )
    assert ReferenceHeadline.objects.get(outlet="Example News").url == "https://example.org/a"


def test_a_hostile_feed_is_refused(db: None, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><item><title>&lol2;</title></item></channel></rss>"
    )
    with pytest.raises(CommandError, match="refused: it declares XML entities or a DTD"):
        run(str(bomb))
    assert not ReferenceHeadline.objects.exists()


def test_a_file_that_is_no_corpus_says_so(db: None, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="needs a header with at least published_at and title"):
        run(str(path))


def test_only_web_addresses_are_kept_as_a_headlines_link(db: None, tmp_path: Path) -> None:
    source = tmp_path / "links.csv"
    source.write_text(
        "published_at,title,outlet,url,language\n"
        "2023-09-04,Central bank holds rates as inflation cools,Wire,javascript:alert(1),en\n"
        "2023-09-04,Heatwave drives reservoir levels to record lows,Wire,https://example.org/h,en\n",
        encoding="utf-8",
    )
    headlines_import(source)
    assert sorted(ReferenceHeadline.objects.values_list("url", flat=True)) == ["", "https://example.org/h"]


def test_dates_outside_1900_to_2100_are_refused_where_they_enter(db: None, tmp_path: Path) -> None:
    csv_file = tmp_path / "years.csv"
    csv_file.write_text(
        "published_at,title\n0001-01-01,Year one\n9999-12-31,Year 9999\n0001-01-01T00:00:00+05:00,An hour before\n"
        "2023-09-04,Kept\n"
    )
    out = run(str(csv_file))
    assert "1 headlines imported, 0 already in the corpus, 3 skipped" in out
    assert "line 2: published_at '0001-01-01' is outside the years 1900 to 2100" in out
    rss = tmp_path / "feed.rss"
    rss.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>Year one</title><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item>"
        "<item><title>No date</title><pubDate>sometime</pubDate></item>"
        "<item><title>Kept too</title><pubDate>Mon, 04 Sep 2023 10:15:00 +0300</pubDate></item>"
        "</channel></rss>"
    )
    out = run(str(rss))
    assert "1 headlines imported, 0 already in the corpus, 2 skipped" in out
    assert "item 1: pubDate 'Mon, 01 Jan 0001 00:00:00 GMT' is outside the years" in out
    assert "item 2: pubDate 'sometime' is not a date" in out
    assert sorted(ReferenceHeadline.objects.values_list("title", flat=True)) == ["Kept", "Kept too"]


def test_rows_that_do_not_fit_their_columns_are_skipped_and_named(db: None, tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "published_at,title,outlet,url\n"
        "2023-09-04,A NUL\x00 in the title,Wire,\n"
        f"2023-09-04,A huge cell,{'x' * 140_000},\n"
        f"2023-09-04,A long outlet,{'o' * 201},\n"
        f"2023-09-04,{'t' * 1001},Wire,\n"
        "2023-09-04,Kept after them,Wire,\n"
    )
    out = run(str(path))
    assert "1 headlines imported, 0 already in the corpus, 4 skipped" in out
    assert "line 2: title holds a NUL byte" in out
    assert "line 3: a cell is larger than 128 KiB" in out
    assert "line 4: outlet is longer than 200 characters" in out
    assert "line 5: title is longer than 1,000 characters" in out
    assert ReferenceHeadline.objects.get().title == "Kept after them"


def test_importing_the_same_file_twice_adds_nothing_the_second_time(db: None, tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(
        "published_at,title,outlet\n"
        "2023-09-04,EU widens sanctions on surveillance firms,Demo\n"
        "2023-09-04,EU widens sanctions on surveillance firms,Demo\n"
        "2023-09-04,EU widens sanctions on surveillance firms,Other outlet\n"
    )
    assert "2 headlines imported, 1 already in the corpus" in run(str(path))
    assert "0 headlines imported, 3 already in the corpus" in run(str(path))
    assert ReferenceHeadline.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_a_batch_that_meets_rows_another_import_added_meanwhile_skips_them(db: None, tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text("published_at,title,outlet\n2023-09-04,EU widens sanctions on surveillance firms,Demo\n")
    headlines_import(path)
    [stored] = ReferenceHeadline.objects.values_list(*_COLUMNS)
    fresh = (headline_key("Second", stored[3], "Demo"), "Second", "second", *stored[3:])
    # What the other import's rows do to COPY: a unique key already there.
    assert _copy_skipping([stored, fresh]) == 1
    assert ReferenceHeadline.objects.count() == 2
