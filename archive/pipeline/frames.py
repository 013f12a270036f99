"""frames: the pictures and pages that text is read from.

- a picture is its own frame;
- a recording gives keyframes (see ``keyframes.py`` for how they are chosen),
  stored as PNG with their time;
- a PDF gives one frame per page, rendered as PNG; pages with a text layer
  carry its lines and boxes, the others are left for OCR;
- plain text is one frame holding the text.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
from django.conf import settings
from django.db import transaction
from PIL import Image

from archive.derived import derived_clear, derived_name, derived_save
from archive.models import Evidence, Frame, FrameSource, TextLine
from archive.pipeline.base import Stage, StageFailed
from archive.pipeline.images import open_image, upright
from archive.pipeline.keyframes import SAMPLE_FPS, Keyframe, Sample, select_keyframes
from archive.pipeline.tools import run_tool, start_tool, tool_error
from archive.vault import vault_local_path, vault_open

PDF_DPI = 150
# The longest plain text read as one frame; the rest is not searched.
MAX_TEXT_BYTES = 2 * 1024 * 1024
# Formats no stage renders, with the reason a person is shown.
_REFUSED = {
    "image/svg+xml": "SVG pictures are not rendered here: they can carry scripts. Download the original to inspect it",
    "text/html": "HTML is not rendered here: capture the page from its URL instead, or download the original",
}


def run(evidence: Evidence) -> None:
    content_type = evidence.content_type
    if content_type in _REFUSED:
        raise StageFailed(_REFUSED[content_type])
    if content_type.startswith("image/"):
        build = _image_frames
    elif content_type.startswith("video/"):
        build = _video_frames
    elif content_type == "application/pdf":
        build = _pdf_frames
    elif content_type.startswith("text/"):
        build = _text_frames
    else:
        raise StageFailed(f"there is no reader for {content_type}; download the original to inspect it")
    # New derived files go to a folder of their own; the old ones are removed
    # only once the new frames are committed, so no frame points at a lost file.
    folder = f"frames/{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory(prefix="frames-") as workdir:
        frames = build(evidence, Path(workdir), folder)
        with transaction.atomic():
            Frame.objects.filter(evidence=evidence).delete()
            for frame, lines in frames:
                frame.save()
                TextLine.objects.bulk_create(TextLine(frame=frame, **line) for line in lines)
            transaction.on_commit(partial(derived_clear, evidence.pk, "frames", keep=folder))


FrameWithLines = tuple[Frame, list[dict]]


def _image_frames(evidence: Evidence, workdir: Path, folder: str) -> list[FrameWithLines]:
    with vault_open(evidence.sha256) as handle:
        image = upright(open_image(handle))
    frame = Frame(evidence=evidence, index=0, source=FrameSource.IMAGE, width=image.width, height=image.height)
    return [(frame, [])]


def _text_frames(evidence: Evidence, workdir: Path, folder: str) -> list[FrameWithLines]:
    with vault_open(evidence.sha256) as handle:
        text = handle.read(MAX_TEXT_BYTES).decode("utf-8", errors="replace")
    frame = Frame(evidence=evidence, index=0, source=FrameSource.PAGE_TEXT, page=1, text=text, ocr_done=True)
    return [(frame, [])]


def _video_frames(evidence: Evidence, workdir: Path, folder: str) -> list[FrameWithLines]:
    probe = evidence.metadata.get("probe") or {}
    width, height = probe.get("width"), probe.get("height")
    if not width or not height:
        raise StageFailed("the recording's frame size is unknown: run the probe stage first")
    if abs(probe.get("rotation") or 0) == 90:
        # ffmpeg turns frames upright as it decodes them.
        width, height = height, width
    with vault_local_path(evidence.sha256) as path:
        chosen = video_keyframes(path, width=width, height=height, duration=probe.get("duration", 0), workdir=workdir)
    frames = []
    for number, (keyframe, file) in enumerate(chosen):
        name = derived_save(derived_name(evidence.pk, f"{folder}/{number:06d}.png"), file)
        frame = Frame(
            evidence=evidence,
            index=number,
            source=FrameSource.KEYFRAME,
            time=round(keyframe.time, 3),
            image_name=name,
            width=width,
            height=height,
        )
        frames.append((frame, []))
    return frames


def video_keyframes(
    path: Path, *, width: int, height: int, duration: float, workdir: Path
) -> list[tuple[Keyframe, Path]]:
    """The keyframes of a recording as PNG files in ``workdir``, with their times.

    One decoding pass at full size: each sample's green channel (close enough to
    its brightness to see changes) is compared, and a chosen sample's full frame
    is written out as soon as it is chosen. At most a run's four frames are held.
    """
    deadline = time.monotonic() + max(300, duration * 3)
    out = workdir / "keyframes"
    out.mkdir()
    written: list[tuple[Keyframe, Path]] = []

    def write(sample: Sample) -> None:
        if len(written) >= settings.EVIDENCE_MAX_KEYFRAMES:
            raise StageFailed(
                f"the recording changes too often to read: over {settings.EVIDENCE_MAX_KEYFRAMES} different "
                "screens (EVIDENCE_MAX_KEYFRAMES); it may be camera footage or a video playing"
            )
        file = out / f"{sample.index:07d}.png"
        Image.fromarray(sample.frame).save(file, compress_level=1)
        written.append((Keyframe(sample.index, sample.time), file))

    def samples() -> Iterator[Sample]:
        raw = _raw_frames(path, f"fps={SAMPLE_FPS}", "rgb24", width * height * 3, workdir, deadline)
        for index, chunk in enumerate(raw):
            frame = np.frombuffer(chunk, np.uint8).reshape(height, width, 3)
            yield Sample(index, index / SAMPLE_FPS, np.ascontiguousarray(frame[:, :, 1]), frame)

    chosen = select_keyframes(samples(), on_keyframe=write)
    if not chosen:
        raise StageFailed("no frame of the recording could be decoded")
    return written


def _raw_frames(
    path: Path, filters: str, pixel_format: str, size: int, workdir: Path, deadline: float
) -> Iterator[bytes]:
    """Decode a recording through ``filters`` as raw frames of ``size`` bytes, one at a time."""
    errors = workdir / "ffmpeg-errors.txt"
    process = start_tool(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vf", filters, "-an", "-sn"]
        + ["-f", "rawvideo", "-pix_fmt", pixel_format, "pipe:1"],
        stderr=errors,
    )
    count = 0
    try:
        while chunk := process.stdout.read(size):
            if len(chunk) < size:
                break
            if time.monotonic() > deadline:
                raise StageFailed("decoding the recording took too long and was stopped")
            yield chunk
            count += 1
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()
    if count == 0:
        raise StageFailed(f"ffmpeg could not decode the recording: {tool_error(errors.read_bytes())}")


def _pdf_frames(evidence: Evidence, workdir: Path, folder: str) -> list[FrameWithLines]:
    pages = (evidence.metadata.get("probe") or {}).get("Pages")
    if not pages:
        raise StageFailed("the PDF's page count is unknown: run the probe stage first")
    with vault_local_path(evidence.sha256) as path:
        run_tool(
            ["pdftoppm", "-r", str(PDF_DPI), "-png", str(path), str(workdir / "page")],
            timeout=60 + 10 * pages,
            what="pdftoppm (rendering pages)",
        )
        run_tool(
            ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path), str(workdir / "text.html")],
            timeout=60 + 5 * pages,
            what="pdftotext (reading the text layer)",
        )
    rendered = {int(re.search(r"(\d+)\.png$", f.name).group(1)): f for f in workdir.glob("page-*.png")}
    text_pages = _text_layer(workdir / "text.html", PDF_DPI / 72)
    frames = []
    for number in sorted(rendered):
        image = open_image(str(rendered[number]), load=False)
        name = derived_save(derived_name(evidence.pk, f"{folder}/page-{number:05d}.png"), rendered[number])
        lines = text_pages.get(number, [])
        frame = Frame(
            evidence=evidence,
            index=number - 1,
            source=FrameSource.PAGE_TEXT if lines else FrameSource.PAGE_RENDER,
            page=number,
            image_name=name,
            width=image.width,
            height=image.height,
            text="\n".join(line["text"] for line in lines),
            ocr_done=bool(lines),
        )
        frames.append((frame, lines))
    return frames


def _text_layer(path: Path, scale: float) -> dict[int, list[dict]]:
    """Lines with boxes (in pixels of the rendered page) from pdftotext's -bbox-layout output."""
    namespace = "{http://www.w3.org/1999/xhtml}"
    # The file is written by pdftotext from the PDF's text, which it escapes.
    root = ElementTree.parse(path).getroot()  # noqa: S314
    pages: dict[int, list[dict]] = {}
    for number, page in enumerate(root.iter(f"{namespace}page"), start=1):
        lines = []
        for line in page.iter(f"{namespace}line"):
            words = [_box(word, scale) | {"text": (word.text or "").strip()} for word in line.iter(f"{namespace}word")]
            words = [word for word in words if word["text"]]
            if words:
                lines.append(
                    _box(line, scale)
                    | {
                        "index": len(lines),
                        "text": " ".join(w["text"] for w in words),
                        "confidence": None,
                        "words": words,
                    }
                )
        if lines:
            pages[number] = lines
    return pages


def _box(element: ElementTree.Element, scale: float) -> dict[str, int]:
    x_min, y_min = float(element.get("xMin", 0)), float(element.get("yMin", 0))
    x_max, y_max = float(element.get("xMax", 0)), float(element.get("yMax", 0))
    return {
        "left": round(x_min * scale),
        "top": round(y_min * scale),
        "width": round((x_max - x_min) * scale),
        "height": round((y_max - y_min) * scale),
    }


STAGE = Stage(name="frames", queue="heavy", time_limit=2 * 3600, run=run)
