from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from archive.tasks import resume_processing


class Command(BaseCommand):
    help = (
        "Send again the stages that the broker lost or whose worker died: stages pending for longer than "
        "--older-than seconds, and stages running past their time limit. Workers started with --beat run "
        "this every PROCESSING_RESUME_INTERVAL seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=float, default=None, help="Default: PROCESSING_RESUME_INTERVAL.")

    def handle(self, *args: Any, older_than: float | None, **options: Any) -> None:
        count = resume_processing(older_than if older_than is not None else settings.PROCESSING_RESUME_INTERVAL)
        self.stdout.write(f"Sent {count} stage(s) again.")
