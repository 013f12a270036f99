from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.collect.jobs import url_collect_request, url_collection_execute, url_problem, url_rows
from archive.models import Case, UrlCollection


class Command(BaseCommand):
    help = (
        "Collect URLs into a case: the media through yt-dlp and a picture of the page through Chromium. "
        "Runs here, not in a worker. With --csv, a file with the columns url,notes. With --json, prints one "
        "object per stored item (the same fields as ingest, with url and part) or per failed URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("urls", nargs="*", metavar="URL")
        parser.add_argument("--case", required=True)
        parser.add_argument("--csv", type=Path, help="A CSV file with the columns url,notes.")
        parser.add_argument("--notes", default="", help="Notes for the URLs given on the command line.")
        parser.add_argument("--collected-by", required=True, help="Username recorded as the collector.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        case = Case.objects.filter(slug=options["case"]).first()
        if case is None:
            raise CommandError(f"No case {options['case']!r}.")
        user = get_user_model().objects.filter(username=options["collected_by"]).first()
        if user is None:
            raise CommandError(f"No user {options['collected_by']!r}.")
        requests = [(url, options["notes"]) for url in options["urls"]]
        if options["csv"]:
            requests += _read_csv(options["csv"])
        if not requests:
            raise CommandError("Give URLs or a --csv file.")
        for url, _ in requests:
            problem = url_problem(url)
            if problem:
                raise CommandError(f"{problem}.")
        jobs = url_collect_request(case=case, urls=requests, actor=user)
        failures = 0
        for job in jobs:
            # In-process mode ran the job when it was queued; otherwise run it here.
            job.refresh_from_db()
            if job.status == UrlCollection.Status.QUEUED:
                job = url_collection_execute(job_id=job.pk, task_id=f"command-{job.pk}") or job
            failures += job.status == UrlCollection.Status.FAILED
            self._report(job, options["json"])
        if failures:
            raise CommandError(f"{failures} of {len(jobs)} URL(s) could not be collected.")

    def _report(self, job: UrlCollection, as_json: bool) -> None:
        if job.status == UrlCollection.Status.FAILED:
            record = {"url": job.url, "collection": job.pk, "error": job.reason}
            self.stdout.write(json.dumps(record, ensure_ascii=False) if as_json else f"{job.url}: failed: {job.reason}")
            return
        for part, item in (("media", job.media), ("page", job.page)):
            if item is None:
                continue
            record = {
                "url": job.url, "part": part, "collection": job.pk, "id": item.pk, "sha256": item.sha256,
                "size": item.size, "content_type": item.content_type, "kind": item.kind, "status": item.status,
                "duplicate_of": item.pk if item.provenance.count() > 1 else None, "note": job.reason,
            }  # fmt: skip
            line = (
                json.dumps(record, ensure_ascii=False)
                if as_json
                else f"{item.sha256}  {job.url} ({part}) as #{item.pk}"
            )
            self.stdout.write(line)


def _read_csv(path: Path) -> list[tuple[str, str]]:
    try:
        return url_rows(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from None
