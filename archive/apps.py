from __future__ import annotations

from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Evidence archive"

    def ready(self) -> None:
        # The tasks register with Celery in every process, the web's included: archive.queues
        # sends them by name, without importing the module that runs them.
        from archive import tasks  # noqa: F401
