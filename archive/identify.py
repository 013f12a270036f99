"""What a file is, read from its bytes; what its name may and may not tell us.

Plain functions with no Django import. The file name is kept as data to show:
it never decides the content type and never becomes a path.
"""

from __future__ import annotations

import mimetypes
import os
import unicodedata
from pathlib import PurePosixPath

import magic

SNIFF_BYTES = 64 * 1024
MAX_NAME_LENGTH = 255

# Types the evidence page may show inline (with nosniff and a sandbox policy).
# Everything else, HTML and SVG above all, is only ever sent as an attachment.
_INLINE_IMAGE = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
_INLINE_VIDEO = {"video/mp4", "video/webm", "video/ogg", "video/quicktime", "video/x-matroska"}
_DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/rtf",
    "text/plain",
    "text/csv",
    "text/html",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Names libmagic and the mimetypes module use for the same thing.
_SAME_TYPE = {
    "image/jpg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "video/x-msvideo": "video/avi",
    "audio/x-wav": "audio/wav",
}


def sniff_content_type(head: bytes) -> str:
    """The content type libmagic reads from the first bytes of a file."""
    if not head:
        return "application/x-empty"
    return magic.from_buffer(head[:SNIFF_BYTES], mime=True)


def kind_for(content_type: str) -> str:
    """The evidence kind a content type suggests (EvidenceKind values)."""
    major = content_type.split("/", 1)[0]
    if major == "image":
        return "screenshot"
    if major == "video":
        return "recording"
    if content_type in _DOCUMENT_TYPES:
        return "document"
    return "other"


def preview_kind(content_type: str) -> str:
    if content_type in _INLINE_IMAGE:
        return "image"
    if content_type in _INLINE_VIDEO:
        return "video"
    if content_type == "application/pdf":
        return "pdf"
    return "none"


def clean_file_name(raw: str) -> tuple[str, list[str]]:
    """A file name fit to show and keep, and what had to be changed in it.

    Only the last path component is kept; control and bidirectional-override
    characters (which can make ``evil\u202egpj.exe`` read as ``evil.exe.jpg``)
    are removed.
    """
    notes = []
    # A name read from disk may hold bytes that are not UTF-8 (an archive made
    # on Windows, say); Python keeps them as lone surrogates, which cannot be stored.
    try:
        name = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        name = raw.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if name != raw:
        notes.append("its name was not valid UTF-8; the undecodable bytes were replaced")
    name = name.replace("\\", "/")
    if "/" in name:
        notes.append("its name contained path separators, so only the last part was kept")
        name = PurePosixPath(name).name
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    if cleaned != name:
        notes.append("its name contained control characters, which were removed")
    cleaned = cleaned.strip().strip(".") or "unnamed"
    if len(cleaned) > MAX_NAME_LENGTH:
        notes.append(f"its name was longer than {MAX_NAME_LENGTH} characters and was shortened")
        suffix = PurePosixPath(cleaned).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        cleaned = cleaned[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return cleaned, notes


def name_mismatch(name: str, content_type: str) -> str | None:
    """A sentence for when the name's extension claims another type than the bytes."""
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if not guessed:
        return None
    guessed = _SAME_TYPE.get(guessed, guessed)
    actual = _SAME_TYPE.get(content_type, content_type)
    if guessed == actual or (guessed.startswith("text/") and actual.startswith("text/")):
        return None
    suffix = PurePosixPath(name).suffix
    return f"its name ends in {suffix} ({guessed}) but its bytes are {actual}; it is kept as {actual}"


def shown_path(path: os.PathLike[str] | str) -> str:
    """A path as a terminal or a JSON reader may be given it: valid UTF-8, nothing that acts on the screen.

    Bytes that are not UTF-8 (a name from another system) are written as
    ``\\xNN``, and control, format and bidi-override characters as their
    escapes (``\\x1b``, ``\\u202e``), so a name can neither break the JSON nor
    move the cursor, recolour the terminal or reverse the text after it.
    """
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)
