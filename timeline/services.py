"""Writes to cues, capture intervals, entities and their mentions."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from archive.collect.guard import guarding_proxy
from archive.collect.page import CaptureFailed, page_capture
from archive.custody import custody_append
from archive.links import web_address
from archive.models import Case, CustodyAction, CustodyEntry, Evidence, Frame, SearchKind, TextLine
from archive.queues import BROKER_DOWN, queue_task
from archive.search import Entry, search_entries_replace
from archive.services import ServiceError, evidence_process
from archive.timestamps import timestamps_enabled
from archive.vault import spool, vault_store
from timeline.extract.articles import Article, NoDate, article_date
from timeline.extract.cues import Candidate, CueDraft, Headline, headline_draft, local_bounds
from timeline.extract.dates import EARLIEST_YEAR, LATEST_YEAR
from timeline.extract.headlines import normalise
from timeline.extract.mentions import Found, names_found, names_of, span_box
from timeline.extract.ordered import PatternError, pattern_check
from timeline.headlines import headline_key
from timeline.integrity import cue_digest, text_digest
from timeline.intervals import intersect
from timeline.models import (
    SET_ASIDE,
    Bound,
    CaptureInterval,
    Cue,
    CueKind,
    CueStatus,
    Entity,
    Granularity,
    HeadlineCandidate,
    HeadlineOrigin,
    HeadlineSource,
    IntervalMode,
    KeyEvent,
    Mention,
    MentionScan,
    MentionStatus,
    OrderedIds,
    ReferenceHeadline,
    SignOff,
    Strength,
)
from timeline.selectors import calibrations, interval_of, points_written, verdicts_of, with_intervals

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


# Three wrapped lines of a headline at most; the extractor keeps far less.
MAX_CANDIDATE_TEXT = 1000


def cues_replace_proposed(*, evidence: Evidence, drafts: list[CueDraft], candidates: list[Candidate]) -> list[Cue]:
    """Replace the machine's proposed cues of an item with new drafts.

    Cues a person added, confirmed or rejected are never touched, and a draft
    with the same fingerprint as one of them is not added again.

    1. Lock the item, so two runs of the stage do not interleave.
    2. Delete the machine's cues that nobody has reviewed.
    3. Add the drafts that no reviewed cue already stands for.
    4. Keep the dates still waiting for a year on the item and its lines that
       read as headlines the corpus lacks, and refresh its intervals.
    """
    with transaction.atomic():
        _lock_item(evidence.pk)
        kept = Cue.objects.filter(evidence=evidence).exclude(status=CueStatus.PROPOSED, by_person=False)
        Cue.objects.filter(evidence=evidence, status=CueStatus.PROPOSED, by_person=False).delete()
        reviewed = set(kept.values_list("fingerprint", flat=True))
        created = Cue.objects.bulk_create(
            Cue(
                evidence=evidence,
                kind=draft.kind,
                bound=draft.bound,
                earliest=draft.earliest,
                latest=draft.latest,
                granularity=draft.granularity,
                time_zone=draft.time_zone,
                strength=draft.strength,
                text=draft.text[:2000],
                explanation=draft.explanation,
                locator=draft.locator,
                details=draft.details,
                headline_id=draft.headline.id if draft.headline else None,
                fingerprint=draft.fingerprint,
            )
            for draft in drafts
            if draft.fingerprint not in reviewed
        )
        dates = [c for c in candidates if c.kind in ("date", "id")]
        unmatched = [c for c in candidates if c.kind == "headline"]
        HeadlineCandidate.objects.filter(evidence=evidence).delete()
        HeadlineCandidate.objects.bulk_create(
            HeadlineCandidate(
                evidence=evidence,
                text=c.text[:MAX_CANDIDATE_TEXT],
                locator=c.locator,
                lead=c.lead[:300],
                lead_url=c.lead_url,
            )  # fmt: skip
            for c in unmatched
        )
        metadata = dict(Evidence.objects.values_list("metadata", flat=True).get(pk=evidence.pk))
        metadata["cue_candidates"] = [{"text": c.text, "locator": c.locator, "reason": c.reason, "kind": c.kind}
                                      for c in dates]  # fmt: skip
        Evidence.objects.filter(pk=evidence.pk).update(metadata=metadata)
        evidence.metadata = metadata
        intervals_refresh(evidence=evidence)
        search_index_cues(evidence)
        # What verify_archive replays: the item's cues and the text they were read from, as digests.
        custody_append(
            case=Case.objects.get(pk=evidence.case_id),
            action=CustodyAction.CUES_DRAFTED,
            actor=None,
            evidence=evidence,
            details={
                "cues": {str(cue.pk): cue_digest(cue) for cue in Cue.objects.filter(evidence=evidence).order_by("pk")},
                "frames": {str(index): text_digest(text)
                           for index, text in Frame.objects.filter(evidence=evidence).values_list("index", "text")},
                "candidates": len(dates),
                "unmatched_headlines": len(unmatched),
            },
        )  # fmt: skip
    return created


def _lock_item(evidence_id: int) -> None:
    """Serialise every write to an item's cues and intervals on its row.

    Each service takes this lock first, before the case row that the custody
    log locks, so writers always lock in the same order.
    """
    Evidence.objects.select_for_update().filter(pk=evidence_id).values_list("pk", flat=True).first()


# The longest link a key event or a cue keeps (their columns' length).
MAX_URL = 2000
# The cues a provenance field gives, by the field their locator names.
_CUES_OF_FIELD = {
    "posted_at": "provenance.posted_at",
    "posted_at_granularity": "provenance.posted_at",
    "source_url": "provenance.source_url",
}


def cues_supersede(*, evidence: Evidence, fields: set[str], actor: AbstractBaseUser | None, reason: str) -> list[Cue]:
    """Set aside the cues that edited provenance fields gave, before the cues stage drafts them again.

    A proposed cue is deleted (the stage drafts it anew from the new value).
    A reviewed one is superseded: it stays, with its review, but bounds
    nothing, and every sign-off that rests on it is outdated with ``reason``.
    A new device locale reads numeric dates and clocks differently, so it
    sets aside the cues whose reading a locale settled or left two ways.
    The custody log keeps what was set aside. Returns the superseded cues.
    """
    locators = {_CUES_OF_FIELD[name] for name in fields if name in _CUES_OF_FIELD}
    with transaction.atomic():
        _lock_item(evidence.pk)
        touched = [
            cue for cue in Cue.objects.filter(evidence=evidence, by_person=False).exclude(status__in=SET_ASIDE)
            if cue.locator.get("field") in locators or ("locale" in fields and _read_by_locale(cue))
        ]  # fmt: skip
        if not touched:
            return []
        deleted = [cue.pk for cue in touched if cue.status == CueStatus.PROPOSED]
        superseded = [cue for cue in touched if cue.status != CueStatus.PROPOSED]
        Cue.objects.filter(pk__in=deleted).delete()
        Cue.objects.filter(pk__in=[cue.pk for cue in superseded]).update(status=CueStatus.SUPERSEDED)
        outdated = []
        for sign_off in SignOff.objects.filter(evidence=evidence, outdated=""):
            resting = sorted({cue.pk for cue in superseded} & set(sign_off.cue_ids))
            if resting:
                sign_off.outdated = f"cue #{resting[0]} it rests on was superseded: {reason}"
                sign_off.save(update_fields=["outdated"])
                outdated.append(sign_off.pk)
        custody_append(
            case=Case.objects.get(pk=evidence.case_id),
            action=CustodyAction.CUES_SUPERSEDED,
            actor=actor,
            evidence=evidence,
            details={"superseded": [cue.pk for cue in superseded], "deleted": deleted, "sign_offs": outdated,
                     "reason": reason},
        )  # fmt: skip
        intervals_refresh(evidence=evidence)
        search_index_cues(evidence)
    return superseded


def _read_by_locale(cue: Cue) -> bool:
    """Whether a cue's date was read one way by a locale, or kept two ways for want of one."""
    note = str(cue.details.get("note", ""))
    return bool(cue.details.get("readings")) or "short date pattern" in note


