"""Errors outside the API's views answered the API's way: JSON, with the status that fits."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from .exceptions import RETRY_AFTER_SECONDS, RequestTooLarge, ServiceUnavailable

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def service_unavailable() -> JsonResponse:
    response = JsonResponse({"detail": str(ServiceUnavailable.default_detail)}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def request_too_large() -> JsonResponse:
    return JsonResponse({"detail": str(RequestTooLarge.default_detail)}, status=413)


class ApiErrorsMiddleware:
    """A body declared larger than the limit is refused before it is read; a database that
    does not answer, wherever in the request it shows, is a 503 JSON answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and self._declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return request_too_large()
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, OperationalError | InterfaceError):
            return service_unavailable()
        if isinstance(exception, RequestDataTooBig):
            return request_too_large()
        return None

    @staticmethod
    def _declared_length(request) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0
