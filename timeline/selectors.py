"""Reads for the timeline: the facts an item offers to cue extraction, its cues for pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote_plus

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as Switch

from archive.locales import case_locales, evidence_device_locale
from archive.models import Case, Evidence, Frame, Provenance, TextLine, TimestampSubject
from timeline.extract.clocks import Line
from timeline.extract.cues import FrameText, ItemFacts
from timeline.extract.ordered import MADE, Flag, Ordered, Point, checked, pattern_check, pattern_text, sighted
from timeline.intervals import Interval, Verdict, conflicting, narrowed, verdict
from timeline.models import (
    SET_ASIDE,
    Bound,
    CaptureInterval,
    Cue,
    CueKind,
    CueStatus,
    Entity,
    HeadlineCandidate,
    IntervalMode,
    KeyEvent,
    Mention,
    MentionScan,
    MentionStatus,
    OrderedIds,
    SignOff,
    Strength,
)


def item_facts(evidence: Evidence) -> ItemFacts:
    """What an item shows and what its provenance says, as plain data for ``draft_cues``."""
    frames = evidence.frames.order_by("index").prefetch_related(
        Prefetch("lines", queryset=TextLine.objects.order_by("index"))
    )
    texts = [_frame_text(frame) for frame in frames]
    provenance = list(evidence.provenance.order_by("collected_at", "id"))
    return ItemFacts(
        name=evidence.original_name,
        frames=texts,
        metadata=evidence.metadata,
        other_names=[p.original_name for p in provenance],
        source_urls=[p.source_url for p in provenance if p.source_url],
        posted=[(p.posted_at, p.posted_at_granularity or "instant") for p in provenance if p.posted_at],
        received=min((p.collected_at for p in provenance), default=None),
        platform_urls=[url for p in provenance for url in _platform_urls(p.platform_info)],
        ordered=ordered_facts(evidence.case),
        item=evidence.pk,
        stamped=[
            (stamp.stamped_at, stamp.authority, stamp.serial)
            for stamp in evidence.timestamps.filter(subject=TimestampSubject.ORIGINAL)
        ],  # fmt: skip
        locale=evidence_device_locale(evidence, provenance) or None,
        locales=case_locales(evidence.case),
    )


def _platform_urls(info: dict[str, Any]) -> list[str]:
    """The addresses yt-dlp says an item lives at (its page, the address asked for), whose ids date it."""
    found = [info.get(key) for key in ("webpage_url", "original_url")]
    return list(dict.fromkeys(url for url in found if isinstance(url, str) and url.startswith(("http://", "https://"))))


def _frame_text(frame: Frame) -> FrameText:
    lines = [Line(line.text, line.left, line.top, line.width, line.height) for line in frame.lines.all()]
    if not lines and frame.text:
        # Plain text has lines but no boxes.
        lines = [Line(text, 0, number, 0, 1) for number, text in enumerate(frame.text.splitlines()) if text.strip()]
    return FrameText(frame.index, frame.width, frame.height, lines, frame.time, frame.page)


def evidence_cues(evidence: Evidence) -> QuerySet[Cue]:
    related = evidence.cues.select_related("headline__found_by", "reviewed_by", "created_by")
    return related.order_by("bound", "earliest", "id")


BOUND_ORDER = ("not_before", "on", "not_after")


def cues_by_bound(evidence: Evidence) -> list[tuple[str, list[Cue]]]:
    """An item's cues grouped as the evidence page shows them: not before, on, not after."""
    groups: dict[str, list[Cue]] = {bound: [] for bound in BOUND_ORDER}
    for cue in evidence_cues(evidence):
        groups[cue.bound].append(cue)
    return [(bound, groups[bound]) for bound in BOUND_ORDER if groups[bound]]


def capture_intervals(evidence: Evidence) -> dict[str, CaptureInterval]:
    return {interval.mode: interval for interval in evidence.capture_intervals.all()}


def cue_frame(cue: Cue | HeadlineCandidate | Mention) -> Frame | None:
    """The frame a cue (or a headline candidate) was read from: by its index, or by its time when the frames
    were rebuilt since."""
    locator = cue.locator or {}
    if "frame" not in locator:
        return None
    frames = Frame.objects.filter(evidence_id=cue.evidence_id)
    frame = frames.filter(index=locator["frame"]).first()
    if frame is not None and (locator.get("time") is None or frame.time == locator["time"]):
        return frame
    if locator.get("time") is not None:
        return frames.filter(time=locator["time"]).first()
    return frame


