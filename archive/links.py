"""Web addresses that pages link to: only http and https, so a ``javascript:`` or ``data:`` one never becomes a link."""

from __future__ import annotations

from urllib.parse import urlsplit


def web_address(url: str) -> bool:
    """Whether ``url`` is an http or https address with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
