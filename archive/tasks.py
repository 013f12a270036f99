"""Celery tasks: thin adapters that take ids, call the pipeline and queue what comes next."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from kombu.exceptions import OperationalError

from archive.models import Evidence
from archive.pipeline.runner import stage_execute, stuck_stages
from archive.pipeline.stages import stage_named

logger = logging.getLogger(__name__)

BROKER_DOWN = "The task queue could not be reached; processing starts again when it is back."


@shared_task(bind=True)
def run_stage(self: object, evidence_id: int, stage: str) -> None:
    following = stage_execute(evidence_id=evidence_id, stage_name=stage, task_id=self.request.id or "")
    if following:
        queue_stage(evidence_id, following)


@shared_task
def resume_processing(pending_for: float | None = None) -> int:
    """Send again the stages the broker lost or whose worker died; the beat runs this periodically."""
    seconds = settings.PROCESSING_RESUME_INTERVAL if pending_for is None else pending_for
    found = stuck_stages(pending_for=timedelta(seconds=seconds))
    for evidence_id, stage in found:
        queue_stage(evidence_id, stage)
    return len(found)


def queue_stage(evidence_id: int, stage_name: str) -> bool:
    """Send one stage to its queue with its time limits; False when the broker is down.

    A stage that cannot be sent stays pending in the database, and
    resume_processing sends it when the broker is back.
    """
    stage = stage_named(stage_name)
    try:
        run_stage.apply_async(
            (evidence_id, stage_name),
            queue=stage.queue,
            soft_time_limit=stage.time_limit,
            time_limit=stage.time_limit + 60,
        )
    except OperationalError:
        logger.warning("broker unreachable; evidence %s stage %s stays pending", evidence_id, stage_name)
        Evidence.objects.filter(pk=evidence_id).update(status_reason=BROKER_DOWN)
        return False
    return True
