from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from archive import services
from archive.dates import LOCALES_MAX_LENGTH, parse_locale, parse_locales


class Command(BaseCommand):
    help = "Create a case. Its owner is --owner, or the first superuser when none is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="Short name used in links and commands, e.g. ntechlab-gigwork.")
        parser.add_argument("--title", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--owner", help="Username of the case owner.")
        parser.add_argument(
            "--locale",
            default="",
            metavar="BCP47",
            help="The device locale assumed for items whose provenance names none, e.g. en-US.",
        )
        parser.add_argument(
            "--locales",
            default="",
            metavar="BCP47,...",
            help="Locales whose month and weekday names are read in the case's text, e.g. en,ru,tr. "
            "Default: the CASE_LOCALES setting.",
        )

    def handle(self, *args: Any, slug: str, title: str, description: str, owner: str | None, **options: Any) -> None:
        if slugify(slug) != slug:
            raise CommandError(f"{slug!r} is not a valid slug; try {slugify(slug)!r}.")
        try:
            default_locale = parse_locale(options["locale"])
            locales = parse_locales(options["locales"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if len(",".join(locales)) > LOCALES_MAX_LENGTH:
            raise CommandError(f"Name fewer --locales: together they must fit in {LOCALES_MAX_LENGTH} characters.")
        users = get_user_model().objects
        user = users.filter(username=owner).first() if owner else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError(f"No user {owner!r}." if owner else "Name the owner with --owner USERNAME.")
        try:
            case = services.case_create(
                slug=slug,
                title=title,
                owner=user,
                description=description,
                default_locale=default_locale,
                locales=locales,
            )
        except services.ServiceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created case {case.slug} ({case.title}), owned by {user.get_username()}.")
