"""URL map: the REST API under /api/, its OpenAPI schema and docs, and the admin."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.views import ProfileViewSet, TokenView
from core.throttling import login_throttled
from core.views import SwaggerScript, health
from posts.views import CommentViewSet, FileViewSet, LikeViewSet, PostViewSet

router = DefaultRouter()
router.register("profiles", ProfileViewSet, basename="profile")
router.register("posts", PostViewSet, basename="post")
router.register("comments", CommentViewSet, basename="comment")
router.register("files", FileViewSet, basename="file")
router.register("likes", LikeViewSet, basename="like")

urlpatterns = [
    # The login forms behind the login throttle (core.throttling), ahead of the URLs that include them.
    path("admin/login/", login_throttled(admin.site.login)),
    path(
        "api-auth/login/",
        login_throttled(LoginView.as_view(template_name="rest_framework/login.html")),
    ),
    path("admin/", admin.site.urls),
    path("api/health/", health, name="health"),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's set-up script comes from a URL of its own (docs-script/), so the page runs no
    # inline script: the Content-Security-Policy allows none.
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", template_name="core/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include(router.urls)),
    path("api-auth/", include("rest_framework.urls")),
    path("docs-script/", SwaggerScript.as_view(url_name="schema"), name="swagger-script"),
]

# Outside any view (an unknown path, a request Django itself refuses), /api/ still answers JSON.
handler400 = "core.views.bad_request"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
