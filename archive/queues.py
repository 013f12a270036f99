"""Sending work to the task queues: a stage of an item, a URL collection, another app's task.

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


def queue_task(name: str, args: tuple, *, queue: str, time_limit: int | None = None) -> bool:
    """Send a task by its name to a queue, with its time limits when given; False when the broker is down."""
    limits = {"soft_time_limit": time_limit, "time_limit": time_limit + 60} if time_limit else {}
    try:
        current_app.tasks[name].apply_async(args, queue=queue, **limits)
    except OperationalError:
        logger.warning("broker unreachable; %s%s not sent", name, args)
        return False
    return True


def queue_stage(evidence_id: int, stage_name: str, run: int) -> bool:
    """Send one stage to its queue with its time limits; False when the broker is down.

    A stage that cannot be sent stays pending in the database, and
    resume_processing sends it when the broker is back.
    """
    stage = stage_named(stage_name)
    sent = queue_task("archive.tasks.run_stage", (evidence_id, stage_name, run), queue=stage.queue,
                      time_limit=stage.time_limit)  # fmt: skip
    if not sent:
        Evidence.objects.filter(pk=evidence_id).update(status_reason=BROKER_DOWN)
    return sent


def queue_collection(job_id: int) -> bool:
    """Send a URL collection to the heavy queue (it runs a browser); False when the broker is down."""
    return queue_task("archive.tasks.collect_url", (job_id,), queue="heavy", time_limit=COLLECTION_LIMIT)
