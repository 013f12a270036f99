from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline import services
from timeline.headlines import CorpusError, headlines_import
from timeline.models import HeadlineOrigin
from timeline.sources import source_import


class Command(BaseCommand):
    help = (
        "Import dated reference headlines from CSV files (published_at,title[,outlet,url,language]; "
        "published_at a date or an ISO date-time with offset), RSS/Atom feeds, news sitemaps, GDELT Global "
        "Frontpage Graph files (front-page links, kept as leads: they say when a headline was shown, not "
        "published) or WARC files of news pages (each dated from its page); or from the pages of articles "
        "(--from-url), kept in the vault with the date each page gives."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
        parser.add_argument(
            "--from-url", nargs="+", default=[], metavar="URL", help="Articles whose pages give their title and date."
        )
        parser.add_argument("--feed", nargs="+", default=[], metavar="URL", help="RSS or Atom feeds, fetched once.")
        parser.add_argument(
            "--sitemap", nargs="+", default=[], metavar="URL", help="News sitemaps or sitemap indexes, fetched once."
        )

    def handle(
        self, *args: Any, files: list[Path], from_url: list[str], feed: list[str], sitemap: list[str], **options: Any
    ) -> None:
        if not (files or from_url or feed or sitemap):
            raise CommandError("Name the files to import, or the addresses with --feed, --sitemap or --from-url.")
        for url, origin in [(u, HeadlineOrigin.FEED) for u in feed] + [(u, HeadlineOrigin.SITEMAP) for u in sitemap]:
            try:
                found = source_import(url, origin)
            except CorpusError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{url}: {found.imported} headlines imported, {found.already} already in the corpus, "
                f"{found.skipped} skipped"
            )
            for problem in found.problems:
                self.stdout.write(f"  skipped {problem}")
        failed = 0
        for url in from_url:
            try:
                found = services.reference_from_url(url=url, actor=None)
            except services.ReviewError as error:
                failed += 1
                self.stderr.write(f"{url}: {error}")
                continue
            reference, dates = found.reference, [other.text for other in found.article.others]
            others = f" (the page also gives {', '.join(dates)})" if dates else ""
            state = "added" if found.created else "already in the corpus"
            self.stdout.write(
                f"{url}: {state}: {reference.title} ({reference.outlet}), first published "
                f"{reference.published_at.isoformat()} by its {reference.date_found_in}{others}; "
                f"page kept as sha256 {reference.page_sha256}"
            )
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
            started = time.perf_counter()
            try:
                result = headlines_import(path)
            except (CorpusError, UnicodeDecodeError, OSError) as error:
                raise CommandError(f"{path}: {error}") from None
            seconds = time.perf_counter() - started
            rate = result.imported / seconds if seconds else 0
            passed = f", {result.passed_over} passed over as no headlines or no pages" if result.passed_over else ""
            self.stdout.write(
                f"{path}: {result.imported} headlines imported, {result.already} already in the corpus, "
                f"{result.skipped} skipped{passed} "
                f"({seconds:.1f} s, {rate:,.0f} rows/s)"
            )
            for problem in result.first_problems or []:
                self.stdout.write(f"  skipped {problem}")
        if failed:
            raise CommandError(f"{failed} of {len(from_url)} article(s) could not be made references.")
