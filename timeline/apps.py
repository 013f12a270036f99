from __future__ import annotations

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Timeline"

    def ready(self) -> None:
        # The pipeline's registry lives in the archive, which knows nothing of the timeline.
        from archive.pipeline.stages import stage_register
        from archive.services import ProvenanceReader, provenance_reader_register
        from timeline.services import cues_supersede
        from timeline.stages import CUES

        stage_register(CUES, after="ocr")
        provenance_reader_register(ProvenanceReader(cues_supersede, CUES.name))
