"""Creation times hidden in identifiers: snowflakes, TikTok, Instagram and LinkedIn ids, UUIDv1, ObjectIds, TIDs.

The decoding is dfir-unfurl's (it knows these formats and many more); this
module finds the addresses and ids a screen or a record shows, hands them to
it with every remote lookup off (a hostile page's URL makes no request), and
keeps only what unfurl decoded as an *identifier's* time: a number that
merely reads as an epoch (an order number, ``?t=1693838811``) is not one.

Each time is then checked against what its format allows: not before the
platform's start (a digit lost or confused by OCR moves it years away), and
not after the item was posted or received. What fails is dropped, with the
reason, never turned into a bound. Pure: no Django.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from unfurl.core import Unfurl

# unfurl prints its own errors (an address it cannot parse) to standard output, where they would break
# ``extract_cues --json`` and fill the workers' logs with tracebacks of hostile addresses: they are dropped,
# and a parser that fails gives no time, which is what this module needs.
logging.getLogger("unfurl").handlers.clear()
logging.getLogger("unfurl").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class IdFormat:
    name: str
    # Words of unfurl's own description of the identifier that name this format.
    marks: tuple[str, ...]
    # Before this no such id was made: the platform did not exist or did not number things this way.
    start: datetime
    # Whether the format holds the time to the millisecond (or finer) rather than the second.
    exact: bool = True
    # Made by any software, not one platform: a string of its shape may be something else (a hash's 24 hex digits).
    generic: bool = False
    # How long the identifier is as shown, when the format fixes it: a shortcode OCR cut short is no shortcode.
    lengths: tuple[int, int] | None = None


FORMATS = (
    IdFormat("X/Twitter status id (snowflake)", ("twitter snowflake",), datetime(2010, 11, 4, tzinfo=UTC)),
    IdFormat("Discord snowflake", ("discord snowflake",), datetime(2015, 5, 13, tzinfo=UTC)),
    IdFormat("Mastodon status id", ("mastodon snowflake",), datetime(2016, 3, 16, tzinfo=UTC)),
    IdFormat("TikTok id", ("tiktok id",), datetime(2016, 9, 1, tzinfo=UTC), exact=False),
    IdFormat("Instagram media id", ("instagram",), datetime(2010, 10, 6, tzinfo=UTC), lengths=(10, 12)),
    IdFormat("LinkedIn activity id", ("linkedin id",), datetime(2003, 5, 5, tzinfo=UTC)),
    IdFormat("Bluesky record key (TID)", ("bluesky", "timestamp identifier"), datetime(2022, 1, 1, tzinfo=UTC)),
    IdFormat("MongoDB ObjectId", ("mongodb objectid",), datetime(2009, 2, 11, tzinfo=UTC), exact=False, generic=True),
    IdFormat("UUID version 1", ("uuid",), datetime(1995, 1, 1, tzinfo=UTC), generic=True),
    IdFormat("ULID", ("ulid",), datetime(2016, 6, 1, tzinfo=UTC), generic=True),
    IdFormat("KSUID", ("ksuid",), datetime(2017, 5, 1, tzinfo=UTC), exact=False, generic=True),
    IdFormat("Sonyflake", ("sonyflake",), datetime(2014, 9, 1, tzinfo=UTC), generic=True),
)

# Addresses as they appear on screens and in records: with or without a scheme, www. or a known host.
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'«»]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]++\.)+(?:com|social|ai|app|net|org|io|ru|me|tv|co)/[^\s<>\"'«»]+",
    re.IGNORECASE,
)
# Past this a line is no screen text but a dump (a page's text layer in one line): only its start is read.
MAX_TEXT = 20_000
# A UUID of version 1 (time-based) standing alone, as share dialogs and logs show them.
_UUID1 = re.compile(
    r"(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?![0-9a-f-])", re.IGNORECASE
)
# An item cannot show an id made after it was posted or received: no time is allowed past that.
SKEW = timedelta(0)


@dataclass(frozen=True)
class IdTime:
    identifier: str
    moment: datetime
    decoder: str
    exact: bool
    generic: bool
    # unfurl's own words on how the time is held in the id.
    how: str
    source: str

    @property
    def explanation(self) -> str:
        return (f"{self.decoder} {self.identifier} was created {self.moment:%Y-%m-%d %H:%M:%S} UTC (decoded by "
                "dfir-unfurl); the screen cannot have been captured earlier.")  # fmt: skip


@dataclass(frozen=True)
class Refused:
    identifier: str
    decoder: str
    source: str
    reason: str


def found_identifiers(text: str) -> list[str]:
    """The addresses and stand-alone UUIDs in a line of text, as they could be decoded."""
    found = []
    for match in _URL.finditer(_rejoined(text[:MAX_TEXT])):
        address = match.group(0).rstrip(".,;:!?)]}")
        found.append(address if address.lower().startswith("http") else f"https://{address}")
    found += [match.group(0) for match in _UUID1.finditer(text)]
    return list(dict.fromkeys(found))


_BROKEN = re.compile(r"((?:https?://|www\.)\S*[./_-]) (?=[\w-]+[./])")


def _rejoined(text: str) -> str:
    """A line with the spaces OCR put inside addresses taken out (``annotator42. bsky.social/post/...``).

    Only after an address's dot, slash or dash, and only before what goes on
    as an address (a name followed by a dot or slash): ``see https://x.com/. Then``
    keeps its space.
    """
    for _ in range(4):
        joined = _BROKEN.sub(r"\1", text)
        if joined == text:
            break
        text = joined
    return text


def id_times(text: str, *, not_after: datetime | None = None) -> tuple[list[IdTime], list[Refused]]:
    """The creation times of the identifiers in ``text``, and those refused with their reasons."""
    kept: list[IdTime] = []
    refused: list[Refused] = []
    for value in found_identifiers(text):
        for found in decoded(value):
            reason = _implausible(found, not_after)
            if reason:
                refused.append(Refused(found.identifier, found.decoder, value, reason))
            else:
                kept.append(found)
    return kept, refused


def _implausible(found: IdTime, not_after: datetime | None) -> str:
    form = next(form for form in FORMATS if form.name == found.decoder)
    if form.lengths and not form.lengths[0] <= len(found.identifier) <= form.lengths[1]:
        low, high = form.lengths
        return f"{len(found.identifier)} characters long, where a {form.name} has {low} to {high}"
    if found.moment < form.start:
        return (f"it decodes to {found.moment:%Y-%m-%d}, before any {form.name} was made ({form.start:%Y-%m-%d}): "
                "a digit misread or lost, or not such an id")  # fmt: skip
    if not_after is not None and found.moment > not_after + SKEW:
        return (f"it decodes to {found.moment:%Y-%m-%d %H:%M} UTC, after the item was posted or received "
                f"({not_after:%Y-%m-%d %H:%M} UTC): a digit misread, or not such an id")  # fmt: skip
    return ""


@lru_cache(maxsize=4096)
def decoded(value: str) -> tuple[IdTime, ...]:
    """What unfurl decodes from one address or id: each identifier's creation time, once."""
    unfurl = Unfurl(remote_lookups=False)
    unfurl.add_to_queue(data_type="url" if value.startswith("http") else "string", key=None, value=value)
    try:
        unfurl.parse_queue()
    except Exception:  # noqa: BLE001 - any failure of a decoder on a hostile address means: no time from it.
        return ()
    times: dict[tuple[str, str], IdTime] = {}
    for node in unfurl.nodes.values():
        if not str(node.data_type).startswith("timestamp.") or not isinstance(node.value, str):
            continue
        ancestors = _ancestors(unfurl, node)
        form, identifier, how = _format_of(ancestors)
        if form is None:
            continue
        try:
            moment = datetime.fromisoformat(node.value).astimezone(UTC)
        except ValueError:
            continue
        if not form.exact:
            # Held to the second: what unfurl reads below it is not documented, and a bound must not run late.
            moment = moment.replace(microsecond=0)
        times.setdefault(
            (identifier, form.name), IdTime(identifier, moment, form.name, form.exact, form.generic, how, value)
        )
    return tuple(times.values())


