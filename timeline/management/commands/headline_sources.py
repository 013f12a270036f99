from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.models import HeadlineOrigin, HeadlineSource
from timeline.services import ReviewError, headline_source_add
from timeline.sources import sources_poll


class Command(BaseCommand):
    help = "The feeds and news sitemaps the beat polls for headlines (collect_headlines): add, list, remove, poll now."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add a source.")
        kind = add.add_mutually_exclusive_group(required=True)
        kind.add_argument("--feed", metavar="URL", help="An RSS or Atom feed.")
        kind.add_argument("--sitemap", metavar="URL", help="A news sitemap, or a sitemap index of them.")
        actions.add_parser("list", help="Each source with its last run.")
        remove = actions.add_parser("remove", help="Stop polling a source (its runs and headlines stay).")
        remove.add_argument("id", type=int)
        actions.add_parser("poll", help="Poll every source now, as the beat does.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "add":
            feed = options["feed"]
            url, kind = (feed, HeadlineOrigin.FEED) if feed else (options["sitemap"], HeadlineOrigin.SITEMAP)
            try:
                source = headline_source_add(url=url, kind=kind)
            except ReviewError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Source #{source.pk}: {source.get_kind_display()} {source.url}")
        elif action == "list":
            for source in HeadlineSource.objects.order_by("pk"):
                run = source.runs.order_by("-started_at").first()
                last = "never polled" if run is None else run.summary
                state = "" if source.active else " (removed)"
                self.stdout.write(f"#{source.pk} {source.get_kind_display()} {source.url}{state}: {last}")
        elif action == "remove":
            if not HeadlineSource.objects.filter(pk=options["id"]).update(active=False):
                raise CommandError(f"No source #{options['id']}.")
            self.stdout.write(f"Source #{options['id']} is no longer polled.")
        else:
            for run in sources_poll():
                self.stdout.write(f"{run.source.url}: {run.summary}")
