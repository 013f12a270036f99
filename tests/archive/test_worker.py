"""A real Celery worker process against real Redis, sharing the test database and vault.

These run where REDIS_URL is set (CI sets it). They use a Redis database of
their own (number 15), emptied before and after.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from archive.models import Evidence, ProcessingStatus, StageRun, StageStatus
from tests import media
from tests.conftest import collect, make_user
from tests.workers import Worker, test_broker_fixture, worker_env  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL; CI sets it"),
]


@pytest.fixture
def worker(transactional_db: None, test_broker: str, _isolated_storage: Path, tmp_path: Path) -> Iterator[Worker]:
    env = worker_env(broker_url=test_broker, media_root=_isolated_storage, var_dir=tmp_path / "worker-var")
    started = Worker(env, tmp_path / "worker.log")
    started.start()
    yield started
    started.stop()


def wait_until(check: Callable[[], bool], seconds: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.log.read_text()[-4000:]}")
        time.sleep(0.3)


def finished(*items: Evidence) -> Callable[[], bool]:
    final = (ProcessingStatus.DONE, ProcessingStatus.FAILED)
    return lambda: Evidence.objects.filter(pk__in=[e.pk for e in items], status__in=final).count() == len(items)


@pytest.fixture
def case() -> object:
    from archive import services

    return services.case_create(slug="worker-case", title="Worker", owner=make_user("worker_owner"))


SCREENS = 60


def long_recording() -> bytes:
    """Sixty different screens full of text, a second each: sixty keyframes, many seconds of OCR."""
    screens = [
        media.text_image(
            [f"Task {n} of {SCREENS}"] + [f"Row {row}: label frame {n * 100 + row} of the batch" for row in range(10)],
            font_size=22,
        )
        for n in range(SCREENS)
    ]
    return media.recording([(screen, 1.0) for screen in screens], fps=5)


def test_a_worker_takes_real_files_through_every_stage(worker: Worker, case: object) -> None:
    headline = "Sanctions expanded against surveillance firms"
    page = media.text_image(["Labelling task 5512"])
    panel = media.text_image(["Labelling task 5512", headline])
    items = [
        collect(case, media.png(media.text_image(["Screenshot of task 5512"])), "shot.png").evidence,
        collect(case, media.recording([(page, 4), (panel, 1.2), (page, 4)]), "rec.mp4").evidence,
        collect(case, media.text_pdf([["Council decision of 20 July 2023"]]), "act.pdf").evidence,
        collect(case, b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "x.svg").evidence,
    ]
    wait_until(finished(*items), 120, "four items to finish", worker)
    shot, recording, pdf, svg = (Evidence.objects.get(pk=e.pk) for e in items)
    assert [shot.status, recording.status, pdf.status, svg.status] == ["done", "done", "done", "failed"]
    assert "Screenshot of task 5512" in shot.frames.get().text
    assert any(headline in f.text for f in recording.frames.all())
    assert pdf.frames.get().text == "Council decision of 20 July 2023"
    assert "SVG" in svg.status_reason
    assert not StageRun.objects.exclude(status__in=[StageStatus.DONE, StageStatus.SKIPPED]).exclude(evidence=svg)
    # The processes that read the files yield the processor to the web pages (WORKER_NICENESS).
    started_at = os.getpriority(os.PRIO_PROCESS, worker.process.pid)
    assert [os.getpriority(os.PRIO_PROCESS, pid) - started_at for pid in worker.children()] == [10, 10]


def test_an_item_completes_after_its_worker_process_is_killed_mid_task(worker: Worker, case: object) -> None:
    evidence = collect(case, long_recording(), "long.mp4").evidence
    ocr = StageRun.objects.filter(evidence=evidence, stage="ocr")
    wait_until(lambda: ocr.filter(status=StageStatus.RUNNING).exists(), 120, "OCR to start", worker)
    time.sleep(0.5)
    assert ocr.get().status == StageStatus.RUNNING, "the stage must still be running when its process dies"
    worker.kill_children()
    wait_until(finished(evidence), 240, "the item to finish after the kill", worker)
    evidence.refresh_from_db()
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    assert ocr.get().attempts == 2
    assert evidence.frames.count() == SCREENS
    assert not evidence.frames.filter(ocr_done=False).exists()


def test_work_lost_with_a_whole_worker_is_found_again_after_a_restart(worker: Worker, case: object) -> None:
    evidence = collect(case, long_recording(), "long.mp4").evidence
    ocr = StageRun.objects.filter(evidence=evidence, stage="ocr")
    wait_until(lambda: ocr.filter(status=StageStatus.RUNNING).exists(), 120, "OCR to start", worker)
    worker.kill_all()
    assert ocr.get().status == StageStatus.RUNNING
    # The claim is abandoned once it is older than the stage's time limit; move the clock on.
    ocr.update(started_at=timezone.now() - timezone.timedelta(hours=3))
    worker.start()
    call_command("resume_processing", "--older-than", "0")
    wait_until(finished(evidence), 240, "the item to finish after the restart", worker)
    evidence.refresh_from_db()
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    assert not evidence.frames.filter(ocr_done=False).exists()
