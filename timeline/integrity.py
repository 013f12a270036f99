"""What ``verify_archive`` checks of a timeline: its rows against the custody log, its intervals against its cues.

The custody log records every change the application makes to what a verdict
rests on: the cues each processing run drafted and the frames' text they were
read from (``cues_drafted``), cues added by hand, each review, each sign-off,
each key event and each member's role, and how processing ended (the item's
status and kind). ``timeline_replay`` replays those entries and names every
row that no longer matches them; it also recomputes every stored capture
interval from its cues. ``corpus_check`` re-derives each reference headline's
key from its title, date and outlet.

A digest (SHA-256 of the fields as JSON) stands for a cue or a frame's text in
the log, so the log stays small and says nothing a member could not see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from archive.custody import ChainProblem
from archive.models import Case, CustodyAction, CustodyEntry, Evidence, Frame, Membership, ProcessingStatus
from timeline.headlines import headline_key
from timeline.intervals import intersect
from timeline.models import (
    SET_ASIDE,
    CaptureInterval,
    Cue,
    CueStatus,
    IntervalMode,
    KeyEvent,
    ReferenceHeadline,
    SignOff,
)

# The fields of a cue its digest covers: everything but its review, which is replayed on its own.
CUE_FIELDS = ("kind", "bound", "earliest", "latest", "granularity", "time_zone", "strength", "text", "explanation",
              "locator", "details", "headline_id", "fingerprint", "by_person", "created_by_id")  # fmt: skip
_REPLAYED = (
    CustodyAction.CUES_DRAFTED, CustodyAction.CUE_ADDED, CustodyAction.CUE_CONFIRMED, CustodyAction.CUE_REJECTED,
    CustodyAction.VERDICT_SIGNED_OFF, CustodyAction.EVENT_ADDED, CustodyAction.EVENT_EDITED,
    CustodyAction.EVENT_REMOVED, CustodyAction.MEMBER_ADDED, CustodyAction.MEMBER_ROLE_CHANGED,
    CustodyAction.MEMBER_REMOVED, CustodyAction.STATUS_CHANGED, CustodyAction.CUES_SUPERSEDED,
)  # fmt: skip
_FINISHED = (ProcessingStatus.DONE, ProcessingStatus.FAILED)


def cue_digest(cue: Cue) -> str:
    return _digest({name: getattr(cue, name) for name in CUE_FIELDS})


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(values: dict[str, Any]) -> str:
    def plain(value: Any) -> Any:
        return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value

    text = json.dumps({key: plain(value) for key, value in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class _Log:
    """The custody log's account of a case's timeline, replayed in order."""

    def __init__(self, case: Case) -> None:
        # Per item: the cues it should have (id: digest, None where no digest was recorded) and its frames' text.
        self.cues: dict[int, dict[int, str | None]] = {}
        self.frames: dict[int, dict[int, str]] = {}
        self.reviews: dict[int, tuple[str, int | None]] = {}
        self.sign_offs: dict[int, tuple[dict[str, Any], int | None]] = {}
        self.outdated: set[int] = set()
        self.events: dict[int, dict[str, Any]] = {}
        self.members: dict[str, str] = {}
        self.finished: dict[int, dict[str, Any]] = {}
        entries = CustodyEntry.objects.filter(case=case, action__in=_REPLAYED).order_by("sequence")
        for entry in entries.iterator(chunk_size=2000):
            self._replay(entry)

    def _replay(self, entry: CustodyEntry) -> None:
        details, action = entry.details, entry.action
        if action == CustodyAction.CUES_DRAFTED:
            self.cues[entry.evidence_id] = {int(pk): digest for pk, digest in details["cues"].items()}
            self.frames[entry.evidence_id] = {int(index): digest for index, digest in details["frames"].items()}
        elif action == CustodyAction.CUE_ADDED:
            self.cues.setdefault(entry.evidence_id, {})[details["cue"]] = details.get("digest")
        elif action in (CustodyAction.CUE_CONFIRMED, CustodyAction.CUE_REJECTED):
            status = CueStatus.CONFIRMED if action == CustodyAction.CUE_CONFIRMED else CueStatus.REJECTED
            self.reviews[details["cue"]] = (status, entry.actor_id)
        elif action == CustodyAction.CUES_SUPERSEDED:
            expected = self.cues.get(entry.evidence_id, {})
            for pk in details["deleted"]:
                expected.pop(pk, None)
            for pk in details["superseded"]:
                self.reviews[pk] = (CueStatus.SUPERSEDED, self.reviews.get(pk, ("", None))[1])
            self.outdated.update(details["sign_offs"])
        elif action == CustodyAction.VERDICT_SIGNED_OFF:
            self.sign_offs[details["sign_off"]] = (details, entry.actor_id)
        elif action == CustodyAction.EVENT_ADDED:
            self.events[details["event"]] = {"title": details["title"], "date": details["date"],
                                             "entity": details.get("entity", "")}  # fmt: skip
        elif action == CustodyAction.EVENT_EDITED:
            event = self.events.setdefault(details["event"], {})
            event.update({name: change["to"] for name, change in details["changes"].items()})
        elif action == CustodyAction.EVENT_REMOVED:
            self.events.pop(details["event"], None)
        elif action in (CustodyAction.MEMBER_ADDED, CustodyAction.MEMBER_ROLE_CHANGED):
            self.members[details["user"]] = details.get("role") or details["to"]
        elif action == CustodyAction.MEMBER_REMOVED:
            self.members.pop(details["user"], None)
        elif action == CustodyAction.STATUS_CHANGED and entry.evidence_id:
            self.finished[entry.evidence_id] = details


def timeline_replay(case: Case) -> list[ChainProblem]:
    """Every timeline row of a case that differs from the custody log or from its own cues, named."""
    log = _Log(case)
    problems = [ChainProblem(case.slug, None, message) for message in _messages(case, log)]
    return problems


def _messages(case: Case, log: _Log) -> Iterator[str]:
    items = {item.pk: item for item in Evidence.objects.filter(case=case).only("pk", "status", "kind")}
    yield from _items(items, log)
    yield from _cues(case, items, log)
    yield from _frames(case, items, log)
    yield from _intervals(case)
    yield from _sign_offs(case, log)
    yield from _events(case, log)
    yield from _members(case, log)


def _items(items: dict[int, Evidence], log: _Log) -> Iterator[str]:
    for pk, item in items.items():
        finished = log.finished.get(pk)
        if item.status in _FINISHED and finished is None:
            yield f"evidence #{pk} is {item.status}, but the custody log never recorded its processing ending"
            continue
        if finished is None or item.status not in _FINISHED:
            continue
        if finished["status"] != item.status:
            yield f"evidence #{pk}: its status is {item.status!r}, the custody log recorded {finished['status']!r}"
        if "kind" in finished and finished["kind"] != item.kind:
            yield f"evidence #{pk}: its kind is {item.kind!r}, the custody log recorded {finished['kind']!r}"


def _cues(case: Case, items: dict[int, Evidence], log: _Log) -> Iterator[str]:
    found = {cue.pk: cue for cue in Cue.objects.filter(evidence__case=case)}
    for pk, cue in sorted(found.items()):
        expected = log.cues.get(cue.evidence_id)
        if expected is not None:
            if pk not in expected:
                yield f"cue #{pk} of evidence #{cue.evidence_id} ({cue.text[:60]!r}) is not in the custody log"
            elif expected[pk] is not None and expected[pk] != cue_digest(cue):
                yield f"cue #{pk} of evidence #{cue.evidence_id} differs from what the custody log recorded"
        review = log.reviews.get(pk)
        if cue.status == CueStatus.PROPOSED and review is not None:
            yield f"cue #{pk} of evidence #{cue.evidence_id} is proposed, the custody log recorded it {review[0]}"
        elif cue.status != CueStatus.PROPOSED and review is None:
            yield (
                f"cue #{pk} of evidence #{cue.evidence_id} is {cue.status} (by user {cue.reviewed_by_id}), "
                "but the custody log records no review of it"
            )
        elif review is not None and review != (cue.status, cue.reviewed_by_id):
            yield (
                f"cue #{pk} of evidence #{cue.evidence_id}: its review ({cue.status} by user {cue.reviewed_by_id}) "
                f"differs from the custody log ({review[0]} by user {review[1]})"
            )
    for evidence_id, expected in log.cues.items():
        if evidence_id not in items:
            continue
        for pk in sorted(set(expected) - set(found)):
            yield f"cue #{pk} of evidence #{evidence_id}, recorded in the custody log, is missing from the database"
    for pk in sorted(set(log.reviews) - set(found)):
        if not any(pk in expected for expected in log.cues.values()):
            yield f"cue #{pk}, reviewed in the custody log, is missing from the database"


def _frames(case: Case, items: dict[int, Evidence], log: _Log) -> Iterator[str]:
    for frame in Frame.objects.filter(evidence__case=case).only("evidence_id", "index", "text").order_by("pk"):
        expected = log.frames.get(frame.evidence_id)
        # While an item is processed again its text changes before its cues are drafted anew.
        if expected is None or items[frame.evidence_id].status not in _FINISHED:
            continue
        if expected.get(frame.index) != text_digest(frame.text):
            yield (
                f"evidence #{frame.evidence_id}: the text of frame {frame.index} differs from what its cues "
                "were read from (the custody log's digest)"
            )


def _intervals(case: Case) -> Iterator[str]:
    cues: dict[int, list[Cue]] = {}
    for cue in Cue.objects.filter(evidence__case=case).exclude(status__in=SET_ASIDE):
        cues.setdefault(cue.evidence_id, []).append(cue)
    for stored in CaptureInterval.objects.filter(evidence__case=case).order_by("evidence_id", "mode"):
        chosen = cues.get(stored.evidence_id, [])
        if stored.mode == IntervalMode.VERIFIED:
            chosen = [cue for cue in chosen if cue.status == CueStatus.CONFIRMED]
        computed = intersect(chosen)
        now = (stored.earliest, stored.latest, stored.conflict, stored.cues)
        then = (computed.earliest, computed.latest, computed.empty, len(chosen))
        if now != then:
            yield (
                f"evidence #{stored.evidence_id}: its stored {stored.mode} capture interval "
                f"({_span(now[0], now[1])}) differs from what its cues give ({_span(then[0], then[1])})"
            )


def _span(earliest: datetime | None, latest: datetime | None) -> str:
    return f"{earliest.isoformat() if earliest else '…'} to {latest.isoformat() if latest else '…'}"


def _sign_offs(case: Case, log: _Log) -> Iterator[str]:
    found = {sign_off.pk: sign_off for sign_off in SignOff.objects.filter(evidence__case=case)}
    for pk, sign_off in sorted(found.items()):
        recorded = log.sign_offs.get(pk)
        if recorded is None:
            yield f"sign-off {pk} of evidence #{sign_off.evidence_id} is not in the custody log"
            continue
        details, actor = recorded
        now = (sign_off.verdicts, sign_off.cue_ids, sign_off.note, sign_off.signed_by_id)
        if now != (details["verdicts"], details["cues"], details["note"], actor):
            yield f"sign-off {pk} of evidence #{sign_off.evidence_id} differs from what the custody log recorded"
        if bool(sign_off.outdated) != (pk in log.outdated):
            said = "outdated" if pk in log.outdated else "standing"
            yield f"sign-off {pk} of evidence #{sign_off.evidence_id}: the custody log recorded it {said}"
    for pk in sorted(set(log.sign_offs) - set(found)):
        yield f"sign-off {pk}, recorded in the custody log, is missing from the database"


def _events(case: Case, log: _Log) -> Iterator[str]:
    found = {event.pk: event for event in KeyEvent.objects.filter(case=case).select_related("entity")}
    for pk, event in sorted(found.items()):
        recorded = log.events.get(pk)
        if recorded is None:
            yield f"key event {pk} ({event.title!r}) is not in the custody log"
            continue
        row = {
            "title": event.title, "date": event.date.isoformat(), "entity": event.entity.name if event.entity else "",
            "kind": event.kind, "legal_act": event.legal_act, "source_url": event.source_url, "note": event.note,
        }  # fmt: skip
        changed = sorted(name for name, value in recorded.items() if name in row and row[name] != value)
        if changed:
            yield f"key event {pk} ({event.title!r}) differs from the custody log in: " + ", ".join(
                f"{name} (row {row[name]!r}, log {recorded[name]!r})" for name in changed
            )
    for pk in sorted(set(log.events) - set(found)):
        yield f"key event {pk}, recorded in the custody log, is missing from the database"


def _members(case: Case, log: _Log) -> Iterator[str]:
    found = dict(Membership.objects.filter(case=case).values_list("user__username", "role"))
    for username, role in sorted(found.items()):
        recorded = log.members.get(username)
        if recorded is None:
            yield f"member {username} ({role}) was never added in the custody log"
        elif recorded != role:
            yield f"member {username} is {role}, the custody log recorded {recorded}"
    for username in sorted(set(log.members) - set(found)):
        yield f"member {username}, recorded in the custody log, is missing from the database"


def corpus_check() -> Iterator[str]:
    """Reference headlines whose title, date or outlet changed since they were imported (their key no longer fits)."""
    rows = ReferenceHeadline.objects.values_list("pk", "title", "published_at", "outlet", "key").order_by("pk")
    for pk, title, published_at, outlet, key in rows.iterator(chunk_size=5000):
        if headline_key(title, published_at, outlet) != key:
            yield f"reference headline {pk} ({title[:60]!r}): its title, date or outlet changed after it was imported"
