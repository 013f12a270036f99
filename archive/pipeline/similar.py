"""similar: a perceptual hash per frame, and links between items that show the same thing.

Screens are mostly flat background, where common 64-bit hashes are all zeros
and every screen looks like every other. The hash here marks which cells of a
16 x 16 grid hold something other than background (a layout fingerprint, in
either polarity), and two frames match when their layouts are close and,
where they carry text, their words largely agree. Two items are
near-duplicates when most frames of the smaller one match a frame of the other:
the same task recorded twice, the same screenshot re-encoded or resized.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from PIL import Image

from archive.models import Case, Evidence, Frame, SimilarLink
from archive.pipeline.base import Stage, StageSkipped
from archive.pipeline.ocr import frame_image

GRID = 16
# A cell counts as "something" when it differs from the picture's mean by more than this.
CELL_MARGIN = 4
# Layout hashes this many bits apart (of 256) or fewer count as the same layout.
MAX_DISTANCE = 24
# Share of words two texts must have in common to count as the same text.
MIN_WORDS_SHARED = 0.5
# Share of the smaller item's frames that must match to link two items.
MIN_OVERLAP = 0.6
_WORD = re.compile(r"\w{2,}")

Fingerprint = tuple[int, frozenset[str]]


def layout_hash(image: Image.Image) -> int:
    """256 bits: which cells of a 16 x 16 grey thumbnail stand out from the picture's mean."""
    small = image.convert("L").resize((GRID, GRID), Image.Resampling.BOX)
    pixels = list(small.get_flattened_data())
    mean = sum(pixels) / len(pixels)
    bits = 0
    for value in pixels:
        bits = (bits << 1) | (abs(value - mean) > CELL_MARGIN)
    return bits


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def frames_match(a: Fingerprint, b: Fingerprint) -> bool:
    (hash_a, words_a), (hash_b, words_b) = a, b
    if (hash_a ^ hash_b).bit_count() > MAX_DISTANCE:
        return False
    if len(words_a) < 3 and len(words_b) < 3:
        return True
    return len(words_a & words_b) / max(1, len(words_a | words_b)) >= MIN_WORDS_SHARED


def overlap(mine: Sequence[Fingerprint], theirs: Sequence[Fingerprint]) -> float:
    """Share of the smaller item's frames that match some frame of the other."""
    if not mine or not theirs:
        return 0.0
    smaller, larger = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
    matched = sum(1 for a in smaller if any(frames_match(a, b) for b in larger))
    return matched / len(smaller)


def run(evidence: Evidence) -> None:
    frames = [f for f in evidence.frames.all() if f.image_name or f.source == "image"]
    if not frames:
        raise StageSkipped("no pictures to compare")
    for frame in frames:
        frame.evidence = evidence
        frame.phash = f"{layout_hash(frame_image(frame)):064x}"
    mine = [(int(f.phash, 16), words(f.text)) for f in frames]
    # One item of a case at a time: two items compared at once could each miss
    # the other's new hashes, or both write the same link.
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=evidence.case_id).first()
        Frame.objects.bulk_update(frames, ["phash"])
        others: dict[int, list[Fingerprint]] = {}
        rows = (
            Frame.objects.filter(evidence__case_id=evidence.case_id)
            .exclude(evidence=evidence)
            .exclude(phash="")
            .values_list("evidence_id", "phash", "text")
        )
        for other_id, value, text in rows.iterator(chunk_size=5000):
            others.setdefault(other_id, []).append((int(value, 16), words(text)))
        links = []
        for other_id, theirs in others.items():
            share = overlap(mine, theirs)
            if share >= MIN_OVERLAP:
                first, second = sorted((evidence.pk, other_id))
                links.append(SimilarLink(case_id=evidence.case_id, first_id=first, second_id=second, overlap=share))
        SimilarLink.objects.filter(Q(first=evidence) | Q(second=evidence)).delete()
        SimilarLink.objects.bulk_create(links, ignore_conflicts=True)


STAGE = Stage(name="similar", queue="default", time_limit=600, run=run)
