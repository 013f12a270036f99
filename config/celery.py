"""The Celery application. Task settings live in config.settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# One Tesseract thread per process: worker processes, not threads, use the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

app = Celery("evidence")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
