"""The reference corpus of dated headlines: import, and lookup through an in-memory index."""

from __future__ import annotations

import csv
import email.utils
import gzip
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException, ElementTree
from django.db import IntegrityError, connection, transaction
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive.links import web_address
from timeline.extract.articles import NoDate, article_date
from timeline.extract.cues import Headline, HeadlineLookup
from timeline.extract.headlines import HeadlineIndex, headline_like, normalise
from timeline.models import Granularity, HeadlineOrigin, ReferenceHeadline

BATCH = 20_000
# An article page in a WARC file larger than this is no article.
MAX_WARC_PAGE = 20 * 2**20
_GZIP = b"\x1f\x8b"
_FRONT_PAGE_ROW = re.compile(rb"\d{14}\t")
_FRONT_PAGE_FIELDS = 6
_SEEN_ON_FRONT_PAGE = "first sighting on a front page (GDELT)"
_FRONT_PAGE_KEY_TIME = datetime(1900, 1, 1, tzinfo=UTC)
# Years a headline can be dated in; a title longer than this is no headline.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
MAX_TITLE = 1000
_ATOM = "{http://www.w3.org/2005/Atom}"
_SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class CorpusError(Exception):
    """A corpus file that cannot be read; the message says why."""


@dataclass(frozen=True)
class Row:
    title: str
    published_at: datetime
    granularity: str
    outlet: str = ""
    url: str = ""
    language: str = ""
    origin: str = ""  # the file's own kind (a GDELT front-page file, a WARC), else the import's
    date_found_in: str = ""


@dataclass
class ImportResult:
    imported: int = 0
    # Rows already in the corpus, and rows that could not be read.
    already: int = 0
    skipped: int = 0
    first_problems: list[str] | None = None
    # Front-page links that are no headlines (menus, "Sport"), WARC records that are no article pages.
    passed_over: int = 0


def parse_published(text: str) -> tuple[datetime, str]:
    """A date (that whole day, granularity "day") or a date-time with its offset ("second").

    Raises ValueError, saying why, for anything else and for years outside
    1900 to 2100: a year 1 or 9999 is a mistake, and it would stop every later
    computation that widens the day by a time zone.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            moment, granularity = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC), Granularity.DAY
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                # A time without a zone cannot be placed; keep only its day.
                moment, granularity = datetime.combine(moment.date(), time(), tzinfo=UTC), Granularity.DAY
            else:
                moment, granularity = moment.astimezone(UTC), Granularity.SECOND
    except OverflowError:
        raise ValueError(f"published_at {text!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}") from None
    except ValueError:
        raise ValueError(f"published_at {text!r} is not a date") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"published_at {text!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")
    return moment, granularity


def read_rows(path: Path, problems: list[str], passed_over: list[int] | None = None) -> Iterator[Row]:
    """Rows of a CSV (published_at,title[,outlet,url,language]), an RSS or Atom feed or news sitemap, a GDELT
    Global Frontpage Graph file or a WARC file of news pages; the last two may be gzipped.

    A row that cannot be kept as it is adds a sentence to ``problems`` and the
    others go on; ``passed_over[0]`` counts what is no headline at all.
    """
    passed_over = passed_over if passed_over is not None else [0]
    head = _head(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"WARC/"):
        yield from _warc_rows(path, problems, passed_over)
    elif _FRONT_PAGE_ROW.match(head):
        yield from _front_page_rows(path, problems, passed_over)
    elif head.startswith(b"<"):
        yield from _feed_rows(path, problems)
    else:
        yield from _csv_rows(path, problems)


def _head(path: Path) -> bytes:
    """The first bytes of a file, of its content when it is gzipped."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if head.startswith(_GZIP):
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(512)
        except (OSError, EOFError) as error:
            raise CorpusError(f"{path.name} is not a readable gzip file: {error}") from None
    return head


