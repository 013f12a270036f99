"""The demo case's files, made by real Chromium and ffmpeg and read by the real pipeline."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Q

from archive.collect.media import json_ld_video
from archive.collect.page import CHROMIUM
from archive.dates import parse_posted_at
from archive.models import Evidence, ProcessingStatus, SimilarLink
from demo.assets import (
    HEADLINES_CSV,
    LEGAL_ACT,
    NEWS_DAY,
    PROVENANCE,
    SANCTION_DAY,
    DemoAssets,
    build_assets,
    news_headlines,
)
from tests.conftest import World, collect
from timeline.headlines import headlines_import
from timeline.models import Cue
from timeline.services import event_add

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not shutil.which("ffmpeg"),
    reason=f"needs the system's Chromium ({CHROMIUM}) and ffmpeg: run scripts/install-system-packages.sh",
)


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> DemoAssets:
    return build_assets(tmp_path_factory.mktemp("demo"))


def probe(path: Path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("name", "size", "seconds", "fps"),
    [("task_recording", (1280, 720), 20.0, "25/1"), ("task_recording_2", (960, 540), 16.0, "30/1")],
)
def test_the_recordings_are_small_h264_files_that_start_playing_at_once(
    assets: DemoAssets, name: str, size: tuple[int, int], seconds: float, fps: str
) -> None:
    path = getattr(assets, name)
    found = probe(path)
    [stream] = found["streams"]
    assert (stream["codec_name"], stream["pix_fmt"]) == ("h264", "yuv420p")
    assert (stream["width"], stream["height"]) == size
    assert stream["r_frame_rate"] == fps
    # The recording's length, counted in frames (a property of the file, not a speed).
    frames, rate = int(stream["nb_frames"]), int(fps.split("/")[0])
    assert frames == round(seconds * rate)
    data = path.read_bytes()
    assert len(data) < 5 * 1024 * 1024
    # faststart: the index comes before the media, so a browser plays while it downloads.
    assert data.index(b"moov") < data.index(b"mdat")
    assert "creation_time" not in found["format"].get("tags", {})


def test_the_post_page_embeds_the_recording_and_says_when_it_was_uploaded(assets: DemoAssets) -> None:
    page = assets.post_page.read_text(encoding="utf-8")
    assert assets.post_page.parent == assets.task_recording.parent
    assert f'src="{assets.task_recording.name}"' in page
    facts = json_ld_video(page)
    assert facts["uploader"] == "ntl.vision.lab"
    assert datetime.fromtimestamp(facts["timestamp"], tz=UTC) == datetime(2023, 9, 21, 8, 40, tzinfo=UTC)


def test_the_regulation_stand_in_says_what_it_is_and_lists_both_companies(assets: DemoAssets) -> None:
    info = subprocess.run(["pdfinfo", str(assets.regulation)], capture_output=True, text=True, check=True, timeout=30)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 3
    # No printing time: the stand-in must not carry a document date of the day it was built.
    assert "CreationDate" not in info.stdout
    text = subprocess.run(
        ["pdftotext", str(assets.regulation), "-"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    assert text.count("NOT THE OFFICIAL TEXT") == pages
    assert "Demo stand-in, not the official text" in text
    for expected in ("2023/1498", "of 20 July 2023", "2020/1998", "NTechLab", "Tevian"):
        assert expected in text


def test_the_manifest_gives_each_evidence_file_a_readable_provenance(assets: DemoAssets) -> None:
    with assets.manifest.open(newline="", encoding="utf-8") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(PROVENANCE)
    for name, row in rows.items():
        assert (assets.directory / name).is_file()
        parse_posted_at(row["posted_at"])


def test_the_widget_shows_three_headlines_of_the_demo_corpus() -> None:
    with HEADLINES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["outlet"] for row in rows} == {"Demo Wire (fictional)"}
    shown = news_headlines()
    assert len(shown) == 3
    assert all(row["published_at"] == NEWS_DAY for row in rows if row["title"] in shown)


Collect = Callable[[Path], Evidence]


@pytest.fixture
def collect_demo(world: World, in_process: None, django_capture_on_commit_callbacks: object) -> Collect:
    """Put a demo file into the world's case with the provenance the demo gives it, and process it."""

    def run(path: Path) -> Evidence:
        origin = PROVENANCE[path.name]
        posted_at, granularity = parse_posted_at(origin.posted_at)
        with django_capture_on_commit_callbacks(execute=True):
            evidence = collect(
                world.case, path.read_bytes(), path.name, actor=world.owner, platform=origin.platform,
                account=origin.account, posted_at=posted_at, posted_at_granularity=granularity,
                source_url=origin.source_url, post_id=origin.post_id, notes=origin.notes,
            ).evidence  # fmt: skip
        evidence.refresh_from_db()
        assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
        return evidence

    return run


