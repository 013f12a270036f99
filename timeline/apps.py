from __future__ import annotations

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Timeline"

    def ready(self) -> None:
        # The pipeline's registry lives in the archive, which knows nothing of the timeline.
        from archive.pipeline.stages import stage_register
        from archive.services import ProvenanceReader, provenance_reader_register
        from timeline import tasks  # noqa: F401 - registers them in every process; services send them by name
        from timeline.services import cues_supersede
        from timeline.stages import CUES, MENTIONS

        stage_register(CUES, after="ocr")
        stage_register(MENTIONS, after="cues")
        provenance_reader_register(ProvenanceReader(cues_supersede, CUES.name))