def _opened(path: Path) -> BinaryIO:
    with path.open("rb") as handle:
        gzipped = handle.read(2) == _GZIP
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def _front_page_rows(path: Path, problems: list[str], passed_over: list[int]) -> Iterator[Row]:
    """The GDELT Global Frontpage Graph: every hour, each link on 50,000 news front pages, tab-separated.

    Columns: the hour (YYYYMMDDHHMMSS, UTC), the front page, the link's
    number and position on it, the link's address and its text. Only texts
    that read as headlines are kept. The hour says when the headline was
    seen, not when it was published (it may be older): such a row is kept as
    a lead to its article, never as a date (``origin`` GDELT).
    """
    try:
        with _opened(path) as handle:
            for number, raw in enumerate(handle, start=1):
                fields = raw.decode("utf-8", "replace").rstrip("\r\n").split("\t")
                if len(fields) != _FRONT_PAGE_FIELDS:
                    problems.append(f"line {number}: {len(fields)} fields, where a front-page row has 6")
                    continue
                stamp, page, _, _, link, text = fields
                if not headline_like(text):
                    passed_over[0] += 1
                    continue
                try:
                    seen = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
                    yield replace(
                        _row(seen.isoformat(), text, _host(page), link, ""),
                        origin=HeadlineOrigin.GDELT,
                        date_found_in=_SEEN_ON_FRONT_PAGE,
                    )
                except ValueError as error:
                    problems.append(f"line {number}: {_front_page_problem(stamp, error)}")
    except (OSError, EOFError) as error:
        raise CorpusError(f"{path.name} could not be read to its end: {error}") from None


def _front_page_problem(stamp: str, error: ValueError) -> str:
    return str(error) if not str(error).startswith("time data") else f"{stamp!r} is not an hour as YYYYMMDDHHMMSS"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _warc_rows(path: Path, problems: list[str], passed_over: list[int]) -> Iterator[Row]:
    """The articles in a WARC file: each HTML response dated from its page as ``import_headlines --from-url`` does.

    A page is dated as it was when archived: a date after the record's own
    time is not credible. Records that are no HTML pages are passed over; a
    page that declares no date is named in ``problems``. A record whose bytes
    do not match its digest, or that cannot be read at all, refuses the file.
    """
    number = 0
    with path.open("rb") as handle:
        records = iter(ArchiveIterator(handle, check_digests="raise"))
        try:
            while record := next(records, None):
                number += 1
                if record.rec_type is None:
                    raise CorpusError(f"{path.name}: record {number} is no WARC record")
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                kind = record.http_headers.get_header("Content-Type") or ""
                if record.http_headers.get_statuscode() != "200" or "html" not in kind:
                    passed_over[0] += 1
                    continue
                body = record.content_stream().read(MAX_WARC_PAGE + 1)
                if len(body) > MAX_WARC_PAGE:
                    problems.append(f"{url}: the page is larger than {MAX_WARC_PAGE // 2**20} MB")
                    continue
                try:
                    yield _warc_row(record, url, body, kind)
                except (NoDate, ValueError) as error:
                    problems.append(f"{url}: {error}")
        # warcio reads a damaged record into AttributeError or ValueError as well as its own error; a record
        # skipped unread is checked when the next one is asked for, so the damage is at this one or before.
        except (ArchiveLoadFailed, AttributeError, ValueError, EOFError, OSError) as error:
            raise CorpusError(f"{path.name} is damaged at record {number + 1} or before it: {error}") from None


def _warc_row(record: ArcWarcRecord, url: str, body: bytes, kind: str) -> Row:
    stamp = record.rec_headers.get_header("WARC-Date") or ""
    try:
        archived = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"the record's WARC-Date {stamp!r} is not a time") from None
    if archived.tzinfo is None:
        archived = archived.replace(tzinfo=UTC)
    charset = re.search(r"charset=([\w-]+)", kind)
    try:
        html = body.decode(charset.group(1) if charset else "utf-8", "replace")
    except LookupError:
        html = body.decode("utf-8", "replace")
    article = article_date(html, url, now=archived)
    published = article.published
    stamp = (
        published.moment.date().isoformat()
        if published.granularity == Granularity.DAY
        else published.moment.isoformat()
    )
    row = _row(stamp, article.title, article.outlet, url, "")
    return replace(row, origin=HeadlineOrigin.WARC, date_found_in=published.where[:120])


