"""The stages the timeline adds to the archive's pipeline, registered when the app is ready (apps.py).

cues: dated cues from an item's text, layout and metadata (see timeline/extract/cues.py).
mentions: the case's entities named in the lines an item shows (see timeline/extract/mentions.py).
"""

from __future__ import annotations

from archive.models import Evidence
from archive.pipeline.base import Stage
from timeline.extract.cues import draft_cues
from timeline.headlines import headline_lookup
from timeline.selectors import item_facts
from timeline.services import cues_replace_proposed, mentions_propose


def run_cues(evidence: Evidence) -> None:
    drafts, candidates = draft_cues(item_facts(evidence), headline_lookup())
    cues_replace_proposed(evidence=evidence, drafts=drafts, candidates=candidates)


CUES = Stage(name="cues", queue="default", time_limit=600, run=run_cues)


def run_mentions(evidence: Evidence) -> None:
    mentions_propose(evidence=evidence)


MENTIONS = Stage(name="mentions", queue="default", time_limit=600, run=run_mentions)
