"""Errors outside the API's views answered the API's way: JSON, with the status that fits."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

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


LENGTH_REQUIRED = "A body needs a Content-Length: this server does not read chunked bodies."


def length_required(request) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": LENGTH_REQUIRED}, status=411)
    return HttpResponse(LENGTH_REQUIRED, status=411, content_type="text/plain; charset=utf-8")


class ApiErrorsMiddleware:
    """A chunked body is refused (411) rather than read as empty; a body declared larger than the
    limit is refused before it is read; a database that
    does not answer, wherever in the request it shows, is a 503 JSON answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # Django reads CONTENT_LENGTH bytes of a body: a chunked one, which has none, would be
            # read as empty (gunicorn passes it on as it came; nginx sends a length of its own).
            return length_required(request)
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


class ContentSecurityPolicyMiddleware:
    """CONTENT_SECURITY_POLICY on the pages under CONTENT_SECURITY_POLICY_PATHS (the admin, the
    API's docs), unless a view set one itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(tuple(settings.CONTENT_SECURITY_POLICY_PATHS)):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
