from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.models import CustodyAction, CustodyEntry
from tests.conftest import World, collect
from timeline.models import Cue, CueStatus, Entity, KeyEvent
from timeline.services import ReviewError, cue_add_manual, event_add, event_update, intervals_refresh


def cue(evidence: object, kind: str, bound: str, day: datetime, status: str = CueStatus.PROPOSED) -> Cue:
    made = Cue.objects.create(
        evidence=evidence, kind=kind, bound=bound, earliest=day, latest=day, granularity="day", time_zone="UTC",
        strength="strong", status=status, text=kind, explanation=kind, fingerprint=f"{kind}-{day:%F}",
    )  # fmt: skip
    # As the services do after every change of cues.
    intervals_refresh(evidence=evidence)
    return made


def run(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("verdicts", *args, "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_add_event_creates_the_entity_and_logs_it(world: World) -> None:
    call_command(
        "add_event", "--case", world.case.slug, "--title", "EU listing of NTechLab", "--date", "2023-07-20",
        "--entity", "NTechLab", "--source-url", "https://eur-lex.europa.eu/", stdout=io.StringIO(),
    )  # fmt: skip
    event = KeyEvent.objects.get()
    assert (event.kind, event.entity, str(event.date)) == (
        "sanction",
        Entity.objects.get(name="NTechLab"),
        "2023-07-20",
    )
    assert CustodyEntry.objects.filter(
        action=CustodyAction.EVENT_ADDED, details__title="EU listing of NTechLab"
    ).exists()
    with pytest.raises(CommandError, match="not a date"):
        call_command("add_event", "--case", world.case.slug, "--title", "x", "--date", "20 July 2023")


def test_verdicts_provisional_and_verified_with_conflicts(world: World) -> None:
    call_command(
        "add_event", "--case", world.case.slug, "--title", "Listing", "--date", "2023-07-20", stdout=io.StringIO()
    )
    cue(world.evidence, "headline", "not_before", datetime(2023, 9, 4, tzinfo=UTC), CueStatus.CONFIRMED)
    cue(world.evidence, "platform_upload", "not_after", datetime(2023, 9, 20, tzinfo=UTC))
    other = collect(world.case, b"second item", "second.txt").evidence
    clock = cue(other, "clock", "on", datetime(2023, 6, 1, tzinfo=UTC))
    headline = cue(other, "headline", "not_before", datetime(2023, 9, 4, tzinfo=UTC))
    first, second = run("--case", world.case.slug)
    assert first["verdicts"] == [{"event": "Listing", "date": "2023-07-20", "verdict": "after", "margin_days": 46.0}]
    assert first["capture_interval"] == {"earliest": "2023-09-04T00:00:00+00:00", "latest": "2023-09-20T00:00:00+00:00"}
    assert (first["cues"], first["conflict"]) == (2, None)
    assert second["verdicts"][0]["verdict"] == "conflict"
    assert sorted(second["conflict"]) == sorted([clock.pk, headline.pk])
    verified_first, verified_second = run("--case", world.case.slug, "--verified")
    assert verified_first["cues"] == 1
    assert verified_first["capture_interval"]["latest"] is None
    assert verified_first["verdicts"][0]["verdict"] == "after"
    assert verified_second["verdicts"][0]["verdict"] == "undetermined"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x.example/"])
def test_only_web_links_are_kept_for_events_and_cues(world: World, url: str) -> None:
    with pytest.raises(CommandError, match="is not an http or https address"):
        call_command(
            "add_event", "--case", world.case.slug, "--title", "x", "--date", "2023-07-20", "--source-url", url
        )
    assert not KeyEvent.objects.exists()
    event = event_add(case=world.case, title="EU listing", day=date(2023, 7, 20), actor=world.owner)
    with pytest.raises(ReviewError, match="is not an http or https address"):
        event_update(event=event, actor=world.owner, changes={"source_url": url})
    with pytest.raises(ReviewError, match="is not an http or https address"):
        cue_add_manual(evidence=world.evidence, actor=world.owner, bound="not_before", day=date(2023, 9, 4),
                       text="posted", source_url=url)  # fmt: skip