def intervals_refresh(*, evidence: Evidence) -> None:
    """Recompute an item's provisional and verified capture intervals from its cues (in a transaction)."""
    _lock_item(evidence.pk)
    cues = list(Cue.objects.filter(evidence=evidence).exclude(status__in=SET_ASIDE))
    for mode, chosen in (
        (IntervalMode.PROVISIONAL, cues),
        (IntervalMode.VERIFIED, [c for c in cues if c.status == CueStatus.CONFIRMED]),
    ):
        interval = intersect(chosen)
        CaptureInterval.objects.update_or_create(
            evidence=evidence,
            mode=mode,
            defaults={
                "earliest": interval.earliest,
                "latest": interval.latest,
                "conflict": interval.empty,
                "cues": len(chosen),
            },
        )


def event_add(
    *,
    case: Case,
    title: str,
    day: date,
    actor: AbstractBaseUser | None,
    kind: str = KeyEvent.Kind.SANCTION,
    entity_name: str = "",
    legal_act: str = "",
    source_url: str = "",
    note: str = "",
) -> KeyEvent:
    """Add a key event, with its entity found by name (in any case) or added to the case."""
    day_check(day)
    link_check(source_url)
    with transaction.atomic():
        entity = None
        if entity_name.strip():
            entity = Entity.objects.filter(case=case, name__iexact=entity_name.strip()).first()
            if entity is None:
                entity = entity_add(case=case, name=entity_name, kind=Entity.Kind.ORGANISATION, aliases=[],
                                    actor=actor)  # fmt: skip
            entity_name = entity.name
        event = KeyEvent.objects.create(
            case=case, title=title, kind=kind, entity=entity, date=day,
            legal_act=legal_act, source_url=source_url, note=note,
        )  # fmt: skip
        custody_append(
            case=case,
            action=CustodyAction.EVENT_ADDED,
            actor=actor,
            details={"event": event.pk, "title": title, "date": day.isoformat(), "entity": entity_name},
        )
    return event


class ReviewError(Exception):
    """A review action that cannot be taken; the message is written for a person."""


def link_check(url: str) -> None:
    """Refuse a link that is not http or https: pages show it as a link, and ``javascript:`` would run."""
    if url and not web_address(url):
        raise ReviewError(f"{url[:80]!r} is not an http or https address.")
    if len(url) > MAX_URL:
        raise ReviewError(f"A link may be {MAX_URL:,} characters long at most.")


def day_check(day: date) -> None:
    """Refuse dates no evidence of ours can bear: a typo such as 0023 or 9999 would warp every page."""
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ReviewError(f"{day.isoformat()} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}.")


