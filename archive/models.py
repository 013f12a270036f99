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
    # The device locale (BCP 47) assumed for the case's items when their provenance names none.
    default_locale = models.CharField(max_length=35, blank=True)
    # Comma-separated BCP 47 tags whose month and weekday names are read in the
    # case's text; blank means settings.CASE_LOCALES.
    locales = models.CharField(max_length=200, blank=True)

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
    PHOTO = "photo", "Photo"
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
    # True when the collector chose the kind; the identify stage then keeps it.
    kind_locked = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=ProcessingStatus.choices, default=ProcessingStatus.QUEUED)
    status_reason = models.TextField(blank=True)
    # What the probe stage read: EXIF, ffprobe, PDF info. Derived, rebuilt on reprocessing.
    metadata = models.JSONField(default=dict, blank=True)
    # Each request to process the item starts a new run; messages of older runs do nothing.
    processing_run = models.PositiveIntegerField(default=0)
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
    # The locale (BCP 47) of the device that made the file: the order it prints numeric dates in.
    locale = models.CharField(max_length=35, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["collected_at", "id"]
        verbose_name_plural = "provenance"
        indexes = [models.Index(fields=["platform"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()} of #{self.evidence_id} at {self.collected_at:%Y-%m-%d %H:%M}"


class CustodyAction(models.TextChoices):
    CASE_CREATED = "case_created", "Case created"
    CASE_EDITED = "case_edited", "Case edited"
    MEMBER_ADDED = "member_added", "Member added"
    MEMBER_ROLE_CHANGED = "member_role_changed", "Member role changed"
    MEMBER_REMOVED = "member_removed", "Member removed"
    COLLECTED = "collected", "Collected"
    COLLECTED_AGAIN = "collected_again", "Collected again"
    ORIGINAL_VIEWED = "original_viewed", "Original viewed"
    ORIGINAL_DOWNLOADED = "original_downloaded", "Original downloaded"
    PROVENANCE_EDITED = "provenance_edited", "Provenance edited"
    STATUS_CHANGED = "status_changed", "Status changed"
    CUES_DRAFTED = "cues_drafted", "Cues drafted"
    CUES_SUPERSEDED = "cues_superseded", "Cues superseded by a provenance edit"
    PROCESSING_REQUESTED = "processing_requested", "Processing requested"
    URL_COLLECTION_REQUESTED = "url_collection_requested", "Collection from a URL requested"
    URL_COLLECTION_FAILED = "url_collection_failed", "Collection from a URL failed"
    EVENT_ADDED = "event_added", "Key event added"
    CUE_CONFIRMED = "cue_confirmed", "Cue confirmed"
    CUE_REJECTED = "cue_rejected", "Cue rejected"
    CUE_ADDED = "cue_added", "Cue added by hand"
    EVENT_EDITED = "event_edited", "Key event edited"
    EVENT_REMOVED = "event_removed", "Key event removed"
    ENTITY_ADDED = "entity_added", "Entity added"
    ENTITY_EDITED = "entity_edited", "Entity edited"
    MENTIONS_PROPOSED = "mentions_proposed", "Mentions of entities proposed"
    MENTION_CONFIRMED = "mention_confirmed", "Mention confirmed"
    MENTION_REJECTED = "mention_rejected", "Mention rejected"
    ENTITIES_LINKED = "entities_linked", "Entities linked to an item"
    VERDICT_SIGNED_OFF = "verdict_signed_off", "Verdict signed off"
    EXPORTED = "exported", "Timeline exported"
    BAG_IMPORTED = "bag_imported", "Imported from an evidence package"
    TIMESTAMPED = "timestamped", "Original timestamped by an authority"
    ORDERED_IDS_ADDED = "ordered_ids_added", "Platform numbering in order added"


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


class StageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class StageRun(models.Model):
    """The state of one pipeline stage for one item: the database, not the broker, is the truth."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="stage_runs")
    stage = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=StageStatus.choices, default=StageStatus.PENDING)
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The processing run this state belongs to, and the Celery task that holds the
    # claim; a redelivery of the same message may take it over.
    run = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "stage"], name="one_run_per_stage")]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"#{self.evidence_id} {self.stage}: {self.status}"


class FrameSource(models.TextChoices):
    IMAGE = "image", "The image itself"
    KEYFRAME = "keyframe", "Video keyframe"
    PAGE_TEXT = "page_text", "PDF text layer"
    PAGE_RENDER = "page_render", "Rendered PDF page"


class Frame(models.Model):
    """One picture or page of an item that text is read from. Derived: rebuilt by the frames stage."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=FrameSource.choices)
    # Seconds from the start of a recording, or the 1-based page of a document.
    time = models.FloatField(null=True, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)
    # Storage name of the derived picture; empty when the original is the picture.
    image_name = models.CharField(max_length=300, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # 256-bit layout hash as 64 hex digits, for near-duplicate search (see pipeline/similar.py).
    phash = models.CharField(max_length=64, blank=True)
    text = models.TextField(blank=True)
    ocr_done = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "index"], name="one_frame_per_index")]
        ordering = ["evidence", "index"]

    def __str__(self) -> str:
        return f"#{self.evidence_id} frame {self.index}"

    @property
    def label(self) -> str:
        if self.time is not None:
            minutes, seconds = divmod(self.time, 60)
            return f"{int(minutes)}:{seconds:04.1f}"
        if self.page is not None:
            return f"page {self.page}"
        return "image"


class TextLine(models.Model):
    """A line of text on a frame with its box (pixels of the frame) and its words."""

    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="lines")
    index = models.PositiveIntegerField()
    text = models.TextField()
    left = models.IntegerField()
    top = models.IntegerField()
    width = models.IntegerField()
    height = models.IntegerField()
    # Mean word confidence 0..100; None for a PDF text layer, which is not guessed.
    confidence = models.FloatField(null=True, blank=True)
    # [{"text", "left", "top", "width", "height", "confidence"}, ...]
    words = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["frame", "index"]

    def __str__(self) -> str:
        return self.text


