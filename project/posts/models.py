"""Posts with their photos and videos, and the likes and comments users leave on them."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from core.models import (
    AliveManager,
    SoftDeleteModel,
    SoftDeleteQuerySet,
    bounded_text,
    max_length_constraint,
    not_blank,
)


def _excerpt(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PostQuerySet(SoftDeleteQuerySet):
    def soft_delete(self, *, at=None) -> int:
        """Delete the posts with their files, likes and comments, all at the same instant.

        Instance delete(), QuerySet.delete() and the admin's bulk action all come here,
        so none of them leaves a live file, like or comment on a deleted post.
        """
        at = at or timezone.now()
        with transaction.atomic(using=self.db):
            ids = list(self.filter(is_deleted=False).values_list("pk", flat=True))
            count = SoftDeleteQuerySet.soft_delete(Post.all_objects.filter(pk__in=ids), at=at)
            for model in (File, Like, Comment):
                model.all_objects.filter(post_id__in=ids).soft_delete(at=at)
        return count

    def restore(self) -> int:
        """Bring back the posts and exactly the rows their deletion took (same deleted_at)."""
        with transaction.atomic(using=self.db):
            ids = list(self.filter(is_deleted=True).values_list("pk", flat=True))
            for model in (File, Like, Comment):
                model.all_objects.filter(post_id__in=ids, deleted_at=F("post__deleted_at")).restore()
            return SoftDeleteQuerySet.restore(Post.all_objects.filter(pk__in=ids))

    def with_counts(self):
        """like_count and comment_count of live likes and comments."""
        return self.annotate(
            like_count=Count("likes", filter=Q(likes__is_deleted=False), distinct=True),
            comment_count=Count("comments", filter=Q(comments__is_deleted=False), distinct=True),
        )

    def liked_by_flag(self, user):
        """liked_by_me: whether `user` has a live like on the post."""
        if not user or not user.is_authenticated:
            return self.annotate(liked_by_me=models.Value(False))
        live_like = Like.objects.filter(post=OuterRef("pk"), user=user)
        return self.annotate(liked_by_me=Exists(live_like))

    def for_feed(self, user=None):
        """Everything a list of posts shows, in a fixed number of queries."""
        return (
            self.select_related("author__profile")
            .prefetch_related(Prefetch("files", queryset=File.objects.order_by("position", "id")))
            .with_counts()
            .liked_by_flag(user)
            # Meta.ordering is not applied to queries with GROUP BY (the counts), so say it.
            .order_by(*Post._meta.ordering)
        )


class PostManager(AliveManager.from_queryset(PostQuerySet)):
    pass


class Post(SoftDeleteModel):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    content = bounded_text(2200, validators=[not_blank])
    likers = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Like", related_name="liked_posts")
    commenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Comment", related_name="commented_posts"
    )

    objects = PostManager()
    all_objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "-created_at"], name="post_author_created_idx")]
        constraints = [
            SoftDeleteModel.soft_delete_constraint("post_deleted_at_matches_flag"),
            models.CheckConstraint(condition=Q(content__regex=r"\S"), name="post_content_not_blank"),
            max_length_constraint("content", 2200, "post_content_at_most_2200"),
        ]

    def __str__(self) -> str:
        return f'Post #{self.pk} by {self.author.username}: "{_excerpt(self.content)}"'

    # soft_delete() and restore() come from SoftDeleteModel, which goes through
    # PostQuerySet: deleting a post takes its files, likes and comments with it, and
    # restoring it brings back exactly those.


class File(SoftDeleteModel):
    class Type(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="files")
    type = models.CharField(max_length=5, choices=Type.choices)
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)
    # What the upload carried (size, camera, duration...): varies by type, so JSONB, not columns.
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["post_id", "position", "id"]
        indexes = [GinIndex(fields=["metadata"], name="file_metadata_gin")]
        constraints = [
            SoftDeleteModel.soft_delete_constraint("file_deleted_at_matches_flag"),
            models.CheckConstraint(
                condition=Q(type__in=["image", "video"]), name="file_type_is_image_or_video"
            ),
        ]

    def __str__(self) -> str:
        return f"File #{self.pk} ({self.type}) of Post #{self.post_id}"


class Like(SoftDeleteModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="likes")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="likes")

    class Meta:
        ordering = ["post_id", "created_at", "id"]
        constraints = [
            SoftDeleteModel.soft_delete_constraint("like_deleted_at_matches_flag"),
            # At most one live like per user and post; cancelled likes stay as history.
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(is_deleted=False),
                name="one_live_like_per_user_and_post",
            ),
        ]

    def __str__(self) -> str:
        return f"Like #{self.pk}: {self.user.username} likes Post #{self.post_id}"


class Comment(SoftDeleteModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="comments")
    content = bounded_text(1000, validators=[not_blank])

    class Meta:
        ordering = ["post_id", "created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_created_idx")]
        constraints = [
            SoftDeleteModel.soft_delete_constraint("comment_deleted_at_matches_flag"),
            # Not empty and not only whitespace.
            models.CheckConstraint(condition=Q(content__regex=r"\S"), name="comment_content_not_empty"),
            max_length_constraint("content", 1000, "comment_content_at_most_1000"),
        ]

    def __str__(self) -> str:
        excerpt = _excerpt(self.content, 24)
        return f'Comment #{self.pk} by {self.user.username} on Post #{self.post_id}: "{excerpt}"'