def cue_review(*, cue: Cue, actor: AbstractBaseUser, confirm: bool, note: str = "") -> Cue:
    """Confirm or reject a cue with a note; the item's intervals follow, and the custody log keeps it."""
    with transaction.atomic():
        _lock_item(cue.evidence_id)
        locked = Cue.objects.select_for_update(of=("self",)).select_related("evidence__case").get(pk=cue.pk)
        decided = CueStatus.CONFIRMED if confirm else CueStatus.REJECTED
        if (locked.status, locked.reviewed_by_id, locked.note) == (decided, actor.pk, note):
            # The same review sent twice (a double click, two tabs): it stands once.
            return locked
        if locked.status != CueStatus.PROPOSED:
            raise ReviewError(f"This cue was already {locked.get_status_display().lower()}.")
        if confirm and locked.created_by_id is not None and locked.created_by_id == actor.pk:
            raise ReviewError("You added this cue; another fact-checker must confirm it.")
        locked.status = CueStatus.CONFIRMED if confirm else CueStatus.REJECTED
        locked.note = note
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        custody_append(
            case=locked.evidence.case,
            action=CustodyAction.CUE_CONFIRMED if confirm else CustodyAction.CUE_REJECTED,
            actor=actor,
            evidence=locked.evidence,
            details={"cue": locked.pk, "kind": locked.kind, "bound": locked.bound, "note": note},
        )
        intervals_refresh(evidence=locked.evidence)
        search_index_cues(locked.evidence)
        if locked.bound == Bound.NOT_BEFORE and locked.kind in (CueKind.TEXT_DATE, CueKind.MANUAL):
            # A date confirmed beside an ordered id may be a calibration point: worked out again after this
            # commits, by a task, so the review stays quick and takes no other item's lock.
            ordered_ids_recompute_request(case_id=locked.evidence.case_id, evidence_id=locked.evidence_id)
    return locked


def cue_add_manual(
    *,
    evidence: Evidence,
    actor: AbstractBaseUser,
    bound: str,
    day: date,
    text: str,
    note: str = "",
    source_url: str = "",
    region: tuple[Frame, list[int]] | None = None,
    zone: str = "",
) -> Cue:
    """A cue a person adds, such as a post date seen on the platform: a whole day, proposed for review.

    The day is local time in ``zone`` (an IANA name such as Europe/Moscow, or UTC);
    without one it is widened to every zone, as the machine does with dates on
    screen. Its source is a URL, or a region of one of the item's frames
    ``(frame, [x, y, w, h])``, which the reasoning page shows cropped like any
    cue read by the machine. Whoever adds it cannot also confirm it.
    """
    day_check(day)
    link_check(source_url)
    try:
        place = ZoneInfo(zone) if zone else None
    except (ZoneInfoNotFoundError, ValueError):
        raise ReviewError(f"{zone!r} is not a time zone name such as Europe/Moscow or UTC.") from None
    midnight = datetime.combine(day, time.min)
    earliest, latest, zone_label = local_bounds(midnight, midnight + timedelta(days=1), place)
    locator: dict[str, Any] = {"url": source_url} if source_url else {}
    if region is not None:
        frame, box = region
        if frame.evidence_id != evidence.pk:
            raise ReviewError("That frame belongs to another item.")
        left, top, width, height = box
        inside = left >= 0 and top >= 0 and width > 0 and height > 0
        if not inside or left + width > frame.width or top + height > frame.height:
            raise ReviewError(f"The region must lie inside the frame ({frame.width}×{frame.height} pixels).")
        locator.update({"frame": frame.index, "time": frame.time, "page": frame.page, "box": list(box)})
    with transaction.atomic():
        _lock_item(evidence.pk)
        cue = Cue.objects.create(
            evidence=evidence, kind=CueKind.MANUAL, bound=bound, earliest=earliest, latest=latest,
            granularity=Granularity.DAY, time_zone=zone_label, strength=Strength.STRONG, by_person=True,
            created_by=actor, text=text, explanation=note or "Added by a person.", locator=locator,
            fingerprint=f"manual-{uuid.uuid4().hex}",
        )  # fmt: skip
        custody_append(
            case=evidence.case,
            action=CustodyAction.CUE_ADDED,
            actor=actor,
            evidence=evidence,
                details={"cue": cue.pk, "bound": bound, "day": day.isoformat(), "text": text, "locator": locator,
                     "digest": cue_digest(Cue.objects.get(pk=cue.pk))},
        )  # fmt: skip
        intervals_refresh(evidence=evidence)
        search_index_cues(evidence)
    return cue


def cue_import(*, evidence: Evidence, actor: AbstractBaseUser | None, values: dict[str, Any]) -> Cue | None:
    """A cue a person added in another installation, brought in with its item: proposed here, logged as added.

    ``values`` are the cue's fields as the bag holds them (``kind``, ``bound``,
    ``earliest``, ``latest``, ``granularity``, ``time_zone``, ``strength``,
    ``text``, ``explanation``, ``locator``, ``fingerprint``, ``details``); what
    became of it there is in ``details``. A cue the item already has (the same
    fingerprint) is not added again: None.
    """
    with transaction.atomic():
        _lock_item(evidence.pk)
        if Cue.objects.filter(evidence=evidence, fingerprint=values["fingerprint"]).exists():
            return None
        cue = Cue.objects.create(evidence=evidence, status=CueStatus.PROPOSED, by_person=True, **values)
        custody_append(
            case=evidence.case, action=CustodyAction.CUE_ADDED, actor=actor, evidence=evidence,
            details={"cue": cue.pk, "bound": cue.bound, "text": cue.text, "locator": cue.locator, "imported": True,
                     "digest": cue_digest(Cue.objects.get(pk=cue.pk))},
        )  # fmt: skip
        intervals_refresh(evidence=evidence)
        search_index_cues(evidence)
    return cue


