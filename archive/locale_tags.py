"""Locale tags as CLDR locales, through Babel: BCP 47 tags and Tesseract's language codes. Plain data, no Django.

Read by the OCR stage (which Tesseract packs a locale needs), the archive's
file-name dates and the timeline's date grammar alike.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.core import get_global


def locale_of(tag: str) -> Locale | None:
    """The CLDR locale of a BCP 47 tag or a Tesseract language code (``en-US``, ``ru``, ``rus``); None if unknown."""
    tag = tag.strip().replace("-", "_")
    if not tag:
        return None
    aliases = get_global("language_aliases")
    for candidate in (tag, aliases.get(tag, ""), aliases.get(tag.split("_")[0], ""), tag.split("_")[0]):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return None