def cues(evidence: Evidence, kind: str) -> list[Cue]:
    return list(Cue.objects.filter(evidence=evidence, kind=kind).order_by("id"))


def kinds(evidence: Evidence) -> set[str]:
    return set(Cue.objects.filter(evidence=evidence).values_list("kind", flat=True))


def test_the_pipeline_reads_each_file_as_the_story_needs_and_gives_its_verdict(
    assets: DemoAssets, world: World, collect_demo: Collect
) -> None:
    headlines_import(HEADLINES_CSV)
    recording = collect_demo(assets.task_recording)
    again = collect_demo(assets.task_recording_2)
    taskbar = collect_demo(assets.taskbar_screenshot)
    social = collect_demo(assets.social_post)
    regulation = collect_demo(assets.regulation)

    # The widget's frame is read: three headlines of 4 September, on screen from 9 s to 11 s.
    found = cues(recording, "headline")
    assert sorted(cue.details["title"] for cue in found) == sorted(news_headlines())
    for cue in found:
        assert (cue.bound, cue.strength) == ("not_before", "strong")
        assert cue.headline.published_at == datetime(2023, 9, 4, tzinfo=UTC)
        assert 9.0 <= cue.locator["time"] <= 11.0
        assert cue.locator["box"][0] > 880, "the widget is in the sidebar"
    [upload] = cues(recording, "platform_upload")
    assert upload.latest == datetime(2023, 9, 21, 8, 40, tzinfo=UTC)

    # The taskbar's clock, 14:32 on 15.06.2023, in a zone nobody knows.
    [clock] = cues(taskbar, "clock")
    assert (clock.bound, clock.granularity, clock.text) == ("on", "minute", "14:32 / 15.06.2023")
    assert clock.earliest == datetime(2023, 6, 15, 0, 32, tzinfo=UTC)
    assert clock.locator["box"][1] > 768 * 0.88

    # Nothing else on any screen is dated; the social post and the second recording only by their provenance.
    assert kinds(recording) == {"headline", "platform_upload", "received"}
    assert kinds(taskbar) == {"clock", "received"}
    assert kinds(social) == kinds(again) == {"platform_upload", "received"}
    assert "document_meta" not in kinds(regulation)

    # The same task recorded twice is linked; the other files are not.
    link = SimilarLink.objects.get(Q(first=recording) | Q(second=recording))
    assert {link.first_id, link.second_id} == {recording.pk, again.pk}
    assert link.overlap >= 0.6

    event_add(
        case=world.case,
        title="EU listing of NTechLab and Tevian",
        day=date.fromisoformat(SANCTION_DAY),
        actor=None,
        entity_name="NTechLab",
        legal_act=LEGAL_ACT,
    )
    out = io.StringIO()
    call_command("verdicts", "--case", world.case.slug, "--json", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    verdicts = {record["id"]: record["verdicts"][0]["verdict"] for record in records}
    assert verdicts[recording.pk] == "after"
    assert verdicts[taskbar.pk] == "before"
    assert verdicts[social.pk] == verdicts[again.pk] == "undetermined"
