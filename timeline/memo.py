"""What the timeline's rows and the printable fact-check memo show, for the pages and for evidence packages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from archive.models import Case, Evidence, Provenance
from timeline import selectors
from timeline.filters import TimelineFilter
from timeline.intervals import Interval, Verdict
from timeline.models import Cue, IntervalMode, KeyEvent, SignOff


@dataclass
class Row:
    item: Evidence
    href: str
    interval: Interval
    verdicts: list[tuple[KeyEvent, Verdict]]
    outcome: str
    verified_outcome: str
    sign_off: SignOff | None
    sign_off_change: str


def reasoning_links(slug: str) -> Callable[[int], str]:
    """The link to each item's reasoning page, reversed once for a whole page of items."""
    head, tail = reverse("timeline:reasoning", kwargs={"slug": slug, "pk": 0}).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def timeline_row(item: Evidence, href: str, prefix: str, events: list[KeyEvent], event: KeyEvent | None) -> Row:
    verdicts = selectors.verdicts_of(item, prefix, events)
    verified = selectors.verdicts_of(item, "v_", events)
    chosen = [found for e, found in verdicts if e == event]
    chosen_verified = [found for e, found in verified if e == event]
    sign_off = next(iter(item.sign_offs.all()), None)
    return Row(
        item=item,
        href=href,
        interval=selectors.interval_of(item, prefix),
        verdicts=verdicts,
        outcome=chosen[0].outcome if chosen else ("conflict" if getattr(item, f"{prefix}conflict") else "undetermined"),
        verified_outcome=chosen_verified[0].outcome if chosen_verified else "",
        sign_off=sign_off,
        sign_off_change=selectors.sign_off_change(sign_off, verified),
    )


def memo_context(case: Case, query: QueryDict, only: list[int] | None = None) -> dict[str, Any]:
    """The memo's items with the cues, provenance and verdicts behind them, filtered as the timeline is.

    Verified mode unless asked otherwise: a memo is what a fact-checker stands
    behind. ``only`` narrows it to some items (an evidence package of a few).
    """
    events = selectors.case_events(case)
    data = query.copy()
    data.setdefault("mode", IntervalMode.VERIFIED)
    found = TimelineFilter(data, case=case, events=events)
    verified = found.chosen_mode == IntervalMode.VERIFIED
    cues = selectors.mode_cues(Cue.objects.select_related("headline__found_by", "reviewed_by", "created_by"), verified)
    chosen = found.qs if only is None else found.qs.filter(pk__in=only)
    ordered = selectors.strongest_first(chosen, found.prefix, found.chosen_event)
    rows = selectors.timeline_rows(ordered).prefetch_related(
        Prefetch("cues", queryset=cues.order_by("bound", "earliest", "id"), to_attr="memo_cues"),
        Prefetch("provenance", queryset=Provenance.objects.select_related("collected_by"), to_attr="memo_provenance"),
    )
    reasoning = reasoning_links(case.slug)
    # A memo is read by people: past a few hundred items, narrow the filters instead.
    items = [
        timeline_row(item, reasoning(item.pk), found.prefix, events, found.chosen_event)
        for item in rows[: settings.MEMO_MAX_ITEMS]
    ]
    answered = found.without_verdict() if only is None else found.without_verdict().filter(pk__in=only)
    return {
        "case": case,
        "events": events,
        "answers": selectors.case_answers(answered, events, found.prefix),
        "rows": items,
        "verified": verified,
        "mode": found.chosen_mode,
        "generated_at": timezone.now(),
        "head": {"hash": case.custody_head, "length": case.custody_length},
        "total": rows.count(),
    }
