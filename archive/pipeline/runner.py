"""Running stages with their state in the database.

The database, not the broker, says what still needs doing. A stage is claimed
with a conditional update, so two workers never run the same stage of the same
item; a message the broker delivers twice finds the stage taken or finished.
"""

from __future__ import annotations

import errno
import logging
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from archive.custody import custody_append
from archive.models import CustodyAction, Evidence, FrameSource, ProcessingStatus, StageRun, StageStatus
from archive.pipeline.base import Stage, StageFailed, StageSkipped
from archive.pipeline.stages import STAGE_NAMES, stage_named

logger = logging.getLogger(__name__)

# A stage whose worker died this many times is given up, with a reason: the
# file is probably what kills the worker.
MAX_ATTEMPTS = 3
# Extra time past a stage's limit before a "running" claim counts as abandoned.
CLAIM_GRACE = timedelta(minutes=2)
_FINISHED = (StageStatus.DONE, StageStatus.SKIPPED)
# Errors of the database connection itself (the server restarted or failed
# over, a lock waited too long): nothing is wrong with the item, so the stage
# is tried again rather than failed.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class ProcessingBusy(Exception):
    """The item is being processed right now; the message says what to do."""


def processing_plan(evidence: Evidence, from_stage: str | None = None) -> tuple[str, int]:
    """Start a new processing run from a stage; return the first stage and the run's number.

    1. Refuse while a stage of the item is running (unless its claim is abandoned):
       two runs side by side would write over each other's frames.
    2. Start from ``from_stage``, or from an earlier stage that has not finished,
       since a stage needs the ones before it.
    3. Number the run: messages of earlier runs find nothing to claim.
    """
    start = STAGE_NAMES.index(from_stage) if from_stage else 0
    now = timezone.now()
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        runs = {run.stage: run for run in StageRun.objects.filter(evidence=evidence)}
        for run in runs.values():
            limit = timedelta(seconds=stage_named(run.stage).time_limit) + CLAIM_GRACE
            if run.status == StageStatus.RUNNING and run.started_at and run.started_at > now - limit:
                raise ProcessingBusy(f"The {run.stage} stage is running; run processing again when it has finished.")
        for name in STAGE_NAMES:
            if name not in runs:
                runs[name] = StageRun.objects.create(evidence=evidence, stage=name)
        unfinished = [i for i, name in enumerate(STAGE_NAMES[:start]) if runs[name].status not in _FINISHED]
        start = min([start, *unfinished])
        number = locked.processing_run + 1
        StageRun.objects.filter(evidence=evidence, stage__in=STAGE_NAMES[start:]).update(
            status=StageStatus.PENDING,
            run=number,
            reason="",
            task_id="",
            attempts=0,
            queued_at=now,
            started_at=None,
            finished_at=None,
        )
        if "ocr" in STAGE_NAMES[start:] and "frames" not in STAGE_NAMES[start:]:
            # Reading again means reading every picture again, not only those left unread.
            evidence.frames.exclude(source=FrameSource.PAGE_TEXT).update(ocr_done=False)
        Evidence.objects.filter(pk=evidence.pk).update(
            status=ProcessingStatus.QUEUED, status_reason="", processing_run=number
        )
        evidence.processing_run = number
    return STAGE_NAMES[start], number


def stage_execute(*, evidence_id: int, stage_name: str, run_number: int, task_id: str) -> str | None:
    """Run one stage of one item; return the stage to queue next, if any.

    1. Claim the stage: pending, or running under this same task id (the
       broker redelivered the message because the worker process died, or
       the task is retried after the database went away).
    2. A stage this task already recorded, whose item did not move on (the
       database went away in between), moves it on now.
    3. Give up on a stage whose worker died MAX_ATTEMPTS times.
    4. Run it; record done, skipped or failed with its reason.
    5. Move the item's status on and name the next stage.

    Raises DATABASE_UNAVAILABLE errors for the task to retry.
    """
    claimed = (
        StageRun.objects.filter(evidence_id=evidence_id, stage=stage_name, run=run_number)
        .filter(Q(status=StageStatus.PENDING) | Q(status=StageStatus.RUNNING, task_id=task_id))
        .update(
            status=StageStatus.RUNNING,
            task_id=task_id,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            finished_at=None,
            reason="",
        )
    )
    if not claimed:
        return _recorded_unfinished(evidence_id, stage_name, run_number, task_id)
    run = StageRun.objects.select_related("evidence").get(evidence_id=evidence_id, stage=stage_name)
    Evidence.objects.filter(pk=evidence_id, status=ProcessingStatus.QUEUED).update(
        status=ProcessingStatus.PROCESSING, status_reason=""
    )
    if run.attempts > MAX_ATTEMPTS:
        status, reason = (
            StageStatus.FAILED,
            f"the worker stopped {run.attempts - 1} times while running this stage; the file may need "
            "more memory or time than a worker has",
        )
    else:
        status, reason = _run(stage_named(stage_name), run.evidence)
    recorded = StageRun.objects.filter(pk=run.pk, status=StageStatus.RUNNING, task_id=task_id, run=run_number).update(
        status=status, reason=reason, finished_at=timezone.now()
    )
    if not recorded:
        # Someone asked for reprocessing while this ran; their run counts.
        return None
    return _after(run.evidence, stage_name, status, reason, run_number)


