"""Login throttling: django-axes counts failed logins and locks out a user name at an address.

``LoginThrottle`` is axes' backend, except that an authentication with no
request (the test client, a management command) is not throttled: it comes
from someone at the server's own console, and there is no address to count.
A lockout is lifted when ``LOGIN_LOCKOUT_MINUTES`` have passed, or by an
administrator: ``manage.py axes_reset_username NAME`` (README, Running it
for a newsroom).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address a login came from: behind ``FORWARDED_FOR_PROXIES`` reverse proxies, the one they saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so
    the entry that many places from the end is the client's; anything before
    it was written by the client and is not believed.
    """
    proxies = settings.FORWARDED_FOR_PROXIES
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(chain) >= proxies:
        return chain[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class LoginThrottle(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
