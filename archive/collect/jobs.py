"""URL collection requests and their state: queued, running, done or failed with a reason."""

from __future__ import annotations

import csv
import io
import ipaddress
import logging
import re
import socket
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from archive.collect.fetcher import admitted, local_name, public_address
from archive.collect.run import CollectionFailed, url_collection_run
from archive.custody import custody_append
from archive.models import Case, CustodyAction, UrlCollection
from archive.queues import queue_collection

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
MAX_URL_LENGTH = 2000


def url_problem(url: str) -> str | None:
    """Why a URL cannot be collected, or None when it can be queued.

    An address that only a local host could mean is refused here as blocked,
    however it is written: ``localhost.``, or IPv4 as one number, in hex or in
    octal (``2130706433``, ``0x7f.1``, ``0177.0.0.1``). The collection's guard
    checks every other address when it connects.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"A URL may be {MAX_URL_LENGTH:,} characters long at most ({url[:60]}...)"
    blocked = _blocked(url)
    if blocked:
        return f"{url!r} is a blocked address: {blocked}"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return f"{url!r} is not an http or https address"
    return None


def _blocked(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    allowed = settings.URL_FETCH_ALLOWED_NETWORKS
    if local_name(host) and not allowed:
        return f"{host} names this machine"
    if not re.fullmatch(r"[0-9a-fx.]+", host) or _dotted(host):
        return ""  # A name, or an address written as usual: the guard checks it when it connects.
    try:
        address = ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return ""
    if public_address(address) or admitted(allowed, address):
        return ""
    return f"{host} is {address}, a local or private address"


def _dotted(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def url_rows(text: str) -> list[tuple[str, str]]:
    """(url, notes) rows of a CSV with a header that has a url column; ValueError says what is wrong."""
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "url" not in reader.fieldnames:
            raise ValueError("The CSV needs a header with a 'url' column")
        rows = []
        for number, row in enumerate(reader, start=2):
            url, notes = (row.get("url") or "").strip(), (row.get("notes") or "").strip()
            if "\x00" in url + notes:
                raise ValueError(f"Line {number} of the CSV holds a NUL byte")
            if url:
                rows.append((url, notes))
        return rows
    except csv.Error as error:
        raise ValueError(f"The CSV cannot be read: {error}") from None


def url_collect_request(*, case: Case, urls: list[tuple[str, str]], actor: AbstractBaseUser) -> list[UrlCollection]:
    """Record requests to collect URLs, each with its notes, and queue them when the transaction commits."""
    jobs = []
    with transaction.atomic():
        for url, notes in urls:
            job = UrlCollection.objects.create(case=case, url=url, notes=notes, requested_by=actor)
            custody_append(
                case=case,
                action=CustodyAction.URL_COLLECTION_REQUESTED,
                actor=actor,
                details={"url": url, "collection": job.pk, "notes": notes},
            )
            transaction.on_commit(partial(queue_collection, job.pk))
            jobs.append(job)
    return jobs


def url_collection_execute(*, job_id: int, task_id: str) -> UrlCollection | None:
    """Claim a queued collection (or one this task held when its worker died), run it, record how it ended."""
    claimed = (
        UrlCollection.objects.filter(pk=job_id)
        .filter(Q(status=UrlCollection.Status.QUEUED) | Q(status=UrlCollection.Status.RUNNING, task_id=task_id))
        .update(status=UrlCollection.Status.RUNNING, task_id=task_id, attempts=F("attempts") + 1,
                started_at=timezone.now())
    )  # fmt: skip
    if not claimed:
        return None
    job = UrlCollection.objects.select_related("case", "requested_by").get(pk=job_id)
    if job.attempts > MAX_ATTEMPTS:
        return _failed(job, f"the worker stopped {job.attempts - 1} times while collecting this URL")
    try:
        media, page, problems = url_collection_run(job)
    except CollectionFailed as error:
        return _failed(job, str(error))
    except SoftTimeLimitExceeded:
        return _failed(job, "the collection took longer than its time limit and was stopped")
    except Exception as error:
        # Whatever goes wrong ends as a readable failure; the worker goes on.
        logger.exception("collection %s failed", job.pk)
        return _failed(job, f"internal error ({type(error).__name__}: {error}); the worker log has details")
    UrlCollection.objects.filter(pk=job.pk).update(
        status=UrlCollection.Status.DONE, reason=problems, media=media, page=page, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _failed(job: UrlCollection, reason: str) -> UrlCollection:
    with transaction.atomic():
        UrlCollection.objects.filter(pk=job.pk).update(
            status=UrlCollection.Status.FAILED, reason=reason, finished_at=timezone.now()
        )
        custody_append(
            case=job.case,
            action=CustodyAction.URL_COLLECTION_FAILED,
            actor=None,
            details={"url": job.url, "collection": job.pk, "reason": reason},
        )
    job.refresh_from_db()
    return job