class SimilarLink(models.Model):
    """Two items of a case that show the same thing (``first_id < second_id``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="similar_links")
    first = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="+")
    # Share of frames of the smaller item that have a close match in the other (0..1).
    overlap = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="one_link_per_pair")]

    def __str__(self) -> str:
        return f"#{self.first_id} ~ #{self.second_id} ({self.overlap:.0%})"


class UrlCollection(models.Model):
    """A request to collect a URL: its media through yt-dlp and a capture of the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="url_collections")
    url = models.URLField(max_length=2000)
    notes = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # What went wrong, or what part did not work when the other did.
    reason = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    media = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    page = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"


class SearchKind(models.TextChoices):
    OCR = "ocr", "text read on screen"
    TEXT_LAYER = "text_layer", "document text layer"
    PROVENANCE = "provenance", "provenance"
    CUE = "cue", "cue"
    HEADLINE = "headline", "headline"
    NOTE = "note", "review note"


class SearchEntry(models.Model):
    """One piece of text a case holds, where it is, for full-text search (archive/search.py).

    Derived: written by the services and stages that change what it copies,
    and rebuilt by ``search_index --rebuild``. ``source`` names the row it
    copies ("line:17", "provenance:3:notes"), once.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="search_entries")
    kind = models.CharField(max_length=12, choices=SearchKind.choices)
    source = models.CharField(max_length=60, unique=True)
    text = models.TextField()
    # What is indexed: the text with OCR's look-alike letters in the script of their line (archive.search.searchable).
    words = models.TextField()
    frame = models.PositiveIntegerField(null=True, blank=True)
    time = models.FloatField(null=True, blank=True)
    box = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self) -> str:
        return f"{self.source}: {self.text[:60]}"


class SearchWord(models.Model):
    """A word the search index holds, once, lower-case: where a word OCR damaged finds the words it may be.

    Written beside the entries on PostgreSQL, where a trigram index finds the
    words like a query's (archive/search.py); never pruned, for a word that
    no entry holds any more finds no entry.
    """

    word = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.word


class TimestampSubject(models.TextChoices):
    ORIGINAL = "original", "original"
    CUSTODY_HEAD = "custody_head", "custody log head"


class TrustedTimestamp(models.Model):
    """A timestamp authority's token (RFC 3161) for an original's SHA-256 or a custody log's head hash.

    The token is kept as the authority sent it, with the certificates it was
    checked against, so ``verify_archive`` can check it again offline.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="timestamps")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="timestamps")
    subject = models.CharField(max_length=20, choices=TimestampSubject.choices)
    digest = models.CharField(max_length=64, help_text="The SHA-256 the authority signed, in hex.")
    custody_length = models.PositiveBigIntegerField(null=True, blank=True)
    authority_url = models.URLField(max_length=2000)
    authority = models.CharField(max_length=500, blank=True, help_text="The name the token gives its signer.")
    token = models.BinaryField()
    certificates = models.TextField(help_text="The PEM certificates the token was checked against.")
    stamped_at = models.DateTimeField(help_text="The moment the authority vouches for.")
    serial = models.CharField(max_length=100)
    policy = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stamped_at", "id"]
        indexes = [models.Index(fields=["case", "subject", "-stamped_at"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.digest[:12]} stamped {self.stamped_at:%Y-%m-%d %H:%M:%S} UTC"
