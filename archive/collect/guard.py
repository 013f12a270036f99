"""A guarding proxy for the programs that collect from the web (yt-dlp, Chromium).

Both programs follow redirects and load resources from many hosts on their
own; checking only the URL a reporter pasted would let a page reach the
newsroom's network through a redirect, an image or a script. So every
connection they make goes through this proxy on 127.0.0.1, which resolves the
host, applies ``check_url``'s address policy, and connects to the address it
checked (no second lookup, so no DNS rebinding). Plain HTTP requests are
relayed; HTTPS arrives as CONNECT and is tunnelled without being decrypted.

One proxy runs per collection job: ``with guarding_proxy(allowed) as proxy:``.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
import select
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archive.collect.fetcher import Allowed, FetchFailed, FetchRefused, check_url

IDLE_TIMEOUT = 60.0
# A client must send its request head within this time.
HEAD_TIMEOUT = 15.0
# Connections served at once; more wait for a free slot, so threads stay bounded.
MAX_CONNECTIONS = 64
USERNAME = "guard"
# Marks the guard's own answers, so that a refusal is not taken for the site's.
GUARD_HEADER = "X-Evidence-Guard"
MAX_HEADER = 64 * 1024


@dataclass
class Guard:
    """A running proxy: its address and password for the programs, and the requests it refused."""

    server: str
    password: str
    refused: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The proxy as a URL with its credentials (for yt-dlp and urllib)."""
        return self.server.replace("http://", f"http://{USERNAME}:{self.password}@")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, allowed: Sequence[Allowed], guard: Guard) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.allowed = allowed
        self.guard = guard
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        token = base64.b64encode(f"{USERNAME}:{guard.password}".encode()).decode()
        self.authorization = f"basic {token}".encode()

    def process_request(self, request: socket.socket, client_address: object) -> None:
        # Wait for a free slot before starting a thread for the connection.
        self.slots.acquire()
        super().process_request(request, client_address)

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        head = _read_head(client)
        if head is None:
            return self._reply(client, 431, "the request head is too large or too slow")
        if not head:
            return None
        client.settimeout(IDLE_TIMEOUT)
        if not _authorized(head, self.server.authorization):
            # Only the job's own programs, which know the password, may use the proxy.
            return self._reply(client, 407, "proxy authentication required")
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        try:
            method, target, _ = request_line.split(" ", 2)
        except ValueError:
            return self._reply(client, 400, "bad request")
        if method == "CONNECT":
            url = f"https://{target}/"
        elif target.startswith("http://"):
            url = target
        else:
            return self._reply(client, 400, "only proxy requests are served")
        try:
            checked = check_url(url, self.server.allowed)
        except FetchRefused as refusal:
            self.server.guard.refused.append(f"{url}: {refusal}")
            return self._reply(client, 403, str(refusal))
        except FetchFailed as failure:
            return self._reply(client, 502, str(failure))
        try:
            upstream = socket.create_connection((str(checked.address), checked.port), timeout=IDLE_TIMEOUT)
        except OSError as error:
            return self._reply(client, 502, f"{checked.host} could not be reached: {error}")
        with upstream:
            if method == "CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _relay(client, upstream)
            else:
                upstream.sendall(_origin_form(head, target))
                # A plain request without a body is one request: whatever the client sends
                # next on this connection may be for another host, and is not relayed.
                _relay(client, upstream, one_request=method in ("GET", "HEAD"))

    def _reply(self, client: socket.socket, status: int, message: str) -> None:
        body = message.encode()
        challenge = 'Proxy-Authenticate: Basic realm="guard"\r\n' if status == 407 else ""
        client.sendall(
            f"HTTP/1.1 {status} Guarded\r\n{challenge}{GUARD_HEADER}: refused\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )


def _read_head(client: socket.socket) -> bytes | None:
    """The request head; b"" when the client went away, None when it is too large or too slow."""
    deadline = time.monotonic() + HEAD_TIMEOUT
    data = b""
    while b"\r\n\r\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or len(data) > MAX_HEADER:
            return None
        client.settimeout(remaining)
        try:
            chunk = client.recv(4096)
        except TimeoutError:
            return None
        except OSError:
            return b""
        if not chunk:
            return b""
        data += chunk
    return data


def _authorized(head: bytes, expected: bytes) -> bool:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"proxy-authorization":
            return hmac.compare_digest(_normal(value), expected)
    return False


def _normal(value: bytes) -> bytes:
    scheme, _, token = value.strip().partition(b" ")
    return scheme.lower() + b" " + token.strip()


def _origin_form(head: bytes, target: str) -> bytes:
    """A proxy request rewritten for the origin: its path only, and no proxy headers."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    block, _, rest = head.partition(b"\r\n\r\n")
    lines = block.split(b"\r\n")
    method, _, version = lines[0].split(b" ", 2)
    kept = [line for line in lines[1:] if not line.lower().startswith((b"proxy-", b"connection:"))]
    request = [b" ".join([method, path.encode(), version]), *kept, b"Connection: close"]
    return b"\r\n".join(request) + b"\r\n\r\n" + rest


def _relay(a: socket.socket, b: socket.socket, *, one_request: bool = False) -> None:
    """Copy bytes both ways (client ``a``, upstream ``b``) until one side closes or both stay idle too long."""
    sockets = [a, b]
    while True:
        readable, _, broken = select.select(sockets, [], sockets, IDLE_TIMEOUT)
        if broken or not readable:
            return
        for source in readable:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data or (one_request and source is a):
                return
            (b if source is a else a).sendall(data)


@contextlib.contextmanager
def guarding_proxy(allowed: Sequence[Allowed] = ()) -> Iterator[Guard]:
    """Run a guarding proxy on 127.0.0.1 for the duration of a collection job."""
    guard = Guard(server="", password=secrets.token_urlsafe(16))
    server = _Server(allowed, guard)
    guard.server = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="guarding-proxy", daemon=True)
    thread.start()
    try:
        yield guard
    finally:
        server.shutdown()
        server.server_close()