def _csv_rows(path: Path, problems: list[str]) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        counted = _Lines(handle)
        reader = csv.DictReader(counted)
        if not reader.fieldnames or not {"published_at", "title"} <= set(reader.fieldnames):
            raise CorpusError(f"{path} needs a header with at least published_at and title.")
        while True:
            # The reader's own line count stops at a row it refuses; this one counts what it read.
            line = counted.read + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                problems.append(f"line {line}: {_csv_problem(error)}")
                continue
            try:
                yield _row(row.get("published_at") or "", row.get("title"), row.get("outlet"), row.get("url"),
                           row.get("language"))  # fmt: skip
            except ValueError as error:
                problems.append(f"line {line}: {error}")


class _Lines:
    """The lines of a file, counted as they are read."""

    def __init__(self, handle: Iterator[str]) -> None:
        self.handle, self.read = handle, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.read += 1
        return line


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a cell is larger than {csv.field_size_limit() // 1024} KiB"
    return f"not a CSV row ({error})"


def _row(stamp: str, title: str | None, outlet: str | None, url: str | None, language: str | None) -> Row:
    """A row checked against its columns; ValueError says what is wrong with it."""
    fields = {"title": title or "", "outlet": outlet or "", "url": url or "", "language": language or ""}
    for name, value in {"published_at": stamp, **fields}.items():
        if "\x00" in value:
            raise ValueError(f"{name} holds a NUL byte")
    title = " ".join(fields["title"].split())
    if not title:
        raise ValueError("no title")
    published, granularity = parse_published(stamp)
    outlet, language = fields["outlet"].strip(), fields["language"].strip()
    for name, value, longest in (("title", title, MAX_TITLE), ("outlet", outlet, 200), ("language", language, 10),
                                 ("url", fields["url"].strip(), 2000)):  # fmt: skip
        if len(value) > longest:
            raise ValueError(f"{name} is longer than {longest:,} characters")
    return Row(title, published, granularity, outlet, _web_url(fields["url"]), language)


def _xml_root(path: Path) -> ElementTree.Element:
    """A feed's or sitemap's root element; entities and DTDs are refused before anything is read."""
    try:
        return ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise CorpusError(f"{path} is not a readable RSS or Atom feed or news sitemap: {error}") from None
    except DefusedXmlException:
        raise CorpusError(f"{path} was refused: it declares XML entities or a DTD, which feeds do not need") from None


def _feed_rows(path: Path, problems: list[str]) -> Iterator[Row]:
    root = _xml_root(path)
    if root.tag == f"{_SITEMAP}urlset":
        yield from _sitemap_rows(root, problems)
        return
    if root.tag == f"{_ATOM}feed":
        outlet = (root.findtext(f"{_ATOM}title") or "").strip()
        for number, entry in enumerate(root.iter(f"{_ATOM}entry"), start=1):
            stamp = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated") or ""
            link = entry.find(f"{_ATOM}link")
            href = link.get("href", "") if link is not None else ""
            try:
                yield _row(stamp, entry.findtext(f"{_ATOM}title"), outlet, href, "")
            except ValueError as error:
                problems.append(f"entry {number}: {error}")
        return
    channel = root.find("channel")
    outlet = (channel.findtext("title") if channel is not None else "") or ""
    language = (channel.findtext("language") if channel is not None else "") or ""
    for number, item in enumerate(root.iter("item"), start=1):
        try:
            stamp = _rss_date(item.findtext("pubDate") or "")
            yield _row(stamp, item.findtext("title"), outlet, item.findtext("link"), language)
        except ValueError as error:
            problems.append(f"item {number}: {error}")


def _sitemap_rows(root: ElementTree.Element, problems: list[str]) -> Iterator[Row]:
    """A news sitemap's articles: news:title, news:publication_date and the publication's name and language.

    Addresses without a news:news part (an ordinary sitemap's pages) carry no
    headline and are passed over without a word.
    """
    for number, url in enumerate(root.iter(f"{_SITEMAP}url"), start=1):
        news = url.find(f"{_NEWS}news")
        if news is None:
            continue
        publication = news.find(f"{_NEWS}publication")
        name = publication.findtext(f"{_NEWS}name") if publication is not None else ""
        language = publication.findtext(f"{_NEWS}language") if publication is not None else ""
        try:
            stamp = (news.findtext(f"{_NEWS}publication_date") or "").strip()
            yield _row(stamp, news.findtext(f"{_NEWS}title"), name, url.findtext(f"{_SITEMAP}loc"), language)
        except ValueError as error:
            problems.append(f"url {number}: {error}")


def sitemap_children(path: Path) -> list[str] | None:
    """The sitemaps a sitemap index names, or None when the file is not an index."""
    root = _xml_root(path)
    if root.tag != f"{_SITEMAP}sitemapindex":
        return None
    return [loc.strip() for loc in (e.findtext(f"{_SITEMAP}loc") for e in root.iter(f"{_SITEMAP}sitemap")) if loc]


def _rss_date(stamp: str) -> str:
    """An RFC 822 date as ISO 8601. Years of one to three digits are refused: Python reads "0001" as 2001."""
    stamp = stamp.strip()
    if not stamp:
        raise ValueError("no pubDate")
    written = re.search(r"\b\d{1,2}\s+[A-Za-z]{3}\w*\s+(\d+)\b", stamp)
    try:
        moment = email.utils.parsedate_to_datetime(stamp)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"pubDate {stamp!r} is not a date") from None
    if written and len(written.group(1)) == 4 and int(written.group(1)) != moment.year:
        raise ValueError(f"pubDate {stamp!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}")
    return moment.isoformat()


