from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive import services
from archive.models import Case, Evidence, ProcessingStatus
from archive.pipeline.stages import STAGE_NAMES

FINAL = (ProcessingStatus.DONE, ProcessingStatus.FAILED)


class Command(BaseCommand):
    help = (
        "Queue a case's items for processing, from --stage on (default: from the start). "
        "With --wait, wait until they finish and exit 1 if any failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", required=True, help="The case's slug.")
        parser.add_argument("--evidence", type=int, action="append", help="Only this item (repeatable).")
        parser.add_argument("--stage", choices=STAGE_NAMES, help="Re-run from this stage on.")
        parser.add_argument("--wait", action="store_true", help="Wait for the items to finish.")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        items = Evidence.objects.filter(case=case).select_related("case").order_by("pk")
        if options["evidence"]:
            items = items.filter(pk__in=options["evidence"])
            missing = set(options["evidence"]) - set(items.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No evidence {', '.join(f'#{n}' for n in sorted(missing))} in case {case.slug}.")
        ids = []
        for evidence in items:
            try:
                first = services.evidence_process(evidence=evidence, stage=options["stage"])
            except services.ServiceError as error:
                self.stderr.write(f"#{evidence.pk} {evidence.original_name}: {error}")
                continue
            ids.append(evidence.pk)
            self.stdout.write(f"#{evidence.pk} {evidence.original_name}: queued from {first}")
        if options["wait"]:
            self._wait(ids, options["timeout"])

    def _wait(self, ids: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while Evidence.objects.filter(pk__in=ids).exclude(status__in=FINAL).exists():
            if time.monotonic() > deadline:
                raise CommandError(f"Gave up waiting after {timeout:.0f} s; the items go on in the background.")
            time.sleep(1)
        failed = 0
        for evidence in Evidence.objects.filter(pk__in=ids).order_by("pk"):
            reason = f": {evidence.status_reason}" if evidence.status_reason else ""
            self.stdout.write(f"#{evidence.pk} {evidence.get_status_display()}{reason}")
            failed += evidence.status == ProcessingStatus.FAILED
        if failed:
            raise CommandError(f"{failed} of {len(ids)} item(s) failed.")
