"""The reference corpus of dated headlines: import, and lookup through an in-memory index."""

from __future__ import annotations

import csv
import email.utils
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree
from django.db import connection, transaction

from timeline.extract.cues import Headline, HeadlineLookup
from timeline.extract.headlines import HeadlineIndex, normalise
from timeline.models import Granularity, ReferenceHeadline

BATCH = 20_000
_ATOM = "{http://www.w3.org/2005/Atom}"


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


@dataclass
class ImportResult:
    imported: int = 0
    skipped: int = 0
    first_problems: list[str] | None = None


def parse_published(text: str) -> tuple[datetime, str]:
    """A date (that whole day, granularity "day") or a date-time with its offset ("second")."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC), Granularity.DAY
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        # A time without a zone cannot be placed; keep only its day.
        return datetime.combine(moment.date(), datetime.min.time(), tzinfo=UTC), Granularity.DAY
    return moment.astimezone(UTC), Granularity.SECOND


def read_rows(path: Path, problems: list[str]) -> Iterator[Row]:
    """Rows of a CSV (published_at,title[,outlet,url,language]) or an RSS or Atom feed."""
    with path.open("rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        yield from _feed_rows(path)
    else:
        yield from _csv_rows(path, problems)


def _csv_rows(path: Path, problems: list[str]) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"published_at", "title"} <= set(reader.fieldnames):
            raise CorpusError(f"{path} needs a header with at least published_at and title.")
        for number, row in enumerate(reader, start=2):
            title = " ".join((row.get("title") or "").split())
            try:
                published, granularity = parse_published(row.get("published_at") or "")
            except ValueError:
                problems.append(f"line {number}: published_at {row.get('published_at')!r} is not a date")
                continue
            if not title:
                problems.append(f"line {number}: no title")
                continue
            yield Row(
                title,
                published,
                granularity,
                (row.get("outlet") or "").strip()[:200],
                _web_url(row.get("url") or ""),
                (row.get("language") or "").strip()[:10],
            )


def _feed_rows(path: Path) -> Iterator[Row]:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise CorpusError(f"{path} is not a readable RSS or Atom feed: {error}") from None
    except DefusedXmlException:
        raise CorpusError(f"{path} was refused: it declares XML entities or a DTD, which feeds do not need") from None
    if root.tag == f"{_ATOM}feed":
        outlet = (root.findtext(f"{_ATOM}title") or "").strip()
        for entry in root.iter(f"{_ATOM}entry"):
            stamp = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated") or ""
            link = entry.find(f"{_ATOM}link")
            row = _feed_row(
                entry.findtext(f"{_ATOM}title"), stamp, outlet, link.get("href", "") if link is not None else ""
            )
            if row:
                yield row
        return
    channel = root.find("channel")
    outlet = (channel.findtext("title") if channel is not None else "") or ""
    language = (channel.findtext("language") if channel is not None else "") or ""
    for item in root.iter("item"):
        stamp = item.findtext("pubDate") or ""
        try:
            moment = email.utils.parsedate_to_datetime(stamp).isoformat() if stamp else ""
        except (TypeError, ValueError):
            moment = ""
        row = _feed_row(item.findtext("title"), moment, outlet.strip(), (item.findtext("link") or "").strip())
        if row:
            yield Row(row.title, row.published_at, row.granularity, row.outlet, row.url, language.strip()[:10])


def _feed_row(title: str | None, stamp: str, outlet: str, url: str) -> Row | None:
    title = " ".join((title or "").split())
    try:
        published, granularity = parse_published(stamp)
    except ValueError:
        return None
    return Row(title, published, granularity, outlet[:200], _web_url(url)) if title else None


def _web_url(url: str) -> str:
    """A web address, or nothing: pages link to it, so a ``javascript:`` one must not get in."""
    url = url.strip()[:2000]
    return url if url.lower().startswith(("http://", "https://")) else ""


def headlines_import(path: Path) -> ImportResult:
    """Import a corpus file in batches: COPY on PostgreSQL, bulk inserts elsewhere."""
    result = ImportResult(first_problems=[])
    problems: list[str] = []
    batch: list[Row] = []
    for row in read_rows(path, problems):
        batch.append(row)
        if len(batch) >= BATCH:
            result.imported += _insert(batch, path.name)
            batch = []
    if batch:
        result.imported += _insert(batch, path.name)
    result.skipped = len(problems)
    result.first_problems = problems[:10]
    return result


def _insert(rows: list[Row], source: str) -> int:
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ReferenceHeadline._meta.db_table)
        columns = "title, normalized_title, published_at, published_granularity, outlet, url, language, source"
        # COPY is several times faster than INSERT for a corpus of a million rows.
        sql = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 - names from the model, no input
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for r in rows:
                copy.write_row(
                    (r.title, normalise(r.title), r.published_at, r.granularity, r.outlet, r.url, r.language, source)
                )
        return len(rows)
    ReferenceHeadline.objects.bulk_create(
        [
            ReferenceHeadline(
                title=r.title,
                normalized_title=normalise(r.title),
                published_at=r.published_at,
                published_granularity=r.granularity,
                outlet=r.outlet,
                url=r.url,
                language=r.language,
                source=source,
            )
            for r in rows
        ],
        batch_size=2000,
    )
    return len(rows)


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
            first = ReferenceHeadline.objects.filter(normalized_title=title).order_by("published_at", "id").first()
            if first is None:
                continue
            headline = Headline(
                first.pk, first.title, first.published_at, first.published_granularity, first.outlet, first.url,
                match.score,
            )  # fmt: skip
            found.append((match.lines, headline))
        return found

    return lookup
