"""Post, File, Like and Comment: their names, order, soft-delete cascade and database constraints."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from demo.factories import make_post
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_post(post, alice, bob, carol):
    """alice's post with two files, likes by bob and carol, comments by bob and carol."""
    Like.objects.create(user=bob, post=post)
    Like.objects.create(user=carol, post=post)
    Comment.objects.create(user=bob, post=post, content="What a sky!")
    Comment.objects.create(user=carol, post=post, content="Busan is the best in summer.")
    return post


# --- __str__ and ordering -------------------------------------------------------------


def test_str_of_post_names_id_author_and_content(alice):
    post = make_post(alice, "Sunset at Haeundae")
    assert str(post) == f'Post #{post.pk} by alice: "Sunset at Haeundae"'


def test_str_of_post_shortens_long_content_to_30_characters_and_flattens_whitespace(alice):
    post = make_post(alice, "Night view\nfrom   Namsan Tower, the whole city lit up")
    assert str(post) == f'Post #{post.pk} by alice: "Night view from Namsan Tower,…"'


def test_str_of_file_like_and_comment(busy_post, bob):
    file = busy_post.files.get(position=1)
    like = Like.objects.get(post=busy_post, user=bob)
    comment = Comment.objects.get(post=busy_post, user=bob)
    assert str(file) == f"File #{file.pk} (video) of Post #{busy_post.pk}"
    assert str(like) == f"Like #{like.pk}: bob likes Post #{busy_post.pk}"
    assert str(comment) == f'Comment #{comment.pk} by bob on Post #{busy_post.pk}: "What a sky!"'


def test_str_of_comment_shortens_content_to_24_characters(busy_post, carol):
    comment = Comment.objects.get(post=busy_post, user=carol)
    assert (
        str(comment) == f'Comment #{comment.pk} by carol on Post #{busy_post.pk}: "Busan is the best in su…"'
    )


def test_posts_are_ordered_newest_first_and_by_id_on_a_tie(alice):
    at = timezone.now()
    old = Post.objects.create(author=alice, content="old", created_at=at - timedelta(days=1))
    tie_a = Post.objects.create(author=alice, content="tie a", created_at=at)
    tie_b = Post.objects.create(author=alice, content="tie b", created_at=at)
    assert Post._meta.ordering == ["-created_at", "-id"]
    assert list(Post.objects.all()) == [tie_b, tie_a, old]


def test_files_are_ordered_by_post_then_position(alice):
    first = make_post(alice, "first")
    second = make_post(alice, "second")
    File.objects.create(post=first, type="video", url="https://media.example.com/z.mp4", position=1)
    late = File.objects.create(post=first, type="image", url="https://media.example.com/a.jpg", position=0)
    got = [(f.post_id, f.position) for f in File.objects.all()]
    assert got == [(first.pk, 0), (first.pk, 0), (first.pk, 1), (second.pk, 0)]
    assert list(File.objects.filter(post=first, position=0))[-1] == late  # then by id


def test_likes_and_comments_are_ordered_by_post_then_time(alice, bob, carol):
    first, second = make_post(alice, "first"), make_post(alice, "second")
    at = timezone.now()
    later = Comment.objects.create(user=bob, post=first, content="later", created_at=at)
    earlier = Comment.objects.create(
        user=carol, post=first, content="earlier", created_at=at - timedelta(hours=1)
    )
    other = Comment.objects.create(user=bob, post=second, content="other", created_at=at - timedelta(days=1))
    assert list(Comment.objects.all()) == [earlier, later, other]
    like_late = Like.objects.create(user=bob, post=first, created_at=at)
    like_early = Like.objects.create(user=carol, post=first, created_at=at - timedelta(hours=1))
    assert list(Like.objects.all()) == [like_early, like_late]


# --- the cascade --------------------------------------------------------------------


def _deleted_ats(post):
    return {
        model.__name__: set(model.all_objects.filter(post=post).values_list("deleted_at", flat=True))
        for model in (File, Like, Comment)
    }


def test_deleting_a_post_deletes_its_files_likes_and_comments_at_one_instant(busy_post):
    busy_post.delete()
    post = Post.all_objects.get(pk=busy_post.pk)
    assert post.is_deleted and post.deleted_at is not None
    assert _deleted_ats(post) == {name: {post.deleted_at} for name in ("File", "Like", "Comment")}
    assert File.all_objects.filter(post=post).count() == 2
    assert Like.all_objects.filter(post=post).count() == 2
    assert Comment.all_objects.filter(post=post).count() == 2


def test_deleting_a_post_leaves_other_posts_alone(busy_post, bob):
    other = make_post(bob, "other")
    Like.objects.create(user=bob, post=other)
    busy_post.delete()
    assert File.objects.filter(post=other).count() == 1
    assert Like.objects.filter(post=other).count() == 1


def test_restoring_a_post_brings_back_exactly_what_its_deletion_took(busy_post, bob, carol):
    # bob cancelled his like and deleted his comment before the post went.
    Like.objects.get(post=busy_post, user=bob).soft_delete(at=timezone.now() - timedelta(minutes=5))
    Comment.objects.get(post=busy_post, user=bob).soft_delete(at=timezone.now() - timedelta(minutes=5))
    busy_post.delete()
    busy_post.restore()
    assert Post.objects.filter(pk=busy_post.pk).exists()
    assert File.objects.filter(post=busy_post).count() == 2
    assert list(Like.objects.filter(post=busy_post).values_list("user__username", flat=True)) == ["carol"]
    assert list(Comment.objects.filter(post=busy_post).values_list("user__username", flat=True)) == ["carol"]
    assert Like.all_objects.deleted().filter(post=busy_post, user=bob).count() == 1
    assert Comment.all_objects.deleted().filter(post=busy_post, user=bob).count() == 1


