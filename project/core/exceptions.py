"""API errors: Django's own validation and integrity errors become 400s, never 500s; a database
that does not answer is a 503 with Retry-After; a body over the limit is a 413."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

# Seconds a client should wait before trying again when the database does not answer.
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is not answering; try again in a few seconds."
    default_code = "service_unavailable"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API accepts."
    default_code = "request_too_large"


def exception_handler(exc, context):
    headers = {}
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
    elif isinstance(exc, OperationalError | InterfaceError):
        # The server is down, restarting or not answering within the connect timeout.
        exc = ServiceUnavailable()
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is not None:
        for name, value in headers.items():
            response[name] = value
    return response
