"""Media from a URL through yt-dlp's Python API, every connection through the guarding proxy.

yt-dlp follows platforms as they change, so it is pinned in requirements.txt and
upgraded with one line: ``pip install -U yt-dlp`` then pin the new version.
Only options that fetch are set: a fixed output name in the job's folder, a
size limit, no cookies, no playlists, no post-processors, no external
downloaders and nothing that runs a command.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError, YoutubeDLError

logger = logging.getLogger(__name__)

# yt-dlp's info fields kept as provenance (the platform's own account of the post).
INFO_FIELDS = (
    "extractor", "id", "webpage_url", "title", "description", "uploader", "uploader_id", "channel", "channel_id",
    "upload_date", "timestamp", "release_timestamp", "duration", "view_count", "like_count", "original_url",
)  # fmt: skip
# What may be kept as media; anything else yt-dlp writes is not an original.
MEDIA_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".webm",
        ".mkv",
        ".mov",
        ".m4v",
        ".mp3",
        ".m4a",
        ".ogg",
        ".opus",
        ".wav",
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".gif",
    }
)
_JSON_LD = re.compile(r'<script[^>]+type=["\']application/ld\+json["\'][^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE)


class MediaFailed(Exception):
    """No media could be taken from the URL; the message says why, for a person."""


@dataclass
class Media:
    path: Path
    info: dict[str, Any]
    thumbnails: list[Path] = field(default_factory=list)
    subtitles: list[Path] = field(default_factory=list)


def media_download(url: str, folder: Path, *, proxy: str, max_bytes: int, timeout: float = 60) -> Media | None:
    """Download the best media of a page under the size limit; None when the page has none."""
    options = {
        "proxy": proxy,
        "paths": {"home": str(folder), "temp": str(folder)},
        "outtmpl": {"default": "media.%(ext)s", "thumbnail": "thumbnail.%(ext)s", "subtitle": "subtitles.%(ext)s"},
        "format": f"best[filesize<{max_bytes}]/best[filesize_approx<{max_bytes}]/best",
        "max_filesize": max_bytes,
        "noplaylist": True,
        "writethumbnail": True,
        "writesubtitles": True,
        "socket_timeout": timeout,
        "retries": 2,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "cachedir": False,
        "restrictfilenames": True,
        "overwrites": True,
        # No post-processing: yt-dlp would run ffmpeg on what it downloaded.
        "fixup": "never",
        "postprocessors": [],
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=True)
    except DownloadError as error:
        message = str(error)
        if "Unsupported URL" in message or "No video formats found" in message:
            return None
        raise MediaFailed(_reason(message)) from None
    except YoutubeDLError as error:
        # What yt-dlp lets through: a page whose refresh points where it may not go (mailto:, file:).
        raise MediaFailed(f"yt-dlp could not follow the page: {_reason(str(error))}") from None
    except Exception as error:
        # A hostile page can reach a defect in an extractor; the page's capture must still go on.
        logger.exception("yt-dlp failed on %s", url)
        raise MediaFailed(f"yt-dlp failed on this page ({type(error).__name__}); the worker log has details") from None
    if info is None:
        return None
    files = sorted(folder.glob("media.*"))
    media = [f for f in files if not f.name.endswith((".part", ".ytdl"))]
    if not media:
        raise MediaFailed("the media is larger than the limit, or it could not be saved")
    if media[0].suffix.lower() not in MEDIA_EXTENSIONS:
        raise MediaFailed(
            f"the platform gave a {media[0].suffix or 'nameless'} file, which is not a media file kept here"
        )
    return Media(
        path=media[0],
        info={key: info[key] for key in INFO_FIELDS if info.get(key) is not None},
        thumbnails=sorted(folder.glob("thumbnail.*")),
        subtitles=sorted(folder.glob("subtitles.*")),
    )


def _reason(message: str) -> str:
    text = message.removeprefix("ERROR: ").strip()
    if "Guarded" in text or "Proxy" in text:
        return "blocked address: the guard refused a connection"
    if "HTTP Error 404" in text:
        return "not found (HTTP 404)"
    if "HTTP Error 403" in text or "Private video" in text or "login" in text.lower():
        return "private or refused by the platform"
    if "timed out" in text.lower():
        return "the platform did not answer in time"
    return text[:300]


def posted_at(info: dict[str, Any]) -> tuple[datetime | None, str]:
    """The platform's posting time: an instant from a timestamp, else the whole UTC day of a date."""
    for key in ("timestamp", "release_timestamp"):
        if isinstance(info.get(key), int | float):
            return datetime.fromtimestamp(info[key], tz=UTC), "instant"
    day = info.get("upload_date")
    if isinstance(day, str) and re.fullmatch(r"\d{8}", day):
        return datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC), "day"
    return None, ""


def json_ld_video(html: str) -> dict[str, Any]:
    """What a page's JSON-LD VideoObject says: its name, upload date and author, as yt-dlp info fields."""
    for block in _JSON_LD.findall(html):
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict) or item.get("@type") != "VideoObject":
                continue
            found: dict[str, Any] = {}
            if isinstance(item.get("name"), str):
                found["title"] = item["name"]
            author = item.get("author")
            if isinstance(author, dict) and isinstance(author.get("name"), str):
                found["uploader"] = author["name"]
            upload = item.get("uploadDate")
            if isinstance(upload, str):
                try:
                    moment = datetime.fromisoformat(upload.replace("Z", "+00:00"))
                except ValueError:
                    moment = None
                if moment and moment.tzinfo:
                    found["timestamp"] = int(moment.timestamp())
                elif moment:
                    found["upload_date"] = moment.strftime("%Y%m%d")
            return found
    return {}
