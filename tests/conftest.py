from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import kombu.pools
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from PIL import Image

from archive import services
from archive.models import Case, CollectionMethod, Evidence, Membership
from archive.roles import Role
from archive.vault import spool
from config.celery import app, celery_settings

PASSWORD = "correct horse battery staple"
# Real reference data shared by the team (../shared/data beside the repository).
SHARED_DATA = Path(os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_file(*parts: str) -> Path:
    """A file of the shared data, or a skip that says where it was looked for."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"needs the shared data file {path} (set SHARED_DATA to its folder)")
    return path


@pytest.fixture(autouse=True)
def _isolated_storage(settings: object, tmp_path: Path) -> Path:
    """Every test gets its own vault on disk."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media), "file_permissions_mode": 0o444},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = None
    # Fast hashing for the many test users; the real hasher is Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return media


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/MediaBox[0 0 3 3]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_user(username: str) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, password=PASSWORD)


def collect(
    case: Case, data: bytes, name: str, actor: AbstractBaseUser | None = None, **provenance: object
) -> services.CollectResult:
    with spool(io.BytesIO(data), name=name) as spooled:
        return services.evidence_collect(
            case=case,
            spooled=spooled,
            provenance=services.ProvenanceInput(method=CollectionMethod.UPLOAD, **provenance),
            actor=actor,
        )


@dataclass
class World:
    """A case with an owner, a member of every other role, an outsider and one item."""

    case: Case
    owner: AbstractBaseUser
    members: dict[str, AbstractBaseUser]
    outsider: AbstractBaseUser
    evidence: Evidence

    def user(self, role: str) -> AbstractBaseUser:
        return self.owner if role == Role.OWNER else self.members[role]

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(case=self.case, user=self.user(role))


@pytest.fixture
def world(db: None) -> World:
    owner = make_user("olga_owner")
    case = services.case_create(slug="ntechlab", title="NTechLab gig work", owner=owner)
    members = {}
    for role in Role:
        if role != Role.OWNER:
            members[role] = make_user(f"user_{role}")
            services.membership_add(case=case, user=members[role], role=role, actor=owner)
    outsider = make_user("oscar_outsider")
    # The outsider owns a case of their own, so they are a real user of the system.
    services.case_create(slug="other", title="Another case", owner=outsider)
    result = collect(case, png_bytes(), "task.png", actor=members[Role.CONTRIBUTOR], platform="Toloka")
    return World(case=case, owner=owner, members=members, outsider=outsider, evidence=result.evidence)


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Send tasks to the broker at ``url`` (not in-process) for the duration, then restore."""
    with celery_settings(broker_url=url, task_always_eager=False):
        _drop_broker_connections()
        try:
            yield
        finally:
            _drop_broker_connections()


def _drop_broker_connections() -> None:
    """Make the app connect again, to the broker URL it has now."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def in_process() -> Iterator[None]:
    """Run tasks in this process, whatever the environment's broker says."""
    with celery_settings(task_always_eager=True):
        yield


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
