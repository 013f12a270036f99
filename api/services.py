"""Writes of the API app: tokens made and revoked."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from archive.models import Case, Membership

TOKEN_PREFIX = "evt_"  # noqa: S105 - the start of every token, not a secret.


class TokenError(Exception):
    """A token that cannot be made or revoked as asked; the message is for a person."""


def token_hash(key: str) -> str:
    # The key is 256 random bits: a plain hash cannot be reversed, and checking it costs nothing.
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: AbstractBaseUser, name: str = "", read_only: bool = False, cases: Sequence[Case] = ()
) -> tuple[ApiToken, str]:
    """A new token and its key, which is shown this once and kept only as a hash."""
    outside = [case.slug for case in cases if not Membership.objects.filter(case=case, user=user).exists()]
    if outside:
        raise TokenError(f"{user.get_username()} is not a member of {', '.join(outside)}.")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100], prefix=key[:12], key_hash=token_hash(key), read_only=read_only
        )
        token.cases.set(cases)
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token
