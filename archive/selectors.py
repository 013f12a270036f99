from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, QuerySet

from archive.models import Case, CustodyEntry, Evidence, Membership, Provenance

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
        .prefetch_related(Prefetch("provenance", queryset=provenance))
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
