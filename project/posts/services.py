"""Writes on posts, files, likes and comments: each one transaction, nothing ever hard-deleted."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.services import model_update

from .models import Comment, File, Like, Post


@transaction.atomic
def post_create(*, author, content: str, files: Iterable[Mapping]) -> Post:
    """A post with its photos and videos (at least one), in one transaction."""
    files = list(files)
    if not files:
        raise ValidationError({"files": ["A post needs at least one photo or video."]})
    post = Post(author=author, content=content)
    post.full_clean()
    post.save()
    for position, spec in enumerate(files):
        file = File(post=post, type=spec["type"], url=spec["url"], position=position)
        file.full_clean()
        file.save()
    return post


def post_update(*, post: Post, **data) -> Post:
    """The post's text (its files are fixed once posted); a partial update may leave it out."""
    return model_update(instance=post, fields=["content"], data=data)[0]


@transaction.atomic
def post_delete(*, post: Post) -> None:
    """Soft-delete the post and its files, likes and comments."""
    post.soft_delete()


@transaction.atomic
def post_restore(*, post: Post) -> None:
    """Restore the post and the rows its deletion took, not rows deleted before it."""
    post.restore()


def _lock_live_post(post: Post) -> None:
    """Refuse a new like or comment on a deleted post.

    The row lock also waits for a post_delete running at this moment, so its cascade
    cannot miss a like or comment written beside it.
    """
    if not list(Post.objects.select_for_update().filter(pk=post.pk).values_list("pk", flat=True)):
        raise ValidationError({"post": ["This post has been deleted."]})


@transaction.atomic
def like(*, user, post: Post) -> Like:
    """Like a post; liking twice changes nothing; liking after unliking brings the like back."""
    _lock_live_post(post)
    existing = Like.objects.filter(user=user, post=post).first()
    if existing:
        return existing
    cancelled = (
        Like.all_objects.select_for_update()
        .filter(user=user, post=post, is_deleted=True)
        .order_by("-deleted_at", "-id")
        .first()
    )
    if cancelled:
        cancelled.restore()
        return cancelled
    try:
        with transaction.atomic():
            return Like.objects.create(user=user, post=post)
    except IntegrityError:
        # Another request liked the same post a moment ago: the database kept one.
        return Like.objects.get(user=user, post=post)


@transaction.atomic
def unlike(*, user, post: Post) -> bool:
    """Cancel a like; True when there was one to cancel. Unliking twice changes nothing."""
    return Like.objects.filter(user=user, post=post).soft_delete() > 0


@transaction.atomic
def comment_create(*, user, post: Post, content: str) -> Comment:
    _lock_live_post(post)
    comment = Comment(user=user, post=post, content=content)
    comment.full_clean()
    comment.save()
    return comment


def comment_update(*, comment: Comment, **data) -> Comment:
    """The comment's text; a partial update may leave it out."""
    return model_update(instance=comment, fields=["content"], data=data)[0]


def comment_delete(*, comment: Comment) -> None:
    comment.soft_delete()
