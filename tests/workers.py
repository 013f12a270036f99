"""A real Celery worker process against real Redis, sharing the test database and vault.

Tests that use these run where REDIS_URL is set (CI sets it). They use a Redis
database of their own (number 15), emptied before and after. A test module
takes the ``test_broker`` fixture by importing ``test_broker_fixture``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection

from tests.conftest import broker

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(*, broker_url: str, media_root: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker that shares this test's database, broker and vault."""
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "VAR_DIR": str(var_dir),
        "DEBUG": "1",
        **extra,
    }


# Imported by a test module under this function's name; tests ask for it as ``test_broker``.
@pytest.fixture(name="test_broker")
def test_broker_fixture() -> Iterator[str]:
    """A Redis database of the tests' own (number 15), emptied before and after."""
    url = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    with broker(url):
        yield url
    client.flushdb()


class Worker:
    """A `celery worker` process group for one test."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,heavy", "-c", "2"]
                + ["-n", f"test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", "-l", "INFO"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while b" ready." not in self.log.read_bytes()[offset:]:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)

    def children(self) -> list[int]:
        pid = self.process.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def kill_children(self) -> None:
        for pid in self.children():
            os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill_all()
