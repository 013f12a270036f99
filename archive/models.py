from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from archive.identify import preview_kind
from archive.roles import Capability, Role, role_can
from archive.vault import blob_name


class Case(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The head of the custody chain: its length and the hash of its last entry.
    # Deleting entries from the end of the chain leaves these pointing past it.
    custody_length = models.PositiveBigIntegerField(default=0)
    custody_head = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("archive:case_detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_membership_per_user")]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.case}"

    def can(self, capability: Capability) -> bool:
        return role_can(self.role, capability)


class EvidenceKind(models.TextChoices):
    SCREENSHOT = "screenshot", "Screenshot"
    RECORDING = "recording", "Screen recording"
    DOCUMENT = "document", "Document"
    WEB_CAPTURE = "web_capture", "Web capture"
    OTHER = "other", "Other"


class ProcessingStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Evidence(models.Model):
    """One collected item. Its original lives in the vault under its SHA-256."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    # The name the file first arrived with: data to show, never a path.
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=ProcessingStatus.choices, default=ProcessingStatus.QUEUED)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="one_evidence_per_content")]
        indexes = [models.Index(fields=["case", "-created_at"])]
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("archive:evidence_detail", kwargs={"slug": self.case.slug, "pk": self.pk})

    @property
    def storage_name(self) -> str:
        return blob_name(self.sha256)

    @property
    def preview_kind(self) -> str:
        """How the evidence page shows the original: image, video, pdf or none."""
        return preview_kind(self.content_type)


class CollectionMethod(models.TextChoices):
    UPLOAD = "upload", "Upload"
    URL = "url", "From URL"
    BULK_IMPORT = "bulk_import", "Bulk import"


class TimeGranularity(models.TextChoices):
    DAY = "day", "Day"
    INSTANT = "instant", "Instant"


class Provenance(models.Model):
    """One act of collection: who, when, how and from where, as told by whom."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="provenance")
    method = models.CharField(max_length=20, choices=CollectionMethod.choices)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    collected_at = models.DateTimeField()
    original_name = models.CharField(max_length=255)
    source_url = models.URLField(max_length=2000, blank=True)
    platform = models.CharField(max_length=100, blank=True)
    account = models.CharField(max_length=200, blank=True)
    post_id = models.CharField(max_length=200, blank=True)
    # What the platform says about its own posting time, and how precisely.
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_at_granularity = models.CharField(max_length=10, choices=TimeGranularity.choices, blank=True)
    platform_info = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["collected_at", "id"]
        verbose_name_plural = "provenance"
        indexes = [models.Index(fields=["platform"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()} of #{self.evidence_id} at {self.collected_at:%Y-%m-%d %H:%M}"


class CustodyAction(models.TextChoices):
    CASE_CREATED = "case_created", "Case created"
    MEMBER_ADDED = "member_added", "Member added"
    MEMBER_ROLE_CHANGED = "member_role_changed", "Member role changed"
    MEMBER_REMOVED = "member_removed", "Member removed"
    COLLECTED = "collected", "Collected"
    COLLECTED_AGAIN = "collected_again", "Collected again"
    ORIGINAL_VIEWED = "original_viewed", "Original viewed"
    ORIGINAL_DOWNLOADED = "original_downloaded", "Original downloaded"
    PROVENANCE_EDITED = "provenance_edited", "Provenance edited"
    STATUS_CHANGED = "status_changed", "Status changed"


class AppendOnlyQuerySet(models.QuerySet):
    """Custody entries are written once; bulk edits are refused."""

    def update(self, **kwargs: object) -> int:
        raise PermissionError("Custody entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Custody entries are append-only.")


class CustodyEntry(models.Model):
    """One link of a case's hash chain. Written only by ``archive.custody``."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="custody_entries")
    sequence = models.PositiveBigIntegerField()
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="custody_entries"
    )
    action = models.CharField(max_length=40, choices=CustodyAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    # The actor's username at the time, so the log reads the same after a rename.
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "sequence"], name="one_entry_per_position")]
        ordering = ["case", "sequence"]
        verbose_name_plural = "custody entries"

    def __str__(self) -> str:
        return f"{self.case_id}:{self.sequence} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        # An entry is written once; saving an existing one would break the chain.
        if not self._state.adding:
            raise PermissionError("Custody entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Custody entries are append-only.")
