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


def derived_clear(evidence_id: int, folder: str) -> None:
    """Remove every derived file of an item in one folder, before a rebuild."""
    storage = storages["default"]
    prefix = derived_name(evidence_id, folder)
    try:
        _, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for filename in files:
        storage.delete(f"{prefix}/{filename}")
