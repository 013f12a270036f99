"""The Content-Security-Policy every page of ours is sent with (Django 5.2 has none of its own).

Our pages load only our own scripts, styles and pictures, and hold no inline
script or style: a script that an item's text, a headline or a file name
smuggled into a page would not run. Files served as they are (originals,
frames, exports) are left to their views, which sandbox them (and leave a PDF
unsandboxed only inside the evidence page's frame, where its viewer must run).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        page = response.get("Content-Type", "").startswith("text/html") and not response.has_header(
            "Content-Disposition"
        )
        if page and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
