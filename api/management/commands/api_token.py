from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import ApiToken
from api.services import TokenError, api_token_create, api_token_revoke
from archive.models import Case


class Command(BaseCommand):
    help = (
        "Make an API token for a user (its key is printed once and kept only as a hash), optionally limited to "
        "some cases and to reading; --revoke ID revokes one; --list lists the user's tokens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--case", action="append", default=[], help="Only this case (its slug); repeatable.")
        parser.add_argument("--read-only", action="store_true", help="The token may read, never change.")
        parser.add_argument("--name", default="", help="What the token is for, shown on the tokens page.")
        parser.add_argument("--revoke", type=int, metavar="ID", help="Revoke the user's token with this id.")
        parser.add_argument("--list", action="store_true", help="List the user's tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        if options["list"]:
            for token in ApiToken.objects.filter(user=user).prefetch_related("cases"):
                cases = ", ".join(case.slug for case in token.cases.all()) or "every case"
                state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                self.stdout.write(f"{token.pk}  {token.prefix}…  {token.name or '-'}  {cases}  "
                                  f"{'read-only' if token.read_only else 'read-write'}  {state}")  # fmt: skip
            return
        if options["revoke"] is not None:
            token = ApiToken.objects.filter(user=user, pk=options["revoke"]).first()
            if token is None:
                raise CommandError(f"{user.get_username()} has no token {options['revoke']}.")
            api_token_revoke(token=token)
            self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…).")
            return
        cases = []
        for slug in options["case"]:
            case = Case.objects.filter(slug=slug).first()
            if case is None:
                raise CommandError(f"No case {slug!r}.")
            cases.append(case)
        try:
            token, key = api_token_create(user=user, name=options["name"], read_only=options["read_only"], cases=cases)
        except TokenError as error:
            raise CommandError(str(error)) from None
        scope = ", ".join(case.slug for case in cases) or "every case of the user"
        access = "read-only" if token.read_only else "read-write"
        self.stdout.write(f"Token {token.pk} for {user.get_username()} ({scope}, {access}). Its key, shown this once:")
        self.stdout.write(key)
