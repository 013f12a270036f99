"""Files computed from an original (keyframes, rendered pages). They can always be rebuilt."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.files.storage import storages


def derived_name(evidence_id: int, filename: str) -> str:
    return f"derived/{evidence_id}/{filename}"


def derived_save(name: str, path: Path) -> str:
    """Store a local file under ``name``, replacing an earlier build of it."""
    storage = storages["default"]
    if storage.exists(name):
        storage.delete(name)
    with path.open("rb") as handle:
        return storage.save(name, File(handle, name=path.name))


def derived_clear(evidence_id: int, folder: str, keep: str = "") -> None:
    """Remove an item's derived files in ``folder`` and its subfolders, except the subfolder ``keep``."""
    storage = storages["default"]
    root = derived_name(evidence_id, folder)
    try:
        folders, files = storage.listdir(root)
    except FileNotFoundError:
        return
    for filename in files:
        storage.delete(f"{root}/{filename}")
    for name in folders:
        path = f"{folder}/{name}"
        if path != keep:
            derived_clear(evidence_id, path)


def web_archive_name(evidence_id: int, provenance_id: int) -> str:
    """Where a capture's WACZ is kept: one per collection, since a capture taken again may load other things."""
    return derived_name(evidence_id, f"web/{provenance_id}.wacz")


def web_archive_latest(evidence_id: int) -> str | None:
    """The newest WACZ kept for an item, or None."""
    try:
        _, files = storages["default"].listdir(derived_name(evidence_id, "web"))
    except FileNotFoundError:
        return None
    numbered = sorted((int(name[:-5]), name) for name in files if name.endswith(".wacz") and name[:-5].isdigit())
    return derived_name(evidence_id, f"web/{numbered[-1][1]}") if numbered else None
