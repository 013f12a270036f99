from __future__ import annotations

from typing import Any

from django import forms

from archive.models import Case


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="What the token is for: a partner, a script.")
    read_only = forms.BooleanField(required=False, label="Read only", help_text="It may read, never change.")
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every case you are a member of, now and later.",
    )  # fmt: skip

    def __init__(self, *args: Any, user: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = Case.objects.filter(memberships__user=user).order_by("title")
