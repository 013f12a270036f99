"""What the API sends and takes. Reads are serializers of the models; writes are checked by the pages' own forms.

The request serializers describe the bodies for the schema; the views check
them with the forms the pages use (archive.forms, timeline.forms), so a value
refused on a page is refused here with the same words.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import ApiToken
from archive.models import (
    Case,
    CollectionMethod,
    Evidence,
    EvidenceKind,
    ProcessingStatus,
    Provenance,
    StageRun,
    TimestampSubject,
    TrustedTimestamp,
    UrlCollection,
)
from archive.roles import Role
from timeline.models import Bound, Cue, CueKind, CueStatus, Entity, Granularity, KeyEvent, Strength


class Username(serializers.Field):
    """A person as their user name ("" for the system or no one)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> str:
        person = super().get_attribute(instance)
        return person.get_username() if person else ""

    def to_representation(self, value: Any) -> str:
        return value


extend_schema_field(OpenApiTypes.STR)(Username)


class CaseSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["slug", "title", "description", "default_locale", "locales", "created_at", "custody_length",
                  "custody_head", "role"]  # fmt: skip

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices))
    def get_role(self, case: Case) -> str:
        return self.context["roles"][case.pk]


class ProvenanceSerializer(serializers.ModelSerializer):
    collected_by = Username()
    method = serializers.ChoiceField(choices=CollectionMethod.choices)
    platform_info = serializers.JSONField()

    class Meta:
        model = Provenance
        fields = ["id", "method", "collected_by", "collected_at", "original_name", "source_url", "platform",
                  "account", "post_id", "posted_at", "posted_at_granularity", "platform_info", "locale",
                  "notes"]  # fmt: skip


class EvidenceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    status = serializers.ChoiceField(choices=ProcessingStatus.choices)

    class Meta:
        model = Evidence
        fields = ["id", "kind", "sha256", "size", "content_type", "original_name", "status", "status_reason",
                  "created_at"]  # fmt: skip


class StageRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageRun
        fields = ["stage", "status", "reason", "attempts", "started_at", "finished_at"]


class TimestampSerializer(serializers.ModelSerializer):
    subject = serializers.ChoiceField(choices=TimestampSubject.choices)

    class Meta:
        model = TrustedTimestamp
        fields = ["subject", "digest", "custody_length", "authority_url", "authority", "stamped_at", "serial",
                  "policy"]  # fmt: skip


class IntervalSerializer(serializers.Serializer):
    earliest = serializers.DateTimeField(allow_null=True)
    latest = serializers.DateTimeField(allow_null=True)
    conflict = serializers.BooleanField()
    cues = serializers.IntegerField()


class EvidenceDetailSerializer(EvidenceSerializer):
    metadata = serializers.JSONField()
    provenance = ProvenanceSerializer(many=True)
    stages = StageRunSerializer(many=True, source="stage_runs")
    timestamps = serializers.SerializerMethodField()
    provisional = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "metadata", "provenance", "stages", "timestamps", "provisional",
                  "verified"]  # fmt: skip

    @extend_schema_field(TimestampSerializer(many=True))
    def get_timestamps(self, evidence: Evidence) -> list[dict[str, Any]]:
        return TimestampSerializer(evidence.timestamps.all(), many=True).data

    @extend_schema_field(IntervalSerializer(allow_null=True))
    def get_provisional(self, evidence: Evidence) -> dict[str, Any] | None:
        return self._interval(evidence, "provisional")

    @extend_schema_field(IntervalSerializer(allow_null=True))
    def get_verified(self, evidence: Evidence) -> dict[str, Any] | None:
        return self._interval(evidence, "verified")

    def _interval(self, evidence: Evidence, mode: str) -> dict[str, Any] | None:
        found = next((interval for interval in evidence.capture_intervals.all() if interval.mode == mode), None)
        return IntervalSerializer(found).data if found else None


class CueSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CueKind.choices)
    bound = serializers.ChoiceField(choices=Bound.choices)
    granularity = serializers.ChoiceField(choices=Granularity.choices)
    strength = serializers.ChoiceField(choices=Strength.choices)
    status = serializers.ChoiceField(choices=CueStatus.choices)
    created_by = Username()
    reviewed_by = Username()
    locator = serializers.JSONField()

    class Meta:
        model = Cue
        fields = ["id", "evidence", "kind", "bound", "earliest", "latest", "granularity", "time_zone", "strength",
                  "status", "by_person", "created_by", "text", "explanation", "locator", "note", "reviewed_by",
                  "reviewed_at", "created_at"]  # fmt: skip


class EntitySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Entity.Kind.choices)
    aliases = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Entity
        fields = ["id", "name", "kind", "aliases"]


class KeyEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=KeyEvent.Kind.choices)
    entity = serializers.SerializerMethodField()

    class Meta:
        model = KeyEvent
        fields = ["id", "title", "kind", "date", "entity", "legal_act", "source_url", "note"]

    def get_entity(self, event: KeyEvent) -> str:
        return event.entity.name if event.entity else ""


class UrlCollectionSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=UrlCollection.Status.choices)
    requested_by = Username()

    class Meta:
        model = UrlCollection
        fields = ["id", "url", "notes", "status", "reason", "requested_by", "requested_at", "started_at",
                  "finished_at", "media", "page"]  # fmt: skip


class VerdictSerializer(serializers.Serializer):
    event = serializers.CharField()
    date = serializers.DateField()
    verdict = serializers.ChoiceField(choices=["after", "before", "undetermined", "conflict"])
    margin_days = serializers.FloatField(allow_null=True)


class RecordIntervalSerializer(serializers.Serializer):
    earliest = serializers.DateTimeField(allow_null=True)
    latest = serializers.DateTimeField(allow_null=True)


class SignOffSerializer(serializers.Serializer):
    by = serializers.CharField()
    at = serializers.DateTimeField()
    verdicts = serializers.ListField(child=serializers.CharField())
    outdated_because = serializers.CharField(allow_null=True)


class TimelineItemSerializer(serializers.Serializer):
    """One item of the timeline: the shape of the JSON export and of ``verdicts --json``."""

    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    capture_interval = RecordIntervalSerializer()
    verdicts = VerdictSerializer(many=True)
    cues = serializers.IntegerField()
    conflict = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    verified_verdicts = serializers.ListField(child=serializers.CharField())
    sign_off = SignOffSerializer(allow_null=True)


class SearchHitSerializer(serializers.Serializer):
    evidence = serializers.IntegerField(source="entry.evidence_id")
    kind = serializers.CharField(source="entry.kind")
    text = serializers.CharField(source="entry.text")
    frame = serializers.IntegerField(source="entry.frame", allow_null=True)
    time = serializers.FloatField(source="entry.time", allow_null=True)
    box = serializers.ListField(source="entry.box", child=serializers.IntegerField(), allow_null=True)
    score = serializers.FloatField()


class SearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    more = serializers.BooleanField(help_text="There are more hits than were counted.")
    results = SearchHitSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    cases = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "cases", "created_at", "last_used_at", "revoked_at"]


# Request bodies, for the schema. The views check them with the pages' forms.


class ProvenanceInputSerializer(serializers.Serializer):
    source_url = serializers.URLField(required=False, max_length=2000)
    platform = serializers.CharField(required=False, max_length=100)
    account = serializers.CharField(required=False, max_length=200)
    post_id = serializers.CharField(required=False, max_length=200)
    posted_at = serializers.CharField(
        required=False, help_text="When the platform says it was posted: a day (2023-12-05) or an instant with its "
        "offset (2023-12-05T14:32:00+03:00).",
    )  # fmt: skip
    locale = serializers.CharField(required=False, help_text="The device's locale, BCP 47 (en-IN, tr-TR).")
    notes = serializers.CharField(required=False)


class UploadSerializer(ProvenanceInputSerializer):
    files = serializers.ListField(child=serializers.FileField(), help_text="One or more files (multipart).")
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)


class UploadedSerializer(serializers.Serializer):
    evidence = EvidenceSerializer()
    created = serializers.BooleanField(help_text="False when the case already held these bytes.")
    warnings = serializers.ListField(child=serializers.CharField())


class UploadResultSerializer(serializers.Serializer):
    stored = UploadedSerializer(many=True)
    refused = serializers.ListField(child=serializers.CharField())


class ManualCueSerializer(serializers.Serializer):
    bound = serializers.ChoiceField(choices=Bound.choices)
    day = serializers.DateField()
    text = serializers.CharField(max_length=500)
    zone = serializers.CharField(required=False, max_length=60, help_text="IANA time zone of the date, or UTC.")
    note = serializers.CharField(required=False, max_length=2000)
    source_url = serializers.URLField(required=False, max_length=2000)
    frame = serializers.IntegerField(required=False, help_text="The frame's id, with box.")
    box = serializers.CharField(required=False, help_text="x, y, width, height in the frame's pixels.")


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, max_length=2000)


class EntityInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Entity.Kind.choices)
    aliases = serializers.CharField(required=False, max_length=1000, help_text="Other names, separated by commas.")


class KeyEventInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=KeyEvent.Kind.choices)
    date = serializers.DateField()
    entity = serializers.IntegerField(required=False, help_text="An entity's id.")
    legal_act = serializers.CharField(required=False, max_length=300)
    source_url = serializers.URLField(required=False, max_length=2000)
    note = serializers.CharField(required=False)


class UrlCollectInputSerializer(serializers.Serializer):
    urls = serializers.CharField(help_text="One URL per line.")
    notes = serializers.CharField(required=False)
