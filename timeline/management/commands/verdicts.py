from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case
from timeline.intervals import conflicting, intersect, verdict
from timeline.models import Cue, CueStatus, KeyEvent


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
        events = list(KeyEvent.objects.filter(case=found))
        cues = Cue.objects.filter(evidence__case=found).exclude(status=CueStatus.REJECTED)
        if options["verified"]:
            cues = cues.filter(status=CueStatus.CONFIRMED)
        by_item: dict[int, list[Cue]] = {}
        for cue in cues.order_by("evidence_id", "id"):
            by_item.setdefault(cue.evidence_id, []).append(cue)
        for item in found.evidence.order_by("pk"):
            item_cues = by_item.get(item.pk, [])
            interval = intersect(item_cues)
            record = {
                "id": item.pk,
                "sha256": item.sha256,
                "capture_interval": {"earliest": _iso(interval.earliest), "latest": _iso(interval.latest)},
                "verdicts": [_verdict(interval, event) for event in events],
                "cues": len(item_cues),
                "conflict": [c.pk for c in conflicting(item_cues)] or None,
            }
            self.stdout.write(_json(record) if options["json"] else _line(item.original_name, record))


def _verdict(interval: object, event: KeyEvent) -> dict[str, Any]:
    # An event's date is the start of that day in UTC.
    moment = datetime.combine(event.date, time.min, tzinfo=UTC)
    found = verdict(interval, moment)
    return {"event": event.title, "date": event.date.isoformat(), "verdict": found.outcome,
            "margin_days": found.margin_days}  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def _line(name: str, record: dict[str, Any]) -> str:
    verdicts = ", ".join(f"{v['verdict']} {v['event']}" for v in record["verdicts"]) or "no events"
    interval = record["capture_interval"]
    return f"#{record['id']} {name}: {interval['earliest'] or '-'} .. {interval['latest'] or '-'}: {verdicts}"
