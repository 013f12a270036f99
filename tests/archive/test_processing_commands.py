"""The process and resume_processing commands, and a broker that is down."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from archive.models import Evidence, ProcessingStatus, StageRun, StageStatus
from archive.pipeline.stages import STAGE_NAMES
from archive.queues import BROKER_DOWN
from tests import media
from tests.conftest import World, broker, collect


@pytest.mark.django_db(transaction=True)
def test_process_runs_a_case_again_from_a_stage_and_waits(world: World, run_pipeline: object) -> None:
    good = run_pipeline(media.png(media.text_image(["First pass"])), "good.png")
    bad = run_pipeline(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "bad.svg")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 item"):
        call_command(
            "process", "--case", world.case.slug, "--evidence", str(good.pk), "--evidence", str(bad.pk),
            "--stage", "ocr", "--wait", stdout=out,
        )  # fmt: skip
    text = out.getvalue()
    assert f"#{good.pk} good.png: queued from ocr" in text
    assert f"#{bad.pk} bad.svg: queued from frames" in text, "frames failed before, so it starts there"
    assert f"#{good.pk} Done" in text
    assert StageRun.objects.get(evidence=good, stage="identify").attempts == 1
    assert StageRun.objects.get(evidence=good, stage="ocr").attempts == 1


def test_process_refuses_items_of_other_cases(world: World) -> None:
    with pytest.raises(CommandError, match="No evidence #999"):
        call_command("process", "--case", world.case.slug, "--evidence", "999")


def test_resume_processing_sends_stages_the_broker_lost(world: World, in_process: None) -> None:
    evidence = world.evidence
    # The fixture's item was planned but its message never ran: it waits as pending.
    assert StageRun.objects.filter(evidence=evidence, status=StageStatus.PENDING).count() == len(STAGE_NAMES)
    StageRun.objects.filter(evidence=evidence).update(queued_at=timezone.now() - timedelta(minutes=30))
    out = io.StringIO()
    call_command("resume_processing", "--older-than", "600", stdout=out)
    assert "Sent 1 stage(s) again." in out.getvalue()
    evidence.refresh_from_db()
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason


def test_resume_processing_leaves_recent_and_running_work_alone(world: World, in_process: None) -> None:
    StageRun.objects.filter(evidence=world.evidence, stage="identify").update(
        status=StageStatus.RUNNING, started_at=timezone.now(), task_id="alive"
    )
    out = io.StringIO()
    call_command("resume_processing", "--older-than", "0", stdout=out)
    assert "Sent 0 stage(s) again." in out.getvalue()
    assert StageRun.objects.get(evidence=world.evidence, stage="identify").task_id == "alive"


@pytest.fixture
def broker_down() -> Iterator[None]:
    with broker("redis://127.0.0.1:1/0"):
        yield


def test_an_upload_succeeds_while_the_broker_is_down(
    world: World, broker_down: None, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        evidence = collect(world.case, media.png(media.text_image(["Broker down"])), "down.png").evidence
    evidence = Evidence.objects.get(pk=evidence.pk)
    assert evidence.status == ProcessingStatus.QUEUED
    assert evidence.status_reason == BROKER_DOWN
    assert StageRun.objects.get(evidence=evidence, stage="identify").status == StageStatus.PENDING


def test_processing_cannot_start_again_while_a_stage_runs(world: World) -> None:
    from archive import services

    StageRun.objects.filter(evidence=world.evidence, stage="frames").update(
        status=StageStatus.RUNNING, started_at=timezone.now(), task_id="busy"
    )
    with pytest.raises(services.ServiceError, match="The frames stage is running"):
        services.evidence_process(evidence=world.evidence, stage="ocr", actor=world.owner)
    # An abandoned claim (past its time limit) does not block a new run.
    StageRun.objects.filter(evidence=world.evidence, stage="frames").update(
        started_at=timezone.now() - timedelta(hours=3)
    )
    assert services.evidence_process(evidence=world.evidence, stage="ocr", actor=world.owner) == "identify"


def test_messages_of_an_earlier_run_do_nothing(world: World) -> None:
    from archive import services
    from archive.pipeline.runner import stage_execute

    old_run = Evidence.objects.get(pk=world.evidence.pk).processing_run
    services.evidence_process(evidence=world.evidence, actor=world.owner)
    assert stage_execute(evidence_id=world.evidence.pk, stage_name="identify", run_number=old_run, task_id="t") is None
    assert StageRun.objects.get(evidence=world.evidence, stage="identify").status == StageStatus.PENDING


def test_a_stage_recorded_before_the_database_went_away_moves_its_item_on_when_tried_again(world: World) -> None:
    from archive import services
    from archive.pipeline.runner import stage_execute

    services.evidence_process(evidence=world.evidence, actor=world.owner)
    run = Evidence.objects.get(pk=world.evidence.pk).processing_run
    # The stage ran and was recorded; the connection broke before the next stage was named.
    StageRun.objects.filter(evidence=world.evidence, stage="identify").update(status=StageStatus.DONE, task_id="t1")
    following = stage_execute(evidence_id=world.evidence.pk, stage_name="identify", run_number=run, task_id="t1")
    assert following == "timestamp"
    # Another task's message for that stage finds nothing to do.
    assert stage_execute(evidence_id=world.evidence.pk, stage_name="identify", run_number=run, task_id="t2") is None


def test_reprocessing_from_ocr_reads_every_picture_again(world: World, run_pipeline: object, reprocess: object) -> None:
    evidence = run_pipeline(media.png(media.text_image(["Read me twice"])), "twice.png")
    evidence = reprocess(evidence, "ocr")
    ocr = StageRun.objects.get(evidence=evidence, stage="ocr")
    assert (ocr.status, ocr.attempts) == (StageStatus.DONE, 1)
    assert evidence.frames.get().text == "Read me twice"


def test_resume_leaves_pending_stages_of_a_busy_queue_alone(world: World) -> None:
    from archive.pipeline.runner import stuck_stages

    StageRun.objects.filter(evidence=world.evidence).update(queued_at=timezone.now() - timedelta(hours=1))
    assert stuck_stages(pending_for=timedelta(minutes=5), busy_queues=frozenset({"default"})) == []
    [(evidence_id, stage, _)] = stuck_stages(pending_for=timedelta(minutes=5))
    assert (evidence_id, stage) == (world.evidence.pk, "identify")
