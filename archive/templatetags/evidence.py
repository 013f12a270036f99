from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def flat_details(details: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A custody entry's details as (key, value) pairs, nested keys joined by dots, empty values left out."""
    pairs: list[tuple[str, Any]] = []
    for key, value in details.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            pairs.extend(flat_details(value, f"{name}."))
        elif value not in (None, "", [], {}):
            pairs.append((name, ", ".join(map(str, value)) if isinstance(value, list) else value))
    return pairs