def search_links(text: str) -> list[tuple[str, str]]:
    """Where to look a line up (HEADLINE_SEARCH_URLS): each search's name and its address for the text in quotes."""
    query = quote_plus(f'"{" ".join(text.split())}"')
    return [(name, template.replace("{q}", query)) for name, template in settings.HEADLINE_SEARCH_URLS]


def headline_candidates(evidence: Evidence) -> list[HeadlineCandidate]:
    """An item's lines that read as headlines the corpus lacks, each with its search links."""
    return _with_links(HeadlineCandidate.objects.filter(evidence=evidence))


def case_headline_candidates(case: Case, limit: int) -> tuple[list[HeadlineCandidate], int]:
    """The newest of a case's headline candidates, with their items and search links, and how many there are."""
    everything = HeadlineCandidate.objects.filter(evidence__case=case)
    return _with_links(everything.select_related("evidence").order_by("-id")[:limit]), everything.count()


def _with_links(candidates: Iterable[HeadlineCandidate]) -> list[HeadlineCandidate]:
    found = list(candidates)
    for candidate in found:
        candidate.links = search_links(candidate.text)
    return found


VERDICTS = ("after", "before", "undetermined", "conflict")
# Annotation prefixes of the two capture intervals an item carries on timeline querysets.
PREFIX = {IntervalMode.PROVISIONAL: "p_", IntervalMode.VERIFIED: "v_"}