def _web_url(url: str) -> str:
    """A web address, or nothing: pages link to it, so a ``javascript:`` one must not get in."""
    url = url.strip()
    return url if web_address(url) else ""


def headlines_import(path: Path, *, source: str = "", origin: str = HeadlineOrigin.FILE) -> ImportResult:
    """Import a corpus file in batches: COPY on PostgreSQL, bulk inserts elsewhere; all of it or nothing.

    A headline already in the corpus (the same title, publication time and
    outlet) is not added again, so importing a file twice adds nothing; a
    front-page link seen again is kept once, at its first sighting.
    ``source`` names where it came from (the file's name by default; a feed's
    address), ``origin`` what kind of source that is. A file that breaks off
    (CorpusError) leaves nothing of itself behind.
    """
    source = (source or path.name)[:200]
    result = ImportResult(first_problems=[])
    problems: list[str] = []
    passed_over = [0]
    batch: list[Row] = []
    with transaction.atomic():
        for row in read_rows(path, problems, passed_over):
            batch.append(row)
            if len(batch) >= BATCH:
                result.imported += _insert(batch, source, origin)
                result.already += len(batch)
                batch = []
        if batch:
            result.imported += _insert(batch, source, origin)
            result.already += len(batch)
    result.already -= result.imported
    result.skipped = len(problems)
    result.first_problems = problems[:10]
    result.passed_over = passed_over[0]
    return result


def _key(row: Row) -> uuid.UUID:
    """A row's headline_key; a front-page link's leaves out the hour, so that each link is kept once."""
    if row.origin == HeadlineOrigin.GDELT:
        return headline_key(row.title, _FRONT_PAGE_KEY_TIME, f"{row.outlet}\x00{HeadlineOrigin.GDELT}")
    return headline_key(row.title, row.published_at, row.outlet)


def headline_key(title: str, published_at: datetime, outlet: str) -> uuid.UUID:
    """What makes a headline the same one: its title, publication time and outlet, hashed.

    The first 128 bits of their SHA-256, kept as a UUID: PostgreSQL compares
    those as bytes, where a text key would go through the collation.
    """
    text = "\x00".join((title, published_at.astimezone(UTC).isoformat(), outlet))
    return uuid.UUID(bytes=hashlib.sha256(text.encode()).digest()[:16])


_COLUMNS = ("key", "title", "normalized_title", "published_at", "published_granularity", "outlet", "url", "language",
            "source", "origin", "date_found_in")  # fmt: skip
_PUBLISHED, _ORIGIN = _COLUMNS.index("published_at"), _COLUMNS.index("origin")


