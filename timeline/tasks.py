"""Celery tasks of the timeline: thin adapters around its services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from archive.models import Case
from timeline.services import mention_scan_queue, mention_scan_run, mention_scans_resume, ordered_ids_recompute
from timeline.sources import sources_poll

# A case-wide look for mentions reads every line of the case once: an hour is far more than it takes.
MENTION_SCAN_LIMIT = 3600


@shared_task
def collect_headlines() -> int:
    """Poll every headline source (the beat runs this every HEADLINE_POLL_INTERVAL seconds); returns the runs made."""
    return len(sources_poll())


@shared_task(soft_time_limit=MENTION_SCAN_LIMIT, time_limit=MENTION_SCAN_LIMIT + 60)
def scan_mentions(scan_id: int) -> int:
    """Look for the case's entities in every item (a scan that was already claimed is left alone)."""
    scan = mention_scan_run(scan_id=scan_id)
    return scan.found if scan else 0


@shared_task
def resume_mention_scans() -> int:
    """Send again the scans the broker lost or whose worker died; the beat runs this with resume_processing."""
    pending = timedelta(seconds=settings.PROCESSING_RESUME_INTERVAL)
    found = mention_scans_resume(pending_for=pending, running_for=timedelta(seconds=MENTION_SCAN_LIMIT + 120))
    for scan_id in found:
        mention_scan_queue(scan_id)
    return len(found)


@shared_task(name="timeline.tasks.ordered_ids_recompute")
def recompute_ordered_ids(case_id: int, evidence_id: int | None = None) -> int:
    """Work the calibration points of a case's ordered ids out again, after a review (see the service)."""
    case = Case.objects.filter(pk=case_id).first()
    return 0 if case is None else ordered_ids_recompute(case=case, evidence_id=evidence_id)
