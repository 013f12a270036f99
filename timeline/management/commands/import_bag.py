from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case
from timeline.bags import BagError, bag_import


class Command(BaseCommand):
    help = "Bring the items of a BagIt package made by export_bag into a case, checked whole first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--case", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        if not options["directory"].is_dir():
            raise CommandError(f"{options['directory']} is not a folder.")
        try:
            summary = bag_import(directory=options["directory"], case=case, actor=None)
        except BagError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Imported {len(summary.created)} new items from the case {summary.source_case!r} "
            f"({len(summary.already)} the case already had), with {summary.cues} cues added by hand there."
        )
        for evidence in summary.created + summary.already:
            self.stdout.write(f"  {evidence.pk}  {evidence.sha256}  {evidence.original_name}")
