from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from archive.models import Case, Evidence, EvidenceKind
from timeline.models import Entity, IntervalMode, KeyEvent
from timeline.selectors import PREFIX, VERDICTS, verdict_q, with_intervals

VERDICT_CHOICES = [(outcome, outcome.capitalize()) for outcome in VERDICTS]


class TimelineFilter(django_filters.FilterSet):
    """The timeline's filters. Verdicts are against the chosen event, in the chosen mode."""

    mode = django_filters.ChoiceFilter(
        choices=IntervalMode.choices, method="keep", empty_label=None, label="Cues counted"
    )
    event = django_filters.ModelChoiceFilter(
        queryset=KeyEvent.objects.none(), method="keep", empty_label=None, label="Verdict against"
    )
    verdict = django_filters.ChoiceFilter(
        choices=VERDICT_CHOICES, method="filter_verdict", empty_label="Any verdict", label="Verdict"
    )
    entity = django_filters.ModelChoiceFilter(
        queryset=Entity.objects.none(), field_name="entities", empty_label="Any entity", label="Entity"
    )
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, empty_label="Any kind", label="Kind")

    class Meta:
        model = Evidence
        fields = ["mode", "event", "verdict", "entity", "kind"]

    def __init__(self, data: Any, *, case: Case, events: list[KeyEvent]) -> None:
        super().__init__(data, queryset=with_intervals(Evidence.objects.filter(case=case)))
        self.filters["event"].queryset = KeyEvent.objects.filter(case=case)
        self.filters["entity"].queryset = Entity.objects.filter(case=case)
        self.events = events

    @property
    def chosen_mode(self) -> str:
        return self._cleaned("mode") or IntervalMode.PROVISIONAL

    @property
    def prefix(self) -> str:
        return PREFIX[self.chosen_mode]

    @property
    def chosen_event(self) -> KeyEvent | None:
        """The event verdicts are shown against: the one chosen, else the first sanction, else the first event."""
        chosen = self._cleaned("event")
        if chosen is not None:
            return chosen
        sanctions = [event for event in self.events if event.kind == KeyEvent.Kind.SANCTION]
        return (sanctions or self.events or [None])[0]

    def keep(self, queryset: QuerySet[Evidence], name: str, value: object) -> QuerySet[Evidence]:
        # Mode and event shape the other filters and the page; they select no rows themselves.
        return queryset

    def filter_verdict(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        event = self.chosen_event
        if event is None:
            # With no event, an item is in conflict or else undetermined, as the page shows it.
            conflict = Q(**{f"{self.prefix}conflict": True})
            if value == "conflict":
                return queryset.filter(conflict)
            return queryset.exclude(conflict) if value == "undetermined" else queryset.none()
        return queryset.filter(verdict_q(self.prefix, event.moment, value))

    def without_verdict(self) -> QuerySet[Evidence]:
        """The rows every filter but the verdict selects: what the one-line answer counts."""
        # As django-filter does, a field with a bad value is left out, not the whole page.
        self.form.is_valid()
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name != "verdict":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def _cleaned(self, name: str) -> Any:
        self.form.is_valid()
        return self.form.cleaned_data.get(name)
