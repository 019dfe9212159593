"""API errors: Django's own validation and integrity errors become 400s, never 500s."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            detail={"non_field_errors": ["This conflicts with data that already exists."]}
        )
    elif isinstance(exc, DataError):
        # A value PostgreSQL cannot hold or compare (a NUL byte, a number out of range) that
        # slipped past the serializers: the request is at fault, not the server.
        exc = exceptions.ValidationError(
            detail={"non_field_errors": ["A value in this request cannot be stored in the database."]}
        )
    return drf_exception_handler(exc, context)
