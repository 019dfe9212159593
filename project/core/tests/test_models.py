"""SoftDeleteModel: objects hides deleted rows, all_objects shows them, and no delete() removes a row."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Profile
from demo.factories import make_post
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db

SOFT_DELETE_MODELS = [Profile, Post, File, Like, Comment]


@pytest.fixture
def comments(post, bob):
    return [Comment.objects.create(user=bob, post=post, content=f"Comment {n}") for n in range(3)]


def test_objects_lists_live_rows_and_all_objects_lists_every_row(comments):
    comments[0].soft_delete()
    assert list(Comment.objects.values_list("pk", flat=True)) == [comments[1].pk, comments[2].pk]
    assert list(Comment.all_objects.values_list("pk", flat=True)) == [c.pk for c in comments]
    assert list(Comment.all_objects.deleted().values_list("pk", flat=True)) == [comments[0].pk]
    assert Comment.all_objects.alive().count() == 2


def test_instance_delete_marks_the_row_and_keeps_it(comments):
    before = timezone.now()
    result = comments[0].delete()
    assert result == (0, {}), "delete() reports that nothing was physically removed"
    row = Comment.all_objects.get(pk=comments[0].pk)
    assert row.is_deleted is True
    assert row.deleted_at >= before
    assert row.updated_at == row.deleted_at
    assert not Comment.objects.filter(pk=comments[0].pk).exists()


def test_queryset_delete_marks_rows_and_keeps_them(comments):
    assert Comment.objects.filter(pk__in=[comments[0].pk, comments[1].pk]).delete() == 2
    assert Comment.all_objects.count() == 3
    assert Comment.objects.count() == 1
    # Deleting again finds no live rows to mark.
    assert Comment.all_objects.all().delete() == 1
    assert Comment.all_objects.count() == 3
    assert Comment.all_objects.alive().count() == 0


def test_soft_delete_twice_keeps_the_first_deleted_at(comments):
    comment = comments[0]
    comment.soft_delete()
    first = Comment.all_objects.get(pk=comment.pk).deleted_at
    Comment.all_objects.filter(pk=comment.pk).soft_delete()
    comment.soft_delete()
    assert Comment.all_objects.get(pk=comment.pk).deleted_at == first


def test_restore_brings_the_row_back_and_clears_deleted_at(comments):
    comment = comments[0]
    comment.soft_delete()
    comment.restore()
    assert comment.is_deleted is False and comment.deleted_at is None
    row = Comment.objects.get(pk=comment.pk)
    assert row.is_deleted is False and row.deleted_at is None


def test_queryset_restore_counts_only_deleted_rows(comments):
    Comment.objects.filter(pk=comments[0].pk).delete()
    assert Comment.all_objects.restore() == 1
    assert Comment.objects.count() == 3


def test_hard_delete_is_the_only_way_to_remove_a_row(comments):
    comments[0].hard_delete()
    Comment.all_objects.filter(pk=comments[1].pk).hard_delete()
    assert list(Comment.all_objects.values_list("pk", flat=True)) == [comments[2].pk]


def _raw_update(model, pk, assignments: str, params=()):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*params, pk])


@pytest.mark.parametrize("model", SOFT_DELETE_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "assignments",
    ["is_deleted = true, deleted_at = NULL", "is_deleted = false, deleted_at = now()"],
    ids=["deleted-without-time", "time-without-deleted"],
)
def test_postgresql_refuses_is_deleted_and_deleted_at_that_disagree(model, assignments, post, bob):
    Like.objects.create(user=bob, post=post)
    Comment.objects.create(user=bob, post=post, content="Nice")
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    constraint = f"{model._meta.model_name}_deleted_at_matches_flag"
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _raw_update(model, pk, assignments)


def test_postgresql_refuses_a_bulk_update_that_flags_rows_without_a_time(comments):
    with pytest.raises(IntegrityError, match="comment_deleted_at_matches_flag"), transaction.atomic():
        Comment.all_objects.update(is_deleted=True)
    assert Comment.objects.count() == 3


def test_the_models_all_carry_timestamps_and_the_soft_delete_managers():
    for model in SOFT_DELETE_MODELS:
        names = {f.name for f in model._meta.get_fields()}
        assert {"created_at", "updated_at", "is_deleted", "deleted_at"} <= names, model
        assert model._default_manager.name == "objects", model
        assert model.all_objects.all().query.where.children == [], model


def test_objects_hides_deleted_posts_even_through_a_queryset_chain(alice):
    kept, gone = make_post(alice, "kept"), make_post(alice, "gone")
    gone.soft_delete()
    assert list(Post.objects.filter(author=alice)) == [kept]
    assert list(Post.objects.for_feed(alice)) == [kept]


@pytest.mark.django_db
def test_model_update_saves_only_what_changed_and_refuses_unknown_fields(post):
    from core.services import model_update

    before = post.updated_at
    _, changed = model_update(instance=post, fields=["content"], data={"content": post.content})
    post.refresh_from_db()
    assert changed is False and post.updated_at == before, "nothing changed, nothing saved"
    _, changed = model_update(instance=post, fields=["content"], data={"content": "Sunset, take two"})
    post.refresh_from_db()
    assert changed is True and post.content == "Sunset, take two" and post.updated_at > before
    with pytest.raises(TypeError, match="cannot update author on a post"):
        model_update(instance=post, fields=["content"], data={"author": None})
