"""Collecting one URL: its media and a capture of its page, both into the vault with their provenance."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from archive.collect.guard import guarding_proxy
from archive.collect.media import Media, MediaFailed, json_ld_video, media_download, posted_at
from archive.collect.page import Capture, CaptureFailed, page_capture
from archive.collect.webarchive import WebArchive, WebArchiveFailed, web_archive
from archive.derived import derived_save, web_archive_name
from archive.models import CollectionMethod, Evidence, EvidenceKind, UrlCollection
from archive.services import CollectResult, EvidenceRejected, ProvenanceInput, evidence_collect
from archive.vault import spool


class CollectionFailed(Exception):
    """Neither media nor a page could be taken from the URL; the message says why."""


def url_collection_run(job: UrlCollection) -> tuple[Evidence | None, Evidence | None, str]:
    """Collect a URL; return the media item, the page item and what went wrong with either.

    1. Start a guarding proxy, so that every connection is checked.
    2. Take the media with yt-dlp and a picture of the page with Chromium.
    3. Store each in the vault with the platform's own account as provenance.
    """
    problems: list[str] = []
    allowed = settings.URL_FETCH_ALLOWED_NETWORKS
    with tempfile.TemporaryDirectory(prefix="collect-") as folder:
        work = Path(folder)
        (work / "media").mkdir()
        (work / "page").mkdir()
        media: Media | None = None
        capture: Capture | None = None
        # One guard per program, so that a refusal is told against the program it stopped.
        with guarding_proxy(allowed) as guard:
            try:
                media = media_download(
                    job.url, work / "media", proxy=guard.url,
                    max_bytes=settings.EVIDENCE_MAX_UPLOAD_SIZE, timeout=settings.URL_FETCH_TIMEOUT,
                )  # fmt: skip
            except MediaFailed as error:
                problems.append(f"media: {_blocked(guard.refused) or error}")
        with guarding_proxy(allowed) as guard:
            try:
                capture = page_capture(job.url, work / "page", guard=guard, timeout=settings.URL_FETCH_TIMEOUT)
            except CaptureFailed as error:
                problems.append(f"page: {error}")
        if media is None and capture is None:
            raise CollectionFailed("; ".join(problems) or "nothing could be collected")
        facts = {**(media.info if media else {}), **(json_ld_video(capture.html.read_text()) if capture else {})}
        media_item = page_item = None
        # Each item is linked to the job as soon as it is stored, so a later failure loses neither.
        if media:
            media_item = _store_media(job, media, facts)
            UrlCollection.objects.filter(pk=job.pk).update(media=media_item)
        if capture:
            try:
                page_item = _store_page(job, capture)
                UrlCollection.objects.filter(pk=job.pk).update(page=page_item)
            except CollectionFailed as error:
                if media_item is None:
                    raise
                problems.append(f"page: {error}")
    return media_item, page_item, "; ".join(problems)


def _blocked(refused: list[str]) -> str:
    return f"blocked address ({refused[0]})" if refused else ""


def _store(job: UrlCollection, path: Path, name: str, provenance: ProvenanceInput, kind: str) -> CollectResult:
    with path.open("rb") as source, spool(source, name=name) as spooled:
        try:
            return evidence_collect(
                case=job.case, spooled=spooled, provenance=provenance, actor=job.requested_by, kind=kind
            )
        except EvidenceRejected as error:
            raise CollectionFailed(str(error)) from None


def _keep(job: UrlCollection, files: list[Path]) -> dict[str, str]:
    """Keep derived files of a collection (thumbnails, subtitles, the page's HTML) under the job's folder."""
    return {file.name: derived_save(f"collections/{job.pk}/{file.name}", file) for file in files}


def _store_media(job: UrlCollection, media: Media, facts: dict) -> Evidence:
    moment, granularity = posted_at(facts)
    info = {key: value for key, value in facts.items() if key != "description"}
    info["kept"] = _keep(job, [*media.thumbnails, *media.subtitles])
    provenance = ProvenanceInput(
        method=CollectionMethod.URL,
        source_url=job.url,
        platform=_platform(facts, job.url),
        account=str(facts.get("uploader") or facts.get("channel") or "")[:200],
        post_id=str(facts.get("id") or "")[:200],
        posted_at=moment,
        posted_at_granularity=granularity,
        platform_info=info,
        notes=job.notes,
    )
    kind = EvidenceKind.RECORDING if media.path.suffix.lower() not in (".jpg", ".png", ".webp") else ""
    return _store(job, media.path, f"{_slug(job.url)}{media.path.suffix}", provenance, kind).evidence


# yt-dlp's extractors that read any page: their name says nothing of the platform, the host does.
GENERIC_EXTRACTORS = {"generic", "html5", "jsonld"}


def _platform(facts: dict, url: str) -> str:
    extractor = str(facts.get("extractor") or "")
    if not extractor or extractor.lower() in GENERIC_EXTRACTORS:
        return (urlsplit(url).hostname or "")[:100]
    return extractor[:100]


def _store_page(job: UrlCollection, capture: Capture) -> Evidence:
    """The page's picture as the item, with its HTML kept and its WARC records packed as WACZ (a derived file)."""
    archive, problem = None, ""
    if capture.har is not None:
        folder = capture.har.parent / "web"
        folder.mkdir(exist_ok=True)
        try:
            archive = web_archive(capture.har, folder, url=capture.final_url, title=capture.title)
        except WebArchiveFailed as error:
            problem = str(error)
    provenance = ProvenanceInput(
        method=CollectionMethod.URL,
        source_url=job.url,
        platform=(urlsplit(capture.final_url).hostname or "")[:100],
        platform_info={
            "final_url": capture.final_url,
            "http_status": capture.status,
            "captured_at": capture.captured_at.isoformat(),
            "title": capture.title,
            **({"capture_note": capture.note} if capture.note else {}),
            "kept": _keep(job, [capture.html]),
            **_archive_facts(archive, problem),
        },
        notes=job.notes,
    )
    stored = _store(job, capture.screenshot, f"{_slug(job.url)}-page.png", provenance, EvidenceKind.WEB_CAPTURE)
    if archive is not None:
        derived_save(web_archive_name(stored.evidence.pk, stored.provenance.pk), archive.wacz)
    return stored.evidence


def _archive_facts(archive: WebArchive | None, problem: str) -> dict[str, object]:
    if archive is None:
        return {"web_archive_problem": problem} if problem else {}
    digest = hashlib.sha256()
    with archive.wacz.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return {"web_archive": {"wacz_sha256": digest.hexdigest(), "records": archive.records,
                            "responses": archive.responses}}  # fmt: skip


def _slug(url: str) -> str:
    parts = urlsplit(url)
    text = f"{parts.hostname or 'page'}{parts.path}".rstrip("/").replace("/", "_")
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in text)[:120] or "page"
