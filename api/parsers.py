"""The API's upload parser: DRF's multipart parser with the vault's, so names arrive as they were sent."""

from __future__ import annotations

from typing import IO, Any

from django.http.multipartparser import MultiPartParserError
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser

from archive.vault import NamesKeptParser


class EvidenceUploadParser(MultiPartParser):
    """As ``MultiPartParser``, but with ``NamesKeptParser``: the uploader is told what was changed in a name."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> DataAndFiles:
        request = (parser_context or {})["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = (parser_context or {}).get("encoding") or request.encoding or "utf-8"
        try:
            data, files = NamesKeptParser(meta, stream, request.upload_handlers, encoding).parse()
        except MultiPartParserError as error:
            raise ParseError(f"Multipart form parse error - {error}") from None
        return DataAndFiles(data, files)
