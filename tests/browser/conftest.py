"""The product in a real browser: the system's Chromium, driven by Playwright, against the live test server.

No browser is downloaded: Playwright launches /usr/bin/chromium, as the page
collector does. Queued work runs in a real Celery worker against Redis where
REDIS_URL is set (CI), and in this process otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from archive import services
from archive.collect.page import CHROMIUM
from archive.models import Case
from archive.roles import Role
from tests.conftest import make_user
from tests.workers import Worker, test_broker_fixture, worker_env  # noqa: F401 - a fixture
from timeline import services as timeline_services
from timeline.models import KeyEvent

# Root in a container has no user namespaces for Chromium's sandbox; the page collector runs it the same way.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; each test opens its own contexts (cookies, storage) in it."""
    if not Path(CHROMIUM).is_file():
        # CI installs Chromium: there, a missing browser is a failure, not a reason to skip every browser test.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"needs the system Chromium at {CHROMIUM}")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an asyncio event loop in this thread, so Django would refuse the
        # ORM calls the tests make here (SynchronousOnlyOperation). Nothing here is really async:
        # Django documents this variable for exactly this case. It is set only while the browser runs.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@dataclass
class Newsroom:
    """A case with its key event, the people who work on it, and an outsider."""

    case: Case
    event: KeyEvent
    owner: AbstractBaseUser
    fact_checker: AbstractBaseUser
    contributor: AbstractBaseUser
    outsider: AbstractBaseUser


@pytest.fixture
def newsroom(transactional_db: None) -> Newsroom:
    owner = make_user("olga_owner")
    case = services.case_create(slug="ntechlab", title="NTechLab gig work", owner=owner)
    fact_checker, contributor = make_user("fiona_checker"), make_user("carl_contributor")
    services.membership_add(case=case, user=fact_checker, role=Role.FACT_CHECKER, actor=owner)
    services.membership_add(case=case, user=contributor, role=Role.CONTRIBUTOR, actor=owner)
    outsider = make_user("oscar_outsider")
    # The outsider has a case of their own: a real user of the system, just not of this case.
    services.case_create(slug="other", title="Another case", owner=outsider)
    event = timeline_services.event_add(case=case, title="EU listing", day=date(2023, 7, 20), actor=owner)
    return Newsroom(case, event, owner, fact_checker, contributor, outsider)


@pytest.fixture
def open_as(browser: Browser, live_server: object) -> Iterator[Callable[..., Page]]:
    """``open_as(user)`` gives a page in a fresh browser context, logged in as that user."""
    contexts: list[BrowserContext] = []

    def open_page(user: AbstractBaseUser | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the tests leave their full-page pictures: $BROWSER_SCREENSHOTS, else the test's own folder."""
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tasks:
    """Where queued tasks run: a real `celery worker` (with REDIS_URL), or this process, at once."""

    def __init__(self, worker: Worker | None) -> None:
        self.worker = worker

    @property
    def in_worker(self) -> bool:
        return self.worker is not None

    def start(self) -> None:
        """Start the worker, if there is one and it is not running; queued tasks wait in Redis until then."""
        if self.worker is not None and self.worker.process is None:
            self.worker.start()

    def log(self) -> str:
        if self.worker is None or not self.worker.log.exists():
            return "(tasks ran in this process)"
        return self.worker.log.read_text()[-4000:]


@pytest.fixture
def tasks(
    request: pytest.FixtureRequest, transactional_db: None, _isolated_storage: Path, tmp_path: Path
) -> Iterator[Tasks]:
    if not os.environ.get("REDIS_URL"):
        request.getfixturevalue("in_process")
        yield Tasks(None)
        return
    broker_url = request.getfixturevalue("test_broker")
    # The worker collects URLs too, from the tests' own server on the loopback address.
    env = worker_env(
        broker_url=broker_url, media_root=_isolated_storage, var_dir=tmp_path / "worker-var",
        URL_FETCH_ALLOWED_NETWORKS="127.0.0.1/32", URL_FETCH_TIMEOUT="20",
    )  # fmt: skip
    found = Tasks(Worker(env, tmp_path / "worker.log"))
    yield found
    found.worker.stop()
