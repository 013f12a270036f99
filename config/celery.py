"""The Celery application. Task settings live in config.settings (CELERY_*)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# One Tesseract thread per process: worker processes, not threads, use the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

app = Celery("evidence")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@contextmanager
def celery_settings(**values: object) -> Iterator[None]:
    """Change Celery settings, by their lower-case names, for the duration; then restore them.

    The settings read from Django's are kept under their CELERY_ names, which
    Celery 5.6 reads before the lower-case ones: the change is made to both.
    """
    changed = {key: value for name, value in values.items() for key in (name, f"CELERY_{name.upper()}")}
    saved = {key: app.conf.get(key) for key in changed}
    app.conf.update(changed)
    try:
        yield
    finally:
        app.conf.update(saved)
