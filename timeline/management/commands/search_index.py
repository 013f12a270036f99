from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case, Evidence
from archive.search import search_index_item
from timeline.services import search_index_cues


class Command(BaseCommand):
    help = "Write the search index anew: every item's text, provenance, cues, headlines and review notes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", required=True)
        parser.add_argument("--case", metavar="SLUG")

    def handle(self, *args: Any, case: str | None, **options: Any) -> None:
        items = Evidence.objects.all()
        if case:
            if not Case.objects.filter(slug=case).exists():
                raise CommandError(f"No case {case!r}.")
            items = items.filter(case__slug=case)
        count = entries = 0
        for evidence in items.iterator(chunk_size=200):
            entries += search_index_item(evidence)
            search_index_cues(evidence)
            count += 1
        self.stdout.write(f"{count} item(s) indexed again ({entries} entries of their text and provenance)")
