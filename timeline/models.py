from __future__ import annotations

from datetime import UTC, datetime, time

from django.conf import settings
from django.db import models

from archive.models import Case, Evidence


class CueKind(models.TextChoices):
    HEADLINE = "headline", "Headline"
    TEXT_DATE = "text_date", "Date in the text"
    CLOCK = "clock", "On-screen clock"
    URL_DATE = "url_date", "Date in a URL"
    FILENAME = "filename", "Date in the file name"
    EXIF = "exif", "EXIF date"
    DOCUMENT_META = "document_meta", "Document or container date"
    PLATFORM_UPLOAD = "platform_upload", "Platform posting time"
    RECEIVED = "received", "Received by the newsroom"
    TRUSTED_TIMESTAMP = "trusted_timestamp", "Trusted timestamp (RFC 3161)"
    ID_TIME = "id_time", "Time in an identifier"
    ID_ORDER = "id_order", "Identifier after a known one"
    MANUAL = "manual", "Added by a person"


class Bound(models.TextChoices):
    NOT_BEFORE = "not_before", "Not before"
    NOT_AFTER = "not_after", "Not after"
    ON = "on", "On"


class Strength(models.TextChoices):
    STRONG = "strong", "Strong"
    MEDIUM = "medium", "Medium"
    WEAK = "weak", "Weak"


class CueStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    # Reviewed, then set aside because the provenance it was read from was edited; its review is kept.
    SUPERSEDED = "superseded", "Superseded"


# Cues that bound nothing: rejected by a person, or superseded by an edit.
SET_ASIDE = (CueStatus.REJECTED, CueStatus.SUPERSEDED)


class Granularity(models.TextChoices):
    SECOND = "second", "Second"
    MINUTE = "minute", "Minute"
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class HeadlineOrigin(models.TextChoices):
    FILE = "file", "imported file"
    FEED = "feed", "feed"
    SITEMAP = "sitemap", "news sitemap"
    URL = "url", "article found"
    GDELT = "gdelt", "front page seen by GDELT"
    WARC = "warc", "web archive (WARC)"


class ReferenceHeadline(models.Model):
    """A headline with a known publication time, from an imported corpus."""

    title = models.TextField()
    normalized_title = models.TextField(db_index=True)
    published_at = models.DateTimeField(db_index=True)
    # "day" when the source gives only a date (a whole day, its zone unknown).
    published_granularity = models.CharField(max_length=10, choices=Granularity.choices, default=Granularity.DAY)
    outlet = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=10, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="The file it was imported from.")
    # timeline.headlines.headline_key: a headline is kept once, however often its file is imported.
    key = models.UUIDField(unique=True)
    # Defaults in the database too: imports COPY rows without these columns.
    origin = models.CharField(
        max_length=10, choices=HeadlineOrigin.choices, default=HeadlineOrigin.FILE, db_default=HeadlineOrigin.FILE
    )
    # An article a person found: who, the page as fetched (its HTML and a full-page
    # picture, kept in the vault by their SHA-256), and where the page gave its date.
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")  # fmt: skip
    fetched_at = models.DateTimeField(null=True, blank=True)
    page_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    capture_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    date_found_in = models.CharField(max_length=120, blank=True, default="", db_default="")
    # Other publication dates the page declares, shown beside the one that counts: [{"where", "text"}].
    other_dates = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return f"{self.published_at:%Y-%m-%d} {self.title}"


class HeadlineSource(models.Model):
    """A feed or news sitemap on the web that the beat polls for headlines (collect_headlines)."""

    url = models.URLField(max_length=2000, unique=True)
    KINDS = [(HeadlineOrigin.FEED, "feed"), (HeadlineOrigin.SITEMAP, "news sitemap")]
    kind = models.CharField(max_length=10, choices=KINDS)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url