def ordered_ids_add(*, case: Case, platform: str, pattern: str, actor: AbstractBaseUser | None) -> OrderedIds:
    """Mark a platform of the case as numbering in order, seen by ``pattern``; the items showing its ids are read
    again, so their bounds follow."""
    platform, pattern = platform.strip(), pattern.strip()
    if not platform:
        raise ReviewError("Name the platform.")
    try:
        pattern_check(pattern)
    except PatternError as error:
        raise ReviewError(str(error)) from None
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
        if OrderedIds.objects.filter(case=case, pattern=pattern).exists():
            raise ReviewError(f"The case already has the pattern {pattern!r}.")
        ordered = OrderedIds.objects.create(case=case, platform=platform[:100], pattern=pattern, added_by=actor)
        details = {"ordered_ids": ordered.pk, "platform": ordered.platform, "pattern": pattern}
        custody_append(case=case, action=CustodyAction.ORDERED_IDS_ADDED, actor=actor, details=details)
        ordered_ids_recompute(case=case)
    return ordered


def ordered_ids_recompute_request(*, case_id: int, evidence_id: int | None = None) -> None:
    """Queue the points' working out after the transaction commits, when the case has ordered ids at all."""
    if OrderedIds.objects.filter(case_id=case_id).exists():
        transaction.on_commit(
            lambda: queue_task("timeline.tasks.ordered_ids_recompute", (case_id, evidence_id), queue="default")
        )


def ordered_ids_recompute(*, case: Case, evidence_id: int | None = None) -> int:
    """Work the calibration points out again, and read again the cues of the items that show an ordered id.

    With ``evidence_id``, only when that item shows one (its cue was the one
    reviewed or added): a review elsewhere moves no calibration point.
    Returns how many items were queued; an item whose processing is under way
    is left to it.
    """
    if not OrderedIds.objects.filter(case=case).exists():
        return 0
    found = calibrations(case)
    items = {item for calibration in found for item, _, _ in calibration.sightings}
    if evidence_id is not None and evidence_id not in items:
        return 0
    # The points as they stand now, kept with each platform for the cues stage to bound ids by.
    now = timezone.now()
    for calibration in found:
        flags = [{"point": points_written([flag.point])[0], "reason": flag.reason} for flag in calibration.flags]
        OrderedIds.objects.filter(pk=calibration.ordered.pk).update(
            points=points_written(calibration.points), flags=flags, items=calibration.items, worked_out_at=now
        )
    queued = 0
    for evidence in Evidence.objects.filter(pk__in=items):
        try:
            evidence_process(evidence=evidence, stage="cues")
        except ServiceError:
            continue
        queued += 1
    return queued


def entity_add(*, case: Case, name: str, kind: str, aliases: list[str], actor: AbstractBaseUser | None) -> Entity:
    """Add an organisation or a person to the case; names are unique in a case whatever their letter case."""
    name = name.strip()
    with transaction.atomic():
        # The case row is locked first, so two requests adding one name cannot both pass the check.
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
        if Entity.objects.filter(case=case, name__iexact=name).exists():
            raise ReviewError(f"The case already has an entity named {name!r}.")
        entity = Entity.objects.create(case=case, name=name, kind=kind, aliases=aliases)
        custody_append(
            case=case,
            action=CustodyAction.ENTITY_ADDED,
            actor=actor,
            details={"entity": entity.pk, "name": name, "kind": kind, "aliases": aliases},
        )
        if Evidence.objects.filter(case=case).exists():
            mention_scan_request(case=case, reason=f"{name} was added", actor=actor)
    return entity


def entities_link(*, evidence: Evidence, entities: list[Entity], actor: AbstractBaseUser) -> None:
    """Set the entities an item is about (replacing the earlier choice), and log the change."""
    if any(entity.case_id != evidence.case_id for entity in entities):
        raise ReviewError("Entities must belong to the item's case.")
    with transaction.atomic():
        before = sorted(evidence.entities.values_list("name", flat=True))
        evidence.entities.set(entities)
        after = sorted(entity.name for entity in entities)
        if before != after:
            custody_append(
                case=evidence.case,
                action=CustodyAction.ENTITIES_LINKED,
                actor=actor,
                evidence=evidence,
                details={"before": before, "after": after},
            )


EVENT_EDITABLE = ("title", "kind", "entity", "date", "legal_act", "source_url", "note")


