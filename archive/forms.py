from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from archive.collect.jobs import url_problem, url_rows
from archive.dates import LOCALE_MAX_LENGTH, LOCALES_MAX_LENGTH, parse_locale, parse_locales, parse_posted_at
from archive.models import EvidenceKind, Provenance
from archive.roles import Role


class LocaleField(forms.CharField):
    """A BCP 47 tag that CLDR knows, or nothing; cleans to the tag in its canonical case (``en-US``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", LOCALE_MAX_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return parse_locale(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class LocalesField(forms.CharField):
    """Comma-separated BCP 47 tags that CLDR knows; cleans to a tuple of them in canonical case."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", LOCALES_MAX_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[str, ...]:
        text = super().clean(value)
        try:
            tags = parse_locales(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        # The case keeps them joined by commas in a column of this length.
        if len(",".join(tags)) > self.max_length:
            raise forms.ValidationError(f"Name fewer locales: together they must fit in {self.max_length} characters.")
        return tags


class CaseEditForm(forms.Form):
    """What a case's owners and editors may change after it is created."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    default_locale = LocaleField(
        label="Default device locale",
        help_text="BCP 47, e.g. en-US: the locale assumed for items whose provenance names none; "
        "it settles dates like 04/09/2023 on screen.",
    )
    locales = LocalesField(label="Languages of the case's text")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The server's default is read here, not when the module is imported.
        self.fields["locales"].help_text = (
            "BCP 47 tags, comma-separated, whose month and weekday names are read in the evidence, "
            f"e.g. en, ru, tr. Leave empty for the server's default ({', '.join(settings.CASE_LOCALES)})."
        )


class CaseForm(CaseEditForm):
    name = forms.SlugField(
        max_length=60,
        required=False,
        help_text="Short name for links and the command line, e.g. ntechlab-gigwork; "
        "a random suffix is added. Leave empty to use the title.",
    )
    field_order = ["title", "name", "description", "default_locale", "locales"]


class PostedAtField(forms.CharField):
    """An ISO date or date-time with offset; cleans to ``(datetime | None, granularity)``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "When the platform says it was posted: 2023-09-04, or 2023-09-04T14:32:00+03:00."
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return value

    def clean(self, value: Any) -> tuple[datetime | None, str]:
        text = super().clean(value)
        try:
            return parse_posted_at(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError("Choose at least one file.")
        return files


class ProvenanceFieldsMixin(forms.Form):
    source_url = forms.URLField(required=False, max_length=2000, assume_scheme="https", label="Source URL")
    platform = forms.CharField(required=False, max_length=100, help_text="YouTube, Facebook, Telegram, ...")
    account = forms.CharField(required=False, max_length=200, help_text="Who posted it on the platform.")
    post_id = forms.CharField(required=False, max_length=200, label="Post id")
    posted_at = PostedAtField(label="Posted at (per the platform)")
    locale = LocaleField(
        label="Device locale", help_text="BCP 47, e.g. en-US: settles dates like 04/09/2023 on screen."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def provenance_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        posted_at, granularity = data["posted_at"]
        return {
            "source_url": data["source_url"],
            "platform": data["platform"].strip(),
            "account": data["account"].strip(),
            "post_id": data["post_id"].strip(),
            "posted_at": posted_at,
            "posted_at_granularity": granularity,
            "locale": data["locale"],
            "notes": data["notes"],
        }


class UploadForm(ProvenanceFieldsMixin):
    files = MultipleFileField()
    kind = forms.ChoiceField(choices=[("", "Decide from the content"), *EvidenceKind.choices], required=False)
    field_order = ["files", "kind"]


class ProvenanceForm(ProvenanceFieldsMixin):
    @classmethod
    def for_record(cls, record: Provenance, data: Any = None) -> ProvenanceForm:
        initial = {
            "source_url": record.source_url,
            "platform": record.platform,
            "account": record.account,
            "post_id": record.post_id,
            "posted_at": record.posted_at.date().isoformat()
            if record.posted_at and record.posted_at_granularity == "day"
            else record.posted_at,
            "locale": record.locale,
            "notes": record.notes,
        }
        return cls(data=data, initial=initial)


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CONTRIBUTOR)

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active user called {username!r}.")
        return user


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class UrlCollectForm(forms.Form):
    urls = forms.CharField(
        label="URLs", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One per line."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    csv_file = forms.FileField(label="Or a CSV of URLs", required=False, help_text="Columns url,notes.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        requests = [(line.strip(), data.get("notes", "")) for line in data.get("urls", "").splitlines() if line.strip()]
        upload = data.get("csv_file")
        if upload:
            try:
                requests += url_rows(upload.read(2_000_000).decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise forms.ValidationError("The CSV must be UTF-8 text.") from None
            except ValueError as error:
                raise forms.ValidationError(f"{error}.") from None
        if not requests:
            raise forms.ValidationError("Give at least one URL.")
        for url, _ in requests:
            problem = url_problem(url)
            if problem:
                raise forms.ValidationError(f"{problem}.")
        data["requests"] = requests[:200]
        return data
