"""API tokens: a person's keys for other tools, kept only as hashes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from archive.models import Case


class ApiToken(models.Model):
    """One key of one person, shown once when made. It acts as its person, within its limits.

    ``cases`` empty means every case the person is a member of; a read-only
    token may read what its person may read and change nothing.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    # The token's first characters, shown to tell tokens apart; the rest is known only to its holder.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    cases = models.ManyToManyField(Case, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.user}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
