"""The custody log: an append-only hash chain per case.

Each entry's hash covers its own content and the previous entry's hash, and the
case row keeps the chain's length and head hash. Editing a row changes its
hash; deleting one breaks the link after it or leaves the head pointing past
the end. Someone who can rewrite the whole table and the case row can forge a
consistent chain, so exports carry the head hash as an outside anchor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from archive.models import Case, CustodyAction, CustodyEntry, Evidence, Provenance

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

GENESIS = "0" * 64


def entry_digest(
    *,
    case_id: int,
    sequence: int,
    evidence_id: int | None,
    action: str,
    actor_id: int | None,
    actor_name: str,
    at: datetime,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form of one entry's content."""
    content = {
        "case": case_id,
        "sequence": sequence,
        "evidence": evidence_id,
        "action": action,
        "actor": actor_id,
        "actor_name": actor_name,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "details": details,
        "prev": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _digest_of(entry: CustodyEntry) -> str:
    return entry_digest(
        case_id=entry.case_id,
        sequence=entry.sequence,
        evidence_id=entry.evidence_id,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        at=entry.at,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )


def custody_append(
    *,
    case: Case,
    action: CustodyAction,
    actor: AbstractBaseUser | None,
    evidence: Evidence | None = None,
    details: dict[str, Any] | None = None,
) -> CustodyEntry:
    """Append one entry to the case's chain.

    1. Lock the case row, so appends to one chain happen one at a time.
    2. Link the entry to the current head and hash it.
    3. Move the head on the case row.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().only("custody_length", "custody_head").get(pk=case.pk)
        # Round-trip through JSON now, so the stored details hash the same when read back.
        clean_details = json.loads(json.dumps(details or {}, default=str))
        at = timezone.now()
        entry = CustodyEntry(
            case_id=case.pk,
            sequence=locked.custody_length + 1,
            evidence=evidence,
            action=action,
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            at=at,
            details=clean_details,
            prev_hash=locked.custody_head or GENESIS,
        )
        entry.entry_hash = _digest_of(entry)
        entry.save()
        Case.objects.filter(pk=case.pk).update(custody_length=entry.sequence, custody_head=entry.entry_hash)
        case.custody_length, case.custody_head = entry.sequence, entry.entry_hash
    return entry


@dataclass(frozen=True)
class ChainProblem:
    case_slug: str
    sequence: int | None
    message: str

    def __str__(self) -> str:
        if self.sequence is None:
            return f"case {self.case_slug}: {self.message}"
        return f"case {self.case_slug}: custody entry {self.sequence}: {self.message}"


def custody_verify(case: Case) -> list[ChainProblem]:
    """Re-hash a case's chain and report every entry that was altered or removed.

    The chain is checked up to the head the case row records when the check
    starts; entries appended while it runs are left for the next check.
    """
    problems: list[ChainProblem] = []

    def problem(sequence: int | None, message: str) -> None:
        problems.append(ChainProblem(case.slug, sequence, message))

    head = Case.objects.values("custody_length", "custody_head").get(pk=case.pk)
    length, head_hash = head["custody_length"], head["custody_head"] or GENESIS
    expected_sequence = 1
    prev_hash = GENESIS
    entries = CustodyEntry.objects.filter(case=case, sequence__lte=length).order_by("sequence")
    for entry in entries.iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            problem(expected_sequence, f"missing (entries {expected_sequence}..{entry.sequence - 1} removed)")
        if entry.prev_hash != prev_hash:
            problem(entry.sequence, "does not link to the entry before it")
        if _digest_of(entry) != entry.entry_hash:
            problem(entry.sequence, f"altered: its content no longer matches its hash ({entry.action})")
        expected_sequence = entry.sequence + 1
        prev_hash = entry.entry_hash
    if expected_sequence - 1 != length or prev_hash != head_hash:
        problem(
            None,
            f"custody chain: the case records {length} entries ending in {head_hash[:12]}, the log holds entries up to "
            f"{expected_sequence - 1} ending in {prev_hash[:12]}: entries at the end were removed",
        )
    # Rows past the head are either appends that landed during the check or forgeries.
    beyond = CustodyEntry.objects.filter(case=case, sequence__gt=length).order_by("-sequence").first()
    if beyond and beyond.sequence > Case.objects.values_list("custody_length", flat=True).get(pk=case.pk):
        problem(beyond.sequence, "lies beyond the head the case records: entries were added outside the application")
    return problems


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None


def provenance_snapshot(record: Provenance) -> dict[str, Any]:
    """A provenance record as the custody log keeps it, to compare the row against later."""
    return {
        "method": record.method,
        "collected_by": record.collected_by_id,
        "collected_at": _iso(record.collected_at),
        "original_name": record.original_name,
        "source_url": record.source_url,
        "platform": record.platform,
        "account": record.account,
        "post_id": record.post_id,
        "posted_at": _iso(record.posted_at),
        "posted_at_granularity": record.posted_at_granularity,
        "platform_info": record.platform_info,
        "locale": record.locale,
        "notes": record.notes,
    }


# Provenance fields added after custody logs began, with the value their
# migration gave every existing row: a snapshot written before a field existed
# holds no value for it, and the row still has that value unless someone
# changed it since.
_SNAPSHOT_FIELDS_ADDED = {"locale": ""}


def custody_replay(case: Case) -> list[ChainProblem]:
    """Compare the evidence and provenance rows with what the custody log recorded about them.

    The "collected" entries hold each item's hash and size and a snapshot of
    each provenance record; "provenance edited" entries hold every change. A
    row changed behind the application's back no longer matches the replay.
    """
    problems: list[ChainProblem] = []
    items: dict[int, dict[str, Any]] = {}
    records: dict[int, dict[str, Any]] = {}
    collecting = (CustodyAction.COLLECTED, CustodyAction.COLLECTED_AGAIN, CustodyAction.PROVENANCE_EDITED)
    for entry in CustodyEntry.objects.filter(case=case, action__in=collecting).order_by("sequence").iterator():
        details = entry.details
        if entry.action == CustodyAction.COLLECTED:
            items[entry.evidence_id] = {"sha256": details.get("sha256"), "size": details.get("size")}
        if entry.action == CustodyAction.PROVENANCE_EDITED:
            for field, change in details.get("changes", {}).items():
                records.setdefault(details.get("provenance"), {})[field] = change.get("to")
        else:
            records[details.get("provenance")] = dict(details.get("record") or {})

    def problem(message: str) -> None:
        problems.append(ChainProblem(case.slug, None, message))

    for evidence in Evidence.objects.filter(case=case).only("pk", "sha256", "size").order_by("pk"):
        expected = items.pop(evidence.pk, None)
        if expected is None:
            problem(f"evidence #{evidence.pk} has no 'collected' entry in the custody log")
        elif expected != {"sha256": evidence.sha256, "size": evidence.size}:
            problem(
                f"evidence #{evidence.pk}: its row says sha256 {evidence.sha256} ({evidence.size} bytes), "
                f"the custody log recorded {expected['sha256']} ({expected['size']} bytes)"
            )
    for evidence_id in items:
        problem(f"evidence #{evidence_id} recorded in the custody log is missing from the database")
    for record in Provenance.objects.filter(evidence__case=case).order_by("pk"):
        expected = records.pop(record.pk, None)
        actual = provenance_snapshot(record)
        if expected is None:
            problem(f"provenance record {record.pk} of evidence #{record.evidence_id} is not in the custody log")
            continue
        expected = {**_SNAPSHOT_FIELDS_ADDED, **expected}
        changed = sorted(field for field in actual if actual[field] != expected.get(field))
        if changed:
            problem(
                f"provenance record {record.pk} of evidence #{record.evidence_id} differs from the custody log in: "
                + ", ".join(f"{field} (row {actual[field]!r}, log {expected.get(field)!r})" for field in changed)
            )
    for record_id in records:
        problem(f"provenance record {record_id} recorded in the custody log is missing from the database")
    return problems
