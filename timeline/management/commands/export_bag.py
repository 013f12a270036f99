from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from archive.models import Case
from timeline.bags import BagError, bag_export


class Command(BaseCommand):
    help = "Write a case (or some of its items) as a BagIt package (RFC 8493) into a new or empty folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", required=True)
        parser.add_argument(
            "--evidence", action="append", help="Only this item (its id); repeat it, or give ids with commas: 3,5"
        )
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        try:
            chosen = [int(pk) for given in options["evidence"] or [] for pk in given.split(",") if pk.strip()]
        except ValueError:
            raise CommandError(f"--evidence takes item ids, not {options['evidence']}.") from None
        try:
            summary = bag_export(case=case, directory=options["directory"], actor=None, evidence_ids=chosen or None)
        except BagError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {summary.path}: {summary.items} items, {summary.files} files, {filesizeformat(summary.size)}; "
            f"custody entry {summary.entry.sequence}, head {summary.entry.entry_hash}."
        )