def with_intervals(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """Items with both capture intervals as columns: ``p_earliest``... and ``v_earliest``...

    An item whose intervals were never computed has None everywhere, which reads
    as undetermined, as it should.
    """
    for mode, prefix in PREFIX.items():
        relation = f"{prefix}interval"
        queryset = queryset.annotate(
            **{relation: FilteredRelation("capture_intervals", condition=Q(capture_intervals__mode=mode))}
        ).annotate(
            **{f"{prefix}{column}": F(f"{relation}__{column}") for column in ("earliest", "latest", "conflict", "cues")}
        )
    return queryset


def verdict_q(prefix: str, moment: datetime, outcome: str) -> Q:
    """The items whose verdict against an event at ``moment`` is ``outcome``: ``intervals.verdict`` in SQL.

    Filtering and counting in the database keep the timeline's cost fixed
    whatever the size of the case; a test checks that both agree.
    """
    conflict, earliest, latest = f"{prefix}conflict", f"{prefix}earliest", f"{prefix}latest"
    agreeing = Q(**{conflict: False})
    if outcome == "conflict":
        return Q(**{conflict: True})
    if outcome == "after":
        return agreeing & Q(**{f"{earliest}__gte": moment})
    if outcome == "before":
        return agreeing & Q(**{f"{latest}__lt": moment})
    straddles = (Q(**{f"{earliest}__isnull": True}) | Q(**{f"{earliest}__lt": moment})) & (
        Q(**{f"{latest}__isnull": True}) | Q(**{f"{latest}__gte": moment})
    )
    return Q(**{f"{conflict}__isnull": True}) | (agreeing & straddles)


def interval_of(item: Evidence, prefix: str) -> Interval:
    """The interval annotated on an item by ``with_intervals``."""
    return Interval(getattr(item, f"{prefix}earliest"), getattr(item, f"{prefix}latest"))


def verdicts_of(item: Evidence, prefix: str, events: Iterable[KeyEvent]) -> list[tuple[KeyEvent, Verdict]]:
    interval = interval_of(item, prefix)
    return [(event, verdict(interval, event.moment)) for event in events]


@dataclass(frozen=True)
class EventAnswer:
    """The case's answer against one event: how many items fall after it, before it, or neither."""

    event: KeyEvent
    after: int
    verified_after: int
    undetermined: int
    before: int
    conflict: int

    @property
    def line(self) -> str:
        return (
            f"After {self.event.title}: {self.after} item{'s' if self.after != 1 else ''} "
            f"({self.verified_after} verified) · undetermined {self.undetermined} · before {self.before} "
            f"· conflicts {self.conflict}"
        )


def case_answers(queryset: QuerySet[Evidence], events: list[KeyEvent], prefix: str) -> list[EventAnswer]:
    """One line per event, counted in one query whatever the number of items."""
    if not events:
        return []
    aggregates: dict[str, Any] = {}
    for event in events:
        for outcome in VERDICTS:
            aggregates[f"e{event.pk}_{outcome}"] = Count("pk", filter=verdict_q(prefix, event.moment, outcome))
        # Of the items after the event, those that stay after it on confirmed cues alone.
        aggregates[f"e{event.pk}_verified"] = Count(
            "pk", filter=verdict_q(prefix, event.moment, "after") & verdict_q("v_", event.moment, "after")
        )
    counts = queryset.order_by().aggregate(**aggregates)
    return [
        EventAnswer(
            event=event,
            after=counts[f"e{event.pk}_after"],
            verified_after=counts[f"e{event.pk}_verified"],
            undetermined=counts[f"e{event.pk}_undetermined"],
            before=counts[f"e{event.pk}_before"],
            conflict=counts[f"e{event.pk}_conflict"],
        )
        for event in events
    ]


def chronological(queryset: QuerySet[Evidence], prefix: str) -> QuerySet[Evidence]:
    """Items in the order of their capture interval; undated items last."""
    return queryset.order_by(
        F(f"{prefix}earliest").asc(nulls_last=True), F(f"{prefix}latest").asc(nulls_last=True), "pk"
    )


def strongest_first(queryset: QuerySet[Evidence], prefix: str, event: KeyEvent | None) -> QuerySet[Evidence]:
    """Items as the case's answer lists them: after the event first, then before, conflicts, undetermined.

    Within each, in the order of their capture interval.
    """
    if event is None:
        return chronological(queryset, prefix)
    rank = Switch(
        *(When(verdict_q(prefix, event.moment, outcome), then=Value(number))
          for number, outcome in enumerate(("after", "before", "conflict"))),
        default=Value(3),
        output_field=IntegerField(),
    )  # fmt: skip
    return queryset.annotate(verdict_rank=rank).order_by(
        "verdict_rank", F(f"{prefix}earliest").asc(nulls_last=True), F(f"{prefix}latest").asc(nulls_last=True), "pk"
    )


def timeline_rows(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """What each row of the timeline shows beside its intervals: entities, posting times, sign-offs."""
    return queryset.prefetch_related(
        "entities",
        Prefetch(
            "provenance",
            queryset=Provenance.objects.filter(posted_at__isnull=False).only(
                "evidence_id", "posted_at", "posted_at_granularity", "platform"
            ),
            to_attr="postings",
        ),
        Prefetch("sign_offs", queryset=SignOff.objects.select_related("signed_by")),
    )


def case_events(case: Case) -> list[KeyEvent]:
    return list(KeyEvent.objects.filter(case=case).select_related("entity"))


def sign_off_change(sign_off: SignOff | None, verdicts: list[tuple[KeyEvent, Verdict]]) -> str:
    """What changed since a sign-off, in a sentence; empty while the signed verdicts still stand."""
    if sign_off is None:
        return ""
    signed = {entry["event"]: entry for entry in sign_off.verdicts}
    now = {event.pk: (event, found) for event, found in verdicts}
    changes = [sign_off.outdated] if sign_off.outdated else []
    for event, found in now.values():
        entry = signed.get(event.pk)
        if entry is None:
            changes.append(f"{event.title} was added as a key event")
        elif entry["date"] != event.date.isoformat():
            changes.append(f"the date of {event.title} changed")
        elif entry["verdict"] != found.outcome:
            changes.append(f"the verdict against {event.title} is now {found.outcome}, not {entry['verdict']}")
    changes += [f"{entry['title']} was removed" for pk, entry in signed.items() if pk not in now]
    return "; ".join(changes)


def counts_in(cue: Cue, verified: bool) -> bool:
    """Whether a cue counts in a mode: confirmed ones when verified, every cue not rejected otherwise."""
    return cue.status == CueStatus.CONFIRMED or (not verified and cue.status == CueStatus.PROPOSED)


def item_records(
    queryset: QuerySet[Evidence], events: list[KeyEvent], prefix: str, *, chunk: int = 2000
) -> Iterator[dict[str, Any]]:
    """One plain record per item: the shape of ``verdicts --json`` and of the JSON export.

    The cues of items in conflict are read, a chunk at a time, to name the
    smallest set that disagrees.
    """
    batch: list[Evidence] = []
    for item in queryset.iterator(chunk_size=chunk):
        batch.append(item)
        if len(batch) == chunk:
            yield from records_of(batch, events, prefix)
            batch = []
    yield from records_of(batch, events, prefix)


def records_of(items: list[Evidence], events: list[KeyEvent], prefix: str) -> Iterator[dict[str, Any]]:
    """The records of items already read (a page of them), as ``item_records`` gives them."""
    verified = prefix == PREFIX[IntervalMode.VERIFIED]
    in_conflict = [item.pk for item in items if getattr(item, f"{prefix}conflict")]
    cues: dict[int, list[Cue]] = {}
    if in_conflict:
        for cue in mode_cues(Cue.objects.filter(evidence_id__in=in_conflict), verified).order_by("id"):
            cues.setdefault(cue.evidence_id, []).append(cue)
    # The latest sign-off of each item, newest last so it wins.
    signed: dict[int, SignOff] = {}
    sign_offs = SignOff.objects.filter(evidence_id__in=[item.pk for item in items]).select_related("signed_by")
    for sign_off in sign_offs.order_by("signed_at", "id"):
        signed[sign_off.evidence_id] = sign_off
    for item in items:
        interval = interval_of(item, prefix)
        disagreeing = conflicting(cues.get(item.pk, []))
        confirmed = verdicts_of(item, PREFIX[IntervalMode.VERIFIED], events)
        sign_off = signed.get(item.pk)
        yield {
            "id": item.pk,
            "sha256": item.sha256,
            "name": item.original_name,
            "kind": item.kind,
            "capture_interval": {"earliest": _iso(interval.earliest), "latest": _iso(interval.latest)},
            "verdicts": [
                {
                    "event": event.title,
                    "date": event.date.isoformat(),
                    "verdict": found.outcome,
                    "margin_days": found.margin_days,
                }
                for event, found in verdicts_of(item, prefix, events)
            ],  # fmt: skip
            "cues": getattr(item, f"{prefix}cues") or 0,
            "conflict": sorted(cue.pk for cue in disagreeing) or None,
            "verified_verdicts": [found.outcome for _, found in confirmed],
            "sign_off": sign_off
            and {
                "by": sign_off.signed_by.get_username(),
                "at": sign_off.signed_at.isoformat(),
                "verdicts": [entry["verdict"] for entry in sign_off.verdicts],
                "outdated_because": sign_off_change(sign_off, confirmed) or None,
            },
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def mode_cues(cues: QuerySet[Cue], verified: bool) -> QuerySet[Cue]:
    """The cues a mode counts: confirmed ones when verified, every cue not rejected otherwise."""
    return cues.filter(status=CueStatus.CONFIRMED) if verified else cues.exclude(status__in=SET_ASIDE)


STRENGTH_ORDER = Switch(
    When(strength=Strength.STRONG, then=Value(0)),
    When(strength=Strength.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def review_queue(case: Case, events: list[KeyEvent]) -> QuerySet[Cue]:
    """The proposed cues of a case, the ones whose confirmation would change a verified verdict first.

    Confirming a cue narrows the item's verified interval to its bound. That
    changes a verdict when the narrowed interval becomes empty (a conflict), or
    newly starts on or after an event, or newly ends before one. Deciding it in
    SQL lets the queue be sorted and paged in the database.
    """
    cues = Cue.objects.filter(evidence__case=case, status=CueStatus.PROPOSED).annotate(
        verified=FilteredRelation(
            "evidence__capture_intervals", condition=Q(evidence__capture_intervals__mode=IntervalMode.VERIFIED)
        ),
        v_earliest=F("verified__earliest"),
        v_latest=F("verified__latest"),
        v_conflict=F("verified__conflict"),
        lower=Switch(When(bound__in=[Bound.NOT_BEFORE, Bound.ON], then=F("earliest"))),
        upper=Switch(When(bound__in=[Bound.NOT_AFTER, Bound.ON], then=F("latest"))),
    )
    changes = Q(lower__gt=F("v_latest")) | Q(upper__lt=F("v_earliest")) | Q(lower__gt=F("upper"))
    for event in events:
        moment = event.moment
        changes |= Q(lower__gte=moment) & (Q(v_earliest__isnull=True) | Q(v_earliest__lt=moment))
        changes |= Q(upper__lt=moment) & (Q(v_latest__isnull=True) | Q(v_latest__gte=moment))
    # An interval already in conflict stays so whatever is added.
    changes &= Q(v_conflict=False) | Q(v_conflict__isnull=True)
    flag = Switch(When(changes, then=Value(True)), default=Value(False), output_field=BooleanField())
    # Without joins: the whole queue is sorted to find one page, whose related rows review_page fetches.
    return cues.annotate(changes=flag, strength_rank=STRENGTH_ORDER).order_by(
        "-changes", "strength_rank", "evidence_id", "earliest", "id"
    )


def review_page(cues: list[Cue]) -> list[Cue]:
    """One page of the review queue with the items, headlines and people it shows (one query)."""
    related = ("evidence", "headline", "reviewed_by", "created_by")
    joined = Cue.objects.select_related(*related, "headline__found_by").in_bulk([cue.pk for cue in cues])
    # A cue deleted in between (its item reprocessed) leaves the page.
    cues = [cue for cue in cues if cue.pk in joined]
    for cue in cues:
        for name in related:
            setattr(cue, name, getattr(joined[cue.pk], name))
    return cues


def review_effect(cue: Cue, events: list[KeyEvent]) -> list[tuple[KeyEvent, Verdict, Verdict]]:
    """What confirming a queued cue would do to its item's verified verdicts: (event, now, then) where they differ."""
    now = Interval(cue.v_earliest, cue.v_latest)
    then = narrowed(now, cue)
    effects = []
    for event in events:
        before, after = verdict(now, event.moment), verdict(then, event.moment)
        if before.outcome != after.outcome:
            effects.append((event, before, after))
    return effects


def case_mentions(case: Case, *, entity: int | None = None, status: str = "") -> QuerySet[Mention]:
    """A case's mentions for its mentions page, proposed first, each with its item and entity."""
    mentions = Mention.objects.filter(evidence__case=case).select_related("evidence", "entity", "reviewed_by")
    if entity is not None:
        mentions = mentions.filter(entity_id=entity)
    if status:
        mentions = mentions.filter(status=status)
    proposed_first = Switch(When(status=MentionStatus.PROPOSED, then=0), default=1)
    return mentions.order_by(proposed_first, "entity__name", "evidence_id", "id")


def evidence_mentions(evidence: Evidence) -> list[Mention]:
    return list(evidence.mentions.select_related("entity", "reviewed_by").order_by("entity__name", "id"))


def mention_scans(case: Case, limit: int = 5) -> list[MentionScan]:
    return list(MentionScan.objects.filter(case=case)[:limit])


def items_narrowed(cases: list[int], *, entity: Entity | None, captured_from: date | None,
                   captured_to: date | None) -> QuerySet[Evidence]:  # fmt: skip
    """The items of these cases about an entity (linked, or naming it in a mention not rejected), and captured
    on these days: their provisional capture interval meets them (an item dated by nothing is left out)."""
    items = Evidence.objects.filter(case__in=cases)
    if entity is not None:
        named = Mention.objects.filter(entity=entity).exclude(status=MentionStatus.REJECTED).values("evidence")
        items = items.filter(Q(entities=entity) | Q(pk__in=named))
    if captured_from is not None or captured_to is not None:
        intervals = CaptureInterval.objects.filter(mode=IntervalMode.PROVISIONAL).exclude(
            earliest__isnull=True, latest__isnull=True
        )
        if captured_to is not None:
            end = datetime.combine(captured_to + timedelta(days=1), time.min, tzinfo=UTC)
            intervals = intervals.filter(Q(earliest__isnull=True) | Q(earliest__lt=end))
        if captured_from is not None:
            start = datetime.combine(captured_from, time.min, tzinfo=UTC)
            intervals = intervals.filter(Q(latest__isnull=True) | Q(latest__gte=start))
        items = items.filter(pk__in=intervals.values("evidence"))
    return items


def shown_frames(evidence_ids: list[int], verified: bool) -> dict[int, Frame]:
    """The frame that best shows each item: where its strongest counted cue was read, else its first frame."""
    chosen: dict[int, int] = {}
    cues = mode_cues(Cue.objects.filter(evidence_id__in=evidence_ids, locator__has_key="frame"), verified)
    for evidence_id, locator in (
        cues.annotate(rank=STRENGTH_ORDER).order_by("rank", "id").values_list("evidence_id", "locator")
    ):
        chosen.setdefault(evidence_id, locator["frame"])
    frames: dict[int, Frame] = {}
    found = Frame.objects.filter(evidence_id__in=evidence_ids)
    found = found.only("evidence_id", "index", "image_name", "time", "page")
    for frame in found.order_by("evidence_id", "index"):
        wanted = chosen.get(frame.evidence_id)
        if frame.evidence_id not in frames or frame.index == wanted:
            frames[frame.evidence_id] = frame
    return frames


@dataclass(frozen=True)
class Calibration:
    """A platform that numbers in order: where its ids are seen in the case, and the points that calibrate them."""

    ordered: OrderedIds
    sightings: list[tuple[int, int, dict[str, Any]]]
    points: list[Point]
    flags: list[Flag]

    @property
    def items(self) -> int:
        return len({item for item, _, _ in self.sightings})


def calibrations(case: Case) -> list[Calibration]:
    """Each ordered-id platform of the case with its sightings and its calibration points, checked.

    A point is an id seen on the same line as a date a fact-checker
    confirmed, where the line says the date is when the thing was made
    ("Created 04.09.2023", "Создано"): a ``not_before`` date cue, or one
    added by hand, whose box sits on the id's line. A deadline or an
    "updated" date beside an id says nothing of when it was made, and a
    posting time only bounds the making from above, so neither is a point.
    """
    found = []
    for ordered in OrderedIds.objects.filter(case=case):
        compiled = pattern_check(ordered.pattern)
        text = pattern_text(ordered.pattern)
        sightings: list[tuple[int, int, dict[str, Any]]] = []
        points: list[Point] = []
        lines = TextLine.objects.filter(frame__evidence__case=case, text__icontains=text).select_related("frame")
        rows: dict[tuple[int, int], list[tuple[int, TextLine]]] = {}
        for line in lines.iterator(chunk_size=2000):
            for number in sighted(compiled, line.text):
                locator = {"frame": line.frame.index, "time": line.frame.time, "box": [line.left, line.top,
                           line.width, line.height]}  # fmt: skip
                sightings.append((line.frame.evidence_id, number, locator))
                rows.setdefault((line.frame.evidence_id, line.frame.index), []).append((number, line))
        confirmed = Cue.objects.filter(
            evidence_id__in={item for item, _ in rows}, status=CueStatus.CONFIRMED, bound=Bound.NOT_BEFORE,
            kind__in=(CueKind.TEXT_DATE, CueKind.MANUAL), earliest__isnull=False, latest__isnull=False,
        )  # fmt: skip
        for cue in confirmed:
            frame, box = cue.locator.get("frame"), cue.locator.get("box")
            for number, line in rows.get((cue.evidence_id, frame), []) if box else []:
                middle = box[1] + box[3] / 2
                if line.top <= middle <= line.top + line.height and (MADE.search(line.text) or MADE.search(cue.text)):
                    points.append(Point(number, cue.earliest, cue.latest, cue.evidence_id,
                                        f"cue {cue.pk}: {cue.text}"))  # fmt: skip
        for record in Provenance.objects.filter(evidence__case=case, source_url__icontains=text):
            for number in sighted(compiled, record.source_url):
                sightings.append((record.evidence_id, number, {"field": "provenance.source_url"}))
        good, flags = checked(points)
        found.append(Calibration(ordered, sightings, good, flags))
    return found


def ordered_facts(case: Case) -> list[Ordered]:
    """The case's ordered-id platforms with their points as last worked out (one query, for every item's cues)."""
    return [
        Ordered(ordered.platform, ordered.pattern, tuple(points_read(ordered.points)))
        for ordered in OrderedIds.objects.filter(case=case)
    ]


def points_written(points: list[Point]) -> list[dict[str, Any]]:
    return [{"number": p.number, "earliest": p.earliest.isoformat(), "latest": p.latest.isoformat(), "item": p.item,
             "source": p.source} for p in points]  # fmt: skip


def points_read(stored: list[dict[str, Any]]) -> list[Point]:
    return [Point(p["number"], datetime.fromisoformat(p["earliest"]), datetime.fromisoformat(p["latest"]), p["item"],
                  p["source"]) for p in stored]  # fmt: skip
