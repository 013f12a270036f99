from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from archive.models import Case, CustodyEntry, Evidence, Frame, Membership, Provenance, SimilarLink, StageRun, TextLine
from archive.pipeline.stages import STAGE_NAMES
from timeline.models import CaptureInterval, IntervalMode

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def memberships_of(user: AbstractBaseUser) -> QuerySet[Membership]:
    """The cases a person belongs to, newest first, with their evidence counts."""
    return (
        Membership.objects.filter(user=user)
        .select_related("case")
        .annotate(evidence_count=Count("case__evidence"))
        .order_by("-case__created_at")
    )


def case_evidence(case: Case) -> QuerySet[Evidence]:
    """A case's evidence with its provenance, for list pages (two queries a page)."""
    provenance = Provenance.objects.select_related("collected_by").order_by("collected_at", "id")
    return (
        Evidence.objects.filter(case=case)
        .select_related("case")
        .prefetch_related(
            Prefetch("provenance", queryset=provenance),
            Prefetch(
                "capture_intervals",
                queryset=CaptureInterval.objects.filter(mode=IntervalMode.PROVISIONAL),
                to_attr="provisional_intervals",
            ),
        )
        .order_by("-created_at", "-id")
    )


def evidence_provenance(evidence: Evidence) -> QuerySet[Provenance]:
    return evidence.provenance.select_related("collected_by").order_by("collected_at", "id")


def evidence_custody(evidence: Evidence) -> QuerySet[CustodyEntry]:
    return evidence.custody_entries.order_by("sequence")


def case_custody(case: Case) -> QuerySet[CustodyEntry]:
    return CustodyEntry.objects.filter(case=case).select_related("evidence__case").order_by("-sequence")


def case_members(case: Case) -> QuerySet[Membership]:
    return Membership.objects.filter(case=case).select_related("user").order_by("user__username")


def evidence_frames(evidence: Evidence) -> QuerySet[Frame]:
    """An item's frames with their lines, in order (two queries)."""
    return evidence.frames.order_by("index").prefetch_related(
        Prefetch("lines", queryset=TextLine.objects.order_by("index"))
    )


def evidence_stage_runs(evidence: Evidence) -> list[StageRun]:
    """The item's stage states in pipeline order, with a placeholder for stages not yet planned."""
    runs = {run.stage: run for run in evidence.stage_runs.all()}
    return [runs.get(name) or StageRun(evidence=evidence, stage=name) for name in STAGE_NAMES]


def evidence_similar(evidence: Evidence) -> list[tuple[Evidence, float]]:
    """Near-duplicates of an item, closest first."""
    links = SimilarLink.objects.filter(Q(first=evidence) | Q(second=evidence)).select_related(
        "first__case", "second__case"
    )
    pairs = [(link.second if link.first_id == evidence.pk else link.first, link.overlap) for link in links]
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0].pk))


def case_progress(case: Case, ids: list[int]) -> list[dict[str, object]]:
    """Status and stage progress of some items of a case, for the live case page."""
    items = Evidence.objects.filter(case=case, pk__in=ids[:500]).annotate(
        stages_finished=Count("stage_runs", filter=Q(stage_runs__status__in=["done", "skipped", "failed"]))
    )
    return [
        {
            "id": item.pk,
            "status": item.status,
            "label": item.get_status_display(),
            "reason": item.status_reason,
            "stages_finished": item.stages_finished,
            "stages": len(STAGE_NAMES),
        }
        for item in items
    ]
