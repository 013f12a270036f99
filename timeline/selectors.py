"""Reads for the timeline: the facts an item offers to cue extraction, its cues for pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from archive.models import Evidence, Frame, TextLine
from timeline.extract.clocks import Line
from timeline.extract.cues import FrameText, ItemFacts
from timeline.models import CaptureInterval, Cue


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
    )


def _frame_text(frame: Frame) -> FrameText:
    lines = [Line(line.text, line.left, line.top, line.width, line.height) for line in frame.lines.all()]
    if not lines and frame.text:
        # Plain text has lines but no boxes.
        lines = [Line(text, 0, number, 0, 1) for number, text in enumerate(frame.text.splitlines()) if text.strip()]
    return FrameText(frame.index, frame.width, frame.height, lines, frame.time, frame.page)


def evidence_cues(evidence: Evidence) -> QuerySet[Cue]:
    return evidence.cues.select_related("headline", "reviewed_by").order_by("bound", "earliest", "id")


BOUND_ORDER = ("not_before", "on", "not_after")


def cues_by_bound(evidence: Evidence) -> list[tuple[str, list[Cue]]]:
    """An item's cues grouped as the evidence page shows them: not before, on, not after."""
    groups: dict[str, list[Cue]] = {bound: [] for bound in BOUND_ORDER}
    for cue in evidence_cues(evidence):
        groups[cue.bound].append(cue)
    return [(bound, groups[bound]) for bound in BOUND_ORDER if groups[bound]]


def capture_intervals(evidence: Evidence) -> dict[str, CaptureInterval]:
    return {interval.mode: interval for interval in evidence.capture_intervals.all()}


def cue_frame(cue: Cue) -> Frame | None:
    """The frame a cue was read from: by its index, or by its time when the frames were rebuilt since."""
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
