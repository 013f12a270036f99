"""The case timeline in TimelineJS's JSON format (https://timeline.knightlab.com/docs/json-format.html).

Pure: it takes the plain records of ``selectors.item_records`` and plain key
events, and returns the document. Each item is an event spanning its capture
interval; an interval open on one side is shown from its one bound, with the
side that is open said in its date label; an item with no bound at all is
left out and counted on the title slide, since TimelineJS cannot place it.
Key events are events of their own group, on their day. Every text is
escaped: TimelineJS shows it as HTML, and names come from the evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any

KEY_EVENTS = "Key events"


@dataclass(frozen=True)
class Media:
    """A picture for an item's slide: a keyframe or page capture, and the page it links to."""

    url: str
    caption: str
    link: str


@dataclass(frozen=True)
class Event:
    """A key event as the export needs it."""

    pk: int
    title: str
    day: date
    legal_act: str
    source_url: str
    note: str


def timelinejs_document(
    *,
    title: str,
    description: str,
    records: Iterable[dict[str, Any]],
    events: Iterable[Event],
    media: Callable[[int], Media | None],
    link: Callable[[int], str],
    mode: str,
) -> dict[str, Any]:
    """The TimelineJS document: a title slide, one slide per placed item and one per key event."""
    slides: list[dict[str, Any]] = []
    unplaced = 0
    for record in records:
        slide = _item_slide(record, media(record["id"]), link(record["id"]), mode)
        if slide is None:
            unplaced += 1
        else:
            slides.append(slide)
    slides += [_event_slide(event) for event in events]
    summary = f"{len(slides)} slides, capture intervals in {mode} mode (UTC)."
    if unplaced:
        items = f"{unplaced} item{'s' if unplaced != 1 else ''}"
        summary += f" {items} with no dated cue cannot be placed and are not shown."
    text = f"<p>{escape(description)}</p><p>{escape(summary)}</p>" if description else f"<p>{escape(summary)}</p>"
    return {"title": {"text": {"headline": escape(title), "text": text}}, "events": slides}


def _item_slide(record: dict[str, Any], media: Media | None, link: str, mode: str) -> dict[str, Any] | None:
    earliest = _moment(record["capture_interval"]["earliest"])
    latest = _moment(record["capture_interval"]["latest"])
    if earliest is None and latest is None:
        return None
    if earliest is not None and latest is not None and earliest > latest:
        # An empty interval: the slide spans the bounds that disagree, and says so.
        start, end = _date(latest), _date(earliest)
        label = f"nowhere: its cues disagree ({_shown(latest)} against {_shown(earliest)})"
    elif earliest is not None and latest is not None:
        start, end = _date(earliest), _date(latest)
        label = f"between {_shown(earliest)} and {_shown(latest)}"
    elif earliest is not None:
        start, end = _date(earliest), None
        label = f"on or after {_shown(earliest)}"
    else:
        start, end = _date(latest), None
        label = f"on or before {_shown(latest)}"
    start["display_date"] = f"Captured {label}"
    verdicts = [f"{found['verdict']} {found['event']} ({found['date']})" for found in record["verdicts"]]
    lines = [f"Captured {label} ({mode}, from {record['cues']} cue{'s' if record['cues'] != 1 else ''})."]
    if record["conflict"]:
        lines.append("Its cues disagree: " + ", ".join(f"cue {pk}" for pk in record["conflict"]) + ".")
    lines += [f"Verdict: {verdict}." for verdict in verdicts]
    lines.append(f"SHA-256 {record['sha256']}.")
    body = "".join(f"<p>{escape(line)}</p>" for line in lines) + f'<p><a href="{escape(link)}">The reasoning</a></p>'
    slide: dict[str, Any] = {
        "unique_id": f"evidence-{record['id']}",
        "start_date": start,
        "text": {"headline": escape(record["name"]), "text": body},
        "group": record["verdicts"][0]["verdict"] if record["verdicts"] else record["kind"],
    }
    if end is not None:
        slide["end_date"] = end
    if media is not None:
        slide["media"] = {"url": media.url, "caption": escape(media.caption), "link": media.link}
    return slide


def _event_slide(event: Event) -> dict[str, Any]:
    lines = [line for line in (event.legal_act, event.note) if line]
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    if event.source_url:
        body += f'<p><a href="{escape(event.source_url)}">Source</a></p>'
    start = {"year": event.day.year, "month": event.day.month, "day": event.day.day}
    return {
        "unique_id": f"event-{event.pk}",
        "start_date": start,
        "text": {"headline": escape(event.title), "text": body},
        "group": KEY_EVENTS,
    }


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def _date(moment: datetime) -> dict[str, Any]:
    # Records are in UTC; TimelineJS reads these fields as they are.
    return {"year": moment.year, "month": moment.month, "day": moment.day, "hour": moment.hour,
            "minute": moment.minute, "second": moment.second}  # fmt: skip


def _shown(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
