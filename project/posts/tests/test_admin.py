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


@pytest.fixture
def staff_client(client, db):
    """A staff user who may only view posts, likes and comments."""
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_post", "view_like", "view_comment", "view_file"])
    )
    client.force_login(staff)
    return client


@pytest.mark.parametrize("model", [Post, Comment, Like], ids=lambda m: m.__name__)
def test_a_view_only_staff_user_cannot_restore(staff_client, busy_post, model):
    busy_post.delete()
    row = model.all_objects.filter(**({"pk": busy_post.pk} if model is Post else {"post": busy_post})).get()
    data = {"action": "restore_selected", "_selected_action": [row.pk]}
    staff_client.post(f"/admin/posts/{model._meta.model_name}/", data)
    assert model.all_objects.get(pk=row.pk).is_deleted
    # Nor is the action offered.
    page = staff_client.get(f"/admin/posts/{model._meta.model_name}/").content.decode()
    assert "restore_selected" not in page


def test_a_staff_user_with_the_change_permission_restores(client, busy_post):
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("editor", password="pw", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_post", "change_post"]))
    client.force_login(staff)
    busy_post.delete()
    data = {"action": "restore_selected", "_selected_action": [busy_post.pk]}
    assert client.post("/admin/posts/post/", data).status_code == 302
    assert Post.objects.filter(pk=busy_post.pk).exists()


@pytest.mark.parametrize("model", [Comment, Like, File], ids=lambda m: m.__name__)
def test_restoring_a_row_of_a_deleted_post_is_refused_with_a_message(admin_client, busy_post, model):
    busy_post.delete()
    row = model.all_objects.filter(post=busy_post).first()
    data = {"action": "restore_selected", "_selected_action": [row.pk]}
    response = admin_client.post(f"/admin/posts/{model._meta.model_name}/", data, follow=True)
    assert model.all_objects.get(pk=row.pk).is_deleted
    messages = [str(m) for m in response.context["messages"]]
    assert any("post is deleted" in m and "restore the post first" in m for m in messages), messages


def test_restoring_rows_of_live_and_deleted_posts_restores_only_the_live_ones(admin_client, busy_post, bob):
    other = make_post(bob, "Still here")
    live = Comment.objects.create(user=bob, post=other, content="Mine")
    live.delete()
    busy_post.delete()
    orphan = Comment.all_objects.get(post=busy_post)
    data = {"action": "restore_selected", "_selected_action": [live.pk, orphan.pk]}
    admin_client.post("/admin/posts/comment/", data)
    assert not Comment.all_objects.get(pk=live.pk).is_deleted
    assert Comment.all_objects.get(pk=orphan.pk).is_deleted
