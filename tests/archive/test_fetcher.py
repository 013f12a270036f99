"""The safe fetcher against a real HTTP server of the tests' own on 127.0.0.1."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from archive.collect.fetcher import FetchFailed, FetchRefused, check_url, fetch

LOCAL = [ipaddress.ip_network("127.0.0.1/32")]
# The headers of every request the test server answered.
SEEN: list[dict[str, str]] = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path != "/to-page":
            # Recorded before answering, so the client never reads an answer the record lacks.
            SEEN.append(dict(self.headers))
        routes = {
            "/page": (200, b"<html><body>Article of 4 September 2023</body></html>"),
            "/big": (200, b"x" * 50_000),
            "/missing": (404, b"no"),
        }
        if self.path == "/to-page":
            return self._redirect("/page")
        if self.path == "/to-private":
            return self._redirect("http://10.1.2.3/secret")
        if self.path == "/to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/")
        if self.path == "/loop":
            return self._redirect("/loop")
        if self.path == "/slow":
            time.sleep(3)
        status, body = routes.get(self.path, (200, b"slow"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "tracking=1")
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        SEEN.append(dict(self.headers))
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Set-Cookie", "session=1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def body(fetched: object) -> bytes:
    return b"".join(fetched.chunks)


def test_a_page_is_fetched_with_its_final_url_after_redirects(server: str) -> None:
    fetched = fetch(f"{server}/to-page", allowed=LOCAL, max_bytes=10_000)
    assert (fetched.status, fetched.url, fetched.redirects) == (200, f"{server}/page", [f"{server}/page"])
    assert b"4 September 2023" in body(fetched)


def test_loopback_is_refused_under_default_settings(server: str) -> None:
    with pytest.raises(FetchRefused, match="local or private address"):
        fetch(f"{server}/page", max_bytes=10_000)
    with pytest.raises(FetchRefused, match="127.0.0.1"):
        check_url("http://localhost/")


def test_a_redirect_to_a_private_or_metadata_address_is_refused(server: str) -> None:
    with pytest.raises(FetchRefused, match="10.1.2.3"):
        fetch(f"{server}/to-private", allowed=LOCAL, max_bytes=10_000)
    everything = [ipaddress.ip_network("0.0.0.0/0")]
    with pytest.raises(FetchRefused, match="cloud metadata"):
        fetch(f"{server}/to-metadata", allowed=[*LOCAL, *everything], max_bytes=10_000)


def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    def rebinding(host: str, port: int, **kwargs: object) -> list:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", port))]

    with pytest.raises(FetchRefused, match="192.168.1.20"):
        check_url("https://news.example.org/story", resolve=rebinding)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.org/x", "only http and https"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http:///nohost", "no host"),
        ("http://[::1]/", "local or private"),
        ("http://[::ffff:127.0.0.1]/", "local or private"),
        ("http://0.0.0.0/", "local or private"),
        ("http://100.64.1.1/", "local or private"),
        ("http://[2002:a9fe:a9fe::1]/", "cloud metadata"),
        ("http://[64:ff9b::7f00:1]/", "local or private"),
        ("http://100.100.100.200/", "cloud metadata"),
        ("http://2130706433/", "local or private"),
        # IPv6 forms that carry a local IPv4 address inside, and site-local addresses.
        ("http://[::127.0.0.1]/", "local or private"),
        ("http://[::ffff:0:7f00:1]/", "local or private"),
        ("http://[::a9fe:a9fe]/", "cloud metadata"),
        ("http://[::ffff:a9fe:a9fe]/", "cloud metadata"),
        ("http://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),
        ("http://[fec0::1]/", "local or private"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "local or private"),
        ("http://[64:ff9b:1::808:808]/", "local or private"),
        # IPv4 written as one number, in hex or in octal, and names of this machine.
        ("http://0x7f.1/", "local or private"),
        ("http://0177.0.0.1/", "local or private"),
        ("http://0/", "local or private"),
        ("http://localhost./", "names this machine"),
        ("http://app.localhost/", "names this machine"),
    ],
)
def test_addresses_that_are_never_fetched(url: str, message: str) -> None:
    with pytest.raises(FetchRefused, match=message):
        check_url(url)


def test_public_addresses_in_ipv6_forms_are_still_fetched() -> None:
    def public(host: str, port: int, **kwargs: object) -> list:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (host, port, 0, 0))]

    for host in ("64:ff9b::808:808", "2606:4700::1111"):
        assert str(check_url(f"https://[{host}]/", resolve=public).address) == host


def test_not_found_too_large_endless_redirects_and_timeouts_say_so(server: str) -> None:
    with pytest.raises(FetchFailed, match=r"not found \(HTTP 404\)"):
        fetch(f"{server}/missing", allowed=LOCAL, max_bytes=10_000)
    with pytest.raises(FetchFailed, match="over the limit of 1000"):
        fetch(f"{server}/big", allowed=LOCAL, max_bytes=1000)
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        fetch(f"{server}/loop", allowed=LOCAL, max_bytes=1000)
    with pytest.raises(FetchFailed, match="did not answer within 1 s"):
        fetch(f"{server}/slow", allowed=LOCAL, max_bytes=1000, timeout=1)


def test_no_cookies_are_sent_back(server: str) -> None:
    SEEN.clear()
    body(fetch(f"{server}/to-page", allowed=LOCAL, max_bytes=10_000))
    # The server set a cookie on the redirect; the request that followed did not send it back.
    assert len(SEEN) == 2
    assert not any("Cookie" in request for request in SEEN)
    assert SEEN[1]["Host"] == server.removeprefix("http://")


def _through(proxy: str, url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_guarding_proxy_relays_allowed_requests_and_refuses_the_rest(server: str) -> None:
    from archive.collect.guard import guarding_proxy

    with guarding_proxy(LOCAL) as guard:
        assert _through(guard.url, f"{server}/page") == (200, b"<html><body>Article of 4 September 2023</body></html>")
        status, message = _through(guard.url, f"{server}/to-private")
        assert status == 403
        assert b"10.1.2.3" in message
        assert guard.refused == [
            "http://10.1.2.3/secret: 10.1.2.3 resolves to 10.1.2.3, a local or private address; "
            "such addresses are not collected (URL_FETCH_ALLOWED_NETWORKS can allow them)"
        ]
    with guarding_proxy() as guard:
        status, _ = _through(guard.url, f"{server}/page")
        assert status == 403


def _raw(guard: object, request: bytes) -> bytes:
    port = int(guard.server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)
        return connection.recv(4096)


def test_the_guarding_proxy_refuses_tunnels_to_private_addresses() -> None:
    import base64

    from archive.collect.guard import guarding_proxy

    with guarding_proxy() as guard:
        token = base64.b64encode(f"guard:{guard.password}".encode())
        answer = _raw(
            guard, b"CONNECT 169.254.169.254:443 HTTP/1.1\r\nProxy-Authorization: Basic " + token + b"\r\n\r\n"
        )
    assert answer.startswith(b"HTTP/1.1 403")
    assert b"cloud metadata" in answer


def test_the_guarding_proxy_serves_only_its_own_programs(server: str) -> None:
    from archive.collect.guard import guarding_proxy

    with guarding_proxy(LOCAL) as guard:
        answer = _raw(guard, f"GET {server}/page HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 407")
        wrong = guard.url.replace(guard.password, "wrong")
        assert _through(wrong, f"{server}/page")[0] == 407
        assert _raw(guard, b"GET " + b"x" * 70_000).startswith(b"HTTP/1.1 431")


def test_an_allowed_address_with_a_port_allows_that_port_only() -> None:
    allowed = [(ipaddress.ip_network("127.0.0.1/32"), 8080)]
    assert check_url("http://127.0.0.1:8080/x", allowed).port == 8080
    with pytest.raises(FetchRefused, match="local or private"):
        check_url("http://127.0.0.1:6379/", allowed)
    with pytest.raises(FetchRefused, match="local or private"):
        check_url("http://localhost:5432/", allowed)