def _insert(rows: list[Row], source: str, origin: str) -> int:
    """Add the rows not in the corpus yet; returns how many were added.

    The keys already stored are looked up first, so that the new rows go in
    by COPY on PostgreSQL (several times faster than INSERT for a corpus of a
    million rows). Should another import add some of them meanwhile, the batch
    goes in again through a temporary table that skips what is there.
    """
    fresh: dict[uuid.UUID, tuple] = {}
    for r in rows:
        key = _key(r)
        if key not in fresh or r.published_at < fresh[key][_PUBLISHED]:
            fresh[key] = (key, r.title, normalise(r.title), r.published_at, r.granularity, r.outlet, r.url,
                          r.language, source, r.origin or origin, r.date_found_in)  # fmt: skip
    for key in _stored(list(fresh)):
        value = fresh.pop(key)
        if value[_ORIGIN] == HeadlineOrigin.GDELT:
            # A front-page link seen earlier than the files before showed it: its first sighting moves back.
            seen = value[_PUBLISHED]
            ReferenceHeadline.objects.filter(key=key, published_at__gt=seen).update(published_at=seen)
    values = list(fresh.values())
    if not values:
        return 0
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                return _copy(values, ReferenceHeadline._meta.db_table)
        except IntegrityError:
            return _copy_skipping(values)
    with transaction.atomic():
        before = ReferenceHeadline.objects.count()
        ReferenceHeadline.objects.bulk_create(
            [ReferenceHeadline(**dict(zip(_COLUMNS, value, strict=True))) for value in values],
            batch_size=2000,
            ignore_conflicts=True,
        )
        return ReferenceHeadline.objects.count() - before


def _stored(keys: list[uuid.UUID]) -> list[uuid.UUID]:
    """Which of ``keys`` the corpus holds: one query on PostgreSQL, chunks of SQLite's parameter limit elsewhere."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ReferenceHeadline._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key FROM {table} WHERE key = ANY(%s)", [keys])  # noqa: S608 - a name from the model
            return [row[0] for row in cursor.fetchall()]
    found = []
    for start in range(0, len(keys), 500):
        found += ReferenceHeadline.objects.filter(key__in=keys[start : start + 500]).values_list("key", flat=True)
    return found


def _copy(values: list[tuple], table: str) -> int:
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for value in values:
            copy.write_row(value)
    return len(values)


def _copy_skipping(values: list[tuple]) -> int:
    table = connection.ops.quote_name(ReferenceHeadline._meta.db_table)
    columns = ", ".join(_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped by hand too: inside an outer transaction (a test's), ON COMMIT comes too late.
        cursor.execute("DROP TABLE IF EXISTS headline_import")
        cursor.execute(
            f"CREATE TEMP TABLE headline_import ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
        _copy(values, "headline_import")
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM headline_import "  # noqa: S608 - names only
            "ON CONFLICT (key) DO NOTHING"
        )
        added = cursor.rowcount
        cursor.execute("DROP TABLE headline_import")
        return added


# The index of this process, with the corpus version it was built from: its last row's id and title.
# (An id alone is not enough: after a rolled-back import, SQLite gives the same ids to other rows.)
_cached: tuple[tuple[int, str], HeadlineIndex] | None = None


def headline_index() -> HeadlineIndex | None:
    """The corpus index, built once per process and again when the corpus changes."""
    global _cached
    version = ReferenceHeadline.objects.order_by("-id").values_list("id", "normalized_title").first()
    if version is None:
        return None
    if _cached is None or _cached[0] != version:
        rows = ReferenceHeadline.objects.order_by("id").values_list("normalized_title", flat=True)
        _cached = (version, HeadlineIndex(list(rows.iterator(chunk_size=20_000))))
    return _cached[1]


def headline_lookup() -> HeadlineLookup | None:
    """A lookup for ``draft_cues``: lines in, matched headlines (earliest publication) out."""
    index = headline_index()
    if index is None:
        return None

    def lookup(texts: list[str]) -> list[tuple[tuple[int, ...], Headline]]:
        found = []
        for match in index.match_lines(texts):
            title = index.titles[match.headline]
            # The same headline can be in the corpus more than once; its first publication counts.
            # A front page's sighting is no publication: it counts only as a lead when nothing dates the title.
            same = ReferenceHeadline.objects.filter(normalized_title=title).order_by("published_at", "id")
            first = same.exclude(origin=HeadlineOrigin.GDELT).first() or same.first()
            if first is None:
                continue
            headline = Headline(
                first.pk, first.title, first.published_at, first.published_granularity, first.outlet, first.url,
                match.score, match.reason, seen_only=first.origin == HeadlineOrigin.GDELT,
            )  # fmt: skip
            found.append((match.lines, headline))
        return found

    return lookup