class HeadlineSourceRun(models.Model):
    """One poll of a source: what it brought, or why it failed."""

    source = models.ForeignKey(HeadlineSource, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        when = f"{self.started_at:%Y-%m-%d %H:%M} UTC"
        if self.error:
            return f"{when}: failed: {self.error}"
        return f"{when}: {self.imported} imported, {self.already} already in the corpus, {self.skipped} skipped"


class Cue(models.Model):
    """One fact that bounds when an item was captured (see DESIGN.md, "Cue")."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="cues")
    kind = models.CharField(max_length=20, choices=CueKind.choices)
    bound = models.CharField(max_length=12, choices=Bound.choices)
    # The interval of the date the cue names, in UTC; a side is None when open.
    earliest = models.DateTimeField(null=True, blank=True)
    latest = models.DateTimeField(null=True, blank=True)
    granularity = models.CharField(max_length=10, choices=Granularity.choices)
    time_zone = models.CharField(max_length=120, help_text="The time zone assumed to place the date.")
    strength = models.CharField(max_length=10, choices=Strength.choices)
    status = models.CharField(max_length=10, choices=CueStatus.choices, default=CueStatus.PROPOSED)
    # True when a person added the cue; the machine never changes those.
    by_person = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(help_text="The text or value the cue was read from.")
    explanation = models.TextField(help_text="Why it bounds the capture time.")
    # Where it was found: {"frame": 3, "time": 12.5, "page": 2, "box": [x, y, w, h]}
    # or {"field": "exif.DateTimeOriginal"}.
    locator = models.JSONField(default=dict, blank=True)
    # Extra facts: alternative readings, how a missing year was chosen, the headline's score.
    details = models.JSONField(default=dict, blank=True)
    headline = models.ForeignKey(ReferenceHeadline, on_delete=models.SET_NULL, null=True, blank=True)
    # Same facts, same fingerprint: how a re-run recognises cues it made before.
    fingerprint = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["evidence", "status"]), models.Index(fields=["kind"])]
        ordering = ["evidence", "bound", "earliest", "id"]

    def __str__(self) -> str:
        return f"{self.get_bound_display()} {self.earliest or ''}..{self.latest or ''} ({self.kind})"


class HeadlineCandidate(models.Model):
    """A line that reads as a news headline and matches nothing in the corpus, for a fact-checker to date.

    The cues stage replaces an item's candidates each time it runs, as it does
    the proposed cues; the line's frame and box are in ``locator`` as on a cue.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="headline_candidates")
    text = models.TextField()
    locator = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A headline of the corpus only seen on a front page (GDELT), which does not say when it was
    # published: where and when it was seen, and its article's address to date it from.
    lead = models.CharField(max_length=300, blank=True, default="")
    lead_url = models.URLField(max_length=2000, blank=True, default="")

    class Meta:
        ordering = ["evidence", "id"]

    def __str__(self) -> str:
        return self.text


class IntervalMode(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional (every cue not rejected)"
    VERIFIED = "verified", "Verified (confirmed cues only)"


class CaptureInterval(models.Model):
    """An item's capture interval: the intersection of its cues' bounds, kept for filtering."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="capture_intervals")
    mode = models.CharField(max_length=12, choices=IntervalMode.choices)
    earliest = models.DateTimeField(null=True, blank=True)
    latest = models.DateTimeField(null=True, blank=True)
    conflict = models.BooleanField(default=False)
    cues = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "mode"], name="one_interval_per_mode")]

    def __str__(self) -> str:
        return f"#{self.evidence_id} {self.mode}: {self.earliest}..{self.latest}"


class Entity(models.Model):
    """An organisation or a person the case is about, with the other names it goes by."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        PERSON = "person", "Person"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entities")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ORGANISATION)
    aliases = models.JSONField(default=list, blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="entities")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "name"], name="one_entity_per_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class KeyEvent(models.Model):
    """A dated event on the case timeline, above all a sanction listing."""

    class Kind(models.TextChoices):
        SANCTION = "sanction", "Sanction listing"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="key_events")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SANCTION)
    entity = models.ForeignKey(Entity, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    date = models.DateField()
    legal_act = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    @property
    def moment(self) -> datetime:
        """Where the event stands on the time line: the start of its day in UTC.

        A listing takes effect on the day the act is published; a capture on that
        day counts as after it, which is the reading that favours no side.
        """
        return datetime.combine(self.date, time.min, tzinfo=UTC)


class SignOff(models.Model):
    """A fact-checker's signature on an item's verified verdicts, as they stood at that moment."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="sign_offs")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    earliest = models.DateTimeField(null=True, blank=True)
    latest = models.DateTimeField(null=True, blank=True)
    # [{"event": id, "title", "date", "verdict", "margin_days"}], the confirmed cues' ids behind them.
    verdicts = models.JSONField(default=list)
    cue_ids = models.JSONField(default=list)
    # Why the sign-off no longer stands although its verdicts may not have moved: "cue #12 it rests on was
    # superseded ..."; blank while nothing it rests on was set aside.
    outdated = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.evidence_id} signed off by {self.signed_by_id} at {self.signed_at}"


class MentionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class Mention(models.Model):
    """An entity's name read in an item, for a fact-checker to confirm; once confirmed, the item is linked to it.

    One per entity and reading: a name on every frame of a recording is one
    mention, kept with where it was first read and how often.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions")
    name = models.CharField(max_length=200, help_text="The entity's name it was read as.")
    text = models.CharField(max_length=500, help_text="What was read.")
    line = models.TextField(help_text="The whole line it was read in.")
    how = models.CharField(max_length=200, help_text="How it differs from the name: script, inflection, OCR slips.")
    score = models.FloatField()
    # Where it was first read: {"frame", "time", "page", "box": [x, y, w, h]}; "sightings" counts the lines.
    locator = models.JSONField(default=dict, blank=True)
    # The entity and the reading's skeleton (timeline/extract/mentions.py): how a re-run recognises it.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=MentionStatus.choices, default=MentionStatus.PROPOSED)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "entity", "fingerprint"], name="one_mention_per_reading")
        ]
        indexes = [models.Index(fields=["entity", "status"])]
        ordering = ["evidence", "entity__name", "id"]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.text}"


class MentionScan(models.Model):
    """A look for mentions through every item of a case, after an entity or its names changed: its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mention_scans")
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    items = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason} ({self.status})"


class OrderedIds(models.Model):
    """A platform of the case that numbers things in order, and the pattern its ids are seen by.

    The ids the case knows a creation date of calibrate the others
    (timeline/extract/ordered.py): an item showing a larger id was captured
    no earlier than the smaller one was made.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ordered_ids")
    platform = models.CharField(max_length=100)
    pattern = models.CharField(max_length=300, help_text="A regular expression with one group around the id.")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")  # fmt: skip
    added_at = models.DateTimeField(auto_now_add=True)
    # As last worked out (``ordered_ids_recompute``): the calibration points that agree with the order, which
    # the cues stage bounds ids by without going over the whole case for every item; those that contradict
    # it, with the reason; and how many items show the ids.
    points = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)
    items = models.PositiveIntegerField(default=0)
    worked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "pattern"], name="one_ordered_pattern_per_case")]
        ordering = ["platform", "id"]

    def __str__(self) -> str:
        return f"{self.platform}: {self.pattern}"
