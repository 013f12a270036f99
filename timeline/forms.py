from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from archive.models import Case, Evidence, Frame
from timeline.models import Bound, Entity, KeyEvent, MentionStatus
from timeline.services import ReviewError, day_check

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("reject", "Reject")])
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Note"}))


class ManualCueForm(forms.Form):
    """A cue a person saw, with its source: a URL, or a region of one of the item's frames."""

    bound = forms.ChoiceField(choices=Bound.choices, initial=Bound.NOT_AFTER)
    day = forms.DateField(widget=DATE_INPUT, label="Date")
    text = forms.CharField(
        max_length=500, label="What it says", help_text='e.g. "post date seen on the platform: 12 Dec 2023"'
    )
    zone = forms.CharField(
        required=False, max_length=60, label="Time zone of the date",
        help_text="As the page showed it, e.g. Europe/Moscow or UTC. Leave empty when unknown: "
        "the day is then widened to cover every zone.",
    )  # fmt: skip
    note = forms.CharField(required=False, max_length=2000, label="Why it bounds the capture time")
    source_url = forms.URLField(required=False, max_length=2000, assume_scheme="https", label="Source URL")
    frame = forms.ModelChoiceField(queryset=Frame.objects.none(), required=False, label="Or a region of frame")
    box = forms.CharField(
        required=False, max_length=60, label="Region x, y, width, height",
        help_text="In pixels of the frame, e.g. 1180, 700, 160, 40.",
    )  # fmt: skip

    def __init__(self, *args: Any, evidence: Evidence, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["frame"].queryset = evidence.frames.order_by("index")

    def clean_day(self) -> date:
        return _plausible(self.cleaned_data["day"])

    def clean_box(self) -> list[int] | None:
        value = self.cleaned_data["box"].strip()
        if not value:
            return None
        parts = [part.strip() for part in value.replace(";", ",").split(",")]
        if len(parts) != 4 or not all(part.isdigit() and len(part) < 7 for part in parts):
            raise forms.ValidationError("Give four whole numbers: x, y, width, height.")
        return [int(part) for part in parts]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        frame, box = data.get("frame"), data.get("box")
        if bool(frame) != bool(box):
            raise forms.ValidationError("A region needs both its frame and its x, y, width, height.")
        if not frame and not data.get("source_url") and not self.errors:
            raise forms.ValidationError("Give the cue a source: a URL, or a region of one of the item's frames.")
        return data

    @property
    def region(self) -> tuple[Frame, list[int]] | None:
        frame, box = self.cleaned_data.get("frame"), self.cleaned_data.get("box")
        return (frame, box) if frame and box else None


def _plausible(day: date) -> date:
    try:
        day_check(day)
    except ReviewError as error:
        raise forms.ValidationError(str(error)) from None
    return day


class SignOffForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Note"}))


class ArticleForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https", label="Article's address")


class EntityForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Entity.Kind.choices)
    aliases = forms.CharField(
        required=False, max_length=1000, label="Other names",
        help_text="Separated by commas: НТехЛаб, FindFace. Spacing, letter case and OCR's slips need no other name.",
    )  # fmt: skip

    def clean_aliases(self) -> list[str]:
        return [alias.strip() for alias in self.cleaned_data["aliases"].split(",") if alias.strip()]


class EventForm(forms.Form):
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=KeyEvent.Kind.choices)
    date = forms.DateField(widget=DATE_INPUT)
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), required=False)
    legal_act = forms.CharField(required=False, max_length=300)
    source_url = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.filter(case=case)

    def clean_date(self) -> date:
        return _plausible(self.cleaned_data["date"])


class EntitiesLinkForm(forms.Form):
    entities = forms.ModelMultipleChoiceField(
        queryset=Entity.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, case: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entities"].queryset = Entity.objects.filter(case=case)


class MentionFilterForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), required=False, empty_label="Any entity")
    status = forms.ChoiceField(choices=[("", "Any status"), *MentionStatus.choices], required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.filter(case=case)


class SearchFilterForm(forms.Form):
    """What the search pages narrow hits by beyond their kind: an entity, and the days an item was captured on."""

    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), required=False, empty_label="Any entity")
    captured_from = forms.DateField(required=False, widget=DATE_INPUT, label="Captured from")
    captured_to = forms.DateField(required=False, widget=DATE_INPUT, label="to")

    def __init__(self, *args: Any, cases: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entities = Entity.objects.filter(case__in=cases).select_related("case").order_by("case__title", "name")
        self.fields["entity"].queryset = entities
        if len(set(cases)) > 1:
            self.fields["entity"].label_from_instance = lambda entity: f"{entity.name} ({entity.case.title})"

    @property
    def narrowing(self) -> bool:
        return self.is_valid() and any(value is not None for value in self.cleaned_data.values())


class OrderedIdsForm(forms.Form):
    platform = forms.CharField(max_length=100, help_text="Toloka, VK, a Telegram channel...")
    pattern = forms.CharField(
        max_length=300, label="Where its ids are seen",
        help_text="The text around the id, with (\\d+) where the id is: toloka.ai/tasks/(\\d+)",
    )  # fmt: skip