def _ancestors(unfurl: Unfurl, node: object) -> list[object]:
    chain, parent = [], node.parent_id
    while parent and len(chain) < 6:
        chain.append(unfurl.nodes[parent])
        parent = unfurl.nodes[parent].parent_id
    return chain


def _format_of(ancestors: list[object]) -> tuple[IdFormat | None, str, str]:
    """The id format an epoch node belongs to, the identifier itself, and unfurl's words on it."""
    epoch = ancestors[0] if ancestors else None
    if epoch is None or not str(epoch.data_type).startswith("epoch-"):
        return None, "", ""
    # The nearest description that names a format wins: a TikTok id's may mention Twitter's snowflakes further up.
    for node in ancestors[:3]:
        words = f"{_plain(str(node.hover or ''))} {node.data_type}".lower()
        form = next((form for form in FORMATS if any(mark in words for mark in form.marks)), None)
        if form is None:
            continue
        if form.name == "UUID version 1":
            hexed = _uuid_hex(ancestors)
            if not hexed or hexed[12] != "1" or hexed[16] not in "89ab":
                return None, "", ""
            shown = f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
            return form, shown, _plain(str(node.hover or ""))
        return form, _identifier(ancestors), _plain(str(epoch.hover or node.hover or ""))
    return None, "", ""


def _identifier(ancestors: list[object]) -> str:
    """The id as shown: the first ancestor that is not the epoch itself."""
    for node in ancestors[1:]:
        value = str(node.value or "")
        if value and not value.startswith(("http", "/")):
            return value.split(":")[-1] if value.startswith("urn:") else value
    return str(ancestors[-1].value or "")


def _uuid_hex(ancestors: list[object]) -> str:
    for node in ancestors:
        hexed = re.sub(r"[^0-9a-f]", "", str(node.value or "").lower())
        if len(hexed) == 32:
            return hexed
    return ""


def _plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
