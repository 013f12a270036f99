"""The Content-Security-Policy every page of ours is sent with (Django 5.2 has none of its own).

Our pages load only our own scripts, styles and pictures, and hold no inline
script or style: a script that an item's text, a headline or a file name
smuggled into a page would not run. Files served as they are (originals,
frames, exports) are sent with a policy that lets them run nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# For whatever is not one of our pages: an original opened in a tab runs no script and loads nothing.
FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            page = response.get("Content-Type", "").startswith("text/html") and not response.has_header(
                "Content-Disposition"
            )
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY if page else FILE_POLICY
        return response
