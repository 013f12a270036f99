"""The stages every collected item goes through, in order.

The archive's own stages are listed here. Another app adds its stages when
Django has loaded it (its AppConfig.ready) with ``stage_register``, after the
stage whose output it reads: the timeline puts ``cues`` after ``ocr``
(timeline/stages.py). Adding a stage is writing its ``run(evidence)`` and
its ``Stage``, and listing it here or registering it from its app.
"""

from __future__ import annotations

from archive.pipeline import frames, identify, index, ocr, probe, similar, timestamp
from archive.pipeline.base import Stage

# Changed in place by stage_register, so that every module that imported them sees the stages added.
STAGES: list[Stage] = [
    identify.STAGE, timestamp.STAGE, probe.STAGE, frames.STAGE, ocr.STAGE, similar.STAGE, index.STAGE
]  # fmt: skip
STAGE_NAMES: list[str] = [stage.name for stage in STAGES]


def stage_register(stage: Stage, *, after: str) -> None:
    """Add another app's stage after the named one; registering it again changes nothing."""
    if stage.name in STAGE_NAMES:
        return
    position = STAGE_NAMES.index(after) + 1
    STAGES.insert(position, stage)
    STAGE_NAMES.insert(position, stage.name)


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise KeyError(f"no stage called {name!r}; the stages are {', '.join(STAGE_NAMES)}")
