"""Sending work to the task queues: a stage of an item, a URL collection.

The tasks are looked up by name in Celery's registry when they are sent, so
that the services and the collection jobs can queue work without importing
the task module, which runs them and imports both.
"""

from __future__ import annotations

import logging

from celery import current_app
from kombu.exceptions import OperationalError

from archive.models import Evidence
from archive.pipeline.stages import stage_named

logger = logging.getLogger(__name__)

# Seconds a URL collection may take: a large video and a page capture.
COLLECTION_LIMIT = 3600
BROKER_DOWN = "The task queue could not be reached; processing starts again when it is back."


def queue_stage(evidence_id: int, stage_name: str, run: int) -> bool:
    """Send one stage to its queue with its time limits; False when the broker is down.

    A stage that cannot be sent stays pending in the database, and
    resume_processing sends it when the broker is back.
    """
    stage = stage_named(stage_name)
    try:
        current_app.tasks["archive.tasks.run_stage"].apply_async(
            (evidence_id, stage_name, run),
            queue=stage.queue,
            soft_time_limit=stage.time_limit,
            time_limit=stage.time_limit + 60,
        )
    except OperationalError:
        logger.warning("broker unreachable; evidence %s stage %s stays pending", evidence_id, stage_name)
        Evidence.objects.filter(pk=evidence_id).update(status_reason=BROKER_DOWN)
        return False
    return True


def queue_collection(job_id: int) -> bool:
    """Send a URL collection to the heavy queue (it runs a browser); False when the broker is down."""
    try:
        current_app.tasks["archive.tasks.collect_url"].apply_async(
            (job_id,), queue="heavy", soft_time_limit=COLLECTION_LIMIT, time_limit=COLLECTION_LIMIT + 60
        )
    except OperationalError:
        logger.warning("broker unreachable; collection %s stays queued", job_id)
        return False
    return True
