"""probe: metadata. EXIF for pictures, ffprobe for recordings, pdfinfo for PDFs.

It also enforces the limits (pixels, duration, frame size, pages) before any
stage decodes the content, so a hostile file fails here with its reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from PIL import ExifTags

from archive.models import Evidence
from archive.pipeline.base import Stage, StageFailed, StageSkipped
from archive.pipeline.images import open_image
from archive.pipeline.tools import run_tool
from archive.vault import vault_local_path, vault_open

# EXIF tags worth showing; dates above all.
_EXIF_TAGS = {
    "DateTimeOriginal",
    "OffsetTimeOriginal",
    "DateTimeDigitized",
    "OffsetTimeDigitized",
    "DateTime",
    "OffsetTime",
    "SubsecTimeOriginal",
    "Make",
    "Model",
    "Software",
    "ImageDescription",
    "Artist",
    "GPSDateStamp",
    "GPSTimeStamp",
}


def run(evidence: Evidence) -> None:
    content_type = evidence.content_type
    if content_type.startswith("image/") and content_type != "image/svg+xml":
        found = _probe_image(evidence)
    elif content_type.startswith(("video/", "audio/")):
        found = _probe_media(evidence)
    elif content_type == "application/pdf":
        found = _probe_pdf(evidence)
    else:
        raise StageSkipped(f"no metadata reader for {content_type}")
    evidence.metadata = {**evidence.metadata, "probe": found}
    evidence.save(update_fields=["metadata"])


def _probe_image(evidence: Evidence) -> dict[str, Any]:
    try:
        return _read_image_metadata(evidence)
    except (OSError, SyntaxError, ValueError) as error:
        raise StageFailed(f"the image is damaged: {error}") from None


def _read_image_metadata(evidence: Evidence) -> dict[str, Any]:
    with vault_open(evidence.sha256) as handle:
        image = open_image(handle, load=False)
        found: dict[str, Any] = {"format": image.format, "width": image.width, "height": image.height}
        exif = image.getexif()
        tags = {**dict(exif), **dict(exif.get_ifd(ExifTags.IFD.Exif)), **dict(exif.get_ifd(ExifTags.IFD.GPSInfo))}
        named = {}
        for tag, value in tags.items():
            name = ExifTags.TAGS.get(tag) or ExifTags.GPSTAGS.get(tag)
            if name in _EXIF_TAGS:
                named[name] = _plain(value)
        if named:
            found["exif"] = named
        # PNG text chunks (Creation Time, Software, ...) and similar header fields.
        text = {key: _plain(value) for key, value in image.info.items() if isinstance(value, str) and len(value) < 500}
        if text:
            found["info"] = text
    return found


def _plain(value: Any) -> Any:
    """EXIF values as JSON: bytes decoded, rationals as floats, tuples as lists."""
    if isinstance(value, bytes):
        return value.decode(errors="replace").strip("\x00 ")
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, int | str):
        return value.strip("\x00 ") if isinstance(value, str) else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _probe_media(evidence: Evidence) -> dict[str, Any]:
    with vault_local_path(evidence.sha256) as path:
        result = run_tool(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            timeout=120,
            what="ffprobe (reading the recording's metadata)",
        )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise StageFailed("ffprobe gave no readable answer: the file is probably damaged") from None
    streams = report.get("streams") or []
    media = report.get("format") or {}
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    found: dict[str, Any] = {
        "container": media.get("format_name"),
        "duration": _float(media.get("duration")),
        "size": _float(media.get("size")),
        "tags": media.get("tags") or {},
        "streams": [
            {
                key: stream.get(key)
                for key in ("codec_type", "codec_name", "width", "height", "avg_frame_rate", "duration", "tags")
                if stream.get(key) is not None
            }
            for stream in streams
        ],
    }
    if video is None:
        if evidence.content_type.startswith("video/"):
            raise StageFailed("the recording has no readable video stream")
        return found
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    found.update(width=width, height=height, rotation=_rotation(video))
    duration = found["duration"] or _float(video.get("duration"))
    if not duration or not width or not height:
        raise StageFailed("the recording's duration or frame size cannot be read: the file is probably damaged")
    found["duration"] = duration
    if duration > settings.EVIDENCE_MAX_VIDEO_SECONDS:
        raise StageFailed(
            f"the recording lasts {_hms(duration)}, over the limit of {_hms(settings.EVIDENCE_MAX_VIDEO_SECONDS)} "
            "(EVIDENCE_MAX_VIDEO_SECONDS)"
        )
    if width * height > settings.EVIDENCE_MAX_VIDEO_PIXELS:
        raise StageFailed(
            f"the recording's frames are {width} x {height} pixels, over the limit of "
            f"{settings.EVIDENCE_MAX_VIDEO_PIXELS / 1e6:.1f} MP (EVIDENCE_MAX_VIDEO_PIXELS)"
        )
    return found


def _rotation(stream: dict[str, Any]) -> int:
    """Degrees a player turns the frames (phone recordings), from the display matrix or the old tag."""
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"])) % 360 - (360 if int(float(side["rotation"])) % 360 > 180 else 0)
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) if tag and tag.lstrip("-").isdigit() else 0


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _hms(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _probe_pdf(evidence: Evidence) -> dict[str, Any]:
    with vault_local_path(evidence.sha256) as path:
        result = run_tool(["pdfinfo", "-isodates", str(path)], timeout=60, what="pdfinfo (reading the PDF)")
    found: dict[str, Any] = {}
    for line in result.stdout.decode(errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            found[key.strip()] = value.strip()
    try:
        pages = int(found.get("Pages", "0"))
    except ValueError:
        pages = 0
    if pages < 1:
        raise StageFailed("the PDF has no readable pages")
    if pages > settings.EVIDENCE_MAX_PDF_PAGES:
        raise StageFailed(f"the PDF has {pages} pages, over the limit of {settings.EVIDENCE_MAX_PDF_PAGES}")
    found["Pages"] = pages
    return found


STAGE = Stage(name="probe", queue="default", time_limit=300, run=run)
