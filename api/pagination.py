"""How the API pages its lists and words its errors (named in settings.REST_FRAMEWORK)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from archive.services import ServiceError
from timeline.services import ReviewError


class Pages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


def errors(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's own answers to errors, with the services' refusals as 400s in the same shape."""
    if isinstance(exc, ServiceError | ReviewError):
        exc = ValidationError({"detail": str(exc)})
    return exception_handler(exc, context)
