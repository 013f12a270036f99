"""identify: the content type from the bytes, and the kind it suggests."""

from __future__ import annotations

from archive.identify import SNIFF_BYTES, kind_for, name_mismatch, sniff_content_type
from archive.models import Evidence, EvidenceKind
from archive.pipeline.base import Stage, StageFailed
from archive.pipeline.images import open_image
from archive.vault import vault_open

# EXIF tags that a camera writes and a screenshot tool does not.
_CAMERA_TAGS = (0x010F, 0x0110)  # Make, Model


def run(evidence: Evidence) -> None:
    with vault_open(evidence.sha256) as handle:
        content_type = sniff_content_type(handle.read(SNIFF_BYTES))
    kind = evidence.kind if evidence.kind_locked else kind_for(content_type)
    if kind == EvidenceKind.SCREENSHOT and _from_a_camera(evidence):
        kind = EvidenceKind.PHOTO
    evidence.content_type = content_type
    evidence.kind = kind
    evidence.metadata = {**evidence.metadata, "identify": {"content_type": content_type}}
    mismatch = name_mismatch(evidence.original_name, content_type)
    if mismatch:
        evidence.metadata["identify"]["name_mismatch"] = mismatch
    evidence.save(update_fields=["content_type", "kind", "metadata"])


def _from_a_camera(evidence: Evidence) -> bool:
    try:
        with vault_open(evidence.sha256) as handle:
            exif = open_image(handle, load=False).getexif()
    except (StageFailed, OSError, SyntaxError, ValueError):
        # A damaged image is reported by the stages that decode it.
        return False
    return any(exif.get(tag) for tag in _CAMERA_TAGS)


STAGE = Stage(name="identify", queue="default", time_limit=60, run=run)
