"""The admin lists every row (deleted ones too), searches, restores, and deletes only softly."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile
from demo.factories import make_post
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def busy_post(post, bob, carol):
    Like.objects.create(user=bob, post=post)
    Comment.objects.create(user=carol, post=post, content="Lovely")
    return post


@pytest.mark.parametrize(
    "path",
    [
        "/admin/posts/post/",
        "/admin/posts/file/",
        "/admin/posts/like/",
        "/admin/posts/comment/",
        "/admin/accounts/profile/",
        "/admin/posts/post/?q=Haeundae",
        "/admin/posts/post/?is_deleted__exact=1",
        "/admin/posts/file/?type__exact=video",
        "/admin/posts/comment/?q=carol",
    ],
)
def test_every_changelist_and_its_search_and_filters_answer(admin_client, busy_post, path):
    assert admin_client.get(path).status_code == 200


def test_the_changelist_shows_deleted_rows_too(admin_client, busy_post, alice):
    gone = make_post(alice, "Blurry test shot")
    gone.delete()
    page = admin_client.get("/admin/posts/post/").content.decode()
    assert "Blurry test shot" in page and "Sunset at Haeundae" in page


@pytest.mark.parametrize("model", [Like, Comment], ids=lambda m: m.__name__)
def test_changelists_of_likes_and_comments_take_the_same_queries_for_1_or_20_posts(
    admin_client, alice, bob, model
):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(f"/admin/posts/{model._meta.model_name}/").status_code == 200
        return len(ctx.captured_queries)

    def add(post):
        if model is Like:
            Like.objects.create(user=bob, post=post)
        else:
            Comment.objects.create(user=bob, post=post, content="hi")

    add(make_post(alice, "first"))
    one = count()
    for n in range(19):
        add(make_post(alice, f"post {n}"))
    assert count() == one


def test_deleting_a_post_in_the_admin_is_soft_and_cascades(admin_client, busy_post):
    url = f"/admin/posts/post/{busy_post.pk}/delete/"
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Are you sure" in page
    file = busy_post.files.get(position=0)
    assert f"File #{file.pk} (image) of Post #{busy_post.pk}" in page, "the cascade is listed"
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    row = Post.all_objects.get(pk=busy_post.pk)
    assert row.is_deleted
    for model in (File, Like, Comment):
        assert set(model.all_objects.filter(post=row).values_list("deleted_at", flat=True)) == {
            row.deleted_at
        }


def test_the_bulk_delete_action_is_soft_and_cascades(admin_client, busy_post, alice):
    other = make_post(alice, "other")
    data = {"action": "delete_selected", "_selected_action": [busy_post.pk, other.pk], "post": "yes"}
    response = admin_client.post("/admin/posts/post/", data)
    assert response.status_code == 302
    assert Post.all_objects.filter(is_deleted=True).count() == 2
    assert not File.objects.exists() and not Like.objects.exists() and not Comment.objects.exists()
    assert File.all_objects.count() == 3


def test_the_restore_action_brings_a_post_back_with_its_rows(admin_client, busy_post):
    busy_post.delete()
    data = {"action": "restore_selected", "_selected_action": [busy_post.pk]}
    assert admin_client.post("/admin/posts/post/", data).status_code == 302
    assert Post.objects.filter(pk=busy_post.pk).exists()
    assert (File.objects.count(), Like.objects.count(), Comment.objects.count()) == (2, 1, 1)


def test_deleting_a_profile_in_the_admin_is_soft(admin_client, alice):
    url = f"/admin/accounts/profile/{alice.profile.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert Profile.all_objects.get(pk=alice.profile.pk).is_deleted
