"""The vault: originals stored once, content-addressed by SHA-256.

Bytes are hashed as they arrive and spooled to a temporary file; only then do
they move into storage under their hash. Hashing the spooled copy, not the
source, means the stored bytes are exactly the hashed bytes even when the
source is a stream or a file that changes under us. Nothing here reads a whole
file into memory, and nothing rewrites or deletes a stored original.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import ImmutableList

CHUNK_SIZE = 1024 * 1024


class VaultError(Exception):
    """A file could not be taken into the vault; the message says why, for a person."""


class HashedFile(TemporaryUploadedFile):
    """A spooled temporary file that knows its SHA-256 and size.

    ``over_limit`` is set when the source was larger than the limit; the bytes
    past the limit were discarded, so such a file must not be stored.
    """

    def __init__(
        self, name: str, content_type: str | None = None, charset: str | None = None, *, raw_name: str = ""
    ) -> None:
        super().__init__(name, content_type or "application/octet-stream", 0, charset)
        # The name as given; UploadedFile's own ``name`` is already shortened and cut to its last part.
        self.raw_name = raw_name or name
        self._hasher = hashlib.sha256()
        self.sha256 = ""
        self.over_limit = False

    def write_chunk(self, chunk: bytes, limit: int) -> None:
        if self.over_limit:
            return
        if self.size + len(chunk) > limit:
            self.over_limit = True
            self.file.truncate(0)
            return
        self.file.write(chunk)
        self._hasher.update(chunk)
        self.size += len(chunk)

    def finish(self) -> HashedFile:
        self.file.flush()
        self.file.seek(0)
        self.sha256 = self._hasher.hexdigest()
        return self


def spool(source: IO[bytes], *, name: str, limit: int | None = None) -> HashedFile:
    """Copy a readable binary stream into a hashed temporary file."""
    limit = settings.EVIDENCE_MAX_UPLOAD_SIZE if limit is None else limit
    spooled = HashedFile(name)
    while chunk := source.read(CHUNK_SIZE):
        spooled.write_chunk(chunk, limit)
        if spooled.over_limit:
            break
    return spooled.finish()


class HashingUploadHandler(FileUploadHandler):
    """Django upload handler that hashes each uploaded file while it streams in.

    It replaces Django's memory and temporary-file handlers, so every upload,
    small or large, arrives as a ``HashedFile`` and is never held in memory.
    """

    def handle_raw_input(self, *args: object, **kwargs: object) -> None:
        # The CSRF check reads the body before any view runs: refuse to spool
        # uploads from visitors who are not logged in.
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            raise StopUpload(connection_reset=True)

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)
        # The name as the browser sent it (see ReceivedNames), which clean_file_name reports on.
        received, self.received_name = getattr(self, "received_name", ""), ""
        self.file = HashedFile(self.file_name, self.content_type, self.charset, raw_name=received)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write_chunk(raw_data, settings.EVIDENCE_MAX_UPLOAD_SIZE)
        return None

    def file_complete(self, file_size: int) -> HashedFile:
        return self.file.finish()

    def upload_interrupted(self) -> None:
        if hasattr(self, "file"):
            self.file.close()


class NamesKeptParser(MultiPartParser):
    """Django's multipart parser, which tells our upload handler each file's name as it was sent.

    Django cuts a name to its last part and drops characters it cannot print
    before any handler sees it, and skips a file whose name it empties
    (``..``): the uploader would not be told, and the custody log would not
    keep the name received. Here the handler gets the name first, and such a
    file is kept under a placeholder that clean_file_name then replaces.
    """

    def sanitize_file_name(self, file_name: str) -> str | None:
        for handler in self._upload_handlers:
            if isinstance(handler, HashingUploadHandler):
                handler.received_name = file_name
        return super().sanitize_file_name(file_name) or "unnamed"


class ReceivedNames:
    """Middleware: uploads are parsed by ``NamesKeptParser``, so names arrive as they were sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.parse_file_upload = partial(_parse_file_upload, request)  # type: ignore[method-assign]
        return self.get_response(request)


def _parse_file_upload(request: HttpRequest, meta: dict, post_data: IO[bytes]) -> tuple:
    """``HttpRequest.parse_file_upload`` with the parser above."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers, warning="You cannot alter upload handlers after the upload has been processed."
    )
    return NamesKeptParser(meta, post_data, request.upload_handlers, request.encoding).parse()


def blob_name(sha256: str) -> str:
    """The storage key of an original: ``originals/ab/cd/abcd...``."""
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    name: str


def vault_store(spooled: HashedFile) -> Blob:
    """Move spooled bytes into storage under their hash; existing bytes are kept as they are."""
    if spooled.over_limit:
        raise VaultError(f"it is larger than the limit of {filesizeformat(settings.EVIDENCE_MAX_UPLOAD_SIZE)}")
    if spooled.size == 0:
        raise VaultError("it is empty (0 bytes)")
    storage = storages["default"]
    name = blob_name(spooled.sha256)
    if storage.exists(name):
        stored_size = storage.size(name)
        if stored_size != spooled.size:
            raise VaultError(
                f"the vault already holds {name} with {stored_size} bytes instead of {spooled.size}; "
                "run verify_archive, the stored copy may be damaged"
            )
        return Blob(spooled.sha256, spooled.size, name)
    saved = storage.save(name, spooled)
    if saved != name:
        # Another process stored the same bytes between our check and our save;
        # keep the first copy and drop our duplicate, which is not an original.
        storage.delete(saved)
    return Blob(spooled.sha256, spooled.size, name)


def vault_open(sha256: str) -> IO[bytes]:
    return storages["default"].open(blob_name(sha256), "rb")


@contextmanager
def vault_local_path(sha256: str) -> Iterator[Path]:
    """A local file holding the original, for programs that need a path (ffmpeg, pdftoppm).

    On disk storage this is the stored file itself, which is read-only; on
    object storage it is a temporary copy that is removed afterwards.
    """
    try:
        local = storages["default"].path(blob_name(sha256))
    except NotImplementedError:
        local = None
    if local:
        yield Path(local)
        return
    with tempfile.NamedTemporaryFile(prefix="original-") as copy:
        for chunk in vault_chunks(sha256):
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def vault_chunks(sha256: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    """Yield the stored bytes of an original, optionally a byte range of it.

    On object storage the range is asked of the server, so that a few bytes of
    a 2 GB recording cost a few bytes: django-storages' files would first copy
    the whole object to a temporary file.
    """
    bucket = getattr(storages["default"], "bucket", None)
    if bucket is not None:
        yield from _object_chunks(bucket, blob_name(sha256), start, length)
        return
    remaining = length
    with vault_open(sha256) as handle:
        handle.seek(start)
        while remaining is None or remaining > 0:
            size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
            chunk = handle.read(size)
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _object_chunks(bucket: object, name: str, start: int, length: int | None) -> Iterator[bytes]:
    if length == 0:
        return
    wanted = f"bytes={start}-{'' if length is None else start + length - 1}"
    body = bucket.Object(name).get(**({"Range": wanted} if start or length is not None else {}))["Body"]
    try:
        yield from body.iter_chunks(CHUNK_SIZE)
    finally:
        body.close()


def vault_rehash(sha256: str) -> tuple[str, int] | None:
    """Hash the stored bytes again: (sha256, size), or None when the original is missing."""
    storage = storages["default"]
    name = blob_name(sha256)
    if not storage.exists(name):
        return None
    hasher = hashlib.sha256()
    size = 0
    for chunk in vault_chunks(sha256):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size
