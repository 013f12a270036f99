"""What every pipeline stage shares: its description and the ways it can end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.models import Evidence


class StageFailed(Exception):
    """The stage cannot finish for this item; the message says why, for a person."""


class StageSkipped(Exception):
    """The stage has nothing to do for this item; the message says why."""


@dataclass(frozen=True)
class Stage:
    name: str
    # "heavy" for CPU-bound work (video, OCR), "default" for the rest.
    queue: str
    # Seconds before the task is asked to stop (soft limit); the hard limit is a minute later.
    time_limit: int
    run: Callable[[Evidence], None]