def test_restoring_a_post_loaded_fresh_from_the_database_works_too(busy_post):
    busy_post.delete()
    Post.all_objects.get(pk=busy_post.pk).restore()
    assert Like.objects.filter(post=busy_post).count() == 2


def test_queryset_delete_of_posts_cascades_like_instance_delete(busy_post, alice):
    """The admin's bulk delete goes through QuerySet.delete(); it must not leave live files behind."""
    other = make_post(alice, "other")
    assert Post.objects.filter(author=alice).delete() == 2
    for post in (busy_post, other):
        deleted_at = Post.all_objects.get(pk=post.pk).deleted_at
        assert set(File.all_objects.filter(post=post).values_list("deleted_at", flat=True)) == {deleted_at}
    assert _deleted_ats(busy_post)["Like"] == {Post.all_objects.get(pk=busy_post.pk).deleted_at}
    assert not Comment.objects.filter(post=busy_post).exists()


def test_queryset_restore_of_posts_brings_their_rows_back(busy_post, bob):
    Like.objects.get(post=busy_post, user=bob).soft_delete(at=timezone.now() - timedelta(minutes=5))
    busy_post.delete()
    assert Post.all_objects.filter(pk=busy_post.pk).restore() == 1
    assert File.objects.filter(post=busy_post).count() == 2
    assert list(Like.objects.filter(post=busy_post).values_list("user__username", flat=True)) == ["carol"]
    assert Comment.objects.filter(post=busy_post).count() == 2


def test_nothing_is_physically_removed_by_deleting_everything(busy_post):
    counts = {m: m.all_objects.count() for m in (Post, File, Like, Comment)}
    for model in (Comment, Like, File, Post):
        model.objects.all().delete()
    assert {m: m.all_objects.count() for m in counts} == counts
    assert all(not m.objects.exists() for m in counts)


# --- constraints PostgreSQL holds -----------------------------------------------------


def test_postgresql_refuses_a_file_type_other_than_image_or_video(post):
    with pytest.raises(IntegrityError, match="file_type_is_image_or_video"), transaction.atomic():
        File.objects.filter(post=post).update(type="audio")
    with pytest.raises(IntegrityError, match="file_type_is_image_or_video"), transaction.atomic():
        File.objects.bulk_create([File(post=post, type="gif", url="https://media.example.com/x.gif")])


def test_postgresql_refuses_an_empty_comment(post, bob):
    with pytest.raises(IntegrityError, match="comment_content_not_empty"), transaction.atomic():
        Comment.objects.bulk_create([Comment(user=bob, post=post, content="")])
    comment = Comment.objects.create(user=bob, post=post, content="ok")
    with pytest.raises(IntegrityError, match="comment_content_not_empty"), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(content="")


def test_postgresql_refuses_a_second_live_like_by_the_same_user(post, bob):
    Like.objects.create(user=bob, post=post)
    with pytest.raises(IntegrityError, match="one_live_like_per_user_and_post"), transaction.atomic():
        Like.objects.bulk_create([Like(user=bob, post=post)])
    assert Like.all_objects.filter(post=post, user=bob).count() == 1


def test_a_cancelled_like_leaves_room_for_a_new_one_and_stays_as_history(post, bob):
    first = Like.objects.create(user=bob, post=post)
    first.soft_delete()
    second = Like.objects.create(user=bob, post=post)
    assert second.pk != first.pk
    assert Like.all_objects.filter(post=post, user=bob).count() == 2
    assert list(Like.objects.filter(post=post, user=bob)) == [second]


def test_restoring_a_cancelled_like_next_to_a_live_one_is_refused(post, bob):
    first = Like.objects.create(user=bob, post=post)
    first.soft_delete()
    Like.objects.create(user=bob, post=post)
    with pytest.raises(IntegrityError, match="one_live_like_per_user_and_post"), transaction.atomic():
        first.restore()


def test_likes_of_different_users_or_posts_do_not_conflict(post, alice, bob):
    other = make_post(alice, "other")
    Like.objects.create(user=bob, post=post)
    Like.objects.create(user=alice, post=post)
    Like.objects.create(user=bob, post=other)
    assert Like.objects.count() == 3


def test_a_post_cannot_be_physically_removed_while_its_files_exist(post):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError), transaction.atomic():
        post.hard_delete()


@pytest.mark.parametrize("content", ["   ", "\n\t "])
def test_postgresql_refuses_a_comment_of_only_whitespace(post, bob, content):
    with pytest.raises(IntegrityError, match="comment_content_not_empty"), transaction.atomic():
        Comment.objects.bulk_create([Comment(user=bob, post=post, content=content)])


@pytest.mark.parametrize(
    ("model_fields", "constraint"),
    [
        ({"content": "x" * 2201}, "post_content_at_most_2200"),
        ({"content": " "}, "post_content_not_blank"),
    ],
)
def test_postgresql_holds_the_bounds_of_post_content(post, model_fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Post.all_objects.filter(pk=post.pk).update(**model_fields)
    assert Post.objects.get(pk=post.pk).content == post.content


def test_postgresql_refuses_a_comment_longer_than_1000_characters(post, bob):
    Comment.objects.create(user=bob, post=post, content="x" * 1000)
    with pytest.raises(IntegrityError, match="comment_content_at_most_1000"), transaction.atomic():
        Comment.objects.bulk_create([Comment(user=bob, post=post, content="x" * 1001)])
