"""The database and the broker restarted under a working pipeline: every item ends done, nothing lost.

Each test runs a server of its own (tests/servers.py) so that it can stop and
start it without touching the machine's shared ones. They run where REDIS_URL
is set (CI sets it) and PostgreSQL's server programs are installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from archive import tasks
from archive.models import Evidence, ProcessingStatus, StageRun, StageStatus
from archive.queues import BROKER_DOWN
from archive.vault import vault_open
from tests import media
from tests.archive.test_worker import SCREENS, finished, long_recording, wait_until
from tests.conftest import PASSWORD, broker, make_user
from tests.servers import Postgres, Redis, postgres_programs
from tests.workers import ROOT, Worker, test_broker_fixture, worker_env  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL; CI sets it"),
]

DOWN_SECONDS = 4


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    if postgres_programs() is None:
        pytest.skip("PostgreSQL's server programs are not installed")
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _poll(url: str, query: str) -> list[tuple[object, ...]]:
    """Rows of a query, or none while the server is down."""
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            return connection.execute(query).fetchall()
    except psycopg.OperationalError:
        return []


def test_postgresql_restarted_while_a_stage_runs_leaves_the_item_done_and_the_archive_intact(
    postgres: Postgres, test_broker: str, tmp_path: Path
) -> None:
    postgres.create_database("faults")
    database = postgres.url("faults")
    env = worker_env(
        broker_url=test_broker,
        media_root=tmp_path / "media",
        var_dir=tmp_path / "var",
        DATABASE_URL=database,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "createsuperuser", "--noinput", "--username", "owner", "--email", "owner@example.org")
    _manage(env, "create_case", "faults", "--title", "Faults", "--owner", "owner")
    recording = tmp_path / "long.mp4"
    recording.write_bytes(long_recording())
    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    try:
        _manage(env, "ingest", "--case", "faults", str(recording))
        ocr = "SELECT status FROM archive_stagerun WHERE stage = 'ocr'"
        wait_until(lambda: _poll(database, ocr) == [(StageStatus.RUNNING,)], 120, "OCR to start", worker)
        time.sleep(1)
        postgres.stop()
        time.sleep(DOWN_SECONDS)
        postgres.start()
        final = "SELECT status, status_reason FROM archive_evidence WHERE status IN ('done', 'failed')"
        wait_until(lambda: bool(_poll(database, final)), 300, "the item to finish after the restart", worker)
    finally:
        worker.stop()
    assert _poll(database, final) == [(ProcessingStatus.DONE, "")]
    assert "Retry in" in worker.log.read_text(), "the stage must have been retried, not run through once"
    frames = _poll(database, "SELECT count(*), count(*) FILTER (WHERE ocr_done) FROM archive_frame")
    assert frames == [(SCREENS, SCREENS)]
    assert _poll(database, "SELECT status FROM archive_stagerun WHERE status NOT IN ('done', 'skipped')") == []
    assert "All intact" in _manage(env, "verify_archive")


@pytest.fixture
def own_redis() -> Iterator[Redis]:
    server = Redis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_redis_restarted_while_one_item_is_processed_and_another_uploaded_loses_nothing(
    own_redis: Redis, transactional_db: None, _isolated_storage: Path, tmp_path: Path
) -> None:
    from archive import services

    owner = make_user("fault_owner")
    case = services.case_create(slug="redis-faults", title="Redis faults", owner=owner)
    env = worker_env(broker_url=own_redis.url, media_root=_isolated_storage, var_dir=tmp_path / "worker-var")
    worker = Worker(env, tmp_path / "worker.log")
    with broker(own_redis.url):
        worker.start()
        try:
            client = Client()
            client.login(username=owner.username, password=PASSWORD)
            upload = reverse("archive:evidence_upload", kwargs={"slug": case.slug})
            client.post(upload, {"files": [SimpleUploadedFile("long.mp4", long_recording())]})
            running = Evidence.objects.get(original_name="long.mp4")
            ocr = StageRun.objects.filter(evidence=running, stage="ocr")
            wait_until(lambda: ocr.filter(status=StageStatus.RUNNING).exists(), 120, "OCR to start", worker)
            own_redis.stop()
            shot = media.png(media.text_image(["Uploaded while the queue was down, 04.09.2023"]))
            response = client.post(upload, {"files": [SimpleUploadedFile("shot.png", shot)]}, follow=True)
            assert response.status_code == 200
            waiting = Evidence.objects.get(original_name="shot.png")
            assert waiting.status == ProcessingStatus.QUEUED
            assert waiting.status_reason == BROKER_DOWN
            with vault_open(waiting.sha256) as stored:
                assert stored.read() == shot
            time.sleep(DOWN_SECONDS)
            own_redis.start()
            # The beat does this every PROCESSING_RESUME_INTERVAL; here it runs at once.
            deadline = time.monotonic() + 240
            while not finished(running, waiting)() and time.monotonic() < deadline:
                tasks.resume_processing(pending_for=30)
                time.sleep(2)
            wait_until(finished(running, waiting), 1, "both items to finish after the restart", worker)
        finally:
            worker.stop()
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert (running.status, waiting.status) == (ProcessingStatus.DONE, ProcessingStatus.DONE), (
        running.status_reason,
        waiting.status_reason,
    )
    assert running.frames.count() == SCREENS
    assert "Uploaded while the queue was down" in waiting.frames.get().text
    assert not StageRun.objects.exclude(status__in=[StageStatus.DONE, StageStatus.SKIPPED]).exists()
    call_command("verify_archive")
