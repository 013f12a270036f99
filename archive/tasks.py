"""Celery tasks: thin adapters that take ids, call the pipeline and queue what comes next."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from celery import current_app as app
from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from archive.collect.jobs import url_collection_execute
from archive.models import Case, UrlCollection
from archive.pipeline.runner import DATABASE_UNAVAILABLE, stage_execute, stuck_stages
from archive.pipeline.stages import STAGE_NAMES
from archive.queues import COLLECTION_LIMIT, queue_collection, queue_stage
from archive.services import ServiceError, evidence_process
from archive.timestamps import timestamp_custody_head, timestamps_due, timestamps_enabled
from archive.tsa import TimestampError

logger = logging.getLogger(__name__)

COLLECTION_ATTEMPTS = 3
# A stage whose database went away is tried again after 1, 2, 4 ... 60 s, for
# about a quarter of an hour; after that its claim is found abandoned once the
# stage's time limit has passed (resume_processing).
DATABASE_RETRIES = 20


@shared_task(bind=True, max_retries=DATABASE_RETRIES)
def run_stage(self: object, evidence_id: int, stage: str, run: int) -> None:
    try:
        following = stage_execute(
            evidence_id=evidence_id, stage_name=stage, run_number=run, task_id=self.request.id or ""
        )
    except DATABASE_UNAVAILABLE as error:
        # The same task id claims the stage again; what the stage had saved (frames read) stays.
        logger.warning("evidence %s stage %s: the database went away (%s); retrying", evidence_id, stage, error)
        close_old_connections()
        raise self.retry(exc=error, countdown=min(60, 2**self.request.retries)) from error
    if following:
        queue_stage(evidence_id, following, run)


@shared_task
def resume_processing(pending_for: float | None = None) -> int:
    """Send again the stages the broker lost or whose worker died; the beat runs this periodically."""
    seconds = settings.PROCESSING_RESUME_INTERVAL if pending_for is None else pending_for
    busy = _busy_queues()
    found = stuck_stages(pending_for=timedelta(seconds=seconds), busy_queues=busy)
    for evidence_id, stage, run in found:
        queue_stage(evidence_id, stage, run)
    collections = [] if "heavy" in busy else lost_collections(pending_for=timedelta(seconds=seconds))
    for job_id in collections:
        queue_collection(job_id)
    return len(found) + len(collections)


def lost_collections(*, pending_for: timedelta) -> list[int]:
    """URL collections queued too long (the broker lost them) or running past their limit (the worker died)."""
    now = timezone.now()
    abandoned = UrlCollection.objects.filter(
        status=UrlCollection.Status.RUNNING, started_at__lt=now - timedelta(seconds=COLLECTION_LIMIT + 120)
    )
    # A job that ran out of attempts (a hard time limit, a worker that keeps dying) is not tried again.
    abandoned.filter(attempts__gte=COLLECTION_ATTEMPTS).update(
        status=UrlCollection.Status.FAILED,
        reason="the collection was stopped several times (time limit or worker lost); try it again by hand",
        finished_at=now,
    )
    abandoned.update(status=UrlCollection.Status.QUEUED, task_id="")
    waiting = UrlCollection.objects.filter(status=UrlCollection.Status.QUEUED, requested_at__lt=now - pending_for)
    return list(waiting.values_list("pk", flat=True)[:1000])


@shared_task(bind=True)
def collect_url(self: object, job_id: int) -> None:
    url_collection_execute(job_id=job_id, task_id=self.request.id or "")


@shared_task
def stamp_due() -> int:
    """The schedule's round of trusted timestamps: moved custody heads, originals still without a token."""
    done = timestamps_due()
    for problem in done.problems:
        logger.warning("trusted timestamps: %s", problem)
    # A token is a cue: the items stamped after their processing have their cues read again.
    if "cues" in STAGE_NAMES:
        for evidence in done.late:
            try:
                evidence_process(evidence=evidence, stage="cues")
            except ServiceError as error:
                logger.info("evidence %s: cues not read again after its timestamp: %s", evidence.pk, error)
    return done.stamped


@shared_task
def stamp_custody_head(case_id: int) -> None:
    """A token for a case's custody head now (after a sign-off); a failure waits for the schedule's round."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not timestamps_enabled():
        return
    try:
        timestamp_custody_head(case=case)
    except TimestampError as error:
        logger.warning("case %s: custody head not timestamped: %s", case.slug, error)


def _busy_queues() -> frozenset[str]:
    """Queues with messages waiting in Redis: a backlog, in which pending stages are not lost."""
    if app.conf.task_always_eager:
        return frozenset()
    try:
        with app.connection_for_read() as connection:
            client = connection.default_channel.client
            return frozenset(q for q in ("default", "heavy") if client.llen(q))
    except (OperationalError, AttributeError, OSError):
        return frozenset()


@worker_ready.connect
def _remove_stale_scratch(**kwargs: object) -> None:
    """Scratch folders of tasks whose process was killed (hard time limit, out of memory) are removed at start."""
    cutoff = time.time() - 3 * 3600
    scratch = Path(tempfile.gettempdir())
    for path in [*scratch.glob("frames-*"), *scratch.glob("collect-*")]:
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


@worker_process_init.connect
def _lower_priority(**kwargs: object) -> None:
    """Each worker process, and the OCR and ffmpeg it runs, yields the processor to the web pages (WORKER_NICENESS)."""
    if settings.WORKER_NICENESS:
        os.nice(settings.WORKER_NICENESS)
