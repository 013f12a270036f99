"""The demo case, built the way a newsroom would build it: collected, processed, placed against the sanctions.

Everything goes through the services and the real pipeline (run in this
process), and the first recording is collected through the URL collector from
a page served on this machine, as a reporter would paste the platform's link.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.test import override_settings
from playwright.sync_api import Error as PlaywrightError

from archive import services
from archive.collect.jobs import url_collect_request, url_collection_execute
from archive.dates import parse_posted_at
from archive.models import Case, CollectionMethod, Evidence, ProcessingStatus, SimilarLink, UrlCollection
from archive.roles import Role
from archive.vault import spool
from config.celery import celery_settings
from demo.assets import (
    HEADLINES_CSV,
    LEGAL_ACT,
    LEGAL_ACT_URL,
    PLATFORM,
    PROVENANCE,
    SANCTION_DAY,
    AssetsFailed,
    build_assets,
)
from timeline import services as timeline_services
from timeline.headlines import headlines_import
from timeline.intervals import verdict
from timeline.models import Entity, KeyEvent, ReferenceHeadline
from timeline.selectors import interval_of, with_intervals

# Published on purpose: the demo runs only with DEBUG on.
DEMO_PASSWORD = "demo-evidence-2023"  # noqa: S105
DEMO_USERS = {
    "owner": Role.OWNER,
    "editor": Role.EDITOR,
    "factchecker": Role.FACT_CHECKER,
    "outsider": None,
}
DEMO_SLUG = "ntechlab-tevian"
ENTITIES = {
    "NTechLab": ["NtechLab", "НТехЛаб", "Ntech Lab LLC"],
    "Tevian": ["Тевиан", "Tevian LLC"],
}
# The uploads, in the order a reporter received them; the first recording comes by URL.
UPLOADS = ["task-recording-2.mp4", "social-post-dec-2023.png", "taskbar-june-2023.png", "regulation.pdf"]

Say = Callable[[str], None]


def demo_users() -> dict[str, Any]:
    users = {}
    for name in DEMO_USERS:
        user, created = get_user_model().objects.get_or_create(username=name)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[name] = user
    return users


class DemoFailed(Exception):
    """The demo could not be built as it should be; the message says what to do."""


def demo_case_build(say: Say) -> Case:
    """Build the demo case once and check it came out as the story needs; later calls check it again.

    1. The evidence files, made by ``demo.assets`` under $VAR_DIR/demo-assets, and
       the reference headlines (the shared corpus where present, and the demo's
       own): what can fail for want of a program fails before anything is written.
    2. Logins, the case and its members; the entities and their listing of 20 July 2023.
    3. The first recording collected from its post page, served on this machine;
       the other files uploaded with their provenance. Each is processed at once.
    4. Every item linked to the entities it is about; then the verdicts checked.
    """
    users = demo_users()
    case = Case.objects.filter(slug=DEMO_SLUG).first()
    if case is not None:
        _check(case)
        return case
    folder = settings.VAR_DIR / "demo-assets"
    say(f"Making the demo's files in {folder} (Chromium and ffmpeg)...")
    try:
        assets = build_assets(folder)
    except (AssetsFailed, PlaywrightError, OSError) as error:
        raise DemoFailed(
            f"The demo's files could not be made: {error}. "
            "Run scripts/install-system-packages.sh (Chromium, ffmpeg), then make demo again."
        ) from None
    _import_headlines(say)
    owner = users["owner"]
    case = services.case_create(
        slug=DEMO_SLUG,
        title="NTechLab and Tevian: gig-work tasks after the EU sanctions (demo)",
        description="Did the companies keep posting labelling tasks after their EU listing on 20 July 2023?",
        owner=owner,
    )
    for name, role in DEMO_USERS.items():
        if role and role != Role.OWNER:
            services.membership_add(case=case, user=users[name], role=role, actor=owner)
    entities = {name: timeline_services.entity_add(case=case, name=name, kind=Entity.Kind.ORGANISATION,
                                                   aliases=aliases, actor=users["editor"])
                for name, aliases in ENTITIES.items()}  # fmt: skip
    for name in ENTITIES:
        timeline_services.event_add(
            case=case, title=f"EU listing of {name}", day=date.fromisoformat(SANCTION_DAY), actor=users["editor"],
            entity_name=name, legal_act=LEGAL_ACT, source_url=LEGAL_ACT_URL,
            note="Global human rights sanctions regime (Regulation (EU) 2020/1998).",
        )  # fmt: skip
    with _in_process():
        say("Collecting the first recording from its post page, served on this machine...")
        collected = _collect_by_url(case, assets.post_page, users["owner"])
        for item in collected:
            # The collector names the host it was served from; the reporter names the platform.
            services.provenance_update(provenance=item.provenance.get(), actor=users["owner"],
                                       changes={"platform": PLATFORM})  # fmt: skip
        items = [*collected]
        for name in UPLOADS:
            say(f"Uploading and processing {name}...")
            items.append(_upload(case, assets.directory / name, users["owner"]))
    for item in items:
        linked = list(entities.values()) if item.kind == "document" else [entities["NTechLab"]]
        timeline_services.entities_link(evidence=item, entities=linked, actor=users["editor"])
    _check(case)
    return case


# What the story needs from each item, against the listing of 20 July 2023.
EXPECTED = {
    "collected recording": "after",
    "task-recording-2.mp4": "undetermined",
    "social-post-dec-2023.png": "undetermined",
    "taskbar-june-2023.png": "before",
}


def demo_case_problems(case: Case) -> list[str]:
    """What is wrong with a built demo case: items missing or failed, verdicts not as the story needs."""
    job = UrlCollection.objects.filter(case=case).select_related("media").first()
    items = {item.original_name: item for item in with_intervals(Evidence.objects.filter(case=case))}
    if job is None or job.media is None or len(items) != len(UPLOADS) + 2:
        return [f"it holds {len(items)} items instead of {len(UPLOADS) + 2}"]
    problems = [f"{name} is {item.status}: {item.status_reason}" for name, item in items.items()
                if item.status != ProcessingStatus.DONE]  # fmt: skip
    event = KeyEvent.objects.filter(case=case).order_by("pk").first()
    for name, expected in EXPECTED.items():
        item = items.get(job.media.original_name if name == "collected recording" else name)
        if item is None or event is None:
            problems.append(f"{name} or the key event is missing")
            continue
        found = verdict(interval_of(item, "p_"), event.moment).outcome
        if found != expected:
            problems.append(f"{name} is {found} against {event.title}, not {expected}")
    second = items.get("task-recording-2.mp4")
    linked = SimilarLink.objects.filter(Q(first=job.media, second=second) | Q(first=second, second=job.media))
    if second is not None and not linked.exists():
        problems.append("the two recordings are not linked as near-duplicates")
    return problems


def _check(case: Case) -> None:
    problems = demo_case_problems(case)
    if problems:
        database = settings.DATABASES["default"]
        where = database["NAME"] if database["ENGINE"].endswith("sqlite3") else "the demo's database"
        raise DemoFailed(
            f"The demo case did not come out as it should: {'; '.join(problems)}. If an earlier run stopped "
            f"part-way, remove {where} and run make demo again; otherwise the pipeline misread a file "
            "(check that Tesseract has its rus and eng data)."
        )


def _import_headlines(say: Say) -> None:
    shared = Path(os.environ.get("SHARED_DATA", settings.BASE_DIR.parent / "shared" / "data")) / "headlines"
    files = sorted(shared.glob("*.csv")) if shared.is_dir() else []
    if not files:
        say(f"No shared headlines in {shared}; importing the demo's own only.")
    for path in [*files, HEADLINES_CSV]:
        if ReferenceHeadline.objects.filter(source=path.name).exists():
            continue
        result = headlines_import(path)
        say(f"Imported {result.imported:,} headlines from {path.name}.")


@contextmanager
def _in_process() -> Iterator[None]:
    """Run the pipeline here, whatever broker the environment names: the demo is ready when the command ends."""
    # One line per finished task would bury what the command says.
    tasks_log = logging.getLogger("celery.app.trace")
    level = tasks_log.level
    tasks_log.setLevel(logging.WARNING)
    try:
        with celery_settings(task_always_eager=True):
            yield
    finally:
        tasks_log.setLevel(level)


# Where the platform's post is served on this machine: the path of its public address.
POST_PATH = "/posts/48213"


def _collect_by_url(case: Case, page: Path, actor: Any) -> list[Evidence]:
    handler = functools.partial(_PlatformHandler, directory=str(page.parent), post=page.name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}{POST_PATH}"
    # The collector refuses this machine's addresses, except those the settings allow.
    loopback = [ipaddress.ip_network("127.0.0.1/32")]
    try:
        with override_settings(URL_FETCH_ALLOWED_NETWORKS=loopback):
            [job] = url_collect_request(case=case, urls=[(url, PROVENANCE["task-recording.mp4"].notes)], actor=actor)
            job.refresh_from_db()
            if job.status == UrlCollection.Status.QUEUED:
                job = url_collection_execute(job_id=job.pk, task_id=f"demo-{job.pk}") or job
    finally:
        server.shutdown()
        server.server_close()
    if job.status != UrlCollection.Status.DONE or job.media is None:
        raise RuntimeError(f"The demo could not collect the recording from {url}: {job.reason}")
    return [item for item in (job.media, job.page) if item is not None]


class _PlatformHandler(http.server.SimpleHTTPRequestHandler):
    """The demo's folder as a platform would serve it: the post at its own path, quietly."""

    def __init__(self, *args: Any, post: str, **kwargs: Any) -> None:
        self.post = post
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        path = path.split("?")[0]
        if path == POST_PATH:
            return super().translate_path(f"/{self.post}")
        # The page names the recording relative to itself.
        return super().translate_path("/" + path.rsplit("/", 1)[-1])

    def guess_type(self, path: str) -> str:
        return "text/html" if path.endswith(self.post) else super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class names it so)
        pass


def _upload(case: Case, path: Path, actor: Any) -> Evidence:
    facts = PROVENANCE[path.name]
    moment, granularity = parse_posted_at(facts.posted_at)
    provenance = services.ProvenanceInput(
        method=CollectionMethod.UPLOAD, source_url=facts.source_url, platform=facts.platform, account=facts.account,
        post_id=facts.post_id, posted_at=moment, posted_at_granularity=granularity, notes=facts.notes,
    )  # fmt: skip
    with path.open("rb") as handle, spool(handle, name=path.name) as spooled:
        result = services.evidence_collect(case=case, spooled=spooled, provenance=provenance, actor=actor)
    result.evidence.refresh_from_db()
    return result.evidence
