from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from archive.models import Evidence, EvidenceKind, ProcessingStatus, Provenance
from timeline.models import CaptureInterval, Cue, CueKind, CueStatus, IntervalMode


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
    cue_kind = django_filters.ChoiceFilter(
        choices=CueKind.choices, method="filter_cue_kind", label="Has a cue of kind", empty_label="Any cue"
    )
    captured_after = django_filters.DateFilter(
        method="filter_captured_after", label="Captured from", widget=forms.DateInput(attrs={"type": "date"})
    )
    captured_before = django_filters.DateFilter(
        method="filter_captured_before", label="Captured to", widget=forms.DateInput(attrs={"type": "date"})
    )

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

    def filter_cue_kind(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        cues = Cue.objects.filter(evidence=OuterRef("pk"), kind=value).exclude(status=CueStatus.REJECTED)
        return queryset.filter(Exists(cues))

    # Items whose provisional capture interval overlaps the range; an open side overlaps everything.
    def filter_captured_after(self, queryset: QuerySet[Evidence], name: str, value: date) -> QuerySet[Evidence]:
        start = datetime.combine(value, time.min, tzinfo=UTC)
        return self._with_interval(queryset, Q(latest__isnull=True) | Q(latest__gte=start))

    def filter_captured_before(self, queryset: QuerySet[Evidence], name: str, value: date) -> QuerySet[Evidence]:
        end = datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
        return self._with_interval(queryset, Q(earliest__isnull=True) | Q(earliest__lt=end))

    @staticmethod
    def _with_interval(queryset: QuerySet[Evidence], condition: Q) -> QuerySet[Evidence]:
        intervals = CaptureInterval.objects.filter(
            condition, evidence=OuterRef("pk"), mode=IntervalMode.PROVISIONAL, cues__gt=0
        )
        return queryset.filter(Exists(intervals))
