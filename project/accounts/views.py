"""Profiles over the API: everyone logged in reads them, each user edits their own; the token login."""

from rest_framework import exceptions, mixins, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.permissions import IsOwnerOrReadOnly
from core.throttling import REFUSED, LoginThrottle, remember_device

from . import services
from .models import Profile
from .serializers import ProfileSerializer


class ProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProfileSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsOwnerOrReadOnly]
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    # What Django's username validator allows; the router's default, [^/.]+, turned
    # "alice.kim" away with a 404 (and let a NUL through to PostgreSQL, a 500).
    lookup_value_regex = r"[\w.@+-]+"
    owner_field = "user"

    def get_queryset(self):
        return Profile.objects.select_related("user")

    def perform_update(self, serializer):
        services.profile_update(profile=serializer.instance, **serializer.validated_data)


class TokenView(ObtainAuthToken):
    """POST a username and password, get the user's API token."""

    # ObtainAuthToken names its own parsers (forms too); the API's own is JSON, too deep a body a 400.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    # Failed logins per address and per user name (core.throttling); the schema lists the 429.
    throttle_classes = [LoginThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        response = Response({"token": token.key})
        # A client that logged in keeps logging in while its name is locked for others (core.throttling).
        remember_device(request, response, user)
        return response

    def throttled(self, request, wait):
        # The detail says the wait itself; given `wait` too, DRF would add a second sentence with it.
        refused = exceptions.Throttled(detail=REFUSED.format(wait))
        refused.wait = wait  # for the Retry-After header
        raise refused
