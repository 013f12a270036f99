from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from archive.models import Evidence, EvidenceKind, ProcessingStatus, Provenance


class EvidenceFilter(django_filters.FilterSet):
    """Filters for a case's evidence list. Provenance conditions use EXISTS, so no row repeats."""

    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=ProcessingStatus.choices, empty_label="Any status")
    platform = django_filters.CharFilter(method="filter_platform", label="Platform")
    collected_after = django_filters.DateFilter(
        method="filter_collected_after", label="Collected from", widget=forms.DateInput(attrs={"type": "date"})
    )
    collected_before = django_filters.DateFilter(
        method="filter_collected_before", label="Collected to", widget=forms.DateInput(attrs={"type": "date"})
    )
    q = django_filters.CharFilter(method="filter_text", label="File name or notes")

    class Meta:
        model = Evidence
        fields = ["kind", "status"]

    @staticmethod
    def _with_provenance(queryset: QuerySet[Evidence], condition: Q) -> QuerySet[Evidence]:
        return queryset.filter(Exists(Provenance.objects.filter(condition, evidence=OuterRef("pk"))))

    def filter_platform(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        return self._with_provenance(queryset, Q(platform__iexact=value.strip()))

    def filter_collected_after(self, queryset: QuerySet[Evidence], name: str, value: object) -> QuerySet[Evidence]:
        return self._with_provenance(queryset, Q(collected_at__date__gte=value))

    def filter_collected_before(self, queryset: QuerySet[Evidence], name: str, value: object) -> QuerySet[Evidence]:
        return self._with_provenance(queryset, Q(collected_at__date__lte=value))

    def filter_text(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        text = value.strip()
        in_provenance = Q(original_name__icontains=text) | Q(notes__icontains=text)
        return queryset.filter(
            Q(original_name__icontains=text) | Exists(Provenance.objects.filter(in_provenance, evidence=OuterRef("pk")))
        )
