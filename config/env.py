"""Read settings from the environment, failing loudly on malformed values.

Every helper takes the variable's name and a default used when the variable is
unset or empty. A value that is present but cannot be read stops start-up with
a message naming the variable, instead of running with a setting nobody chose.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name).lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_str(name)
    if not value:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_locales(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated BCP 47 tags such as ``en,ru,tr-TR``, each one CLDR knows."""
    # The same check as the case form's, so a tag accepted here is accepted there.
    from archive.dates import parse_locales

    try:
        return parse_locales(env_list(name)) or default
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None


def env_size(name: str, default: str) -> int:
    """A byte count such as ``4G``, ``512M``, ``700k`` or ``1048576``."""
    value = env_str(name, default)
    match = re.fullmatch(r"(\d+)\s*([kmgt]?)i?b?", value.lower())
    if not match:
        raise ImproperlyConfigured(f"{name}={value!r} is not a size; write it like 4G, 512M or 1048576.")
    number, unit = match.groups()
    size = int(number) * _SIZE_UNITS[unit]
    if size <= 0:
        raise ImproperlyConfigured(f"{name} must be larger than zero.")
    return size


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str) -> list[Network | tuple[Network, int]]:
    """Comma-separated CIDR blocks, each with a port or not: ``10.0.0.0/8,127.0.0.1:8080,[::1]:8080``.

    A block alone allows every port of its addresses; with ``:port`` only that one.
    """
    allowed: list[Network | tuple[Network, int]] = []
    for item in env_list(name):
        block, port = item, ""
        if item.startswith("["):
            block, _, rest = item[1:].partition("]")
            port = rest.removeprefix(":")
        elif item.count(":") == 1:
            block, port = item.split(":")
        try:
            network = ipaddress.ip_network(block, strict=False)
            allowed.append((network, int(port)) if port else network)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {item!r}, which is not a CIDR block with an optional :port "
                "(10.0.0.0/8, 127.0.0.1:8080, [::1]:8080)."
            ) from None
    return allowed


def env_json_object(name: str) -> dict[str, object]:
    """A JSON object such as ``{"bucket_name": "evidence"}``; empty when unset."""
    value = env_str(name)
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}.") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f'{name} must be a JSON object, like {{"bucket_name": "evidence"}}.')
    return parsed


def env_search_urls(name: str, default: dict[str, str]) -> list[tuple[str, str]]:
    """Named web searches as a JSON object of address templates, each with ``{q}`` for the quoted text."""
    templates = env_json_object(name) or default
    for label, template in templates.items():
        if not isinstance(template, str) or "{q}" not in template or not template.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                f"{name}: {label!r} must be an http(s) address with {{q}} where the quoted text goes, "
                'like "https://news.google.com/search?q={q}".'
            )
    return list(templates.items())
