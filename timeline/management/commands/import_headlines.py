from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.headlines import CorpusError, headlines_import


class Command(BaseCommand):
    help = (
        "Import dated reference headlines from CSV files (published_at,title[,outlet,url,language]; "
        "published_at a date or an ISO date-time with offset) or RSS/Atom feeds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
            started = time.perf_counter()
            try:
                result = headlines_import(path)
            except (CorpusError, UnicodeDecodeError, OSError) as error:
                raise CommandError(f"{path}: {error}") from None
            seconds = time.perf_counter() - started
            rate = result.imported / seconds if seconds else 0
            self.stdout.write(
                f"{path}: {result.imported} headlines imported, {result.already} already in the corpus, "
                f"{result.skipped} skipped "
                f"({seconds:.1f} s, {rate:,.0f} rows/s)"
            )
            for problem in result.first_problems or []:
                self.stdout.write(f"  skipped {problem}")
