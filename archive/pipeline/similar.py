"""similar: a difference hash per frame, and links between items that show the same thing.

Two items are near-duplicates when most frames of the smaller one have a
close match (a few differing bits of 64) among the frames of the other: the
same task recorded twice, the same screenshot re-encoded or resized.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from PIL import Image

from archive.models import Evidence, Frame, SimilarLink
from archive.pipeline.base import Stage, StageSkipped
from archive.pipeline.ocr import frame_image

# Hashes this many bits apart or fewer count as the same picture.
MAX_DISTANCE = 10
# Share of the smaller item's frames that must match to link two items.
MIN_OVERLAP = 0.6


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: is each pixel of a 9x8 grey thumbnail brighter than its right neighbour?"""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = list(small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits


def overlap(mine: Sequence[int], theirs: Sequence[int]) -> float:
    """Share of the smaller set's hashes that have a close match in the other set."""
    if not mine or not theirs:
        return 0.0
    smaller, larger = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
    matched = sum(1 for a in smaller if any((a ^ b).bit_count() <= MAX_DISTANCE for b in larger))
    return matched / len(smaller)


def run(evidence: Evidence) -> None:
    frames = [f for f in evidence.frames.all() if f.image_name or f.source == "image"]
    if not frames:
        raise StageSkipped("no pictures to compare")
    for frame in frames:
        frame.evidence = evidence
        frame.dhash = f"{dhash(frame_image(frame)):016x}"
    Frame.objects.bulk_update(frames, ["dhash"])
    mine = [int(f.dhash, 16) for f in frames]

    others: dict[int, list[int]] = {}
    rows = (
        Frame.objects.filter(evidence__case_id=evidence.case_id)
        .exclude(evidence=evidence)
        .exclude(dhash="")
        .values_list("evidence_id", "dhash")
    )
    for other_id, value in rows.iterator(chunk_size=5000):
        others.setdefault(other_id, []).append(int(value, 16))
    links = []
    for other_id, theirs in others.items():
        share = overlap(mine, theirs)
        if share >= MIN_OVERLAP:
            first, second = sorted((evidence.pk, other_id))
            links.append(SimilarLink(case_id=evidence.case_id, first_id=first, second_id=second, overlap=share))
    with transaction.atomic():
        SimilarLink.objects.filter(Q(first=evidence) | Q(second=evidence)).delete()
        SimilarLink.objects.bulk_create(links)


STAGE = Stage(name="similar", queue="default", time_limit=600, run=run)
