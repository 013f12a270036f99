"""The OpenAPI schema's shared parts: every operation documents the errors it may answer with."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer

ERROR = {
    "type": "object",
    "description": "What was wrong: ``detail`` for the whole request, or a list of messages per field.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERRORS = {
    "400": "The request cannot be carried out as sent; the body says why.",
    "401": "No token, or one that is unknown or revoked.",
    "403": "Your role, or a read-only token, does not allow this.",
    "404": "No such case (or one you are not a member of), or no such item in it.",
    "405": "The address does not take this method.",
    "406": "The response cannot be given in the type asked for.",
    "415": "The body is not of a type this address takes.",
}


def error_responses(result: dict[str, Any], generator: object, request: object, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the error answers, in one shape, to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(code, {"description": description, "content": reference})
            if "413" in responses:
                responses["413"].setdefault("content", reference)
    return result


class Schema(AutoSchema):
    """drf-spectacular's schema, told which views answer with a list (``listing``) rather than guessing by path."""

    def _is_list_view(self, serializer: object = None) -> bool:
        if serializer is not None and is_list_serializer(serializer):
            return True
        return self.method == "GET" and getattr(self.view, "listing", False)


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API token: Authorization: Bearer evt_..."}
