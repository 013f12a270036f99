from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from archive import services
from archive.dates import parse_posted_at
from archive.locale_tags import locale_of
from archive.models import CollectionMethod
from archive.pipeline import frames, identify, ocr, probe
from archive.pipeline.base import StageFailed, StageSkipped
from archive.vault import spool
from timeline.extract.cues import Candidate, CueDraft, draft_cues
from timeline.headlines import headline_lookup
from timeline.intervals import intersect
from timeline.selectors import item_facts

STAGES = (identify.STAGE, probe.STAGE, frames.STAGE, ocr.STAGE)


class _Discard(Exception):
    """Raised to roll back everything one file's run wrote."""


class Command(BaseCommand):
    help = (
        "Read the dated cues of files (pictures, recordings, PDFs, .txt) without storing anything: "
        "runs identify, probe, frames, ocr and cues in a transaction that is rolled back, with a "
        "scratch vault that is deleted. Prints one JSON object per file with --json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--json", action="store_true", help="One JSON object per file.")
        parser.add_argument(
            "--headlines-db",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Match lines against the imported headline corpus (default on; --no-headlines-db turns it off).",
        )
        parser.add_argument(
            "--lang", default=None, help="OCR languages, e.g. eng+rus (default OCR_LANGUAGES; --locale adds its pack)."
        )
        parser.add_argument(
            "--locale",
            default=None,
            metavar="BCP47",
            help="The device's locale, e.g. en-US or tr-TR: settles numeric dates such as 04/09/2023.",
        )
        parser.add_argument(
            "--not-after",
            default=None,
            metavar="YYYY-MM-DD",
            help="A known upper bound such as the upload date; places dates shown without a year.",
        )

    def handle(self, *args: Any, paths: list[Path], headlines_db: bool, lang: str | None, **options: Any) -> None:
        self.locale = _locale(options["locale"])
        self.not_after = _day(options["not_after"])
        failures = 0
        with tempfile.TemporaryDirectory(prefix="extract-cues-") as scratch:
            storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                         "OPTIONS": {"location": scratch}}}  # fmt: skip
            with override_settings(STORAGES=storages, OCR_LANGUAGES=lang or settings.OCR_LANGUAGES):
                for path in paths:
                    record = self._extract(path, headlines_db)
                    failures += "error" in record
                    self._report(record, options["json"])
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) could not be read.")

    def _extract(self, path: Path, headlines_db: bool) -> dict[str, Any]:
        if not path.is_file():
            return {"file": str(path), "error": "not a file"}
        record: dict[str, Any] = {"file": str(path)}
        try:
            with transaction.atomic():
                user = get_user_model().objects.create(username=f"extract-cues-{path.name[:100]}"[:150])
                # The device's locale is the scratch case's default: OCR adds its Tesseract pack.
                case = services.case_create_unique(title="scratch", owner=user, default_locale=self.locale or "")
                with path.open("rb") as source, spool(source, name=path.name) as spooled:
                    evidence = services.evidence_collect(
                        case=case,
                        spooled=spooled,
                        provenance=services.ProvenanceInput(method=CollectionMethod.BULK_IMPORT),
                        actor=None,
                    ).evidence
                for stage in STAGES:
                    try:
                        stage.run(evidence)
                    except StageSkipped:
                        continue
                    except StageFailed as error:
                        record["error"] = f"{stage.name}: {error}"
                        raise _Discard from None
                facts = item_facts(evidence)
                # The scratch copy's receipt says nothing about the file.
                facts.received = None
                if self.locale:
                    facts.locale = self.locale
                if self.not_after:
                    facts.posted.append((self.not_after, "day"))
                drafts, candidates = draft_cues(facts, headline_lookup() if headlines_db else None)
                interval = intersect(drafts)
                record["content_type"] = evidence.content_type
                record["ocr_languages"] = evidence.metadata.get("ocr", {}).get("languages")
                record["cues"] = [_cue(d) for d in drafts]
                record["candidates"] = [
                    {"text": c.text, "locator": c.locator, "reason": c.reason} for c in candidates if c.kind == "date"
                ]
                record["unmatched_headlines"] = [_unmatched(c) for c in candidates if c.kind == "headline"]
                record["capture_interval"] = {
                    "earliest": _iso(interval.earliest),
                    "latest": _iso(interval.latest),
                    "conflict": interval.empty,
                }
                raise _Discard
        except _Discard:
            pass
        except services.EvidenceRejected as error:
            record["error"] = str(error)
        return record

    def _report(self, record: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(record, ensure_ascii=False))
            return
        if "error" in record:
            self.stderr.write(f"{record['file']}: {record['error']}")
            return
        interval = record["capture_interval"]
        self.stdout.write(
            f"{record['file']}: captured between {interval['earliest'] or '-'} and {interval['latest'] or '-'}"
        )
        for cue in record["cues"]:
            self.stdout.write(
                f"  {cue['bound']:10} {cue['earliest'] or '-'} .. {cue['latest'] or '-'}  {cue['kind']} "
                f"({cue['strength']}): {cue['text']}"
            )
        for line in record["unmatched_headlines"]:
            self.stdout.write(f"  not in the corpus, a headline to look up: {line['text']}")


def _locale(tag: str | None) -> str | None:
    if tag is None:
        return None
    if locale_of(tag) is None:
        raise CommandError(f"--locale {tag!r} is not a locale CLDR knows; write it as BCP 47, e.g. en-US or tr-TR.")
    return tag


def _day(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment, granularity = parse_posted_at(text)
    except ValueError as error:
        raise CommandError(f"--not-after: {error}") from None
    if moment is None or granularity != "day":
        raise CommandError(f"--not-after {text!r} is not a day written as YYYY-MM-DD.")
    return moment


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _cue(draft: CueDraft) -> dict[str, Any]:
    return {
        "kind": draft.kind,
        "bound": draft.bound,
        "earliest": _iso(draft.earliest),
        "latest": _iso(draft.latest),
        "granularity": draft.granularity,
        "strength": draft.strength,
        "time_zone": draft.time_zone,
        "text": draft.text,
        "locator": draft.locator,
        "details": draft.details,
    }


def _unmatched(candidate: Candidate) -> dict[str, Any]:
    """A headline candidate as JSON; one only seen on a front page with its lead to the article."""
    found = {"text": candidate.text, "locator": candidate.locator}
    if candidate.lead:
        found.update(lead=candidate.lead, lead_url=candidate.lead_url)
    return found
