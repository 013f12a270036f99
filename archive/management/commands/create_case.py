from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from archive import services


class Command(BaseCommand):
    help = "Create a case. Its owner is --owner, or the first superuser when none is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="Short name used in links and commands, e.g. ntechlab-gigwork.")
        parser.add_argument("--title", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--owner", help="Username of the case owner.")

    def handle(self, *args: Any, slug: str, title: str, description: str, owner: str | None, **options: Any) -> None:
        if slugify(slug) != slug:
            raise CommandError(f"{slug!r} is not a valid slug; try {slugify(slug)!r}.")
        users = get_user_model().objects
        user = users.filter(username=owner).first() if owner else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError(f"No user {owner!r}." if owner else "Name the owner with --owner USERNAME.")
        try:
            case = services.case_create(slug=slug, title=title, owner=user, description=description)
        except services.ServiceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created case {case.slug} ({case.title}), owned by {user.get_username()}.")
