"""Evidence packages as BagIt bags (RFC 8493), written and checked by the Library of Congress' ``bagit``.

A bag holds, under ``data/``:

- ``case.json``: the case, its entities and key events;
- ``evidence/<sha256>/original/<name>``: each original, byte for byte;
- ``evidence/<sha256>/derived/...``: what was made from it that a reader
  needs (keyframes, rendered pages, page captures);
- ``evidence/<sha256>/item.json``: its provenance, frames' text, cues with
  their reviews, capture intervals, verdicts and sign-offs;
- ``timeline.json``: every item's record in both modes, as the JSON export;
- ``memo.html``: the fact-check memo (verified mode).

Beside ``bag-info.txt``, as tag files: ``custody.jsonl``, the case's custody
log, one entry a line, ending with this export's own entry, whose hash
``bag-info.txt`` names; ``custody-timestamps.json``, the custody heads'
trusted timestamps.

SHA-256 manifests cover every file. Importing a bag checks it whole first
(no links, every checksum, no file missing or extra, our profile), then the
custody chain in it, then every item's record, and only then brings the
items in, all in one transaction: the same bytes under the same hashes, with
what happened to them elsewhere kept as data in the custody log. Trusted
timestamps from a bag are kept only when they check out under the
authorities this installation trusts, never under certificates the bag brings.

Both directions live here rather than in ``services.py``: a package is a
capability of its own, and its writes go through the same services
(``evidence_collect``, ``cue_import``, ``custody_append``, ``event_add``) as
any other door.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import bagit
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.staticfiles import finders
from django.core.files.storage import storages
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone

from archive.custody import GENESIS, custody_append, entry_digest, provenance_snapshot
from archive.derived import derived_name, derived_save, web_archive_name
from archive.identify import clean_file_name
from archive.models import (
    Case,
    CollectionMethod,
    CustodyAction,
    CustodyEntry,
    Evidence,
    Frame,
    TimestampSubject,
    TrustedTimestamp,
)
from archive.services import EvidenceRejected, ProvenanceInput, evidence_collect
from archive.timestamps import timestamp_keep, trusted_certificates
from archive.tsa import token_read, token_verify
from archive.vault import CHUNK_SIZE, spool, vault_open
from timeline import selectors
from timeline.memo import memo_context
from timeline.models import Cue, Entity, KeyEvent, SignOff
from timeline.services import ReviewError, cue_import, entity_add, event_add

# Tag files beside bag-info.txt: the case's custody log up to the export, and its heads' trusted timestamps.
CUSTODY_LOG = "custody.jsonl"
HEAD_STAMPS = "custody-timestamps.json"
# Our bags' profile. A bag naming another is refused: its layout would be guessed at.
PROFILE = "urn:evidence-timeline:bagit-profile:1"
SOFTWARE = "evidence-timeline (bagit.py 1.9.0)"


class BagError(Exception):
    """A bag could not be written or was refused; the message names the file and says why."""


@dataclass(frozen=True)
class BagSummary:
    path: Path
    items: int
    files: int
    size: int
    entry: CustodyEntry


@dataclass
class ImportSummary:
    created: list[Evidence] = field(default_factory=list)
    already: list[Evidence] = field(default_factory=list)
    cues: int = 0
    source_case: str = ""


def bag_export(
    *, case: Case, directory: Path, actor: AbstractBaseUser | None, evidence_ids: list[int] | None = None
) -> BagSummary:
    """Write a bag of the case (or of some of its items) into ``directory``, which must be new or empty.

    1. Copy each original out of the vault, hashing it on the way: a stored
       original that no longer matches its hash stops the export.
    2. Write each item's records, its derived files, the timeline and the memo.
    3. Make the bag: SHA-256 manifests of the payload, and bag-info naming the case.
    4. In one transaction, log the export and write the custody log (with the
       custody heads' trusted timestamps) as tag files ending with that entry,
       which bag-info names: a bag that could not be finished logs nothing.
    """
    if directory.exists() and any(directory.iterdir()):
        raise BagError(f"{directory} is not empty: a bag is written into a new or empty folder.")
    items = list(_chosen(case, evidence_ids))
    directory.mkdir(parents=True, exist_ok=True)
    for item in items:
        _write_item(directory / "evidence" / item.sha256, item)
    _write_json(directory / "case.json", _case_record(case))
    records = {
        mode: list(selectors.item_records(_ordered(case, items, mode), selectors.case_events(case), prefix))
        for mode, prefix in selectors.PREFIX.items()
    }
    _write_json(directory / "timeline.json", {"case": case.slug, **records})
    memo = memo_context(case, QueryDict(), only=[item.pk for item in items])
    # Read away from the server, the memo carries its own stylesheet.
    memo["inline_css"] = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
    (directory / "memo.html").write_text(render_to_string("timeline/memo.html", memo), encoding="utf-8")
    info = {
        "Source-Organization": case.title,
        "External-Identifier": case.slug,
        "BagIt-Profile-Identifier": PROFILE,
        "Bag-Software-Agent": SOFTWARE,
    }
    bag = bagit.make_bag(str(directory), bag_info=info, checksums=["sha256"])
    with transaction.atomic():
        entry = custody_append(
            case=case, action=CustodyAction.EXPORTED, actor=actor,
            details={"format": "bagit", "items": len(items), "evidence": [item.pk for item in items],
                     "custody_head": case.custody_head},
        )  # fmt: skip
        _write_custody(directory / CUSTODY_LOG, case, upto=entry.sequence)
        _write_json(directory / HEAD_STAMPS, _head_stamps(case, upto=entry.sequence))
        bag.info.update({
            "External-Description": f"Evidence of the case {case.title!r}: {len(items)} items, exported by "
            f"{entry.actor_name or 'the system'} at {entry.at.isoformat()}.",
            "Custody-Entry": str(entry.sequence),
            "Custody-Head": entry.entry_hash,
        })  # fmt: skip
        bag.save()
    files = sum(1 for _ in bag.payload_files())
    size = sum(path.stat().st_size for path in (directory / "data").rglob("*") if path.is_file())
    return BagSummary(path=directory, items=len(items), files=files, size=size, entry=entry)


def _head_stamps(case: Case, upto: int) -> list[dict[str, Any]]:
    """The custody heads' trusted timestamps up to this export, to be checked where the bag is imported."""
    stamps = TrustedTimestamp.objects.filter(case=case, subject=TimestampSubject.CUSTODY_HEAD, custody_length__lte=upto)
    return [
        {"custody_length": stamp.custody_length, "digest": stamp.digest, "stamped_at": _iso(stamp.stamped_at),
         "serial": stamp.serial, "url": stamp.authority_url, "token": base64.b64encode(bytes(stamp.token)).decode()}
        for stamp in stamps.order_by("custody_length", "pk")
    ]  # fmt: skip


def _chosen(case: Case, evidence_ids: list[int] | None) -> list[Evidence]:
    items = Evidence.objects.filter(case=case).order_by("pk")
    if evidence_ids is None:
        return list(items)
    found = list(items.filter(pk__in=evidence_ids))
    missing = sorted(set(evidence_ids) - {item.pk for item in found})
    if missing:
        raise BagError(f"The case {case.slug} has no item {', '.join(map(str, missing))}.")
    return found


def _ordered(case: Case, items: list[Evidence], mode: str) -> Any:
    events = selectors.case_events(case)
    queryset = selectors.with_intervals(Evidence.objects.filter(pk__in=[item.pk for item in items]))
    return selectors.strongest_first(queryset, selectors.PREFIX[mode], events[0] if events else None)


def _write_item(folder: Path, item: Evidence) -> None:
    name, _ = clean_file_name(item.original_name)
    original = folder / "original" / name
    original.parent.mkdir(parents=True)
    digest = hashlib.sha256()
    with vault_open(item.sha256) as source, original.open("wb") as target:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != item.sha256:
        raise BagError(f"The stored original of item {item.pk} ({item.original_name}) no longer matches its SHA-256.")
    derived = _copy_derived(item, folder / "derived")
    frames = Frame.objects.filter(evidence=item).order_by("index")
    record = {
        "id": item.pk,
        "sha256": item.sha256,
        "size": item.size,
        "content_type": item.content_type,
        "kind": item.kind,
        "original_name": item.original_name,
        "original": f"original/{name}",
        "received_at": _iso(item.created_at),
        "status": item.status,
        "status_reason": item.status_reason,
        "metadata": item.metadata,
        "provenance": [_provenance(record) for record in item.provenance.select_related("collected_by")],
        "frames": [
            {
                "index": frame.index,
                "source": frame.source,
                "time": frame.time,
                "page": frame.page,
                "file": derived.get(frame.image_name),
                "text": frame.text,
            }
            for frame in frames
        ],  # fmt: skip
        "derived": sorted(derived.values()),
        "cues": [
            _cue(cue)
            for cue in Cue.objects.filter(evidence=item)
            .select_related("headline", "reviewed_by", "created_by")
            .order_by("pk")
        ],  # fmt: skip
        "sign_offs": [
            {
                "by": sign_off.signed_by.get_username(),
                "at": _iso(sign_off.signed_at),
                "note": sign_off.note,
                "earliest": _iso(sign_off.earliest),
                "latest": _iso(sign_off.latest),
                "verdicts": sign_off.verdicts,
                "cues": sign_off.cue_ids,
                "outdated": sign_off.outdated,
            }
            for sign_off in SignOff.objects.filter(evidence=item).select_related("signed_by").order_by("pk")
        ],  # fmt: skip
        "entities": sorted(item.entities.values_list("name", flat=True)),
        "timestamps": [
            {
                "token": base64.b64encode(bytes(stamp.token)).decode(),
                "certificates": stamp.certificates,
                "url": stamp.authority_url,
                "stamped_at": _iso(stamp.stamped_at),
                "serial": stamp.serial,
            }
            for stamp in item.timestamps.filter(subject=TimestampSubject.ORIGINAL)
        ],  # fmt: skip
    }
    _write_json(folder / "item.json", record)


def _copy_derived(item: Evidence, folder: Path) -> dict[str, str]:
    """Copy every derived file of the item; return each storage name's path in the item's folder."""
    storage = storages["default"]
    copied: dict[str, str] = {}
    pending = [derived_name(item.pk, "")[:-1]]
    while pending:
        root = pending.pop()
        try:
            folders, files = storage.listdir(root)
        except FileNotFoundError:
            continue
        pending += [f"{root}/{name}" for name in folders]
        for name in files:
            stored = f"{root}/{name}"
            relative = stored.removeprefix(derived_name(item.pk, ""))
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(stored, "rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
            copied[stored] = f"derived/{relative}"
    return copied


def _provenance(record: Any) -> dict[str, Any]:
    """A provenance record as the custody log keeps it, its collector by name: ids mean nothing elsewhere."""
    return {**provenance_snapshot(record), "collected_by": record.collected_by.get_username() if record.collected_by
            else ""}  # fmt: skip


def _cue(cue: Cue) -> dict[str, Any]:
    return {
        "id": cue.pk,
        "kind": cue.kind,
        "bound": cue.bound,
        "earliest": _iso(cue.earliest),
        "latest": _iso(cue.latest),
        "granularity": cue.granularity,
        "time_zone": cue.time_zone,
        "strength": cue.strength,
        "status": cue.status,
        "by_person": cue.by_person,
        "created_by": cue.created_by.get_username() if cue.created_by else "",
        "text": cue.text,
        "explanation": cue.explanation,
        "locator": cue.locator,
        "details": cue.details,
        "fingerprint": cue.fingerprint,
        "headline": cue.headline
        and {
            "title": cue.headline.title,
            "published_at": _iso(cue.headline.published_at),
            "outlet": cue.headline.outlet,
            "url": cue.headline.url,
        },  # fmt: skip
        "review": {
            "by": cue.reviewed_by.get_username() if cue.reviewed_by else "",
            "at": _iso(cue.reviewed_at),
            "note": cue.note,
        },
    }


def _case_record(case: Case) -> dict[str, Any]:
    return {
        "slug": case.slug,
        "title": case.title,
        "description": case.description,
        "default_locale": case.default_locale,
        "locales": case.locales,
        "entities": [
            {"name": entity.name, "kind": entity.kind, "aliases": entity.aliases}
            for entity in Entity.objects.filter(case=case).order_by("name")
        ],
        "key_events": [
            {
                "title": event.title,
                "kind": event.kind,
                "date": event.date.isoformat(),
                "entity": event.entity.name if event.entity else "",
                "legal_act": event.legal_act,
                "source_url": event.source_url,
                "note": event.note,
            }
            for event in KeyEvent.objects.filter(case=case).select_related("entity").order_by("date", "pk")
        ],  # fmt: skip
        "exported_at": timezone.now().isoformat(),
    }


def _write_custody(path: Path, case: Case, upto: int) -> None:
    entries = CustodyEntry.objects.filter(case=case, sequence__lte=upto).order_by("sequence")
    with path.open("w", encoding="utf-8") as out:
        for entry in entries.iterator(chunk_size=2000):
            line = {
                "case": entry.case_id, "sequence": entry.sequence, "evidence": entry.evidence_id,
                "action": entry.action, "actor": entry.actor_id, "actor_name": entry.actor_name,
                "at": entry.at.isoformat(timespec="microseconds"), "details": entry.details,
                "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash,
            }  # fmt: skip
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def bag_validate(directory: Path) -> bagit.Bag:
    """The bag at ``directory`` if it is whole and ours; otherwise BagError naming what is wrong."""
    try:
        bag = bagit.Bag(str(directory))
        bag.validate()
    except bagit.BagValidationError as error:
        problems = [str(detail) for detail in error.details or _named_problems(bag)] or [error.message]
        raise BagError("The bag was refused: " + "; ".join(problems)) from None
    except bagit.BagError as error:
        raise BagError(f"The bag was refused: {error}") from None
    profile = bag.info.get("BagIt-Profile-Identifier", "")
    if profile != PROFILE:
        raise BagError(f"The bag was refused: bag-info.txt names the profile {profile or 'none'!r}, not {PROFILE}.")
    return bag


def _named_problems(bag: bagit.Bag) -> list[object]:
    """The files at fault when only the payload's count and size (Payload-Oxum) told something is wrong.

    bagit stops at that first, quick check; its own completeness and checksum
    checks (private in bagit 1.9.0, pinned) name the files.
    """
    try:
        bag._validate_completeness()
        bag._validate_entries(1)
    except bagit.BagValidationError as error:
        return list(error.details or [])
    return []


def custody_lines_verify(path: Path, head: str) -> list[dict[str, Any]]:
    """The entries of a bag's custody log, each checked against its own hash and the one before it."""
    entries: list[dict[str, Any]] = []
    previous = GENESIS
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                digest = entry_digest(
                    case_id=entry["case"], sequence=entry["sequence"], evidence_id=entry["evidence"],
                    action=entry["action"], actor_id=entry["actor"], actor_name=entry["actor_name"],
                    at=datetime.fromisoformat(entry["at"]), details=entry["details"], prev_hash=entry["prev_hash"],
                )  # fmt: skip
            except (ValueError, KeyError, TypeError) as error:
                raise BagError(f"custody.jsonl line {number} cannot be read: {error}.") from None
            if entry["prev_hash"] != previous or digest != entry["entry_hash"]:
                raise BagError(f"custody.jsonl line {number} (entry {entry['sequence']}) breaks the hash chain.")
            previous = entry["entry_hash"]
            entries.append(entry)
    if previous != head:
        raise BagError("custody.jsonl does not end at the Custody-Head that bag-info.txt names.")
    return entries


def bag_import(*, directory: Path, case: Case, actor: AbstractBaseUser | None) -> ImportSummary:
    """Bring a bag's items into ``case``, the same bytes under the same hashes; all of it, or nothing.

    1. Refuse a bag that holds a link (it could point anywhere on this machine);
       check it whole (bagit: every checksum, no file missing or extra), its
       profile, and its custody log's chain against bag-info's head.
    2. Read every item's record, each naming its own original in the manifest,
       before anything is written.
    3. In one transaction: add the entities and key events the case lacks; per
       item, take its original in once per provenance record the bag holds
       (the collector, time and notes from there kept in the notes), add the
       cues people added there as proposed ones and the trusted timestamps that
       check out here, and log the import with the item's history elsewhere
       (custody entries, reviews, sign-offs) as data.
    """
    _refuse_links(directory)
    bag = bag_validate(directory)
    listed = set(bag.entries)
    for name in (CUSTODY_LOG, "bag-info.txt", "data/case.json"):
        if name not in listed:
            raise BagError(f"The bag was refused: {name} is not in its manifests.")
    history = custody_lines_verify(directory / CUSTODY_LOG, bag.info.get("Custody-Head", ""))
    source = _read_json(directory, "data/case.json", dict)
    items = [(path, _item_record(directory, path, listed)) for path in sorted(listed) if ITEM_RECORD.fullmatch(path)]
    heads = _heads_checked(directory, listed, history)
    label = f"{bag.info.get('External-Identifier', '?')} (custody entry {bag.info.get('Custody-Entry', '?')})"
    summary = ImportSummary(source_case=str(source.get("slug", "")))
    with transaction.atomic():
        _import_case_parts(case, source, actor)
        for path, record in items:
            evidence, created, cues = _import_item(case, directory / Path(path).parent, record, history, label,
                                                   heads, actor)  # fmt: skip
            (summary.created if created else summary.already).append(evidence)
            summary.cues += cues
    return summary


ITEM_RECORD = re.compile(r"data/evidence/[0-9a-f]{64}/item\.json")
# What an item's record must hold, and of what type, before anything of the bag is taken in.
ITEM_FIELDS = {"id": int, "sha256": str, "original": str, "original_name": str, "provenance": list, "cues": list}


def _refuse_links(directory: Path) -> None:
    for root, folders, files in os.walk(directory, followlinks=False):
        for name in [*folders, *files]:
            if (Path(root) / name).is_symlink():
                shown = (Path(root) / name).relative_to(directory)
                raise BagError(f"The bag was refused: {shown} is a link, which could point anywhere.")


def _read_json(directory: Path, name: str, kind: type) -> Any:
    try:
        value = json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BagError(f"{name} cannot be read: {error}.") from None
    if not isinstance(value, kind):
        raise BagError(f"{name} does not hold a JSON {'object' if kind is dict else 'list'}.")
    return value


def _item_record(directory: Path, name: str, listed: set[str]) -> dict[str, Any]:
    record = _read_json(directory, name, dict)
    wrong = [field for field, kind in ITEM_FIELDS.items() if not isinstance(record.get(field), kind)]
    if wrong:
        raise BagError(f"{name} lacks or mistypes {', '.join(wrong)}.")
    folder = name.rsplit("/", 1)[0]
    if record["sha256"] != folder.rsplit("/", 1)[1]:
        raise BagError(f"{name} is of {record['sha256']}, not of the folder it is in.")
    if os.path.normpath(f"{folder}/{record['original']}") not in listed:
        raise BagError(f"{name} names an original that is not in its folder's manifest: {record['original']!r}.")
    for number, cue in enumerate(record["cues"]):
        if not isinstance(cue, dict) or not all(key in cue for key in CUE_KEYS):
            raise BagError(f"{name}: cue {number + 1} lacks some of {', '.join(CUE_KEYS)}.")
    return record


CUE_KEYS = ("id", "kind", "bound", "earliest", "latest", "granularity", "time_zone", "strength", "status", "by_person",
            "created_by", "text", "explanation", "locator", "details", "fingerprint", "review")  # fmt: skip


def _heads_checked(directory: Path, listed: set[str], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bag's custody head timestamps, each checked against the entry it stamps and the authorities trusted here."""
    if HEAD_STAMPS not in listed:
        return []
    entries = {entry["sequence"]: entry["entry_hash"] for entry in history}
    trusted = trusted_certificates()
    checked = []
    for given in _read_json(directory, HEAD_STAMPS, list):
        told = {key: given.get(key) for key in ("custody_length", "stamped_at", "serial", "url")}
        try:
            token = token_read(base64.b64decode(given["token"], validate=True))
        except (KeyError, TypeError, ValueError) as error:
            checked.append({**told, "verified": False, "why": f"the token cannot be read: {error}"})
            continue
        problem = "" if token.digest == entries.get(given.get("custody_length")) else "it stamps another head"
        problem = problem or _untrusted(trusted) or token_verify(token.der, token.digest, trusted)
        checked.append({**told, "verified": not problem, **({"why": problem} if problem else {})})
    return checked


def _untrusted(trusted: str) -> str:
    return "" if trusted else "no timestamp authority is trusted here (TSA_CA_FILE, TSA_TRUSTED_CAS)"


def _import_case_parts(case: Case, source: dict[str, Any], actor: AbstractBaseUser | None) -> None:
    try:
        for entity in source.get("entities", []):
            if not Entity.objects.filter(case=case, name__iexact=entity["name"]).exists():
                entity_add(case=case, name=entity["name"], kind=entity["kind"], aliases=list(entity["aliases"]),
                           actor=actor)  # fmt: skip
        for event in source.get("key_events", []):
            day = datetime.fromisoformat(event["date"]).date()
            if KeyEvent.objects.filter(case=case, title=event["title"], date=day).exists():
                continue
            event_add(case=case, title=event["title"], day=day, actor=actor, kind=event["kind"],
                      entity_name=event["entity"], legal_act=event["legal_act"], source_url=event["source_url"],
                      note=event["note"])  # fmt: skip
    except (KeyError, TypeError, ValueError) as error:
        raise BagError(f"data/case.json: an entity or key event cannot be read: {error}.") from None
    except ReviewError as error:
        raise BagError(f"data/case.json: an entity or key event cannot be added: {error}") from None


def _import_item(
    case: Case,
    folder: Path,
    record: dict[str, Any],
    history: list[dict[str, Any]],
    label: str,
    heads: list[dict[str, Any]],
    actor: AbstractBaseUser | None,
) -> tuple[Evidence, bool, int]:
    where = f"data/evidence/{folder.name}"
    original = folder / record["original"]
    records = record["provenance"] or [{"method": CollectionMethod.BULK_IMPORT}]
    created = False
    kept: list[int] = []
    for number, given in enumerate(records):
        with original.open("rb") as handle, spool(handle, name=record["original_name"]) as spooled:
            if spooled.sha256 != record["sha256"]:
                raise BagError(f"{where}: its original's SHA-256 is {spooled.sha256}, not {record['sha256']}.")
            try:
                result = evidence_collect(case=case, spooled=spooled, provenance=_provenance_input(given, label),
                                          actor=actor)  # fmt: skip
            except (EvidenceRejected, KeyError, TypeError, ValueError, AttributeError) as error:
                raise BagError(f"{where}: provenance record {number + 1}: {error}") from None
        created = created or (number == 0 and result.created)
        kept.append(result.provenance.pk)
    evidence = result.evidence
    cues = []
    for given in record["cues"]:
        if given["by_person"]:
            try:
                cue = cue_import(evidence=evidence, actor=actor, values=_cue_values(given, label))
            except (TypeError, ValueError) as error:
                raise BagError(f"{where}: cue {given['id']} cannot be read: {error}") from None
            if cue is not None:
                cues.append(cue)
    stamps = [_imported_stamp(evidence, given) for given in record.get("timestamps") or []]
    _web_archives_copy(evidence, folder, kept)
    custody_append(
        case=case, action=CustodyAction.BAG_IMPORTED, actor=actor, evidence=evidence,
        details={
            "bag": label, "source_item": record["id"], "sha256": record["sha256"],
            "history": [_history_line(entry) for entry in history if entry["evidence"] == record["id"]],
            "custody_timestamps": heads,
            "reviews": [{"cue": cue["id"], "kind": cue["kind"], "text": cue["text"], "status": cue["status"],
                         **cue["review"]} for cue in record["cues"] if cue["status"] != "proposed"],
            "sign_offs": record.get("sign_offs", []),
            "cues_added": [cue.pk for cue in cues],
            "timestamps": stamps,
        },
    )  # fmt: skip
    return evidence, created, len(cues)


def _web_archives_copy(evidence: Evidence, folder: Path, provenance: list[int]) -> None:
    """The item's web archives (WACZ), which cannot be made again from the picture, kept with the records
    of their collections, in order (one WACZ a collection)."""
    found = sorted((folder / "derived" / "web").glob("*.wacz"), key=lambda path: (len(path.stem), path.stem))
    for number, wacz in enumerate(found):
        name = web_archive_name(evidence.pk, provenance[min(number, len(provenance) - 1)])
        if not storages["default"].exists(name):
            derived_save(name, wacz)


def _provenance_input(given: dict[str, Any], label: str) -> ProvenanceInput:
    posted_at = given.get("posted_at")
    told = f"Imported from the bag {label}: collected there by {given.get('collected_by') or 'the system'} "
    told += f"at {given.get('collected_at') or 'an unknown time'}."
    return ProvenanceInput(
        method=given.get("method") or CollectionMethod.BULK_IMPORT,
        source_url=given.get("source_url", ""),
        platform=given.get("platform", ""),
        account=given.get("account", ""),
        post_id=given.get("post_id", ""),
        posted_at=datetime.fromisoformat(posted_at) if posted_at else None,
        posted_at_granularity=given.get("posted_at_granularity", ""),
        platform_info=given.get("platform_info") or {},
        locale=given.get("locale", ""),
        notes="\n\n".join(part for part in (told, given.get("notes", "")) if part),
    )


def _cue_values(given: dict[str, Any], label: str) -> dict[str, Any]:
    moment = {key: datetime.fromisoformat(given[key]) if given[key] else None for key in ("earliest", "latest")}
    imported = {"bag": label, "cue": given["id"], "status": given["status"], "created_by": given["created_by"],
                **given["review"]}  # fmt: skip
    return {
        "kind": given["kind"], "bound": given["bound"], **moment, "granularity": given["granularity"],
        "time_zone": given["time_zone"], "strength": given["strength"], "text": given["text"],
        "explanation": given["explanation"], "locator": given["locator"], "fingerprint": given["fingerprint"],
        "details": {**given["details"], "imported": imported},
    }  # fmt: skip


def _imported_stamp(evidence: Evidence, given: dict[str, Any]) -> dict[str, Any]:
    """Keep a bag's token of the original when it checks out here, under the authorities trusted here."""
    told = {"serial": given.get("serial"), "stamped_at": given.get("stamped_at"), "url": given.get("url")}
    try:
        token = token_read(base64.b64decode(given["token"], validate=True))
    except (KeyError, TypeError, ValueError) as error:
        return {**told, "kept": False, "why": f"the token cannot be read: {error}"}
    trusted = trusted_certificates()
    problem = "" if token.digest == evidence.sha256 else f"it stamps {token.digest}, not this original"
    problem = problem or _untrusted(trusted) or token_verify(token.der, evidence.sha256, trusted)
    if problem:
        return {**told, "kept": False, "why": problem}
    timestamp_keep(evidence=evidence, token=token, certificates=trusted, url=str(given.get("url") or ""), again=True)
    return {**told, "kept": True}


def _history_line(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: entry[key] for key in ("sequence", "action", "actor_name", "at", "entry_hash")}


class BagStream:
    """A bag written to a temporary folder and streamed as a ZIP, the folder removed when the response closes.

    A class rather than a generator: Django closes the response's iterator
    even when the client went away before the first byte, and a generator
    that never started would not run its clean-up.
    """

    def __init__(self, summary: BagSummary, root: Path) -> None:
        self.summary = summary
        self._root = root

    def __iter__(self) -> Iterator[bytes]:
        pipe = _Pipe()
        top = self.summary.path.name
        with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for path in sorted(self.summary.path.rglob("*")):
                if path.is_file():
                    with path.open("rb") as source, archive.open(f"{top}/{path.relative_to(self.summary.path)}",
                                                                  "w", force_zip64=True) as target:  # fmt: skip
                        while chunk := source.read(CHUNK_SIZE):
                            target.write(chunk)
                            yield pipe.take()
                    yield pipe.take()
        yield pipe.take()

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (ZipFile writes to it)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._chunks = b"".join(self._chunks), []
        return taken


def bag_stream(*, case: Case, actor: AbstractBaseUser | None, evidence_ids: list[int] | None = None) -> BagStream:
    """Write the bag in a temporary folder now (so a problem is told before any byte is sent); stream it later."""
    root = Path(tempfile.mkdtemp(prefix="bag-"))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    try:
        summary = bag_export(case=case, directory=root / f"{case.slug}-bag-{stamp}", actor=actor,
                             evidence_ids=evidence_ids)  # fmt: skip
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return BagStream(summary, root)
