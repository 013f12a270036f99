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
from django.http import HttpRequest


class LoginThrottle(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
