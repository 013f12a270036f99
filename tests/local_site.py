"""A web server of the tests' own on 127.0.0.1 that serves fixed pages and redirects, for the fetchers to reach.

The fetchers refuse local addresses unless URL_FETCH_ALLOWED_NETWORKS admits
them, so the ``site`` helpers below admit 127.0.0.1 for the test's duration.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Redirect:
    to: str


class _Handler(http.server.BaseHTTPRequestHandler):
    def __init__(self, *args: object, routes: dict[str, str | Redirect], content_type: str, **kwargs: object) -> None:
        self.routes, self.content_type = routes, content_type
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        route = self.routes.get(self.path)
        if isinstance(route, Redirect):
            self.send_response(302)
            self.send_header("Location", route.to)
            self.end_headers()
            return
        data = (route or "not found").encode()
        self.send_response(200 if route is not None else 404)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@contextmanager
def local_site(settings: object, routes: dict[str, str | Redirect], content_type: str) -> Iterator[str]:
    """Serve ``routes`` (path to body, with ``{site}`` for the server's own address) and yield that address."""
    handler = functools.partial(_Handler, routes={}, content_type=content_type)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site = f"http://127.0.0.1:{httpd.server_address[1]}"
    handler.keywords["routes"].update(
        {path: body.replace("{site}", site) if isinstance(body, str) else body for path, body in routes.items()}
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.URL_FETCH_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
