"""The health endpoint (200 only when PostgreSQL answers a query) and the API's JSON error pages."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .exceptions import RETRY_AFTER_SECONDS
from .middleware import is_api

HEALTH = inline_serializer("Health", {"status": serializers.CharField(), "database": serializers.CharField()})


@extend_schema(responses={200: HEALTH, 503: HEALTH})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Response(
            {"status": "unavailable", "database": "down"},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return Response({"status": "ok", "database": "up"})


# Django's own error pages, answered in JSON under /api/ (a client there reads JSON, not HTML).


def bad_request(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


class SwaggerScript(SpectacularSwaggerSplitView):
    """Swagger UI's set-up script (GET ?script=), which /api/docs/ loads by URL instead of inline."""
