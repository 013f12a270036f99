"""Drafting cues from an item's text, layout and metadata. Plain data in, plain data out.

The pipeline's cues stage gathers what an item shows and says (``ItemFacts``),
calls ``draft_cues`` and stores the drafts; ``extract_cues`` prints them. Every
draft says which bound it puts on the capture time, over which interval, in
which time zone, how strong it is, where it was found and why it bounds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from timeline.extract.clocks import Line, find_clocks
from timeline.extract.dates import (
    DEFAULT_LOCALES,
    EARLIEST_YEAR,
    LATEST_YEAR,
    DateMention,
    Reading,
    find_dates,
    resolve_year,
    settle_order,
)
from timeline.extract.headlines import unmatched_headlines
from timeline.extract.ids import id_times
from timeline.extract.languages import detected
from timeline.extract.names import file_name_date, url_dates
from timeline.extract.ordered import Ordered, bound, pattern_check, sighted

UNKNOWN_ZONE = "local time of an unknown zone (UTC-12 to UTC+14)"
# How far a local time can be from UTC either way.
_EAST, _WEST = timedelta(hours=14), timedelta(hours=12)

EXPLANATIONS = {
    "headline": "The screen shows a headline first published then; it cannot have been captured earlier.",
    "text_date": (
        "The screen shows this date, so it was captured on or after it; a date in the future "
        "(a deadline, an event) would not bound it, so check."
    ),
    "clock": "The device's clock shows this time: it was captured in that minute of the device's time zone.",
    "url_date": "A URL on screen carries this date; a page is not published before the date in its address.",
    "filename": "The tool that made the file wrote the capture time into its name; names can be edited.",
    "exif": "The camera recorded this as the moment the picture was taken; EXIF can be edited.",
    "document_meta": "The file's own metadata gives this creation time; it can be edited.",
    "platform_upload": "The platform says it was posted then; it cannot have been captured later.",
    "received": "The newsroom received the file then; it was captured before.",
    "id_order": "A platform numbers these ids in order: this one is larger than one made then.",
    "id_time": (
        "An identifier on screen or in the record was created then; the screen cannot have been captured earlier."
    ),
    "trusted_timestamp": (
        "A timestamp authority signed this original's SHA-256 then (RFC 3161): these bytes existed by then, "
        "so it was captured before."
    ),
}


@dataclass(frozen=True)
class FrameText:
    index: int
    width: int
    height: int
    lines: Sequence[Line]
    time: float | None = None
    page: int | None = None


@dataclass(frozen=True)
class Headline:
    """A matched reference headline, as the caller looked it up."""

    id: int | None
    title: str
    published_at: datetime
    granularity: str  # "day" or "second"
    outlet: str
    url: str
    score: float
    reason: str = ""  # how the line says the headline: verbatim, in other forms, cut short ...
    # Only seen on a front page then (GDELT), which bounds nothing: a lead to its article, not a cue.
    seen_only: bool = False


HeadlineLookup = Callable[[list[str]], list[tuple[tuple[int, ...], Headline]]]


@dataclass
class ItemFacts:
    name: str
    frames: list[FrameText]
    metadata: dict[str, Any] = field(default_factory=dict)
    other_names: list[str] = field(default_factory=list)
    source_urls: list[str] = field(default_factory=list)
    posted: list[tuple[datetime, str]] = field(default_factory=list)  # (moment, "day" or "instant")
    received: datetime | None = None
    # Trusted timestamps of the original: (moment, the authority's name, the token's serial number).
    stamped: list[tuple[datetime, str, str]] = field(default_factory=list)
    # Where the platform says the item lives (yt-dlp's webpage_url, original_url): identifiers in them date it.
    platform_urls: list[str] = field(default_factory=list)
    # The case's platforms that number in order, with their calibration points (extract.ordered).
    ordered: list[Ordered] = field(default_factory=list)
    # The item's own id, so its own calibration points do not bound it.
    item: int = 0
    # The device's locale (BCP 47), which settles numeric dates and clocks, and the case's locales,
    # whose month and weekday names are read.
    locale: str | None = None
    locales: tuple[str, ...] = DEFAULT_LOCALES


@dataclass
class CueDraft:
    kind: str
    bound: str
    earliest: datetime | None
    latest: datetime | None
    granularity: str
    time_zone: str
    strength: str
    text: str
    locator: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    headline: Headline | None = None
    # Why this one cue bounds the capture, where the kind's general words are not enough.
    why: str = ""

    @property
    def explanation(self) -> str:
        return self.why or EXPLANATIONS[self.kind]

    @property
    def fingerprint(self) -> str:
        """Same kind, bound, interval and text: the same cue, wherever it was seen."""
        key = [self.kind, self.bound, _iso(self.earliest), _iso(self.latest), " ".join(self.text.lower().split())]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """What cannot become a cue yet: a day and month with no year to place them (``date``), or a line
    that reads as a news headline and matches no reference headline (``headline``)."""

    text: str
    locator: dict[str, Any]
    reason: str
    kind: str = "date"
    lead: str = ""  # for a headline: where the corpus saw it, without a publication date
    lead_url: str = ""  # and its article, which dates it


NOT_IN_CORPUS = "it reads as a news headline, and no reference headline matches it; find the article to date it"
NOT_DATED = (
    "it matches a headline seen on a front page, which says when it was shown, not when it was published; "
    "date it from its article"
)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def local_bounds(start: datetime, end: datetime, zone: timezone | None = None) -> tuple[datetime, datetime, str]:
    """UTC bounds of a local interval; with no zone known, wide enough for any zone."""
    if zone is not None:
        return start.replace(tzinfo=zone).astimezone(UTC), end.replace(tzinfo=zone).astimezone(UTC), str(zone)
    return (start - _EAST).replace(tzinfo=UTC), (end + _WEST).replace(tzinfo=UTC), UNKNOWN_ZONE


def _locator(frame: FrameText, line: Line | None = None, box: tuple[int, int, int, int] | None = None) -> dict:
    found: dict[str, Any] = {"frame": frame.index}
    if frame.time is not None:
        found["time"] = frame.time
    if frame.page is not None:
        found["page"] = frame.page
    if box is None and line is not None:
        box = (line.left, line.top, line.width, line.height)
    if box is not None:
        found["box"] = list(box)
    return found


def draft_cues(facts: ItemFacts, headlines: HeadlineLookup | None = None) -> tuple[list[CueDraft], list[Candidate]]:
    """Every cue an item's facts support, once each, and the dates still waiting for a year.

    1. Outside facts first: platform posting times, the time of receipt, file
       names, EXIF and document metadata, dates in source URLs.
    2. Then each frame: clocks, headlines, dates in URLs and in the text.
    3. Days without a year are placed with the earliest "not after" bound of
       step 1; those that cannot be placed stay candidates.
    """
    drafts: list[CueDraft] = []
    candidates: list[Candidate] = []
    _outside_facts(facts, drafts)
    ceiling = min((d.latest for d in drafts if d.bound == "not_after" and d.latest), default=None)
    for url, field_name in [*((u, "provenance.source_url") for u in facts.source_urls),
                            *((u, "provenance.platform_info") for u in facts.platform_urls)]:  # fmt: skip
        _id_cues(url, ceiling, {"field": field_name}, "strong", drafts, candidates)
        _order_cues(url, facts, ceiling, {"field": field_name}, drafts)
    for frame in facts.frames:
        _frame_cues(frame, facts, ceiling, headlines, drafts, candidates)
    unique: dict[str, CueDraft] = {}
    for draft in drafts:
        seen = unique.get(draft.fingerprint)
        if seen is None:
            unique[draft.fingerprint] = draft
        else:
            seen.details["seen_in_frames"] = seen.details.get("seen_in_frames", 1) + 1
    return list(unique.values()), list({c.text: c for c in candidates}.values())


def plausible(moment: datetime | None) -> bool:
    """Whether a stored moment can be a cue: years 1900 to 2100, as for the dates read in text.

    A year 1 or 9999 (a camera's unset clock, a hand-edited row) is not evidence,
    and widening it by a time zone would leave the calendar.
    """
    return moment is not None and EARLIEST_YEAR <= moment.year <= LATEST_YEAR


def _outside_facts(facts: ItemFacts, drafts: list[CueDraft]) -> None:
    for moment, granularity in facts.posted:
        if not plausible(moment):
            continue
        if granularity == "day":
            start = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            earliest, latest, gran = start, start + timedelta(days=1), "day"
        else:
            earliest, latest, gran = moment, moment, "second"
        text = f"posted {moment.astimezone(UTC):%Y-%m-%d}" + (f" {moment:%H:%M:%S %z}" if gran != "day" else "")
        drafts.append(
            CueDraft("platform_upload", "not_after", earliest, latest, gran, "UTC", "strong", text,
                     {"field": "provenance.posted_at"})
        )  # fmt: skip
    if plausible(facts.received):
        drafts.append(
            CueDraft("received", "not_after", facts.received, facts.received, "second", "UTC", "strong",
                     f"received {facts.received.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
                     {"field": "provenance.collected_at"})
        )  # fmt: skip
    for moment, authority, serial in facts.stamped:
        drafts.append(
            CueDraft("trusted_timestamp", "not_after", moment, moment, "second", "UTC", "strong",
                     f"timestamped {moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC by {authority or 'the authority'}",
                     {"field": "trusted timestamp"}, {"authority": authority, "serial": serial})
        )  # fmt: skip
    for name in dict.fromkeys([facts.name, *facts.other_names]):
        found = file_name_date(name)
        if found:
            earliest, latest, zone = local_bounds(found.start, found.end)
            drafts.append(
                CueDraft("filename", "on", earliest, latest, found.granularity, zone, "weak", name,
                         {"field": "file name"}, {"tool": found.how})
            )  # fmt: skip
    for url in facts.source_urls:
        for found in url_dates(url):
            earliest, latest, zone = local_bounds(found.start, found.end)
            drafts.append(
                CueDraft("url_date", "not_before", earliest, latest, found.granularity, zone, "medium", url,
                         {"field": "provenance.source_url"})
            )  # fmt: skip
    _metadata_cues(facts.metadata.get("probe") or {}, drafts)


def _metadata_cues(probe: dict[str, Any], drafts: list[CueDraft]) -> None:
    exif = probe.get("exif") or {}
    for field_name, offset_name in (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
    ):
        value = exif.get(field_name)
        moment = _exif_time(value, exif.get(offset_name)) if isinstance(value, str) else None
        if moment and plausible(moment[0]):
            start, zone = moment
            earliest, latest, label = local_bounds(start, start + timedelta(seconds=1), zone)
            drafts.append(
                CueDraft("exif", "on", earliest, latest, "second", label, "weak", f"{field_name} {value}",
                         {"field": f"exif.{field_name}"})
            )  # fmt: skip
            break
    stamped = [("CreationDate", probe.get("CreationDate"))]
    stamped += [("creation_time", (probe.get("tags") or {}).get("creation_time"))]
    for field_name, value in stamped:
        moment = _iso_time(value)
        if plausible(moment):
            drafts.append(
                CueDraft("document_meta", "on", moment, moment + timedelta(seconds=1), "second", "as recorded", "weak",
                         f"{field_name} {value}", {"field": f"metadata.{field_name}"})
            )  # fmt: skip


def _exif_time(value: str, offset: Any) -> tuple[datetime, timezone | None] | None:
    try:
        start = datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 - the zone is the offset tag
    except ValueError:
        return None
    zone = None
    if isinstance(offset, str) and len(offset) == 6 and offset[0] in "+-":
        try:
            sign = 1 if offset[0] == "+" else -1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        except ValueError:
            zone = None
    return start, zone


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) >= 3 and text[-3] in "+-" and text[-2:].isdigit():
        text += ":00"  # pdfinfo writes offsets as +02
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _frame_cues(
    frame: FrameText,
    facts: ItemFacts,
    ceiling: datetime | None,
    headlines: HeadlineLookup | None,
    drafts: list[CueDraft],
    candidates: list[Candidate],
) -> None:
    lines = list(frame.lines)
    locale = facts.locale
    # The case's locales, the device's and the languages the screen is written in.
    spoken = detected([line.text for line in lines])
    locales = tuple(dict.fromkeys([*facts.locales, *([locale] if locale else []), *spoken.languages]))
    clock_lines: set[int] = set()
    # Plain text has no screen edges, and so no clock.
    clocks = find_clocks(lines, frame.width, frame.height, locales) if frame.width and frame.height else []
    for clock in clocks:
        clock_lines.update(clock.lines)
    text_mentions: list[tuple[Line, DateMention]] = []
    for number, line in enumerate(lines):
        if number in clock_lines:
            continue
        text = line.text
        for found in url_dates(text):
            text = text.replace(found.text, " " * len(found.text))
        text_mentions += [(line, mention) for mention in find_dates(text, locales)]
    # The clock's date follows the device's locale, the page's dates the page's
    # language: only a locale the caller knows settles a clock's numeric date.
    for clock, date_mention in zip(clocks, settle_order([c.date for c in clocks], locale), strict=True):
        locator = _locator(frame, box=clock.box)
        reading = _placed(date_mention, ceiling, clock.text, locator, candidates)
        if reading is None:
            continue
        day, how = reading
        start, end = clock.interval(day.start)
        readings = date_mention.readings
        if len(readings) > 1:
            # A clock's date that reads two ways (1/8/2023): the cue spans both days at that minute.
            start = min(clock.at(r.start) for r in readings)
            end = max(clock.at(r.start) for r in readings) + timedelta(minutes=1)
            how = {**how, "readings": [f"{r.start:%Y-%m-%d} ({r.order.replace('_', ' ')})" for r in readings],
                   "note": _TWO_WAYS}  # fmt: skip
        earliest, latest, zone = local_bounds(start, end)
        if _after(earliest, ceiling, clock.text, locator, candidates):
            continue
        drafts.append(CueDraft("clock", "on", earliest, latest, "minute", zone, "medium", clock.text, locator, how))
    text_settled = settle_order([m for _, m in text_mentions], locale, languages=spoken.screen)
    matched: list[tuple[int, ...]] = []
    if headlines is not None:
        for covered, headline in headlines([line.text for line in lines]):
            matched.append(covered)
            parts = [lines[i] for i in covered]
            text = " ".join(p.text for p in parts)
            locator = _locator(frame, box=_box(parts))
            if headline.seen_only:
                site, seen = headline.outlet or "a news site", f"{headline.published_at:%Y-%m-%d %H:%M}"
                lead = f"seen on the front page of {site} on {seen} UTC (GDELT)"
                candidates.append(Candidate(text, locator, NOT_DATED, "headline", lead, headline.url))
            elif plausible(headline.published_at):
                drafts.append(headline_draft(headline, text, locator))
    for run in unmatched_headlines([line.text for line in lines], matched):
        locator = _locator(frame, box=_box([lines[i] for i in run.lines]))
        candidates.append(Candidate(run.text, locator, NOT_IN_CORPUS, kind="headline"))
    for line in lines:
        _id_cues(line.text, ceiling, _locator(frame, line), "medium", drafts, candidates)
        _order_cues(line.text, facts, ceiling, _locator(frame, line), drafts)
        for found in url_dates(line.text):
            earliest, latest, zone = local_bounds(found.start, found.end)
            if _after(earliest, ceiling, found.text, _locator(frame, line), candidates):
                continue
            drafts.append(
                CueDraft("url_date", "not_before", earliest, latest, found.granularity, zone, "medium", found.text,
                         _locator(frame, line))
            )  # fmt: skip
    for (line, _), mention in zip(text_mentions, text_settled, strict=True):
        locator = _locator(frame, line)
        if mention.has_year:
            readings: Sequence[Reading] = mention.readings
            details: dict[str, Any] = {}
            if len(readings) > 1:
                details["readings"] = [f"{r.start:%Y-%m-%d} ({r.order.replace('_', ' ')})" for r in readings]
                details["note"] = _TWO_WAYS
            if mention.notes:
                details["note"] = "; ".join(mention.notes)
            start, end = min(r.start for r in readings), max(r.end for r in readings)
            granularity = readings[0].granularity
        else:
            placed = _placed(mention, ceiling, mention.text, locator, candidates)
            if placed is None:
                continue
            reading, details = placed
            start, end, granularity = reading.start, reading.end, reading.granularity
        earliest, latest, zone = local_bounds(start, end)
        if _after(earliest, ceiling, mention.text, locator, candidates):
            continue
        drafts.append(
            CueDraft("text_date", "not_before", earliest, latest, granularity, zone, "weak", mention.text, locator,
                     details)
        )  # fmt: skip


def headline_draft(headline: Headline, text: str, locator: dict[str, Any]) -> CueDraft:
    """The cue a headline on screen gives: not before its first publication (a whole day when only the day is known)."""
    start = headline.published_at
    if headline.granularity == "day":
        local = datetime(start.year, start.month, start.day)  # noqa: DTZ001
        earliest, latest, zone = local_bounds(local, local + timedelta(days=1))
    else:
        earliest, latest, zone = start, start, "as published"
    details = {"title": headline.title, "outlet": headline.outlet, "url": headline.url, "score": headline.score,
               "published_at": headline.published_at.isoformat()}  # fmt: skip
    if headline.reason:
        details["match"] = headline.reason
    return CueDraft(
        "headline", "not_before", earliest, latest, headline.granularity, zone, "strong", text, locator, details,
        headline,
    )  # fmt: skip


def _box(parts: Sequence[Line]) -> tuple[int, int, int, int]:
    """The box around lines read together (a headline wrapped over two)."""
    left, top = min(p.left for p in parts), min(p.top for p in parts)
    return left, top, max(p.right for p in parts) - left, max(p.bottom for p in parts) - top


_TWO_WAYS = (
    "the date reads two ways, and neither the device's locale nor the screen's language settles it: the cue spans both"
)


def _id_cues(
    text: str,
    ceiling: datetime | None,
    locator: dict,
    base: str,
    drafts: list[CueDraft],
    candidates: list[Candidate],
) -> None:
    """The creation times of the identifiers in a line or an address (``extract.ids``), each a not_before bound.

    Read from a record the id is exactly as the platform gave it (strong); read
    on screen a digit may be misread, which the format's checks catch only when
    it moves the time out of range (medium). A format any software makes (an
    ObjectId, a UUID) is a step weaker: a string of its shape may be another
    thing. Refused ones stay candidates.
    """
    kept, refused = id_times(text, not_after=ceiling)
    steps = ["strong", "medium", "weak"]
    for found in kept:
        strength = steps[min(steps.index(base) + found.generic, 2)]
        details = {"identifier": found.identifier, "decoder": found.decoder, "how": found.how, "url": found.source,
                   "tool": "dfir-unfurl"}  # fmt: skip
        drafts.append(
            CueDraft("id_time", "not_before", found.moment, found.moment, "second", "UTC", strength,
                     found.identifier, locator, details, why=found.explanation)
        )  # fmt: skip
    for miss in refused:
        candidates.append(Candidate(miss.identifier, locator, f"{miss.decoder}: {miss.reason}", kind="id"))


def _order_cues(text: str, facts: ItemFacts, ceiling: datetime | None, locator: dict, drafts: list[CueDraft]) -> None:
    """For each id of a platform that numbers in order, the calibration point that bounds it best (extract.ordered).

    A point made after the item was posted or received cannot bound it: the
    id read is not the one shown (a digit OCR added), or a point is wrong.
    """
    for ordered in facts.ordered:
        for number in sighted(pattern_check(ordered.pattern), text):
            point = bound(number, ordered.points, facts.item)
            if point is None or (ceiling is not None and point.earliest > ceiling):
                continue
            why = (f"{ordered.platform} numbers its ids in order ({ordered.pattern}): id {number} is larger than "
                   f"id {point.number}, made on or after {point.earliest:%Y-%m-%d %H:%M} UTC ({point.source}), so it "
                   "was made no earlier, and the screen was captured after that.")  # fmt: skip
            details = {"platform": ordered.platform, "pattern": ordered.pattern, "id": number,
                       "calibration": {"id": point.number, "earliest": point.earliest.isoformat(),
                                       "item": point.item, "source": point.source}}  # fmt: skip
            drafts.append(
                CueDraft("id_order", "not_before", point.earliest, point.earliest, "second", "UTC", "medium",
                         f"{ordered.platform} id {number}", locator, details, why=why)
            )  # fmt: skip


def _after(
    earliest: datetime | None, ceiling: datetime | None, text: str, locator: dict, candidates: list[Candidate]
) -> bool:
    """Whether a date on screen lies wholly after the item's upload or receipt, so it cannot bound the capture.

    It is a date to come (a deadline, an event) or a misreading (2023 read as
    2032): as a cue it would only put the item in conflict, so it stays a
    candidate with the reason, for a person to look at.
    """
    if earliest is None or ceiling is None or earliest <= ceiling:
        return False
    candidates.append(Candidate(text, locator, f"after the item was posted or received ({ceiling:%Y-%m-%d}): a date "
                                "to come (a deadline, an event) or a misreading, so it bounds nothing"))  # fmt: skip
    return True


def _placed(
    mention: DateMention, ceiling: datetime | None, text: str, locator: dict, candidates: list[Candidate]
) -> tuple[Reading, dict[str, Any]] | None:
    """A reading for a mention, placing a day without a year below the ceiling; None leaves a candidate."""
    if mention.has_year:
        return mention.readings[0], {}
    if ceiling is None:
        candidates.append(Candidate(text, locator, "a day without a year, and no upload or receipt date to place it"))
        return None
    # The screen's local date can be up to 14 hours ahead of the UTC bound.
    resolved = resolve_year(mention, (ceiling + _EAST).replace(tzinfo=None))
    if resolved is None:
        candidates.append(Candidate(text, locator, f"no year puts this day on or before {ceiling:%Y-%m-%d}"))
        return None
    reading, how = resolved
    return reading, {"year": how}
