"""Posts, files, likes and comments over the API. Every list runs a fixed number of queries."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.params import int_param, text_param
from core.permissions import IsOwnerOrReadOnly

from . import services
from .models import Comment, File, Like, Post
from .serializers import (
    CommentSerializer,
    FileSerializer,
    LikeSerializer,
    PostCreateSerializer,
    PostSerializer,
    PostUpdateSerializer,
)

POST_FILTER = OpenApiParameter("post", int, description="Only rows of this post")
USER_FILTER = OpenApiParameter("user", str, description="Only rows of this username")
AUTHOR_FILTER = OpenApiParameter("author", str, description="Only posts of this username")


@extend_schema_view(list=extend_schema(parameters=[AUTHOR_FILTER]))
class PostViewSet(viewsets.ModelViewSet):
    permission_classes = [*viewsets.ModelViewSet.permission_classes, IsOwnerOrReadOnly]
    owner_field = "author"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = Post.objects.for_feed(self.request.user)
        author = text_param(self.request, "author")
        if author:
            queryset = queryset.filter(author__username=author)
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return PostCreateSerializer
        if self.action in ("update", "partial_update"):
            return PostUpdateSerializer
        if self.action == "comments":
            return CommentSerializer
        return PostSerializer

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = serializer.save()
        return Response(self._read(post.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=PostUpdateSerializer, responses=PostSerializer)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        post = self.get_object()
        serializer = self.get_serializer(post, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(self._read(post.pk))

    def perform_destroy(self, instance):
        services.post_delete(post=instance)

    @extend_schema(methods=["POST"], request=None, responses={200: LikeSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def like(self, request, pk=None):
        """POST likes the post, DELETE cancels the like; both may be repeated safely."""
        post = get_object_or_404(Post.objects.all(), pk=pk)
        if request.method == "DELETE":
            services.unlike(user=request.user, post=post)
            return Response(status=status.HTTP_204_NO_CONTENT)
        like = services.like(user=request.user, post=post)
        return Response(LikeSerializer(like).data)

    @extend_schema(methods=["GET"], responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=viewsets.ModelViewSet.permission_classes,
    )
    def comments(self, request, pk=None):
        """GET lists the post's comments, oldest first; POST adds one."""
        post = get_object_or_404(Post.objects.all(), pk=pk)
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            comment = services.comment_create(
                user=request.user, post=post, content=serializer.validated_data["content"]
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        queryset = Comment.objects.filter(post=post).select_related("user")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    def _read(self, pk):
        post = Post.objects.for_feed(self.request.user).get(pk=pk)
        return PostSerializer(post, context=self.get_serializer_context()).data


@extend_schema_view(list=extend_schema(parameters=[POST_FILTER, USER_FILTER]))
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CommentSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsOwnerOrReadOnly]
    owner_field = "user"

    def get_queryset(self):
        # A comment of a deleted post is gone with it, even one that came back alone.
        queryset = Comment.objects.filter(post__is_deleted=False).select_related("user")
        return _filter_by_post_and_user(self.request, queryset)

    def perform_destroy(self, instance):
        services.comment_delete(comment=instance)


@extend_schema_view(list=extend_schema(parameters=[POST_FILTER]))
class FileViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FileSerializer

    def get_queryset(self):
        post = int_param(self.request, "post")
        queryset = File.objects.filter(post__is_deleted=False)
        return queryset.filter(post_id=post) if post else queryset


@extend_schema_view(list=extend_schema(parameters=[POST_FILTER, USER_FILTER]))
class LikeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LikeSerializer

    def get_queryset(self):
        return _filter_by_post_and_user(
            self.request, Like.objects.filter(post__is_deleted=False).select_related("user")
        )


def _filter_by_post_and_user(request, queryset):
    post = int_param(request, "post")
    if post:
        queryset = queryset.filter(post_id=post)
    username = text_param(request, "user")
    if username:
        queryset = queryset.filter(user__username=username)
    return queryset
