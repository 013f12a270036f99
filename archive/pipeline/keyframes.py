"""Choosing the keyframes of a screen recording. Plain functions on plain data.

The recording is sampled at ``SAMPLE_FPS`` as small grey images. Content that
stays on screen for one second or more is therefore in at least two
consecutive samples. Consecutive samples that look the same form a *run*; each
run gets one keyframe, its middle sample, which is away from the transitions
at its edges. A run that looks like a keyframe already chosen (the screen came
back to an earlier state) gets none, so the same screen is read once.

"Looks the same" compares small blocks, not whole images: a headline panel
that covers a tenth of the screen for a second changes a few blocks a lot and
the whole image little, and must not be averaged away.
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


def changed(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether any block differs noticeably between two samples of the same size."""
    difference = np.abs(a.astype(np.int16) - b.astype(np.int16)).astype(np.float32)
    return bool(block_means(difference).max() > BLOCK_THRESHOLD)


def select_keyframes(samples: Iterable[Sample]) -> list[Sample]:
    """One sample per run of look-alike samples, skipping runs seen before."""
    chosen: list[Sample] = []
    signatures: list[np.ndarray] = []
    run: list[Sample] = []

    def seen_before(sample: Sample, signature: np.ndarray) -> bool:
        if not chosen:
            return False
        # The mean of a block's absolute difference is at least the difference
        # of the block's means, so keyframes whose block means differ by more
        # than the threshold cannot look alike: compare only the rest in full.
        gaps = np.abs(np.stack(signatures) - signature).max(axis=(1, 2))
        return any(not changed(sample.pixels, chosen[i].pixels) for i in np.flatnonzero(gaps <= BLOCK_THRESHOLD))

    def close_run() -> None:
        if not run:
            return
        middle = run[len(run) // 2]
        signature = block_means(middle.pixels)
        if not seen_before(middle, signature):
            chosen.append(middle)
            signatures.append(signature)

    for sample in samples:
        if run and changed(run[0].pixels, sample.pixels):
            close_run()
            run = []
        run.append(sample)
    close_run()
    return chosen
