"""The pipeline stages on real files, with real Tesseract, ffmpeg and poppler, run in-process."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client
from PIL import ImageDraw, ImageFont

from archive.models import Evidence, Frame, FrameSource, ProcessingStatus, SimilarLink, StageRun, StageStatus, TextLine
from archive.pipeline.ocr_prepare import normalise_polarity
from archive.vault import blob_name, vault_rehash
from tests import media
from tests.conftest import PASSWORD, World, collect

HEADLINE = "Sanctions expanded against surveillance firms"


pytestmark = pytest.mark.usefixtures("in_process")


def stages(evidence: Evidence) -> dict[str, tuple[str, str]]:
    return {run.stage: (run.status, run.reason) for run in StageRun.objects.filter(evidence=evidence)}


def text_of(evidence: Evidence) -> str:
    return "\n".join(evidence.frames.order_by("index").values_list("text", flat=True))


def test_a_screenshot_is_read_with_words_boxes_and_confidence(run_pipeline: object) -> None:
    image = media.text_image(["Task: draw boxes around human bodies", "Reward 0.03 per image"])
    evidence = run_pipeline(media.png(image), "task.png")
    assert evidence.status == ProcessingStatus.DONE, stages(evidence)
    assert evidence.metadata["probe"]["width"] == 1280
    frame = evidence.frames.get()
    assert frame.source == FrameSource.IMAGE
    line = frame.lines.order_by("index").first()
    assert line.text == "Task: draw boxes around human bodies"
    assert 50 <= line.left <= 70 and 55 <= line.top <= 75
    assert line.words[0]["text"] == "Task:" and line.words[0]["confidence"] > 80


def test_light_text_on_a_dark_taskbar_and_russian_text_are_read(run_pipeline: object) -> None:
    image = media.text_image(["Новости: 4 сентября 2023"], bar=("14:32  04.09.2023", "#e8e8e8"))
    evidence = run_pipeline(media.png(image), "dark.png")
    text = text_of(evidence)
    assert "Новости: 4 сентября 2023" in text
    assert "04.09.2023" in text


def test_a_dark_taskbar_and_sidebar_are_inverted_exactly_to_their_edges_whatever_runs_along_them() -> None:
    image = media.text_image(["Labelling task 5512"], size=(1366, 768))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(media.FONT, 15)
    draw.rectangle((0, 728, 1365, 767), fill="#1f1f1f")
    draw.rectangle((0, 0, 203, 727), fill="#1f1f1f")
    # Light tray icons and a clock along the inside of the bar's top edge, and
    # labels along the sidebar's right edge, are what tipped the shrunk background.
    for left in range(1050, 1250, 30):
        draw.ellipse((left, 729, left + 14, 743), fill="#ffffff")
    draw.text((1280, 728), "14:32", fill="#ffffff", font=font)
    for top in range(100, 700, 40):
        draw.text((150, top), "Inbox", fill="#ffffff", font=font)
    grey = np.asarray(image.convert("L")).astype(int)
    expected = grey.copy()
    expected[728:] = 255 - grey[728:]
    expected[:728, :204] = 255 - grey[:728, :204]
    assert (np.asarray(normalise_polarity(image)).astype(int) == expected).all()


def test_words_beside_each_other_at_other_heights_or_far_apart_are_read_as_lines_of_their_own(
    run_pipeline: object,
) -> None:
    image = media.text_image([], size=(1280, 720))
    draw = ImageDraw.Draw(image)
    small, menu, clock = (ImageFont.truetype(media.FONT, size) for size in (12, 13, 15))
    # A keyboard layout centred beside a clock's two lines, as on a taskbar.
    draw.text((1000, 80), "ENG", fill="#111111", font=small)
    draw.text((1040, 66), "14:32", fill="#111111", font=clock)
    draw.text((1040, 86), "15.06.2023", fill="#111111", font=clock)
    # A menu bar's menus and, at its far end, its clock.
    draw.text((20, 20), "Finder   File   Edit   View   Go   Window   Help", fill="#111111", font=menu)
    draw.text((1100, 20), "Mon 4 Sep 14:32", fill="#111111", font=menu)
    evidence = run_pipeline(media.png(image), "lines.png")
    lines = list(evidence.frames.get().lines.values_list("text", flat=True))
    for line in ["ENG", "14:32", "15.06.2023", "Finder File Edit View Go Window Help", "Mon 4 Sep 14:32"]:
        assert line in lines, lines


def test_a_recording_keeps_a_headline_shown_for_one_point_two_seconds(run_pipeline: object) -> None:
    page = media.text_image(["Labelling task 5512", "Draw a box around every person"])
    panel = media.text_image(["Labelling task 5512", "Draw a box around every person", "", HEADLINE])
    data = media.recording([(page, 6), (panel, 1.2), (page, 6)])
    evidence = run_pipeline(data, "task.mp4")
    assert evidence.status == ProcessingStatus.DONE, stages(evidence)
    assert evidence.kind == "recording"
    length = evidence.metadata["probe"]["duration"]
    assert round(length) == 13
    frames = list(evidence.frames.order_by("index"))
    assert all(f.source == FrameSource.KEYFRAME and f.image_name for f in frames)
    # The page before and after the panel is the same screen: read once, not twice.
    assert len(frames) == 2
    with_headline = [f for f in frames if HEADLINE in f.text]
    assert len(with_headline) == 1
    assert 6.0 <= with_headline[0].time <= 7.2


def test_a_pdf_text_layer_is_used_and_a_scanned_page_is_read(run_pipeline: object) -> None:
    evidence = run_pipeline(media.text_pdf([["Council decision of 20 July 2023"], ["Annex"]]), "act.pdf")
    assert evidence.status == ProcessingStatus.DONE, stages(evidence)
    first, second = evidence.frames.order_by("index")
    assert (first.source, first.page, first.text) == (FrameSource.PAGE_TEXT, 1, "Council decision of 20 July 2023")
    assert first.lines.get().left == round(72 * 150 / 72)
    assert second.text == "Annex"
    assert stages(evidence)["ocr"][0] == StageStatus.SKIPPED

    scanned = run_pipeline(media.scanned_pdf(media.text_image(["Scanned order of 21 July 2023"])), "scan.pdf")
    frame = scanned.frames.get()
    assert frame.source == FrameSource.PAGE_RENDER
    assert "Scanned order of 21 July 2023" in frame.text


def test_processing_twice_gives_the_same_result_without_duplicates(run_pipeline: object, reprocess: object) -> None:
    evidence = run_pipeline(media.png(media.text_image(["Same text twice"])), "twice.png")
    before = (
        Frame.objects.filter(evidence=evidence).count(),
        TextLine.objects.filter(frame__evidence=evidence).count(),
    )
    evidence = reprocess(evidence, "frames")
    after = (Frame.objects.filter(evidence=evidence).count(), TextLine.objects.filter(frame__evidence=evidence).count())
    assert after == before == (1, 1)
    assert evidence.status == ProcessingStatus.DONE
    assert text_of(evidence) == "Same text twice"
    assert StageRun.objects.get(evidence=evidence, stage="identify").attempts == 1
    assert StageRun.objects.get(evidence=evidence, stage="frames").attempts == 1


def test_the_same_task_recorded_twice_is_linked(run_pipeline: object) -> None:
    page = media.text_image(["Labelling task 7781", "Mark every face"])
    other = media.text_image(["Labelling task 7781", "Mark every face", "Submitted"])
    first = run_pipeline(media.recording([(page, 3), (other, 3)], fps=10), "first.mp4")
    second = run_pipeline(media.recording([(page, 4), (other, 2)], fps=25), "second.mp4")
    unrelated = run_pipeline(media.png(media.text_image(["Something else entirely"], background="#203040")), "x.png")
    link = SimilarLink.objects.get()
    assert (link.first_id, link.second_id) == (first.pk, second.pk)
    assert link.overlap == 1.0
    assert unrelated.status == ProcessingStatus.DONE


BAD_INPUT = [
    ("truncated.png", lambda: media.png(media.text_image(["cut"]))[:3000], "image is damaged"),
    ("bomb.png", media.png_bomb, "40000 x 40000 pixels"),
    ("corrupt.mp4", lambda: b"\x00\x00\x00\x18ftypmp42" + b"\x00garbage" * 500, "ffprobe"),
    ("truncated.pdf", lambda: media.text_pdf([["cut short"]])[:120], "pdfinfo"),
    ("evil.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    ("page.html", lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>", "HTML"),
    ("archive.zip", lambda: b"PK\x05\x06" + b"\x00" * 18, "no reader for application/zip"),
]


@pytest.mark.parametrize(("name", "make", "reason"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_fails_with_a_reason_and_the_original_stays_intact(
    run_pipeline: object, name: str, make: object, reason: str
) -> None:
    data = make()
    evidence = run_pipeline(data, name)
    assert evidence.status == ProcessingStatus.FAILED
    assert reason in evidence.status_reason
    assert vault_rehash(evidence.sha256) == (hashlib.sha256(data).hexdigest(), len(data))
    # The next item still goes through.
    good = run_pipeline(media.png(media.text_image([f"after {name}"])), f"after-{name}.png")
    assert good.status == ProcessingStatus.DONE


def test_a_recording_over_the_limits_fails_before_it_is_decoded(run_pipeline: object, settings: object) -> None:
    data = media.recording([(media.text_image(["long"]), 3)])
    settings.EVIDENCE_MAX_VIDEO_SECONDS = 2
    evidence = run_pipeline(data, "long.mp4")
    assert evidence.status == ProcessingStatus.FAILED
    assert "over the limit of 0 min 02 s (EVIDENCE_MAX_VIDEO_SECONDS)" in evidence.status_reason
    settings.EVIDENCE_MAX_VIDEO_SECONDS = 3600
    settings.EVIDENCE_MAX_VIDEO_PIXELS = 640 * 480
    large = run_pipeline(media.recording([(media.text_image(["wide"]), 1)], fps=5), "wide.mp4")
    assert "1280 x 720 pixels, over the limit" in large.status_reason
    assert not Frame.objects.filter(evidence__in=[evidence, large]).exists()


def test_a_file_whose_extension_lies_is_processed_by_its_bytes(run_pipeline: object) -> None:
    evidence = run_pipeline(media.text_pdf([["Really a PDF"]]), "holiday-photo.jpg")
    assert evidence.status == ProcessingStatus.DONE
    assert evidence.content_type == "application/pdf"
    assert "its name ends in .jpg" in evidence.metadata["identify"]["name_mismatch"]
    assert text_of(evidence) == "Really a PDF"


def test_derived_files_are_rebuilt_not_accumulated(run_pipeline: object, reprocess: object) -> None:
    evidence = run_pipeline(media.recording([(media.text_image(["one"]), 2), (media.text_image(["two"]), 2)]), "r.mp4")
    old = sorted(evidence.frames.values_list("image_name", flat=True))
    assert len(old) == 2
    evidence = reprocess(evidence, "frames")
    new = sorted(evidence.frames.values_list("image_name", flat=True))
    storage = storages["default"]
    assert len(new) == 2 and all(storage.exists(name) for name in new)
    assert not any(storage.exists(name) for name in old)
    folders, _ = storage.listdir(f"derived/{evidence.pk}/frames")
    files = [f for folder in folders for f in storage.listdir(f"derived/{evidence.pk}/frames/{folder}")[1]]
    assert len(files) == 2, "the old keyframes are gone (empty folders may stay on disk)"


def test_a_picture_without_text_is_read_as_no_lines(run_pipeline: object) -> None:
    evidence = run_pipeline(media.png(media.text_image([], background="#8899aa")), "blank.png")
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    assert evidence.frames.get().text == ""


def test_metadata_is_read_from_exif_ffprobe_and_pdfinfo(run_pipeline: object, world: World) -> None:
    photo = run_pipeline(media.camera_jpeg(), "photo.jpg")
    assert photo.kind == "photo", "camera EXIF makes a picture a photo"
    exif = photo.metadata["probe"]["exif"]
    assert (exif["DateTimeOriginal"], exif["OffsetTimeOriginal"], exif["Model"]) == (
        "2023:09:04 14:32:10",
        "+03:00",
        "EOS 80D",
    )

    video = run_pipeline(
        media.recording([(media.text_image(["clip"]), 1)], creation_time="2023-09-04T11:32:10Z"), "clip.mp4"
    )
    assert video.metadata["probe"]["tags"]["creation_time"].startswith("2023-09-04T11:32:10")
    assert video.metadata["probe"]["streams"][0]["codec_name"] == "h264"

    pdf = run_pipeline(media.text_pdf([["Act"]]), "act.pdf")
    assert pdf.metadata["probe"]["CreationDate"] == "2023-07-20T09:30:00+02"
    assert pdf.metadata["probe"]["Producer"] == "Test press"

    page = Client()
    page.login(username=world.owner.username, password=PASSWORD)
    assert "2023:09:04 14:32:10" in page.get(photo.get_absolute_url()).content.decode()


def test_a_recording_with_more_than_a_hundred_screens_keeps_them_all(run_pipeline: object) -> None:
    screens = [media.text_image([f"Screen {n}"], size=(320, 180), font_size=24) for n in range(130)]
    evidence = run_pipeline(media.recording([(s, 1.0) for s in screens], fps=4), "many.mp4")
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    assert evidence.frames.count() == 130
    assert "Screen 129" in evidence.frames.order_by("-index").first().text


@pytest.fixture
def small_disk(settings: object, tmp_path: Path, world: World) -> Iterator[Path]:
    """A real filesystem of 4 MB under the vault (tmpfs), which a test can fill."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {made.stderr.decode().strip()}")
    # What is stored already moves with the vault.
    for item in Evidence.objects.all():
        target = mount / blob_name(item.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        with storages["default"].open(blob_name(item.sha256), "rb") as stored:
            target.write_bytes(stored.read())
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"],
                         "OPTIONS": {"location": str(mount), "file_permissions_mode": 0o444}}}  # fmt: skip
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_while_keyframes_are_written_fails_the_item_with_its_reason_and_loses_nothing(
    world: World, small_disk: Path, run_pipeline: object, reprocess: object
) -> None:
    clip = media.recording([(media.text_image(["Task 5512", "Posted 4 September 2023"]), 2)])
    stored = collect(world.case, clip, "clip.mp4", actor=world.owner).evidence
    # Fill the disk, leaving less room than a keyframe needs.
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 8 * 1024))
    evidence = reprocess(stored, "frames")
    assert evidence.status == "failed"
    assert "storage is full" in evidence.status_reason
    assert vault_rehash(evidence.sha256) == (evidence.sha256, len(clip)), "the original is intact"
    (small_disk / "filler").unlink()
    evidence = reprocess(evidence, "frames")
    assert evidence.status == "done", evidence.status_reason
    out = io.StringIO()
    call_command("verify_archive", "--case", world.case.slug, stdout=out)
    assert "All intact" in out.getvalue()
