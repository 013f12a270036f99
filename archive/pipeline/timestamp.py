"""timestamp: a timestamp authority's token (RFC 3161) for the original's SHA-256, when one is set (TSA_URL).

It runs right after identify, so the cues stage finds the token (a strong
``not_after``: these bytes existed by then). An authority that is down or
whose answer does not check out skips the stage with the reason, and the
item goes on; the schedule asks again (archive.timestamps.timestamps_due).
"""

from __future__ import annotations

from django.conf import settings

from archive.models import Evidence
from archive.pipeline.base import Stage, StageSkipped
from archive.timestamps import timestamp_original, timestamps_enabled
from archive.tsa import TimestampError


def run(evidence: Evidence) -> None:
    if not timestamps_enabled():
        raise StageSkipped("no timestamp authority is set (TSA_URL)")
    try:
        timestamp_original(evidence=evidence)
    except TimestampError as error:
        raise StageSkipped(f"no timestamp yet: {error}; it is asked again within {settings.TSA_INTERVAL} s") from None


STAGE = Stage(name="timestamp", queue="default", time_limit=120, run=run)
