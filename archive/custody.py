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

from archive.models import Case, CustodyAction, CustodyEntry, Evidence

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
        where = f"entry {self.sequence}" if self.sequence is not None else "chain"
        return f"case {self.case_slug}: custody {where}: {self.message}"


def custody_verify(case: Case) -> list[ChainProblem]:
    """Re-hash a case's chain and report every entry that was altered or removed."""
    problems: list[ChainProblem] = []
    # The head recorded on the case row, read fresh: the caller's copy may be stale.
    case = Case.objects.get(pk=case.pk)

    def problem(sequence: int | None, message: str) -> None:
        problems.append(ChainProblem(case.slug, sequence, message))

    expected_sequence = 1
    prev_hash = GENESIS
    for entry in CustodyEntry.objects.filter(case=case).order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected_sequence:
            problem(expected_sequence, f"missing (entries {expected_sequence}..{entry.sequence - 1} removed)")
        if entry.prev_hash != prev_hash:
            problem(entry.sequence, "does not link to the entry before it")
        if _digest_of(entry) != entry.entry_hash:
            problem(entry.sequence, f"altered: its content no longer matches its hash ({entry.action})")
        expected_sequence = entry.sequence + 1
        prev_hash = entry.entry_hash
    last = expected_sequence - 1
    if last != case.custody_length or prev_hash != (case.custody_head or GENESIS):
        problem(
            None,
            f"the case records {case.custody_length} entries ending in {case.custody_head[:12] or '-'}, "
            f"the log holds entries up to {last} ending in {prev_hash[:12]}: entries were removed or added",
        )
    return problems
