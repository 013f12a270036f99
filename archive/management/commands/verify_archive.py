from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.custody import custody_replay, custody_verify
from archive.models import Case, Evidence, TrustedTimestamp
from archive.timestamps import timestamps_check
from archive.vault import vault_rehash
from timeline.integrity import corpus_check, timeline_replay


class Command(BaseCommand):
    help = (
        "Re-hash every original, re-check every custody chain, compare the evidence, provenance and timeline rows "
        "(cues, reviews, sign-offs, key events, members, OCR text) with what the chain recorded, recompute every "
        "capture interval from its cues, check every trusted timestamp offline and check the headline corpus. "
        "Exits 0 when all is intact, 1 after listing every problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", help="Check only this case (its slug).")

    def handle(self, *args: Any, case: str | None, **options: Any) -> None:
        cases = Case.objects.order_by("slug")
        if case:
            cases = cases.filter(slug=case)
            if not cases.exists():
                raise CommandError(f"No case {case!r}.")
        problems = 0
        items = 0
        for checked in cases:
            evidence = (
                Evidence.objects.filter(case=checked).order_by("pk").only("pk", "sha256", "size", "original_name")
            )
            for item in evidence.iterator(chunk_size=500):
                items += 1
                found = vault_rehash(item.sha256)
                if found is None:
                    message = "its original is missing from storage"
                elif found != (item.sha256, item.size):
                    message = f"its original changed: now {found[1]} bytes with SHA-256 {found[0]}"
                else:
                    continue
                problems += 1
                self.stdout.write(
                    f"case {checked.slug}: evidence #{item.pk} ({item.original_name}, sha256 {item.sha256}): {message}"
                )
            checks = [*custody_verify(checked), *custody_replay(checked), *timeline_replay(checked)]
            for problem in [*checks, *timestamps_check(checked)]:
                problems += 1
                self.stdout.write(str(problem))
        for message in corpus_check():
            problems += 1
            self.stdout.write(message)
        if problems:
            raise CommandError(f"{problems} problem{'s' if problems != 1 else ''} found in {len(cases)} case(s).")
        tokens = TrustedTimestamp.objects.filter(case__in=cases).count()
        self.stdout.write(
            f"All intact: {items} originals, {len(cases)} custody chain(s) and {tokens} trusted timestamp(s) verified."
        )
