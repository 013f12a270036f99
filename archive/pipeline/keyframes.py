"""Choosing the keyframes of a screen recording. Plain functions on plain data.

The recording is sampled at ``SAMPLE_FPS`` as small grey images, so content
that stays on screen for one second or more is in at least two consecutive
samples. The samples are cut into *runs* that show one state of the screen;
each run gets one keyframe, its middle sample, away from the transitions at
its edges. A run that looks like a keyframe already chosen (the screen came
back to an earlier state) gets none, so the same screen is read once.

Samples are compared block by block, not as whole images: a headline panel
that covers a tenth of the screen for a second changes a few blocks a lot and
the whole image little, and must not be averaged away.

A run ends when
- many blocks differ from its first sample (a new page, a panel, scrolling), or
- a few blocks that had held still show something new that holds still for a
  second sample (a clock's new minute, a date typed into a field).
A mouse pointer that moves on never holds still, and the background it uncovers
was not seen holding still before, so it does not end a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SAMPLE_FPS = 2
# The width of the grey samples; their height follows the aspect ratio.
SAMPLE_WIDTH = 640
BLOCK = 8
# Mean absolute difference (0..255) above which a block counts as changed.
# Compression noise in static screen content stays well under it.
BLOCK_THRESHOLD = 6.0
# At most this many changed blocks count as a small change (a pointer, a clock's
# digits); a tenth of the screen is hundreds of blocks.
SMALL_CHANGE_BLOCKS = 24


@dataclass(frozen=True)
class Sample:
    index: int
    time: float
    pixels: np.ndarray  # 2-D uint8


def block_means(pixels: np.ndarray) -> np.ndarray:
    """Mean of each BLOCK x BLOCK block (the edges that do not fill a block are dropped)."""
    height, width = pixels.shape
    rows, cols = height // BLOCK, width // BLOCK
    trimmed = pixels[: rows * BLOCK, : cols * BLOCK].astype(np.float32)
    return trimmed.reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3))


def changed_blocks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which blocks differ noticeably between two samples of the same size (a boolean grid)."""
    difference = np.abs(a.astype(np.int16) - b.astype(np.int16)).astype(np.float32)
    return block_means(difference) > BLOCK_THRESHOLD


def changed(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(changed_blocks(a, b).any())


def select_keyframes(samples: Iterable[Sample]) -> list[Sample]:
    """One sample per run (see the module's docstring), skipping runs that look like a chosen keyframe."""
    chosen: list[Sample] = []
    signatures: list[np.ndarray] = []
    run: list[Sample] = []
    # Per block: the content it held still with in this run, once it has.
    still = np.empty(0)
    known = np.empty(0, dtype=bool)

    def seen_before(sample: Sample, signature: np.ndarray) -> bool:
        if not chosen:
            return False
        # The mean of a block's absolute difference is at least the difference
        # of the block's means, so keyframes whose block means differ by more
        # than the threshold cannot look alike: compare only the rest in full.
        gaps = np.abs(np.stack(signatures) - signature).max(axis=(1, 2))
        return any(not changed(sample.pixels, chosen[i].pixels) for i in np.flatnonzero(gaps <= BLOCK_THRESHOLD))

    def close() -> None:
        middle = run[len(run) // 2]
        signature = block_means(middle.pixels)
        if not seen_before(middle, signature):
            chosen.append(middle)
            signatures.append(signature)

    def start(*first: Sample) -> None:
        nonlocal run, still, known
        run = list(first)
        still = first[-1].pixels.copy()
        known = np.zeros(block_means(still).shape, dtype=bool)
        if len(first) == 2:
            known = ~changed_blocks(first[0].pixels, first[1].pixels)

    for sample in samples:
        if not run:
            start(sample)
            continue
        if changed_blocks(run[0].pixels, sample.pixels).sum() > SMALL_CHANGE_BLOCKS:
            close()
            start(sample)
            continue
        holding = ~changed_blocks(run[-1].pixels, sample.pixels)
        moved_on = holding & known & changed_blocks(still, sample.pixels)
        if moved_on.any():
            previous = run.pop()
            if run:
                close()
            start(previous, sample)
            continue
        newly = holding & ~known
        if newly.any():
            pixels = np.repeat(np.repeat(newly, BLOCK, axis=0), BLOCK, axis=1)
            height, width = pixels.shape
            np.copyto(still[:height, :width], sample.pixels[:height, :width], where=pixels)
            known |= newly
        run.append(sample)
    if run:
        close()
    return chosen
