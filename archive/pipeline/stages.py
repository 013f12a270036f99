"""The stages every collected item goes through, in order.

Adding a stage is adding a module with a ``STAGE`` and a line here.
"""

from __future__ import annotations

from archive.pipeline import cues, frames, identify, ocr, probe, similar
from archive.pipeline.base import Stage

STAGES: list[Stage] = [identify.STAGE, probe.STAGE, frames.STAGE, ocr.STAGE, cues.STAGE, similar.STAGE]
STAGE_NAMES: list[str] = [stage.name for stage in STAGES]


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(f"no stage called {name!r}; the stages are {', '.join(STAGE_NAMES)}")
