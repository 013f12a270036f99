from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case, Evidence
from timeline.models import MentionStatus
from timeline.selectors import case_mentions
from timeline.services import mentions_propose


class Command(BaseCommand):
    help = (
        "The mentions of a case's entities: where their names are read in its items, proposed, confirmed or "
        "rejected. --look-again looks for them in every item first (as the background scan does, in this process)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", metavar="SLUG", required=True)
        parser.add_argument("--entity", metavar="NAME", help="Only this entity's mentions (its name, any case).")
        parser.add_argument("--status", choices=MentionStatus.values)
        parser.add_argument("--look-again", action="store_true")
        parser.add_argument("--json", action="store_true", help="One JSON object per mention.")

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        entity = None
        if options["entity"]:
            entity = case.entities.filter(name__iexact=options["entity"]).first()
            if entity is None:
                raise CommandError(f"The case has no entity named {options['entity']!r}.")
        if options["look_again"]:
            for evidence in Evidence.objects.filter(case=case).order_by("pk"):
                mentions_propose(evidence=evidence)
        found = case_mentions(case, entity=entity.pk if entity else None, status=options["status"] or "")
        for mention in found:
            locator = mention.locator or {}
            if options["json"]:
                record = {"evidence": mention.evidence_id, "entity": mention.entity.name, "name": mention.name,
                          "text": mention.text, "line": mention.line, "how": mention.how, "score": mention.score,
                          "status": mention.status, "frame": locator.get("frame"), "time": locator.get("time"),
                          "page": locator.get("page"), "box": locator.get("box"),
                          "sightings": locator.get("sightings", 1)}  # fmt: skip
                self.stdout.write(json.dumps(record, ensure_ascii=False))
            else:
                at = f" at {locator['time']:g} s" if locator.get("time") is not None else ""
                where = f"#{mention.evidence_id} {mention.entity.name} [{mention.status}{at}]"
                self.stdout.write(f"{where} “{mention.text}”: {mention.how}")
        if not options["json"]:
            self.stdout.write(f"{found.count()} mention(s)")
