"""The write functions: each is one transaction, and repeating like/unlike changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from demo.factories import make_post
from posts import services
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db

PHOTO = {"type": "image", "url": "https://media.example.com/a.jpg"}
VIDEO = {"type": "video", "url": "https://media.example.com/b.mp4"}


def test_post_create_saves_the_post_and_its_files_in_order(alice):
    post = services.post_create(author=alice, content="Two shots", files=[PHOTO, VIDEO])
    assert Post.objects.get(pk=post.pk).author == alice
    got = list(File.objects.filter(post=post).values_list("position", "type", "url"))
    assert got == [(0, "image", PHOTO["url"]), (1, "video", VIDEO["url"])]


def test_post_create_without_files_is_refused(alice):
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(author=alice, content="No photo", files=[])
    assert excinfo.value.message_dict == {"files": ["A post needs at least one photo or video."]}
    assert not Post.all_objects.exists()


@pytest.mark.parametrize(
    "bad_file",
    [{"type": "audio", "url": PHOTO["url"]}, {"type": "image", "url": "not a url"}],
    ids=["bad-type", "bad-url"],
)
def test_post_create_with_one_bad_file_saves_nothing(alice, bad_file):
    with pytest.raises(ValidationError):
        services.post_create(author=alice, content="Good then bad", files=[PHOTO, bad_file])
    assert not Post.all_objects.exists()
    assert not File.all_objects.exists()


def test_post_create_refuses_empty_content(alice):
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(author=alice, content="", files=[PHOTO])
    assert "content" in excinfo.value.message_dict
    assert not Post.all_objects.exists()


def test_post_update_changes_the_content(post):
    services.post_update(post=post, content="Sunset, take two")
    assert Post.objects.get(pk=post.pk).content == "Sunset, take two"


def test_post_delete_and_restore_round_trip(post, bob):
    services.like(user=bob, post=post)
    services.post_delete(post=post)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Like.objects.filter(post=post).exists()
    services.post_restore(post=Post.all_objects.get(pk=post.pk))
    assert Like.objects.filter(post=post, user=bob).exists()
    assert File.objects.filter(post=post).count() == 2


def test_like_twice_keeps_one_like(post, bob):
    first = services.like(user=bob, post=post)
    second = services.like(user=bob, post=post)
    assert first.pk == second.pk
    assert Like.all_objects.filter(post=post, user=bob).count() == 1


def test_unlike_twice_cancels_once(post, bob):
    services.like(user=bob, post=post)
    assert services.unlike(user=bob, post=post) is True
    assert services.unlike(user=bob, post=post) is False
    assert not Like.objects.filter(post=post, user=bob).exists()
    assert Like.all_objects.filter(post=post, user=bob, is_deleted=True).count() == 1


def test_unlike_without_a_like_changes_nothing(post, bob):
    assert services.unlike(user=bob, post=post) is False
    assert not Like.all_objects.exists()


def test_like_after_unlike_restores_the_cancelled_like(post, bob):
    first = services.like(user=bob, post=post)
    services.unlike(user=bob, post=post)
    again = services.like(user=bob, post=post)
    assert again.pk == first.pk
    assert again.is_deleted is False
    assert Like.all_objects.filter(post=post, user=bob).count() == 1
    assert Like.objects.get(pk=first.pk).deleted_at is None


def test_comment_create_update_delete(post, bob):
    comment = services.comment_create(user=bob, post=post, content="What a sky!")
    assert Comment.objects.get(pk=comment.pk).content == "What a sky!"
    services.comment_update(comment=comment, content="What a sky!!")
    assert Comment.objects.get(pk=comment.pk).content == "What a sky!!"
    services.comment_delete(comment=comment)
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert Comment.all_objects.get(pk=comment.pk).is_deleted


def test_comment_create_refuses_empty_content(post, bob):
    with pytest.raises(ValidationError) as excinfo:
        services.comment_create(user=bob, post=post, content="")
    assert "content" in excinfo.value.message_dict
    assert not Comment.all_objects.exists()


def test_comment_update_refuses_empty_content(post, bob):
    comment = services.comment_create(user=bob, post=post, content="Nice")
    with pytest.raises(ValidationError):
        services.comment_update(comment=comment, content="")
    assert Comment.objects.get(pk=comment.pk).content == "Nice"


def test_liking_other_posts_does_not_touch_this_one(alice, bob):
    first, second = make_post(alice, "first"), make_post(alice, "second")
    services.like(user=bob, post=first)
    services.unlike(user=bob, post=second)
    assert Like.objects.filter(post=first, user=bob).exists()


def test_like_on_a_deleted_post_is_refused(post, bob):
    services.post_delete(post=post)
    with pytest.raises(ValidationError) as excinfo:
        services.like(user=bob, post=post)
    assert excinfo.value.message_dict == {"post": ["This post has been deleted."]}
    assert not Like.all_objects.exists()


def test_comment_on_a_deleted_post_is_refused(post, bob):
    stale = Post.objects.get(pk=post.pk)
    services.post_delete(post=post)
    with pytest.raises(ValidationError):
        services.comment_create(user=bob, post=stale, content="Too late")
    assert not Comment.all_objects.exists()


def test_restoring_a_post_does_not_revive_a_like_cancelled_after_a_relike(post, bob):
    """like -> unlike -> like again restores the same row, so there is one row to bring back."""
    services.like(user=bob, post=post)
    services.unlike(user=bob, post=post)
    services.like(user=bob, post=post)
    services.post_delete(post=post)
    services.post_restore(post=Post.all_objects.get(pk=post.pk))
    assert Like.objects.filter(post=post, user=bob).count() == 1


@pytest.mark.parametrize("content", ["   ", "x" * 1001])
def test_comment_create_refuses_blank_or_too_long_text_before_the_database_does(post, bob, content):
    with pytest.raises(ValidationError) as excinfo:
        services.comment_create(user=bob, post=post, content=content)
    assert "content" in excinfo.value.message_dict
    assert not Comment.all_objects.filter(post=post, user=bob).exists()


def test_post_update_refuses_content_longer_than_2200_characters(post):
    with pytest.raises(ValidationError) as excinfo:
        services.post_update(post=post, content="x" * 2201)
    assert "content" in excinfo.value.message_dict
