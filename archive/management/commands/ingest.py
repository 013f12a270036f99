from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator

from archive import services
from archive.dates import parse_locale, parse_posted_at
from archive.identify import shown_path
from archive.models import Case, CollectionMethod, EvidenceKind
from archive.vault import spool

MANIFEST_COLUMNS = ("path", "source_url", "platform", "account", "posted_at", "notes")
# Columns a manifest may add.
MANIFEST_OPTIONAL_COLUMNS = ("post_id", "locale")


class Command(BaseCommand):
    help = (
        "Put files into a case's vault. Directories are walked. With --manifest, a CSV with the columns "
        f"{','.join(MANIFEST_COLUMNS)} ({' and '.join(MANIFEST_OPTIONAL_COLUMNS)} optional) gives per-file "
        "provenance; its paths are relative to the manifest. With --json, prints one JSON object per file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", metavar="PATH")
        parser.add_argument("--case", required=True, help="The case's slug.")
        parser.add_argument("--source-url", default="")
        parser.add_argument("--platform", default="")
        parser.add_argument("--collected-by", help="Username recorded as the collector.")
        parser.add_argument("--kind", choices=EvidenceKind.values, default="", help="Default: from the content.")
        parser.add_argument(
            "--locale",
            default="",
            metavar="BCP47",
            help="The device locale of every file, e.g. en-US; a manifest row's locale wins.",
        )
        parser.add_argument("--manifest", type=Path, help="CSV of per-file provenance.")
        parser.add_argument("--json", action="store_true", help="One JSON object per file on stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}; create it with create_case.")
        actor = None
        if options["collected_by"]:
            actor = get_user_model().objects.filter(username=options["collected_by"]).first()
            if actor is None:
                raise CommandError(f"No user {options['collected_by']!r}.")
        try:
            _check_url(options["source_url"])
            locale = parse_locale(options["locale"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        defaults = services.ProvenanceInput(
            method=CollectionMethod.BULK_IMPORT,
            source_url=options["source_url"],
            platform=options["platform"],
            locale=locale,
        )
        manifest = options["manifest"]
        rows = _read_manifest(manifest) if manifest else {}
        skip = manifest.resolve() if manifest else None
        paths = list(dict.fromkeys([*_walk([Path(p) for p in options["paths"]], skip), *rows]))
        if not paths:
            raise CommandError("Nothing to ingest: give file or directory paths, or a --manifest.")

        failures = 0
        for path in paths:
            row = rows.get(path, {})
            try:
                result = self._ingest_one(case, path, _provenance(defaults, row), actor, options["kind"])
            except (OSError, ValueError, services.ServiceError) as error:
                failures += 1
                self._report(options["json"], {"file": str(path), "error": str(error)})
                continue
            evidence = result.evidence
            # With tasks run in this process, processing has finished by now: report where it ended.
            evidence.refresh_from_db(fields=["status"])
            self._report(
                options["json"],
                {
                    "file": str(path),
                    "id": evidence.pk,
                    "sha256": evidence.sha256,
                    "size": evidence.size,
                    "content_type": evidence.content_type,
                    "kind": evidence.kind,
                    "status": evidence.status,
                    "duplicate_of": None if result.created else evidence.pk,
                    "provenance_id": result.provenance.pk,
                    "warnings": result.warnings,
                },
            )
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) were not ingested.")

    def _ingest_one(
        self, case: Case, path: Path, provenance: services.ProvenanceInput, actor: Any, kind: str
    ) -> services.CollectResult:
        if not path.is_file():
            raise ValueError(f"{path} is not a file.")
        with path.open("rb") as source, spool(source, name=path.name) as spooled:
            return services.evidence_collect(case=case, spooled=spooled, provenance=provenance, actor=actor, kind=kind)

    def _report(self, as_json: bool, record: dict[str, Any]) -> None:
        record = {**record, "file": shown_path(record["file"])}
        if "error" in record:
            record["error"] = shown_path(record["error"])
        if as_json:
            self.stdout.write(json.dumps(record, ensure_ascii=False))
        elif "error" in record:
            self.stderr.write(f"{record['file']}: {record['error']}")
        else:
            state = (
                f"duplicate of #{record['duplicate_of']}" if record["duplicate_of"] else f"stored as #{record['id']}"
            )
            self.stdout.write(f"{record['sha256']}  {record['file']}  {state} ({record['content_type']})")
            for warning in record["warnings"]:
                self.stdout.write(f"  note: {warning}")


def _walk(paths: list[Path], skip: Path | None) -> Iterator[Path]:
    """Files named, and the files inside folders named. Links inside folders are not
    followed: a folder received from a source must not pull in the operator's own files."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                # rglob does not descend into linked folders; linked files are skipped here.
                if found.is_file() and not found.is_symlink() and found.resolve() != skip:
                    yield found
        else:
            yield path


def _read_manifest(manifest: Path) -> dict[Path, dict[str, str]]:
    """Rows by path. Paths must stay inside the manifest's folder."""
    folder = manifest.parent.resolve()
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise CommandError(f"{manifest} needs a header row with at least a 'path' column.")
            rows = {}
            for number, row in enumerate(reader, start=2):
                relative = (row.get("path") or "").strip()
                if not relative:
                    continue
                path = manifest.parent / relative
                if not path.resolve().is_relative_to(folder):
                    raise CommandError(f"{manifest}, line {number}: {relative!r} lies outside the manifest's folder.")
                rows[path] = {k: (v or "").strip() for k, v in row.items() if k}
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"Cannot read the manifest {manifest}: {error}") from None


def _provenance(defaults: services.ProvenanceInput, row: dict[str, str]) -> services.ProvenanceInput:
    if not row:
        return defaults
    posted_at, granularity = parse_posted_at(row.get("posted_at", ""))
    source_url = row.get("source_url") or defaults.source_url
    _check_url(source_url)
    return replace(
        defaults,
        source_url=source_url,
        platform=row.get("platform") or defaults.platform,
        account=row.get("account", ""),
        post_id=row.get("post_id", ""),
        posted_at=posted_at,
        posted_at_granularity=granularity,
        locale=parse_locale(row.get("locale", "")) or defaults.locale,
        notes=row.get("notes", ""),
    )


def _check_url(url: str) -> None:
    if not url:
        return
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValueError(f"{url!r} is not an http(s) URL.") from None