def _recorded_unfinished(evidence_id: int, stage_name: str, run_number: int, task_id: str) -> str | None:
    """Move an item on from a stage this task recorded, if the database went away before it could."""
    if not task_id:
        return None
    run = (
        StageRun.objects.select_related("evidence")
        .filter(evidence_id=evidence_id, stage=stage_name, run=run_number, task_id=task_id)
        .exclude(status__in=[StageStatus.PENDING, StageStatus.RUNNING])
        .filter(evidence__processing_run=run_number)
        .filter(evidence__status__in=[ProcessingStatus.QUEUED, ProcessingStatus.PROCESSING])
        .first()
    )
    return _after(run.evidence, stage_name, run.status, run.reason, run_number) if run else None


def _run(stage: Stage, evidence: Evidence) -> tuple[str, str]:
    try:
        stage.run(evidence)
    except DATABASE_UNAVAILABLE:
        raise
    except StageSkipped as reason:
        return StageStatus.SKIPPED, str(reason)
    except StageFailed as reason:
        return StageStatus.FAILED, str(reason)
    except SoftTimeLimitExceeded:
        return StageStatus.FAILED, f"it took longer than the stage's limit of {stage.time_limit} s"
    except Exception as error:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            logger.warning("stage %s of evidence %s: %s", stage.name, evidence.pk, error)
            return StageStatus.FAILED, (
                "the server's storage is full (no space left for the files this stage writes); "
                "free some space and run processing again"
            )
        # Whatever goes wrong in a stage ends as a readable failure on the
        # item; the worker goes on with the next task.
        logger.exception("stage %s failed for evidence %s", stage.name, evidence.pk)
        return StageStatus.FAILED, f"internal error ({type(error).__name__}: {error}); the worker log has details"
    return StageStatus.DONE, ""


def _after(evidence: Evidence, stage_name: str, status: str, reason: str, run_number: int) -> str | None:
    if status == StageStatus.FAILED:
        _finish(evidence, ProcessingStatus.FAILED, f"{stage_name}: {reason}", run_number)
        return None
    position = STAGE_NAMES.index(stage_name)
    if position + 1 == len(STAGE_NAMES):
        _finish(evidence, ProcessingStatus.DONE, "", run_number)
        return None
    following = STAGE_NAMES[position + 1]
    taken = StageRun.objects.filter(
        evidence=evidence, stage=following, status=StageStatus.PENDING, run=run_number
    ).update(queued_at=timezone.now())
    return following if taken else None


def _finish(evidence: Evidence, status: str, reason: str, run_number: int) -> None:
    """Record how a run ended, unless a newer run has started meanwhile."""
    with transaction.atomic():
        current = Evidence.objects.filter(pk=evidence.pk, processing_run=run_number)
        if not current.exclude(status=status, status_reason=reason).update(status=status, status_reason=reason):
            return
        stages = dict(StageRun.objects.filter(evidence=evidence).values_list("stage", "status"))
        custody_append(
            case=evidence.case,
            action=CustodyAction.STATUS_CHANGED,
            actor=None,
            evidence=evidence,
            details={
                "status": status,
                "reason": reason,
                "stages": stages,
                "kind": Evidence.objects.values_list("kind", flat=True).get(pk=evidence.pk),
            },  # fmt: skip
        )


def stuck_stages(*, pending_for: timedelta, busy_queues: frozenset[str] = frozenset()) -> list[tuple[int, str, int]]:
    """Stages to send again, as (item, stage, run): abandoned claims, and pending stages the broker lost.

    1. A stage running past its time limit (plus a grace) lost its worker
       without the broker noticing: it goes back to pending.
    2. An item whose next stage has been pending longer than ``pending_for``
       lost its message, unless that stage's queue is busy (``busy_queues``):
       then the message is more likely waiting in the queue than lost.
    """
    now = timezone.now()
    for run in StageRun.objects.filter(status=StageStatus.RUNNING).only("pk", "stage", "started_at", "task_id"):
        limit = timedelta(seconds=stage_named(run.stage).time_limit) + CLAIM_GRACE
        if run.started_at and run.started_at < now - limit:
            StageRun.objects.filter(pk=run.pk, status=StageStatus.RUNNING, task_id=run.task_id).update(
                status=StageStatus.PENDING, task_id="", queued_at=now - pending_for - timedelta(seconds=1)
            )
    active = ProcessingStatus.QUEUED, ProcessingStatus.PROCESSING
    waiting = (
        StageRun.objects.filter(
            status=StageStatus.PENDING, queued_at__lt=now - pending_for, evidence__status__in=active
        )
        .values_list("evidence_id", flat=True)
        .distinct()
    )
    found = []
    for evidence_id in list(waiting[:1000]):
        runs = {run.stage: run for run in StageRun.objects.filter(evidence_id=evidence_id)}
        for name in STAGE_NAMES:
            run = runs.get(name)
            if run is None or run.status in _FINISHED:
                continue
            if run.status == StageStatus.PENDING and stage_named(name).queue not in busy_queues:
                StageRun.objects.filter(pk=run.pk).update(queued_at=now)
                found.append((evidence_id, name, run.run))
            break
    return found