def event_update(*, event: KeyEvent, actor: AbstractBaseUser, changes: dict[str, Any]) -> KeyEvent:
    """Change a key event; the custody log keeps each changed field's old and new value.

    Sign-offs made against the old date show as outdated, since their verdicts may no longer hold.
    """
    unknown = set(changes) - set(EVENT_EDITABLE)
    if unknown:
        raise ReviewError(f"These fields of an event cannot be edited: {', '.join(sorted(unknown))}.")
    if "date" in changes:
        day_check(changes["date"])
    link_check(changes.get("source_url", ""))
    entity = changes.get("entity")
    if entity is not None and entity.case_id != event.case_id:
        raise ReviewError("The entity must belong to the event's case.")
    with transaction.atomic():
        locked = KeyEvent.objects.select_for_update(of=("self",)).select_related("entity").get(pk=event.pk)
        diff = {}
        for name, value in changes.items():
            before = getattr(locked, name)
            if before != value:
                diff[name] = {"from": _plain(before), "to": _plain(value)}
                setattr(locked, name, value)
        if diff:
            locked.save(update_fields=list(diff))
            custody_append(
                case=locked.case,
                action=CustodyAction.EVENT_EDITED,
                actor=actor,
                details={"event": locked.pk, "title": locked.title, "changes": diff},
            )
    return locked


def _plain(value: object) -> object:
    """A value as the custody log keeps it: JSON, with entities by name."""
    if isinstance(value, Entity):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


def event_remove(*, event: KeyEvent, actor: AbstractBaseUser) -> None:
    """Remove a key event; the custody log keeps what it was."""
    with transaction.atomic():
        details = {"event": event.pk, "title": event.title, "date": event.date.isoformat(),
                   "entity": event.entity.name if event.entity else "", "legal_act": event.legal_act,
                   "source_url": event.source_url}  # fmt: skip
        case = event.case
        event.delete()
        custody_append(case=case, action=CustodyAction.EVENT_REMOVED, actor=actor, details=details)


def verdict_sign_off(*, evidence: Evidence, actor: AbstractBaseUser, note: str = "") -> SignOff:
    """Sign off an item's verified verdicts against every key event, as they stand now.

    Refused while proposed cues could change a verdict if confirmed, alone or
    together: the signature would otherwise rest on a question nobody settled.
    Confirming cues only narrows the verified interval towards the provisional
    one, so that is exactly when a provisional verdict differs from its verified
    verdict. Proposed cues that change nothing may wait. A later change that
    moves a verdict leaves the sign-off outdated, and pages say so.
    """
    events = list(KeyEvent.objects.filter(case=evidence.case))
    if not events:
        raise ReviewError("The case has no key events yet: there is no verdict to sign off.")
    with transaction.atomic():
        _lock_item(evidence.pk)
        item = with_intervals(Evidence.objects.filter(pk=evidence.pk)).get()
        provisional, verified = verdicts_of(item, "p_", events), verdicts_of(item, "v_", events)
        differing = [event.title for (event, now), (_, then) in zip(provisional, verified, strict=True)
                     if now.outcome != then.outcome]  # fmt: skip
        if differing:
            raise ReviewError(
                f"Proposed cues of this item would change its verdict against {', '.join(differing)}; "
                "confirm or reject them first."
            )
        confirmed = list(Cue.objects.filter(evidence=evidence, status=CueStatus.CONFIRMED).values_list("pk", flat=True))
        if not confirmed:
            raise ReviewError("No cue of this item is confirmed: there is no verified verdict to sign off.")
        # The stored verified interval, kept current under the lock just taken, is what the verdicts rest on.
        interval = interval_of(item, "v_")
        verdicts = [
            {"event": event.pk, "title": event.title, "date": event.date.isoformat(), "verdict": found.outcome,
             "margin_days": found.margin_days}
            for event, found in verified
        ]  # fmt: skip
        latest = SignOff.objects.filter(evidence=evidence).order_by("-signed_at", "-id").first()
        if (
            latest is not None
            and not latest.outdated
            and (
                (latest.signed_by_id, latest.verdicts, latest.cue_ids, latest.note)
                == (actor.pk, verdicts, sorted(confirmed), note)
            )
        ):
            # The same sign-off sent twice (at once, under the item's lock, or again later): it stands once.
            return latest
        sign_off = SignOff.objects.create(
            evidence=evidence, signed_by=actor, note=note, earliest=interval.earliest, latest=interval.latest,
            verdicts=verdicts, cue_ids=sorted(confirmed),
        )  # fmt: skip
        custody_append(
            case=evidence.case,
            action=CustodyAction.VERDICT_SIGNED_OFF,
            actor=actor,
            evidence=evidence,
            details={"sign_off": sign_off.pk, "verdicts": verdicts, "cues": sign_off.cue_ids, "note": note,
                     "earliest": _iso(interval.earliest), "latest": _iso(interval.latest)},
        )  # fmt: skip
        if timestamps_enabled():
            # The custody head with this sign-off in it, stamped by the authority: a fixed point for the verdict.
            case_id = evidence.case_id
            transaction.on_commit(lambda: queue_task("archive.tasks.stamp_custody_head", (case_id,), queue="default"))
    return sign_off


# The same person exporting the same view of an unchanged case within this time is logged once.
EXPORT_LOG_WINDOW = timedelta(hours=1)


