"""The OpenAPI schema, made to tell the whole truth: every error status an operation can answer,
with its body, and the bounds the server enforces on ids, text, pages and URLs."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from .params import BIGINT_MAX
from .validators import HTTP_URL_PATTERN

# Text DRF accepts: never a NUL (PostgreSQL cannot store one), and where blank is refused, at
# least one character that is not whitespace (DRF trims, then finds it empty).
NO_NUL = r"^[^\u0000]*$"
# Where blank is allowed, drf-spectacular adds the empty string as a oneOf of its own.
NOT_EMPTY_NO_NUL = r"^[^\u0000]+$"
# Whitespace as Python's str.strip() (and so DRF) sees it, spelled out: \s means less in a schema.
WHITESPACE = r"\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in one sentence.")


def validation_error_schema() -> dict:
    return {
        "type": "object",
        "description": (
            "Field name (or non_field_errors) to a list of messages; nested lists and objects "
            'for nested fields; or {"detail": ...} for a body that cannot be read.'
        ),
        "additionalProperties": {},
    }


ERRORS = {
    "400": "The request is not valid: messages by field.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Logged in, but not allowed (not the owner), or a session request without its CSRF token.",
    "404": "No such row (or it was deleted), or no such page.",
    "413": "The request body is larger than this API accepts.",
    "415": "The request body is in a media type this operation does not read.",
    "429": "Too many requests; the Retry-After header says when to try again.",
    "503": "The database is not answering; the Retry-After header says when to try again.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_statuses():
            if code in responses:
                continue
            body = validation_error_schema() if code == "400" else ErrorSerializer
            response = self._get_response_for_code(OpenApiResponse(body, ERRORS[code]), code)
            responses[code] = response
        return responses

    def _error_statuses(self) -> list[str]:
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        has_path_params = "{" in self.path
        has_query = bool(self.get_override_parameters()) or (
            self._is_list_view() and self._get_paginator() is not None
        )
        authenticates = bool(self.view.get_authenticators())
        statuses = []
        if has_body or has_query or has_path_params:
            statuses.append("400")
        if authenticates:
            statuses.append("401")
            if self.method not in SAFE_METHODS:
                statuses.append("403")
        if has_path_params or has_query:
            statuses.append("404")
        if has_body:
            statuses += ["413", "415"]
        if self.view.get_throttles():
            statuses.append("429")
        statuses.append("503")
        return statuses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or "$ref" in schema:
            return schema
        if isinstance(field, serializers.CharField):
            schema.update(_text_bounds(field))
        elif isinstance(field, serializers.ListSerializer | serializers.ListField):
            if not field.allow_empty:
                schema["minItems"] = 1
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema


def _text_bounds(field: serializers.CharField) -> dict:
    if isinstance(field, serializers.URLField):
        # The pattern is what the server checks, exactly; every string it matches is a "uri".
        return {"pattern": HTTP_URL_PATTERN}
    if field.allow_blank:
        return {"pattern": NOT_EMPTY_NO_NUL}
    if field.trim_whitespace:
        return {"pattern": NOT_BLANK, "minLength": 1}
    return {"pattern": NO_NUL, "minLength": 1}


def _bound(parameter: dict, **bounds) -> None:
    parameter.setdefault("schema", {}).update(bounds)


def postprocess_bounds(result, generator, request, public):
    """Bounds on path and query parameters, which drf-spectacular cannot see in the views."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                name, where = parameter["name"], parameter["in"]
                if where == "path" and name == "id" or where == "query" and name == "post":
                    _bound(parameter, type="integer", minimum=1, maximum=BIGINT_MAX)
                elif where == "query" and name == "page":
                    _bound(parameter, minimum=1)
                elif where == "query" and name == "page_size":
                    _bound(parameter, minimum=1, maximum=100)
                elif where == "query" and name in ("user", "author"):
                    _bound(parameter, pattern=NO_NUL)
                elif where == "path" and name == "username":
                    # Django's username characters, as the router's lookup_value_regex allows them.
                    _bound(parameter, pattern=r"^[\w.@+-]+$", maxLength=150)
    return result
