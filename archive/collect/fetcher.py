"""A fetcher for URLs that people paste, which must not become a way into the newsroom's network.

Only http and https; no credentials in the URL and no cookies sent. The host
is resolved and every address checked (loopback, private, link-local,
multicast, reserved and cloud-metadata addresses are refused unless
URL_FETCH_ALLOWED_NETWORKS allows them), at the first request and at every
redirect. The connection goes to the address that was checked, so a name that
resolves differently a moment later (DNS rebinding) gains nothing. The body
is streamed with a size limit and every step has a time limit.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# What URL_FETCH_ALLOWED_NETWORKS holds: a block (every port of it) or a block and one port.
Allowed = Network | tuple[Network, int]


def admitted(allowed: Sequence[Allowed], address: Address, port: int | None = None) -> bool:
    """Whether an entry of ``allowed`` takes in this address (and port, when the entry names one)."""
    for entry in allowed:
        network, only = entry if isinstance(entry, tuple) else (entry, None)
        if address in network and (only is None or port is None or only == port):
            return True
    return False


MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) evidence-timeline/1.0"
# Addresses of cloud instance metadata services, refused whatever else is allowed.
METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("100.100.100.200/32"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


class FetchRefused(Exception):
    """The URL may not be fetched; the message says why, for a person."""


class FetchFailed(Exception):
    """The fetch went wrong on the way (not found, timed out, too large); the message says why."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: Address


# IPv6 prefixes whose last 32 bits are an IPv4 address: NAT64 (well-known and local-use),
# IPv4-translated (SIIT) and the deprecated IPv4-compatible form (::a.b.c.d).
_LOW_IPV4 = tuple(
    ipaddress.ip_network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96", "::/96")
)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries inside it, in any of the ways it can (mapped, 6to4, NAT64, ...)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if int(address) > 1 and any(address in network for network in _LOW_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_LOOPBACK = ipaddress.IPv4Address("127.0.0.1")
# Never public, whatever they carry: site-local (deprecated), Teredo tunnels and local-use NAT64.
_NEVER_PUBLIC = tuple(ipaddress.ip_network(prefix) for prefix in ("fec0::/10", "2001::/32", "64:ff9b:1::/48"))


def public_address(address: Address) -> bool:
    """Whether an address is on the public internet: global, and not hiding a local one inside."""
    if any(address in network for network in _NEVER_PUBLIC):
        return False
    inside = embedded_ipv4(address)
    if inside is not None:
        return public_address(inside)
    return address.is_global and not address.is_multicast


def local_name(host: str) -> bool:
    """Whether a host name always means this machine: ``localhost``, ``localhost.``, ``a.localhost`` (RFC 6761)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def check_url(url: str, allowed: Sequence[Allowed] = (), resolve: object = socket.getaddrinfo) -> Target:
    """Parse and resolve a URL, refusing it unless every address it resolves to may be reached."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"only http and https addresses can be collected, not {parts.scheme or 'this'}")
    if parts.username or parts.password:
        raise FetchRefused("addresses with a user name or password are not collected")
    if not parts.hostname:
        raise FetchRefused("the address has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused("the address has an invalid port") from None
    if local_name(parts.hostname) and not admitted(allowed, _LOOPBACK, port):
        # Whatever a resolver says of it: "localhost." is resolved by some and not by others.
        raise FetchRefused(
            f"{parts.hostname} names this machine ({_LOOPBACK}), a local or private address; "
            "such addresses are not collected (URL_FETCH_ALLOWED_NETWORKS can allow them)"
        )
    try:
        found = resolve(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(f"the host {parts.hostname} was not found") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))
    if not addresses:
        raise FetchFailed(f"the host {parts.hostname} has no address")
    for address in addresses:
        inside = embedded_ipv4(address)
        if any(address in network or (inside is not None and inside in network) for network in METADATA):
            raise FetchRefused(f"{parts.hostname} is a cloud metadata address, which is never collected")
        if not public_address(address) and not admitted(allowed, address, port):
            raise FetchRefused(
                f"{parts.hostname} resolves to {address}, a local or private address; "
                "such addresses are not collected (URL_FETCH_ALLOWED_NETWORKS can allow them)"
            )
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(url, parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked against the host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = str(target.address)

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Fetched:
    """A fetched body: the final URL after redirects, status, headers and the bytes as chunks."""

    url: str
    status: int
    headers: dict[str, str]
    redirects: list[str] = field(default_factory=list)
    chunks: Iterator[bytes] = iter(())


def fetch(
    url: str,
    *,
    allowed: Sequence[Allowed] = (),
    max_bytes: int,
    timeout: float = 30.0,
    resolve: object = socket.getaddrinfo,
) -> Fetched:
    """GET a URL safely (see the module's docstring); the body streams through ``Fetched.chunks``.

    1. Check the URL and pin its address.
    2. Request it; on a redirect, check the next URL the same way (at most MAX_REDIRECTS).
    3. Refuse a declared length over ``max_bytes``; stop a body that grows past it.
    """
    deadline = time.monotonic() + timeout
    redirects: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(url, allowed, resolve)
        remaining = max(1.0, deadline - time.monotonic())
        if target.scheme == "https":
            connection: http.client.HTTPConnection = _PinnedHTTPSConnection(target, remaining)
        else:
            connection = http.client.HTTPConnection(str(target.address), target.port, timeout=remaining)
        try:
            connection.request("GET", target.path, headers={"Host": _host_header(target), "User-Agent": USER_AGENT})
            response = connection.getresponse()
        except TimeoutError:
            connection.close()
            raise FetchFailed(f"{target.host} did not answer within {timeout:.0f} s") from None
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise FetchFailed(f"{target.host} could not be reached: {error}") from None
        if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
            url = urljoin(url, response.getheader("Location"))
            redirects.append(url)
            connection.close()
            continue
        if response.status >= 400:
            connection.close()
            reason = "not found" if response.status == 404 else "refused" if response.status in (401, 403) else "failed"
            raise FetchFailed(f"the page was {reason} (HTTP {response.status})")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            connection.close()
            raise FetchFailed(f"the file is {int(declared)} bytes, over the limit of {max_bytes}")
        headers = {key.lower(): value for key, value in response.getheaders()}
        return Fetched(url, response.status, headers, redirects, _body(connection, response, max_bytes, deadline))
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _body(
    connection: http.client.HTTPConnection, response: http.client.HTTPResponse, max_bytes: int, deadline: float
) -> Iterator[bytes]:
    size = 0
    try:
        while chunk := response.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed(f"the file is larger than the limit of {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchFailed("the download took too long and was stopped")
            yield chunk
    except TimeoutError:
        raise FetchFailed("the server stopped sending and the download timed out") from None
    finally:
        connection.close()
