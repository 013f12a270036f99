"""Fixtures for running the pipeline in the test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archive import services
from archive.models import Evidence
from config.celery import app
from tests.conftest import World, collect


@pytest.fixture
def in_process() -> Iterator[None]:
    """Run tasks in this process, whatever the environment's broker says."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def run_pipeline(world: World, in_process: None, django_capture_on_commit_callbacks: object) -> object:
    def run(data: bytes, name: str) -> Evidence:
        with django_capture_on_commit_callbacks(execute=True):
            evidence = collect(world.case, data, name, actor=world.owner).evidence
        evidence.refresh_from_db()
        return evidence

    return run


@pytest.fixture
def reprocess(world: World, in_process: None, django_capture_on_commit_callbacks: object) -> object:
    def run(evidence: Evidence, stage: str) -> Evidence:
        with django_capture_on_commit_callbacks(execute=True):
            services.evidence_process(evidence=evidence, stage=stage, actor=world.owner)
        evidence.refresh_from_db()
        return evidence

    return run