def timeline_export_log(
    *, case: Case, actor: AbstractBaseUser, export: str, mode: str, items: int, filters: str = ""
) -> bool:
    """Log an export, with the custody head it was made at, so a published memo can be traced.

    An export is logged like a viewing: when the case's last custody entry is
    this person's export of the same format, mode and filters, less than
    ``EXPORT_LOG_WINDOW`` ago, nothing in the case has changed since and the
    new export is that one again, so it is not logged a second time (a
    reload, or a crawler following links, would otherwise fill the log).
    Returns whether an entry was written.
    """
    details = {"format": export, "mode": mode, "filters": filters, "items": items}
    # Not under the case's lock: two identical exports at the same moment may both be logged, which is harmless.
    last = CustodyEntry.objects.filter(case=case).order_by("-sequence").first()
    if (
        last is not None
        and last.action == CustodyAction.EXPORTED
        and last.actor_id == actor.pk
        and all(last.details.get(key) == value for key, value in details.items())
        and last.at > timezone.now() - EXPORT_LOG_WINDOW
    ):
        return False
    custody_append(
        case=case, action=CustodyAction.EXPORTED, actor=actor, details={**details, "custody_head": case.custody_head}
    )
    return True


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class ReferenceFound:
    reference: ReferenceHeadline
    article: Article
    cue: Cue | None
    created: bool  # False: the corpus already held this headline


def reference_from_url(
    *, url: str, actor: AbstractBaseUser | None, candidate: HeadlineCandidate | None = None
) -> ReferenceFound:
    """An article a fact-checker found, made a dated reference headline, and the cue it gives the item.

    1. Capture the page through the address guard with the system's Chromium,
       as evidence is collected: its HTML and a full-page picture go into the
       vault under their SHA-256.
    2. Read its title, outlet and earliest credible publication date
       (timeline.extract.articles); a page without one is refused with why.
    3. Keep it as a reference headline (once, whoever finds it again), with
       who found it, where and when the page said it was published.
    4. For a headline candidate of an item: propose a headline cue at the
       candidate's line, logged in the case's custody log with the page's
       hashes, and refresh the item's intervals. Whoever found the article
       cannot confirm the cue: somebody else checks it.
    """
    link_check(url)
    if not url:
        raise ReviewError("Paste the address of the article.")
    with tempfile.TemporaryDirectory(prefix="reference-") as scratch:
        folder = Path(scratch)
        try:
            with guarding_proxy(settings.URL_FETCH_ALLOWED_NETWORKS) as guard:
                capture = page_capture(url, folder, guard=guard)
        except CaptureFailed as error:
            raise ReviewError(f"The article could not be fetched: {error}.") from None
        fetched_at = capture.captured_at
        try:
            article = article_date(capture.html.read_text(errors="replace"), capture.final_url, now=fetched_at)
        except NoDate as error:
            raise ReviewError(f"The page gives no date to rely on: {error}.") from None
        if not article.title:
            raise ReviewError("The page has no title to keep as the headline.")
        page, picture = _kept(capture.html), _kept(capture.screenshot)
    published = article.published
    granularity = Granularity.SECOND if published.granularity == "second" else Granularity.DAY
    reference, created = ReferenceHeadline.objects.get_or_create(
        key=headline_key(article.title, published.moment, article.outlet),
        defaults={
            "title": article.title[:2000], "normalized_title": normalise(article.title),
            "published_at": published.moment, "published_granularity": granularity,
            "outlet": article.outlet[:200], "url": article.url[:MAX_URL],
            "source": capture.final_url[:200], "origin": HeadlineOrigin.URL, "found_by": actor,
            "fetched_at": fetched_at, "page_sha256": page, "capture_sha256": picture,
            "date_found_in": published.where[:120],
            "other_dates": [{"where": other.where, "text": other.text} for other in article.others],
        },
    )  # fmt: skip
    cue = _reference_cue(reference, candidate, actor) if candidate is not None else None
    return ReferenceFound(reference, article, cue, created)


def _kept(path: Path) -> str:
    with path.open("rb") as source, spool(source, name=path.name) as spooled:
        return vault_store(spooled).sha256


def _reference_cue(reference: ReferenceHeadline, candidate: HeadlineCandidate, actor: AbstractBaseUser | None) -> Cue:
    evidence = candidate.evidence
    headline = Headline(reference.pk, reference.title, reference.published_at, reference.published_granularity,
                        reference.outlet, reference.url, 100.0)  # fmt: skip
    draft = headline_draft(headline, candidate.text, candidate.locator)
    draft.details.update({"found_by": actor.get_username() if actor else "", "page_sha256": reference.page_sha256})
    with transaction.atomic():
        _lock_item(evidence.pk)
        # Two people pasting an article for the same line at once: the first one dates it.
        if not HeadlineCandidate.objects.filter(pk=candidate.pk).exists():
            raise ReviewError("That line was dated meanwhile; its cue is on the reasoning page.")
        cue = Cue.objects.create(
            evidence=evidence, kind=draft.kind, bound=draft.bound, earliest=draft.earliest, latest=draft.latest,
            granularity=draft.granularity, time_zone=draft.time_zone, strength=draft.strength, by_person=True,
            created_by=actor, text=draft.text[:2000], explanation=draft.explanation, locator=draft.locator,
            details=draft.details, headline=reference, fingerprint=draft.fingerprint,
        )  # fmt: skip
        custody_append(
            case=Case.objects.get(pk=evidence.case_id),
            action=CustodyAction.CUE_ADDED,
            actor=actor,
            evidence=evidence,
            details={"cue": cue.pk, "bound": cue.bound, "text": cue.text, "locator": cue.locator,
                     "digest": cue_digest(Cue.objects.get(pk=cue.pk)),
                     "reference": {"id": reference.pk, "url": reference.url, "page_sha256": reference.page_sha256,
                                   "capture_sha256": reference.capture_sha256,
                                   "published_at": reference.published_at.isoformat(),
                                   "date_found_in": reference.date_found_in}},
        )  # fmt: skip
        HeadlineCandidate.objects.filter(pk=candidate.pk).delete()
        intervals_refresh(evidence=evidence)
        search_index_cues(evidence)
    return cue


