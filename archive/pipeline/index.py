"""index: an item's text (lines read, text layers, provenance) in its case's search index (archive/search.py)."""

from __future__ import annotations

from archive.models import Evidence
from archive.pipeline.base import Stage
from archive.search import search_index_item


def run(evidence: Evidence) -> None:
    search_index_item(evidence)


STAGE = Stage(name="index", queue="default", time_limit=600, run=run)
