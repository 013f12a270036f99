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
            "--evidence", action="extend", nargs="+", metavar="ID",
            help="Only these items (their ids: 3 5, or 3,5), given before the folder or after it.",
        )  # fmt: skip
        parser.add_argument("directory", nargs="?", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        given = list(options["evidence"] or [])
        directory = options["directory"]
        # "--evidence 3 5 DIR": the ids take the folder along; it is the last word that is not an id.
        if directory is None and given and not given[-1].replace(",", "").isdigit():
            directory = Path(given.pop())
        if directory is None:
            raise CommandError("Name the folder to write the bag into.")
        try:
            chosen = [int(pk) for word in given for pk in word.split(",") if pk.strip()]
        except ValueError:
            raise CommandError(f"--evidence takes item ids, not {' '.join(given)}.") from None
        try:
            summary = bag_export(case=case, directory=directory, actor=None, evidence_ids=chosen or None)
        except BagError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {summary.path}: {summary.items} items, {summary.files} files, {filesizeformat(summary.size)}; "
            f"custody entry {summary.entry.sequence}, head {summary.entry.entry_hash}."
        )
