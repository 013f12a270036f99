"""Headline sources on the web: feeds and news sitemaps, fetched through the address guard and imported.

A source is kept in the database and polled by the beat (``collect_headlines``);
each poll is logged with what it brought. A feed or sitemap is read whole
before anything is imported, so a malformed one imports nothing, and the
corpus keeps a headline once however often it is polled.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from archive.collect.fetcher import FetchFailed, FetchRefused, fetch
from timeline.headlines import CorpusError, ImportResult, headlines_import, sitemap_children
from timeline.models import HeadlineOrigin, HeadlineSource, HeadlineSourceRun

logger = logging.getLogger(__name__)

# A feed or one sitemap file larger than this is refused (news sitemaps hold at most 1,000 URLs).
MAX_SOURCE_BYTES = 20 * 1024 * 1024
# A sitemap index is followed to this many sitemaps at most, one level deep.
MAX_SITEMAPS = 50


@dataclass
class SourceImport:
    imported: int = 0
    already: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def source_import(url: str, origin: str) -> SourceImport:
    """Fetch a feed or a news sitemap (following a sitemap index) and import its headlines.

    Raises CorpusError, with the reason for a person, when the address is
    refused, cannot be fetched, or is not a feed or a sitemap.
    """
    found = SourceImport()
    queue, seen = [url], set()
    with tempfile.TemporaryDirectory(prefix="headlines-") as scratch:
        while queue and len(seen) < MAX_SITEMAPS:
            address = queue.pop(0)
            if address in seen:
                continue
            seen.add(address)
            path = _download(address, Path(scratch) / f"{len(seen)}.xml")
            children = sitemap_children(path) if origin == HeadlineOrigin.SITEMAP else None
            if children is not None:
                queue += children
                continue
            result = headlines_import(path, source=address, origin=origin)
            _add(found, result, address if address != url else "")
        if queue:
            found.problems.append(f"the sitemap index names more than {MAX_SITEMAPS} sitemaps; the rest were not read")
    return found


def _download(url: str, path: Path) -> Path:
    try:
        fetched = fetch(url, allowed=settings.URL_FETCH_ALLOWED_NETWORKS, max_bytes=MAX_SOURCE_BYTES)
        with path.open("wb") as out:
            for chunk in fetched.chunks:
                out.write(chunk)
    except FetchRefused as error:
        raise CorpusError(f"{url}: refused: {error}") from None
    except FetchFailed as error:
        raise CorpusError(f"{url}: {error}") from None
    return path


def _add(found: SourceImport, result: ImportResult, where: str) -> None:
    found.imported += result.imported
    found.already += result.already
    found.skipped += result.skipped
    found.problems += [f"{where}: {p}" if where else p for p in result.first_problems or []][:10]


def sources_poll() -> list[HeadlineSourceRun]:
    """Poll every active source once; each run is logged, a failing source does not stop the others."""
    return [source_poll(source) for source in HeadlineSource.objects.filter(active=True).order_by("pk")]


def source_poll(source: HeadlineSource) -> HeadlineSourceRun:
    run = HeadlineSourceRun.objects.create(source=source, started_at=timezone.now())
    try:
        found = source_import(source.url, source.kind)
    except CorpusError as error:
        run.error = str(error)[:2000]
    else:
        run.imported, run.already, run.skipped = found.imported, found.already, found.skipped
        run.problems = found.problems[:10]
    run.finished_at = timezone.now()
    run.save()
    HeadlineSource.objects.filter(pk=source.pk).update(last_polled_at=run.finished_at)
    return run
