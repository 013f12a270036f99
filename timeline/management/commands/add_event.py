from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case
from timeline.models import KeyEvent
from timeline.services import ReviewError, event_add


class Command(BaseCommand):
    help = "Add a key event (a sanction listing by default) to a case's timeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", required=True)
        parser.add_argument("--title", required=True)
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--entity", default="", help="The entity's name; created in the case if new.")
        parser.add_argument("--kind", choices=KeyEvent.Kind.values, default=KeyEvent.Kind.SANCTION)
        parser.add_argument("--legal-act", default="")
        parser.add_argument("--source-url", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"{options['date']!r} is not a date in the form YYYY-MM-DD.") from None
        try:
            event = event_add(
                case=case, title=options["title"], day=day, actor=None, kind=options["kind"],
                entity_name=options["entity"], legal_act=options["legal_act"], source_url=options["source_url"],
            )  # fmt: skip
        except ReviewError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Added event {event.pk}: {event}")
