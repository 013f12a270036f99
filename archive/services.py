"""Every write to cases, members, evidence and provenance goes through here.

Views, commands and tasks parse input, call one of these functions and
respond, so the same rules and the same custody entries follow whichever door
a request came in by.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from archive.custody import custody_append, provenance_snapshot
from archive.identify import SNIFF_BYTES, clean_file_name, kind_for, name_mismatch, shown_path, sniff_content_type
from archive.links import web_address
from archive.models import (
    Case,
    CustodyAction,
    Evidence,
    Membership,
    ProcessingStatus,
    Provenance,
)
from archive.pipeline.runner import ProcessingBusy, processing_plan
from archive.queues import queue_stage
from archive.roles import Role
from archive.search import search_index_provenance
from archive.vault import HashedFile, VaultError, vault_store

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class ServiceError(Exception):
    """A request that cannot be carried out; the message is written for a person."""


class EvidenceRejected(ServiceError):
    pass


def case_create(
    *,
    slug: str,
    title: str,
    owner: AbstractBaseUser,
    description: str = "",
    default_locale: str = "",
    locales: Sequence[str] = (),
) -> Case:
    """Create a case owned by ``owner``.

    ``default_locale`` and ``locales`` are BCP 47 tags already checked by
    ``archive.dates.parse_locale``: the device locale assumed for items whose
    provenance names none, and the languages whose dates the case's text is read in.
    """
    with transaction.atomic():
        if Case.objects.filter(slug=slug).exists():
            raise ServiceError(f"A case with the slug {slug!r} already exists.")
        case = Case.objects.create(
            slug=slug,
            title=title,
            description=description,
            created_by=owner,
            default_locale=default_locale,
            locales=",".join(locales),
        )
        details: dict[str, Any] = {"title": title}
        # The locales change how the case's dates are read, so the log keeps them when they are set.
        if case.default_locale:
            details["default_locale"] = case.default_locale
        if case.locales:
            details["locales"] = case.locales
        custody_append(case=case, action=CustodyAction.CASE_CREATED, actor=owner, details=details)
        _membership_create(case=case, user=owner, role=Role.OWNER, actor=owner)
    return case


def case_update(
    *,
    case: Case,
    actor: AbstractBaseUser,
    title: str,
    description: str = "",
    default_locale: str = "",
    locales: Sequence[str] = (),
) -> list[str]:
    """Change a case's title, description and locales; returns the names of the fields that changed.

    The custody log keeps each changed value beside the one before, because
    the locales change how the case's dates are read: items already read keep
    their cues until someone runs their processing again.
    """
    wanted = {"title": title, "description": description, "default_locale": default_locale,
              "locales": ",".join(locales)}  # fmt: skip
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        changed = {field: value for field, value in wanted.items() if getattr(case, field) != value}
        if not changed:
            return []
        details = {field: {"from": getattr(case, field), "to": value} for field, value in changed.items()}
        for field, value in changed.items():
            setattr(case, field, value)
        case.save(update_fields=list(changed))
        custody_append(case=case, action=CustodyAction.CASE_EDITED, actor=actor, details=details)
    return list(changed)


def case_create_unique(
    *,
    title: str,
    owner: AbstractBaseUser,
    name: str = "",
    description: str = "",
    default_locale: str = "",
    locales: Sequence[str] = (),
) -> Case:
    """Create a case whose slug ends in a random suffix.

    The web form uses this: a slug someone asks for and is refused would tell
    them that a case they may not see exists.
    """
    stem = slugify(name or title)[:60].strip("-") or "case"
    while True:
        slug = f"{stem}-{secrets.token_hex(3)}"
        if not Case.objects.filter(slug=slug).exists():
            return case_create(
                slug=slug,
                title=title,
                owner=owner,
                description=description,
                default_locale=default_locale,
                locales=locales,
            )


def membership_add(*, case: Case, user: AbstractBaseUser, role: str, actor: AbstractBaseUser) -> Membership:
    with transaction.atomic():
        if Membership.objects.filter(case=case, user=user).exists():
            raise ServiceError(f"{user.get_username()} is already a member of this case.")
        return _membership_create(case=case, user=user, role=role, actor=actor)


def _membership_create(*, case: Case, user: AbstractBaseUser, role: str, actor: AbstractBaseUser) -> Membership:
    membership = Membership.objects.create(case=case, user=user, role=role)
    custody_append(
        case=case,
        action=CustodyAction.MEMBER_ADDED,
        actor=actor,
        details={"user": user.get_username(), "role": role},
    )
    return membership


def membership_change_role(*, membership: Membership, role: str, actor: AbstractBaseUser) -> Membership:
    with transaction.atomic():
        if membership.role == role:
            return membership
        if membership.role == Role.OWNER:
            _ensure_another_owner(membership)
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        custody_append(
            case=membership.case,
            action=CustodyAction.MEMBER_ROLE_CHANGED,
            actor=actor,
            details={"user": membership.user.get_username(), "from": before, "to": role},
        )
    return membership


def membership_remove(*, membership: Membership, actor: AbstractBaseUser) -> None:
    with transaction.atomic():
        if membership.role == Role.OWNER:
            _ensure_another_owner(membership)
        membership.delete()
        custody_append(
            case=membership.case,
            action=CustodyAction.MEMBER_REMOVED,
            actor=actor,
            details={"user": membership.user.get_username(), "role": membership.role},
        )


def _ensure_another_owner(membership: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(case_id=membership.case_id, role=Role.OWNER)
    if not owners.exclude(pk=membership.pk).exists():
        raise ServiceError("A case needs at least one owner; make someone else owner first.")


@dataclass(frozen=True)
class ProvenanceInput:
    """What the collector tells us about where a file came from."""

    method: str
    source_url: str = ""
    platform: str = ""
    account: str = ""
    post_id: str = ""
    posted_at: datetime | None = None
    posted_at_granularity: str = ""
    platform_info: dict[str, Any] = field(default_factory=dict)
    # The device's locale as a BCP 47 tag checked by archive.dates.parse_locale; "" when unknown.
    locale: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CollectResult:
    evidence: Evidence
    provenance: Provenance
    created: bool
    warnings: list[str]


def provenance_problem(values: dict[str, Any]) -> str:
    """Why provenance values cannot be kept as given, in a sentence; "" when they can.

    Each text must fit its column (the model's own lengths) and hold no NUL
    byte, which PostgreSQL cannot store; a source URL must be http or https,
    since pages link to it.
    """
    for name, value in values.items():
        if not isinstance(value, str) or name == "method":
            continue
        column = Provenance._meta.get_field(name)
        label = column.verbose_name
        if "\x00" in value:
            return f"the {label} field holds a NUL byte"
        if column.max_length and len(value) > column.max_length:
            return f"the {label} field is longer than {column.max_length:,} characters"
    url = values.get("source_url") or ""
    if url and not web_address(url):
        return f"its source URL {url[:80]!r} is not an http or https address"
    return ""


def evidence_collect(
    *,
    case: Case,
    spooled: HashedFile,
    provenance: ProvenanceInput,
    actor: AbstractBaseUser | None,
    kind: str = "",
) -> CollectResult:
    """Take one spooled file into the case.

    1. Clean the file name and read the content type from the bytes.
    2. Move the bytes into the vault. This happens before the transaction: a
       stored original without a row is harmless, a row without its original is not.
    3. With the case locked, find the evidence with the same hash or create it,
       add a provenance record and write the custody entry.
    """
    name, warnings = clean_file_name(spooled.raw_name)
    problem = provenance_problem({f.name: getattr(provenance, f.name) for f in fields(provenance)})
    if problem:
        # Refused before the bytes are stored: an original with no row would be kept for nobody.
        raise EvidenceRejected(f"{name} was not stored: {problem}.")
    spooled.seek(0)
    content_type = sniff_content_type(spooled.read(SNIFF_BYTES))
    spooled.seek(0)
    try:
        blob = vault_store(spooled)
    except VaultError as error:
        raise EvidenceRejected(f"{name} was not stored: {error}.") from None
    mismatch = name_mismatch(name, content_type)
    if mismatch:
        warnings.append(mismatch)

    with transaction.atomic():
        Case.objects.select_for_update().only("pk").get(pk=case.pk)
        evidence = Evidence.objects.filter(case=case, sha256=blob.sha256).first()
        created = evidence is None
        if created:
            evidence = Evidence.objects.create(
                case=case,
                kind=kind or kind_for(content_type),
                sha256=blob.sha256,
                size=blob.size,
                content_type=content_type,
                original_name=name,
                kind_locked=bool(kind),
                status=ProcessingStatus.QUEUED,
            )
        if created:
            evidence_process(evidence=evidence)
        record = Provenance.objects.create(
            evidence=evidence,
            collected_by=actor,
            collected_at=timezone.now(),
            original_name=name,
            **{f.name: getattr(provenance, f.name) for f in fields(provenance)},
        )
        custody_append(
            case=case,
            action=CustodyAction.COLLECTED if created else CustodyAction.COLLECTED_AGAIN,
            actor=actor,
            evidence=evidence,
            details={
                "sha256": blob.sha256,
                "size": blob.size,
                "content_type": content_type,
                "provenance": record.pk,
                "record": provenance_snapshot(record),
                "warnings": warnings,
                # The name as it arrived, where it had to be changed to be kept.
                **({"received_name": shown_path(spooled.raw_name)} if name != spooled.raw_name else {}),
            },
        )
    return CollectResult(evidence=evidence, provenance=record, created=created, warnings=warnings)


def evidence_process(*, evidence: Evidence, stage: str | None = None, actor: AbstractBaseUser | None = None) -> str:
    """Queue an item's processing from ``stage`` on (from the start by default); return the first stage.

    The stage states are written in this transaction; the task is sent when it
    commits, so a worker never looks for rows that are not there yet.
    """
    with transaction.atomic():
        try:
            first, run = processing_plan(evidence, stage)
        except ProcessingBusy as busy:
            raise ServiceError(str(busy)) from None
        if actor is not None:
            custody_append(
                case=evidence.case,
                action=CustodyAction.PROCESSING_REQUESTED,
                actor=actor,
                evidence=evidence,
                details={"from_stage": first},
            )
        transaction.on_commit(partial(queue_stage, evidence.pk, first, run))
    return first


PROVENANCE_EDITABLE = (
    "source_url",
    "platform",
    "account",
    "post_id",
    "posted_at",
    "posted_at_granularity",
    "locale",
    "notes",
)


def provenance_update(*, provenance: Provenance, actor: AbstractBaseUser, changes: dict[str, Any]) -> Provenance:
    """Change the editable fields of a provenance record; the custody entry keeps both versions."""
    unknown = set(changes) - set(PROVENANCE_EDITABLE)
    if unknown:
        raise ServiceError(f"These provenance fields cannot be edited: {', '.join(sorted(unknown))}.")
    problem = provenance_problem(changes)
    if problem:
        raise ServiceError(f"The record was not changed: {problem}.")
    with transaction.atomic():
        # Read the row again under a lock, so the "from" values are the stored ones.
        record = Provenance.objects.select_for_update().select_related("evidence__case").get(pk=provenance.pk)
        before = provenance_snapshot(record)
        for name, value in changes.items():
            setattr(record, name, value)
        after = provenance_snapshot(record)
        diff = {name: {"from": before[name], "to": after[name]} for name in after if before[name] != after[name]}
        if diff:
            record.save(update_fields=list(diff))
            custody_append(
                case=record.evidence.case,
                action=CustodyAction.PROVENANCE_EDITED,
                actor=actor,
                evidence=record.evidence,
                details={"provenance": record.pk, "changes": diff},
            )
            search_index_provenance(record.evidence)
            _provenance_read_again(record.evidence, set(diff), actor)
    return record


# Processing has ended for an item in these states: a new run may start.
_PROCESSED = (ProcessingStatus.DONE, ProcessingStatus.FAILED)


@dataclass(frozen=True)
class ProvenanceReader:
    """A stage of another app that reads provenance: what it sets aside when a field is edited, and its name."""

    set_aside: Callable[..., object]  # (evidence=, fields=, actor=, reason=)
    stage: str


# Registered by the apps that read provenance (the timeline's cues), when Django has loaded them.
PROVENANCE_READERS: list[ProvenanceReader] = []


def provenance_reader_register(reader: ProvenanceReader) -> None:
    if reader not in PROVENANCE_READERS:
        PROVENANCE_READERS.append(reader)


def _provenance_read_again(evidence: Evidence, fields: set[str], actor: AbstractBaseUser) -> None:
    """After a provenance edit: each reader sets aside what the old values gave, and its stage runs again."""
    changed = ", ".join(sorted(fields))
    for reader in PROVENANCE_READERS:
        reader.set_aside(evidence=evidence, fields=fields, actor=actor, reason=f"the provenance's {changed} was edited")
        if Evidence.objects.values_list("status", flat=True).get(pk=evidence.pk) not in _PROCESSED:
            continue  # Processing is queued or under way: the stage reads the new values.
        try:
            evidence_process(evidence=evidence, stage=reader.stage, actor=None)
        except ServiceError:
            continue  # A stage has just started: it reads the new values.


def evidence_record_access(*, evidence: Evidence, actor: AbstractBaseUser, downloaded: bool) -> None:
    """Log that someone viewed or downloaded an original."""
    custody_append(
        case=evidence.case,
        action=CustodyAction.ORIGINAL_DOWNLOADED if downloaded else CustodyAction.ORIGINAL_VIEWED,
        actor=actor,
        evidence=evidence,
        details={"sha256": evidence.sha256},
    )