def headline_source_add(*, url: str, kind: str) -> HeadlineSource:
    """Keep a feed or news sitemap for the beat to poll; an address already kept is polled again if it was removed."""
    link_check(url)
    if not url:
        raise ReviewError("Name the feed's or sitemap's address.")
    source, created = HeadlineSource.objects.get_or_create(url=url, defaults={"kind": kind})
    if not created:
        HeadlineSource.objects.filter(pk=source.pk).update(active=True, kind=kind)
        source.refresh_from_db()
    return source


def search_index_cues(evidence: Evidence) -> None:
    """The item's cues, headlines (matched and lacking) and review notes in its case's search index."""
    cues = list(Cue.objects.filter(evidence=evidence).select_related("headline"))

    def at(locator: dict) -> dict:
        box = locator.get("box")
        return {"frame": locator.get("frame"), "time": locator.get("time"), "box": list(box) if box else None}

    search_entries_replace(evidence, SearchKind.CUE, [Entry(f"cue:{c.pk}", c.text, **at(c.locator)) for c in cues])
    headlines = [Entry(f"cue:{c.pk}:headline", c.headline.title, **at(c.locator)) for c in cues if c.headline]
    headlines += [
        Entry(f"candidate:{c.pk}", c.text, **at(c.locator)) for c in HeadlineCandidate.objects.filter(evidence=evidence)
    ]
    search_entries_replace(evidence, SearchKind.HEADLINE, headlines)
    search_entries_replace(
        evidence, SearchKind.NOTE, [Entry(f"cue:{c.pk}:note", c.note, **at(c.locator)) for c in cues if c.note]
    )


# Mentions of the case's entities.

# A case-wide look for mentions that stopped this often (a worker lost, a time limit) is not tried again.
MENTION_SCAN_ATTEMPTS = 3


@dataclass
class _Reading:
    found: Found
    line: TextLine
    sightings: int = 1


def mentions_propose(*, evidence: Evidence) -> int:
    """Look for the case's entities in the lines an item shows, and propose a mention for each reading found.

    A proposed mention found again is kept (its page and its review form stay
    valid) with where it is read best; one no longer found is withdrawn.
    Mentions a person confirmed or rejected are never touched, and a reading
    one of them stands for is not proposed again. Returns how many are proposed.
    """
    entities = list(Entity.objects.filter(case_id=evidence.case_id))
    names = [name for entity in entities for name in names_of(entity.pk, [entity.name, *entity.aliases])]
    readings: dict[str, _Reading] = {}
    if names:
        lines = TextLine.objects.filter(frame__evidence=evidence).select_related("frame")
        for line in lines.order_by("frame__index", "index").iterator(chunk_size=2000):
            for found in names_found(line.text, names):
                fingerprint = hashlib.sha256(f"{found.entity}:{found.reading}".encode()).hexdigest()
                seen = readings.get(fingerprint)
                if seen is None:
                    readings[fingerprint] = _Reading(found, line)
                    continue
                seen.sightings += 1
                if found.slips < seen.found.slips:
                    seen.found, seen.line = found, line
    with transaction.atomic():
        _lock_item(evidence.pk)
        mentions = {(m.entity_id, m.fingerprint): m for m in Mention.objects.filter(evidence=evidence)}
        proposed, added = [], []
        for fingerprint, reading in readings.items():
            mention = mentions.pop((reading.found.entity, fingerprint), None) or Mention(
                evidence=evidence, entity_id=reading.found.entity, fingerprint=fingerprint
            )
            if mention.status != MentionStatus.PROPOSED:
                continue
            if mention.pk is None:
                added.append(mention)
            _mention_fill(mention, reading)
            mention.save()
            proposed.append(mention)
        withdrawn = [m for m in mentions.values() if m.status == MentionStatus.PROPOSED]
        Mention.objects.filter(pk__in=[m.pk for m in withdrawn]).delete()
        if added or withdrawn:
            named = {entity.pk: entity.name for entity in entities}
            custody_append(
                case=Case.objects.get(pk=evidence.case_id),
                action=CustodyAction.MENTIONS_PROPOSED,
                actor=None,
                evidence=evidence,
                details={
                    "proposed": [{"mention": m.pk, "entity": named[m.entity_id], "text": m.text} for m in added],
                    "withdrawn": [{"mention": m.pk, "entity": named.get(m.entity_id, ""), "text": m.text}
                                  for m in withdrawn],
                },
            )  # fmt: skip
    return len(proposed)


def _mention_fill(mention: Mention, reading: _Reading) -> None:
    found, line = reading.found, reading.line
    box = span_box(line.text, line.words or [], found.start, found.end)
    frame = line.frame
    mention.name, mention.text, mention.line = found.name, found.text[:500], line.text
    mention.how, mention.score = found.how, found.score
    mention.locator = {
        "frame": frame.index,
        "time": frame.time,
        "page": frame.page,
        "box": box or [line.left, line.top, line.width, line.height],
        "sightings": reading.sightings,
    }


