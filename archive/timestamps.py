"""Trusted timestamps of originals and custody heads: asked for, stored, and checked again (archive/tsa.py).

These writes live here rather than in ``services.py`` because the pipeline's
``timestamp`` stage calls them, and ``services.py`` imports the pipeline.

An original is stamped once, by its own stage, right after it is identified;
a token arriving later (the authority was down) also queues the item's cues
again, since a token is a ``not_after`` cue. A case's custody head is stamped
on a schedule when it has moved since its last token, and at every sign-off.
A head's token is not written into the custody log: the entry would move the
head it stamps. An authority that cannot be reached, or whose answer does
not check out, leaves everything as it was and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from archive.custody import custody_append
from archive.models import Case, CustodyAction, CustodyEntry, Evidence, TimestampSubject, TrustedTimestamp
from archive.tsa import TimestampError, Token, token_read, token_verify, tsa_stamp


def timestamps_enabled() -> bool:
    return bool(settings.TSA_URL)


def trusted_certificates() -> str:
    """The PEM certificates of the authorities this installation trusts: its own and TSA_TRUSTED_CAS."""
    files = [settings.TSA_CA_FILE] if settings.TSA_CA_FILE else []
    return "".join(Path(name).read_text(encoding="utf-8") for name in [*files, *settings.TSA_TRUSTED_CAS])


def _stamp(digest: str) -> tuple[Token, str]:
    certificates = Path(settings.TSA_CA_FILE).read_text(encoding="utf-8")
    token = tsa_stamp(settings.TSA_URL, digest, certificates=certificates, timeout=settings.TSA_TIMEOUT)
    return token, certificates


def timestamp_original(*, evidence: Evidence) -> TrustedTimestamp:
    """The authority's token for an original's SHA-256, asked for once; TimestampError when there is none."""
    existing = evidence.timestamps.filter(subject=TimestampSubject.ORIGINAL).first()
    if existing is not None:
        return existing
    token, certificates = _stamp(evidence.sha256)
    return timestamp_keep(evidence=evidence, token=token, certificates=certificates, url=settings.TSA_URL)


def timestamp_keep(
    *, evidence: Evidence, token: Token, certificates: str, url: str, again: bool = False
) -> TrustedTimestamp:
    """Store a checked token of an original and log it (also for tokens brought in with a bag).

    Under the item's lock the item is looked at again: when another worker
    stored a token meanwhile (the stage and the schedule's round), that one
    stands, unless ``again`` (another authority's token, from a bag) keeps both.
    """
    with transaction.atomic():
        Evidence.objects.select_for_update().filter(pk=evidence.pk).values_list("pk", flat=True).first()
        existing = evidence.timestamps.filter(subject=TimestampSubject.ORIGINAL)
        if again:
            existing = existing.filter(serial=token.serial, authority=token.authority, stamped_at=token.stamped_at)
        if (found := existing.first()) is not None:
            return found
        stamp = TrustedTimestamp.objects.create(
            case_id=evidence.case_id, evidence=evidence, subject=TimestampSubject.ORIGINAL, digest=token.digest,
            authority_url=url, authority=token.authority, token=token.der, certificates=certificates,
            stamped_at=token.stamped_at, serial=token.serial, policy=token.policy,
        )  # fmt: skip
        custody_append(
            case=evidence.case, action=CustodyAction.TIMESTAMPED, actor=None, evidence=evidence,
            details={"sha256": token.digest, "stamped_at": token.stamped_at.isoformat(), "serial": token.serial,
                     "authority": token.authority, "url": url},
        )  # fmt: skip
    return stamp


def timestamp_custody_head(*, case: Case) -> TrustedTimestamp | None:
    """A token for the case's custody head as it is now; None when that head has one already."""
    case.refresh_from_db(fields=["custody_head", "custody_length"])
    head, length = case.custody_head, case.custody_length
    stamped = TrustedTimestamp.objects.filter(case=case, subject=TimestampSubject.CUSTODY_HEAD, digest=head)
    if not head or stamped.exists():
        return None
    token, certificates = _stamp(head)
    return TrustedTimestamp.objects.create(
        case=case, subject=TimestampSubject.CUSTODY_HEAD, digest=head, custody_length=length,
        authority_url=settings.TSA_URL, authority=token.authority, token=token.der, certificates=certificates,
        stamped_at=token.stamped_at, serial=token.serial, policy=token.policy,
    )  # fmt: skip


@dataclass
class StampRound:
    stamped: int = 0
    problems: list[str] = field(default_factory=list)
    # Originals stamped after their processing: their cues are read again by the caller.
    late: list[Evidence] = field(default_factory=list)


def timestamps_due(*, limit: int = 200) -> StampRound:
    """The schedule's round: each case head that moved since its last token, then originals still without one.

    Returns what was stamped and, per failure, why; the next round tries again.
    The caller reads the cues of the originals stamped late again (``late``).
    """
    done = StampRound()
    if not timestamps_enabled():
        return done
    for case in Case.objects.exclude(custody_head="").order_by("pk"):
        try:
            done.stamped += timestamp_custody_head(case=case) is not None
        except TimestampError as error:
            done.problems.append(f"case {case.slug}: custody head: {error}")
            # The authority is down: the originals would fail the same way.
            return done
    stamped = TrustedTimestamp.objects.filter(evidence=OuterRef("pk"), subject=TimestampSubject.ORIGINAL)
    for evidence in Evidence.objects.filter(~Exists(stamped)).select_related("case").order_by("pk")[:limit]:
        try:
            timestamp_original(evidence=evidence)
        except TimestampError as error:
            done.problems.append(f"evidence #{evidence.pk}: {error}")
            return done
        done.stamped += 1
        done.late.append(evidence)
    return done


def timestamps_check(case: Case) -> list[str]:
    """Each token of the case checked again, offline: its signature and certificates, and what it stamps."""
    problems = []
    trusted = trusted_certificates()
    heads = dict(CustodyEntry.objects.filter(case=case).values_list("sequence", "entry_hash"))
    for stamp in TrustedTimestamp.objects.filter(case=case).select_related("evidence").order_by("pk"):
        what = (
            f"evidence #{stamp.evidence_id}" if stamp.subject == TimestampSubject.ORIGINAL
            else f"custody head at entry {stamp.custody_length}"
        )  # fmt: skip
        expected = stamp.evidence.sha256 if stamp.evidence else heads.get(stamp.custody_length)
        # Against the authorities trusted here; where none is set, the certificates kept with the token.
        certificates = trusted or stamp.certificates
        try:
            token = token_read(bytes(stamp.token))
        except ValueError as error:
            problems.append(f"case {case.slug}: timestamp {stamp.pk} ({what}): the token cannot be read: {error}")
            continue
        if token.digest != stamp.digest or stamp.digest != expected:
            problems.append(f"case {case.slug}: timestamp {stamp.pk} ({what}): it stamps {token.digest}, "
                            f"not {expected}")  # fmt: skip
            continue
        problem = token_verify(bytes(stamp.token), stamp.digest, certificates)
        if problem:
            problems.append(f"case {case.slug}: timestamp {stamp.pk} ({what}): {problem}")
    return problems
