"""Choosing the keyframes of a screen recording. Plain functions on plain data.

The recording is sampled at ``SAMPLE_FPS`` at full size, so content that
stays on screen for one second or more is in at least two consecutive samples. The samples are cut into *runs* that
show one state of the screen; each run gets one keyframe, the sample one
second after it starts (away from the transition that began it). A run that
looks like a keyframe chosen recently (the screen came back to an earlier
state) gets none, so the same screen is read once.

Samples are compared block by block, counting pixels that changed clearly,
never by averages: a digit that changes in a 14-pixel line of text, or a
headline panel shown for a second, must not be averaged away.

A run ends when
- many blocks differ from its first sample (a new page, a panel, scrolling), or
- a few blocks that had held still show something new that holds still for a
  second sample (a clock's new minute, a date typed into a field).
A mouse pointer that moves on never holds still, and the background it uncovers
was not seen holding still before, so it does not end a run. When a run ends
with a big change while something small that appeared at its end stays on into
the next sample, its last sample is kept too.

Memory stays constant whatever the length: a run keeps four samples, and only
the most recent keyframes are kept to recognise a screen coming back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

SAMPLE_FPS = 2
BLOCK = 16
# A pixel changed when it differs by more than this (0..255); a block changed
# when at least CHANGED_PIXELS of its pixels did. Compression noise in static
# screen content stays below both.
PIXEL_THRESHOLD = 32
CHANGED_PIXELS = 4
# At most this many changed blocks count as a small change (a pointer, a clock's
# digits); a tenth of the screen is hundreds of blocks.
SMALL_CHANGE_BLOCKS = 24
# The keyframe of a run is its sample this many samples after its start.
SETTLE = SAMPLE_FPS
# Keyframes kept for recognising a screen that comes back.
RECENT_KEYFRAMES = 100
# Two blocks whose means differ by more than this cannot pass as unchanged
# (fewer than CHANGED_PIXELS pixels off by more than PIXEL_THRESHOLD).
_MEAN_GAP = (CHANGED_PIXELS * 255 + (BLOCK * BLOCK - CHANGED_PIXELS) * PIXEL_THRESHOLD) / (BLOCK * BLOCK)


@dataclass(frozen=True)
class Sample:
    index: int
    time: float
    pixels: np.ndarray  # 2-D uint8, what is compared
    # Whatever the caller wants back for a chosen sample (the full-size frame).
    frame: object = None


@dataclass(frozen=True)
class Keyframe:
    """A chosen sample, by its position in the sampled stream; its pixels are not kept."""

    index: int
    time: float


def block_means(pixels: np.ndarray) -> np.ndarray:
    """Mean of each BLOCK x BLOCK block (the edges that do not fill a block are dropped)."""
    rows, cols = pixels.shape[0] // BLOCK, pixels.shape[1] // BLOCK
    trimmed = pixels[: rows * BLOCK, : cols * BLOCK].astype(np.float32)
    return trimmed.reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3))


def changed_blocks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which blocks hold at least CHANGED_PIXELS clearly changed pixels (a boolean grid)."""
    rows, cols = a.shape[0] // BLOCK, a.shape[1] // BLOCK
    a, b = a[: rows * BLOCK, : cols * BLOCK], b[: rows * BLOCK, : cols * BLOCK]
    moved = (np.maximum(a, b) - np.minimum(a, b)) > PIXEL_THRESHOLD
    return moved.reshape(rows, BLOCK, cols, BLOCK).sum(axis=(1, 3)) >= CHANGED_PIXELS


def changed(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(changed_blocks(a, b).any())


class _Run:
    """One state of the screen: its first, chosen, last and next-to-last samples, and what held still."""

    def __init__(self, *samples: Sample) -> None:
        self.first, self.last = samples[0], samples[-1]
        self.before_last: Sample | None = samples[-2] if len(samples) > 1 else None
        self.count = len(samples)
        self.pick = samples[min(len(samples) - 1, SETTLE)]
        self.still = samples[-1].pixels.copy()
        self.known = np.zeros(block_means(self.still).shape, dtype=bool)
        if len(samples) == 2:
            self.known = ~changed_blocks(samples[0].pixels, samples[1].pixels)

    def add(self, sample: Sample) -> None:
        if self.count == SETTLE:
            self.pick = sample
        self.before_last, self.last = self.last, sample
        self.count += 1

    def hold(self, blocks: np.ndarray, sample: Sample) -> None:
        """Remember what newly still blocks show."""
        pixels = np.repeat(np.repeat(blocks, BLOCK, axis=0), BLOCK, axis=1)
        height, width = pixels.shape
        np.copyto(self.still[:height, :width], sample.pixels[:height, :width], where=pixels)
        self.known |= blocks

    def without_last(self) -> Sample:
        """The keyframe of this run once its last sample moves to the next run."""
        if self.pick is not self.last:
            return self.pick
        return self.before_last or self.first


def select_keyframes(samples: Iterable[Sample], on_keyframe: Callable[[Sample], None] | None = None) -> list[Keyframe]:
    """One sample per run (see the module's docstring), skipping runs that look like a recent keyframe.

    ``on_keyframe`` is called with each chosen sample as soon as it is chosen,
    so that the caller can keep its full-size frame while it is still at hand.
    """
    chosen: list[Keyframe] = []
    recent: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=RECENT_KEYFRAMES)

    def keep(sample: Sample) -> None:
        signature = block_means(sample.pixels)
        for pixels, other in recent:
            if np.abs(other - signature).max() <= _MEAN_GAP and not changed(pixels, sample.pixels):
                return
        chosen.append(Keyframe(sample.index, sample.time))
        recent.append((sample.pixels, signature))
        if on_keyframe is not None:
            on_keyframe(sample)

    run: _Run | None = None
    for sample in samples:
        if run is None:
            run = _Run(sample)
            continue
        if changed_blocks(run.first.pixels, sample.pixels).sum() > SMALL_CHANGE_BLOCKS:
            keep(run.pick)
            # Something small that appeared over still content late in the run and
            # stays into this sample: the run's keyframe does not show it.
            late = run.known & changed_blocks(run.still, run.last.pixels)
            if (late & ~changed_blocks(run.last.pixels, sample.pixels)).any():
                keep(run.last)
            run = _Run(sample)
            continue
        holding = ~changed_blocks(run.last.pixels, sample.pixels)
        if (holding & run.known & changed_blocks(run.still, sample.pixels)).any():
            if run.count > 1:
                keep(run.without_last())
            run = _Run(run.last, sample)
            continue
        newly = holding & ~run.known
        if newly.any():
            run.hold(newly, sample)
        run.add(sample)
    if run is not None:
        keep(run.pick)
    return chosen
