from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case, Evidence
from timeline.models import IntervalMode
from timeline.selectors import PREFIX, case_events, item_records, with_intervals


class Command(BaseCommand):
    help = (
        "Print each item's capture interval and its verdict against every key event of the case: "
        "provisional (every cue not rejected) or, with --verified, confirmed cues only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", required=True)
        parser.add_argument("--verified", action="store_true")
        parser.add_argument("--json", action="store_true", help="One JSON object per item.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = Case.objects.filter(slug=options["case"]).first()
        if found is None:
            raise CommandError(f"No case {options['case']!r}.")
        prefix = PREFIX[IntervalMode.VERIFIED if options["verified"] else IntervalMode.PROVISIONAL]
        items = with_intervals(Evidence.objects.filter(case=found)).order_by("pk")
        for record in item_records(items, case_events(found), prefix):
            if options["json"]:
                shape = ("id", "sha256", "capture_interval", "verdicts", "cues", "conflict")
                self.stdout.write(json.dumps({key: record[key] for key in shape}, ensure_ascii=False))
            else:
                self.stdout.write(_line(record))


def _line(record: dict[str, Any]) -> str:
    verdicts = ", ".join(f"{v['verdict']} {v['event']}" for v in record["verdicts"]) or "no events"
    interval = record["capture_interval"]
    return f"#{record['id']} {record['name']}: {interval['earliest'] or '-'} .. {interval['latest'] or '-'}: {verdicts}"