def mention_review(*, mention: Mention, actor: AbstractBaseUser, confirm: bool, note: str = "") -> Mention:
    """Confirm or reject a mention with a note; a confirmed one links the item to its entity. Custody keeps both."""
    with transaction.atomic():
        _lock_item(mention.evidence_id)
        locked = (
            Mention.objects.select_for_update(of=("self",))
            .select_related("evidence__case", "entity")
            .get(pk=mention.pk)
        )
        decided = MentionStatus.CONFIRMED if confirm else MentionStatus.REJECTED
        if (locked.status, locked.reviewed_by_id, locked.note) == (decided, actor.pk, note):
            return locked
        if locked.status != MentionStatus.PROPOSED:
            raise ReviewError(f"This mention was already {locked.get_status_display().lower()}.")
        locked.status, locked.note, locked.reviewed_by, locked.reviewed_at = decided, note, actor, timezone.now()
        locked.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        evidence = locked.evidence
        linked = confirm and not evidence.entities.filter(pk=locked.entity_id).exists()
        if linked:
            evidence.entities.add(locked.entity)
        custody_append(
            case=evidence.case,
            action=CustodyAction.MENTION_CONFIRMED if confirm else CustodyAction.MENTION_REJECTED,
            actor=actor,
            evidence=evidence,
            details={"mention": locked.pk, "entity": locked.entity.name, "text": locked.text,
                     "locator": locked.locator, "note": note, "linked": linked},
        )  # fmt: skip
    return locked


def entity_update(
    *, entity: Entity, actor: AbstractBaseUser, name: str, kind: str, aliases: list[str]
) -> MentionScan | None:
    """Change an entity's name, kind or other names; when its names change, the case is searched for them again."""
    name = name.strip()
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=entity.case_id).values_list("pk", flat=True).first()
        locked = Entity.objects.select_for_update().select_related("case").get(pk=entity.pk)
        if Entity.objects.filter(case_id=locked.case_id, name__iexact=name).exclude(pk=locked.pk).exists():
            raise ReviewError(f"The case already has an entity named {name!r}.")
        before = {"name": locked.name, "kind": locked.kind, "aliases": locked.aliases}
        after = {"name": name, "kind": kind, "aliases": aliases}
        if before == after:
            return None
        locked.name, locked.kind, locked.aliases = name, kind, aliases
        locked.save(update_fields=["name", "kind", "aliases"])
        custody_append(
            case=locked.case,
            action=CustodyAction.ENTITY_EDITED,
            actor=actor,
            details={"entity": locked.pk, "before": before, "after": after},
        )
        if (before["name"], before["aliases"]) == (name, aliases):
            return None
        return mention_scan_request(case=locked.case, reason=f"the names of {name} changed", actor=actor)


def mention_scan_request(*, case: Case, reason: str, actor: AbstractBaseUser | None) -> MentionScan:
    """Look for mentions in every item of the case, in the background; the scan's row shows its progress."""
    scan = MentionScan.objects.create(case=case, reason=reason[:300], requested_by=actor)
    transaction.on_commit(lambda: mention_scan_queue(scan.pk))
    return scan


def mention_scan_queue(scan_id: int) -> bool:
    """Send a scan to the queue by its task's name; when the broker is down, the scan says so and waits."""
    sent = queue_task("timeline.tasks.scan_mentions", (scan_id,), queue="default")
    if not sent:
        MentionScan.objects.filter(pk=scan_id, status=MentionScan.Status.QUEUED).update(error=BROKER_DOWN)
    return sent


def mention_scan_run(*, scan_id: int) -> MentionScan | None:
    """Run a queued scan (claimed, so that two workers never run one), counting the items as it goes."""
    claimed = MentionScan.objects.filter(pk=scan_id, status=MentionScan.Status.QUEUED).update(
        status=MentionScan.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )
    if not claimed:
        return None
    scan = MentionScan.objects.select_related("case").get(pk=scan_id)
    items = list(Evidence.objects.filter(case=scan.case).order_by("pk").values_list("pk", flat=True))
    MentionScan.objects.filter(pk=scan_id).update(items=len(items), done=0, found=0)
    found = 0
    try:
        for done, pk in enumerate(items, start=1):
            evidence = Evidence.objects.filter(pk=pk).first()
            if evidence is not None:
                found += mentions_propose(evidence=evidence)
            MentionScan.objects.filter(pk=scan_id).update(done=done, found=found)
    except (DatabaseError, OSError) as error:
        MentionScan.objects.filter(pk=scan_id).update(
            status=MentionScan.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    MentionScan.objects.filter(pk=scan_id).update(status=MentionScan.Status.DONE, finished_at=timezone.now())
    scan.refresh_from_db()
    return scan


def mention_scans_resume(*, pending_for: timedelta, running_for: timedelta) -> list[int]:
    """Scans the broker lost (queued too long) or whose worker died (running too long), made ready to be sent again."""
    now = timezone.now()
    stopped = MentionScan.objects.filter(status=MentionScan.Status.RUNNING, started_at__lt=now - running_for)
    stopped.filter(attempts__gte=MENTION_SCAN_ATTEMPTS).update(
        status=MentionScan.Status.FAILED, finished_at=now,
        error="the look for mentions was stopped several times (time limit or worker lost); start it again by hand",
    )  # fmt: skip
    stopped.update(status=MentionScan.Status.QUEUED)
    waiting = MentionScan.objects.filter(status=MentionScan.Status.QUEUED, requested_at__lt=now - pending_for)
    return list(waiting.values_list("pk", flat=True)[:100])
