from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import Case, Membership, SearchKind
from archive.search import MAX_COUNTED, query_parse, search_hits
from timeline.models import Entity
from timeline.selectors import items_narrowed


class Command(BaseCommand):
    help = (
        "Search what a case holds (text read on screen, text layers, provenance, cues, headlines, review notes): "
        'words, "quoted phrases" and prefixes (размет*). One hit a line, or one JSON object a line with --json.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="+", metavar="QUERY")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--case", metavar="SLUG")
        where.add_argument("--all-cases", action="store_true", help="Every case of --user.")
        parser.add_argument("--user", metavar="USERNAME", help="Search as this person: only the cases they are in.")
        parser.add_argument("--kind", action="append", choices=SearchKind.values, default=[])
        parser.add_argument("--entity", metavar="NAME", help="Only items linked to this entity or naming it.")
        parser.add_argument("--captured-from", metavar="YYYY-MM-DD", type=date.fromisoformat)
        parser.add_argument("--captured-to", metavar="YYYY-MM-DD", type=date.fromisoformat)
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = Case.objects.all()
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
            cases = cases.filter(pk__in=Membership.objects.filter(user=user).values("case"))
        elif options["all_cases"]:
            raise CommandError("--all-cases searches the cases of one person: name them with --user.")
        if options["case"]:
            cases = cases.filter(slug=options["case"])
            if not cases.exists():
                raise CommandError(f"No case {options['case']!r} (or the user is not in it).")
        query = query_parse(" ".join(options["query"]))
        if query.empty:
            raise CommandError("The query has no words to look for.")
        chosen = list(cases.values_list("pk", flat=True))
        items = None
        if options["entity"] or options["captured_from"] or options["captured_to"]:
            entity = None
            if options["entity"]:
                entity = Entity.objects.filter(case__in=chosen, name__iexact=options["entity"]).first()
                if entity is None:
                    raise CommandError(f"No entity named {options['entity']!r} in these cases.")
            items = items_narrowed(chosen, entity=entity, captured_from=options["captured_from"],
                                   captured_to=options["captured_to"])  # fmt: skip
        hits, total = search_hits(query, cases=chosen, kinds=options["kind"], items=items, limit=options["limit"])
        for hit in hits:
            entry = hit.entry
            if options["json"]:
                record = {"evidence": entry.evidence_id, "case": entry.evidence.case.slug, "kind": entry.kind,
                          "text": entry.text, "frame": entry.frame, "time": entry.time, "box": entry.box,
                          "score": hit.score}  # fmt: skip
                self.stdout.write(json.dumps(record, ensure_ascii=False))
            else:
                at = f" at {entry.time:g} s" if entry.time is not None else ""
                name = entry.evidence.original_name
                self.stdout.write(f"#{entry.evidence_id} {name} [{entry.kind}{at}] {entry.text}")
        if not options["json"]:
            counted = f"more than {MAX_COUNTED}" if total > MAX_COUNTED else str(total)
            self.stdout.write(f"{counted} hit(s)" + (f", the first {len(hits)} shown" if total > len(hits) else ""))
