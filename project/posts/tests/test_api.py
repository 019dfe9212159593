"""The posts API: happy paths, who may change what, 400s with field messages, 404 for deleted rows."""

import pytest

from demo.factories import client_for, make_post
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db

PHOTO = {"type": "image", "url": "https://media.example.com/a.jpg"}
VIDEO = {"type": "video", "url": "https://media.example.com/b.mp4"}


@pytest.fixture
def comment(post, bob):
    return Comment.objects.create(user=bob, post=post, content="What a sky!")


@pytest.fixture
def like(post, bob):
    return Like.objects.create(user=bob, post=post)


# --- happy paths -----------------------------------------------------------------------


def test_list_posts_newest_first_with_files_counts_and_author(as_bob, post, bob, carol, comment):
    older = post
    newer = make_post(bob, "Morning run")
    Like.objects.create(user=bob, post=older)
    Like.objects.create(user=carol, post=older)
    response = as_bob.get("/api/posts/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [p["id"] for p in body["results"]] == [newer.pk, older.pk]
    first = body["results"][1]
    assert first["author"] == "alice"
    assert first["author_name"] == "Alice Kim"
    assert first["content"] == "Sunset at Haeundae beach"
    assert [(f["type"], f["position"]) for f in first["files"]] == [("image", 0), ("video", 1)]
    assert (first["like_count"], first["comment_count"], first["liked_by_me"]) == (2, 1, True)
    assert body["results"][0]["liked_by_me"] is False


def test_list_posts_filters_by_author(as_bob, post, bob):
    make_post(bob, "Morning run")
    response = as_bob.get("/api/posts/", {"author": "alice"})
    assert [p["author"] for p in response.json()["results"]] == ["alice"]
    assert as_bob.get("/api/posts/", {"author": "nobody"}).json()["count"] == 0


def test_counts_leave_out_cancelled_likes_and_deleted_comments(as_bob, post, bob, carol, comment):
    Like.objects.create(user=carol, post=post)
    Like.objects.create(user=bob, post=post).soft_delete()
    Comment.objects.create(user=carol, post=post, content="gone").soft_delete()
    body = as_bob.get(f"/api/posts/{post.pk}/").json()
    assert (body["like_count"], body["comment_count"], body["liked_by_me"]) == (1, 1, False)


def test_retrieve_a_post(as_bob, post):
    response = as_bob.get(f"/api/posts/{post.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == post.pk
    assert len(response.json()["files"]) == 2


def test_create_a_post_with_its_files_in_one_request(as_alice, alice):
    response = as_alice.post("/api/posts/", {"content": "Two shots", "files": [PHOTO, VIDEO]})
    assert response.status_code == 201, response.json()
    body = response.json()
    post = Post.objects.get(pk=body["id"])
    assert post.author == alice and post.content == "Two shots"
    assert [(f["type"], f["url"], f["position"]) for f in body["files"]] == [
        ("image", PHOTO["url"], 0),
        ("video", VIDEO["url"], 1),
    ]
    assert (body["like_count"], body["comment_count"], body["liked_by_me"]) == (0, 0, False)


def test_the_author_patches_and_puts_the_content(as_alice, post):
    response = as_alice.patch(f"/api/posts/{post.pk}/", {"content": "Sunset, take two"})
    assert response.status_code == 200
    assert response.json()["content"] == "Sunset, take two"
    assert len(response.json()["files"]) == 2
    response = as_alice.put(f"/api/posts/{post.pk}/", {"content": "Sunset, take three"})
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).content == "Sunset, take three"


def test_the_author_deletes_a_post_softly_with_its_rows(as_alice, post, comment, like):
    response = as_alice.delete(f"/api/posts/{post.pk}/")
    assert response.status_code == 204
    row = Post.all_objects.get(pk=post.pk)
    assert row.is_deleted
    assert Comment.all_objects.get(pk=comment.pk).deleted_at == row.deleted_at
    assert Like.all_objects.get(pk=like.pk).deleted_at == row.deleted_at
    assert File.all_objects.filter(post=post, is_deleted=True).count() == 2


def test_like_and_unlike_are_idempotent(as_bob, post, bob):
    first = as_bob.post(f"/api/posts/{post.pk}/like/")
    second = as_bob.post(f"/api/posts/{post.pk}/like/")
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["user"] == "bob" and first.json()["post"] == post.pk
    assert as_bob.get(f"/api/posts/{post.pk}/").json()["like_count"] == 1
    assert as_bob.delete(f"/api/posts/{post.pk}/like/").status_code == 204
    assert as_bob.delete(f"/api/posts/{post.pk}/like/").status_code == 204
    assert as_bob.get(f"/api/posts/{post.pk}/").json()["like_count"] == 0
    again = as_bob.post(f"/api/posts/{post.pk}/like/")
    assert again.json()["id"] == first.json()["id"]
    assert Like.all_objects.filter(user=bob, post=post).count() == 1


def test_comments_of_a_post_oldest_first_and_adding_one(as_bob, post, comment, carol):
    response = client_for(carol).post(f"/api/posts/{post.pk}/comments/", {"content": "Busan!"})
    assert response.status_code == 201
    assert (response.json()["user"], response.json()["post"]) == ("carol", post.pk)
    listed = as_bob.get(f"/api/posts/{post.pk}/comments/").json()
    assert [c["content"] for c in listed["results"]] == ["What a sky!", "Busan!"]


def test_comments_list_filters_by_post_and_user(as_bob, post, comment, alice, carol):
    other = make_post(alice, "other")
    Comment.objects.create(user=carol, post=other, content="Elsewhere")
    assert as_bob.get("/api/comments/").json()["count"] == 2
    by_post = as_bob.get("/api/comments/", {"post": post.pk}).json()
    assert [c["id"] for c in by_post["results"]] == [comment.pk]
    by_user = as_bob.get("/api/comments/", {"user": "carol"}).json()
    assert [c["content"] for c in by_user["results"]] == ["Elsewhere"]


def test_the_author_edits_and_deletes_a_comment(as_bob, comment):
    response = as_bob.patch(f"/api/comments/{comment.pk}/", {"content": "What a sky!!"})
    assert response.status_code == 200
    assert response.json()["content"] == "What a sky!!"
    assert as_bob.get(f"/api/comments/{comment.pk}/").json()["content"] == "What a sky!!"
    assert as_bob.delete(f"/api/comments/{comment.pk}/").status_code == 204
    assert Comment.all_objects.get(pk=comment.pk).is_deleted


def test_a_comment_cannot_be_moved_to_another_post(as_bob, comment, alice):
    other = make_post(alice, "other")
    response = as_bob.patch(f"/api/comments/{comment.pk}/", {"post": other.pk, "content": "moved?"})
    assert response.status_code == 200
    assert Comment.objects.get(pk=comment.pk).post_id == comment.post_id


def test_files_list_retrieve_and_filter_by_post(as_bob, post, alice):
    other = make_post(alice, "other")
    assert as_bob.get("/api/files/").json()["count"] == 3
    by_post = as_bob.get("/api/files/", {"post": post.pk}).json()
    assert [(f["post"], f["position"]) for f in by_post["results"]] == [(post.pk, 0), (post.pk, 1)]
    file = other.files.get()
    body = as_bob.get(f"/api/files/{file.pk}/").json()
    assert (body["id"], body["type"], body["metadata"]) == (file.pk, "image", {})


def test_likes_list_and_filters(as_bob, post, like, alice, carol):
    other = make_post(alice, "other")
    Like.objects.create(user=carol, post=other)
    assert as_bob.get("/api/likes/").json()["count"] == 2
    assert [x["user"] for x in as_bob.get("/api/likes/", {"post": post.pk}).json()["results"]] == ["bob"]
    assert [x["post"] for x in as_bob.get("/api/likes/", {"user": "carol"}).json()["results"]] == [other.pk]
    assert as_bob.get(f"/api/likes/{like.pk}/").json()["user"] == "bob"


def test_pages_and_page_size(as_bob, alice):
    for n in range(12):
        make_post(alice, f"post {n}")
    default = as_bob.get("/api/posts/").json()
    assert (default["count"], len(default["results"])) == (12, 10)
    assert default["next"] is not None
    assert len(as_bob.get("/api/posts/", {"page": 2}).json()["results"]) == 2
    assert len(as_bob.get("/api/posts/", {"page_size": 5}).json()["results"]) == 5


def test_page_size_up_to_100_is_honoured(as_bob, alice):
    Post.objects.bulk_create([Post(author=alice, content=f"p{n}") for n in range(105)])
    response = as_bob.get("/api/posts/", {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "", "101", "1000", "1.5", " 5"])
def test_a_page_size_out_of_bounds_is_a_400_not_ignored(as_bob, post, page_size):
    response = as_bob.get("/api/posts/", {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Must be a whole number from 1 to 100."]}


@pytest.mark.parametrize("query", ["page_size=1&page_size=2", "page=1&page=2", "post=1&post=2"])
def test_a_query_parameter_given_twice_is_a_400(as_bob, post, query):
    response = as_bob.get(f"/api/comments/?{query}")
    assert response.status_code == 400
    assert list(response.json()[query.split("=")[0]]) == ["Give this parameter once."]


@pytest.mark.parametrize("page", ["abc", "0", "99"])
def test_a_page_that_does_not_exist_is_404(as_bob, post, page):
    response = as_bob.get("/api/posts/", {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- authentication and permissions ------------------------------------------------------

ANONYMOUS_REQUESTS = [
    ("get", "/api/posts/"),
    ("post", "/api/posts/"),
    ("get", "/api/posts/{post}/"),
    ("patch", "/api/posts/{post}/"),
    ("delete", "/api/posts/{post}/"),
    ("post", "/api/posts/{post}/like/"),
    ("delete", "/api/posts/{post}/like/"),
    ("get", "/api/posts/{post}/comments/"),
    ("post", "/api/posts/{post}/comments/"),
    ("get", "/api/comments/"),
    ("get", "/api/comments/{comment}/"),
    ("patch", "/api/comments/{comment}/"),
    ("delete", "/api/comments/{comment}/"),
    ("get", "/api/files/"),
    ("get", "/api/likes/"),
    ("get", "/api/profiles/"),
    ("get", "/api/profiles/alice/"),
    ("patch", "/api/profiles/alice/"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_REQUESTS)
def test_anonymous_requests_are_refused(anon, post, comment, method, path):
    url = path.format(post=post.pk, comment=comment.pk)
    response = getattr(anon, method)(url, {"content": "sneaky"} if method in ("post", "patch") else None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "credentials" in response.json()["detail"]
    assert Post.objects.get(pk=post.pk).content == "Sunset at Haeundae beach"
    assert Comment.objects.get(pk=comment.pk).content == "What a sky!"


def test_a_token_from_the_token_endpoint_authenticates(anon, alice, post):
    from demo.factories import PASSWORD

    response = anon.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anon.get("/api/posts/").status_code == 200


def test_a_wrong_password_gets_no_token(anon, alice):
    response = anon.post("/api/auth/token/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_session_login_authenticates(anon, alice, post):
    from demo.factories import PASSWORD

    assert anon.login(username="alice", password=PASSWORD)
    assert anon.get(f"/api/posts/{post.pk}/").status_code == 200


def test_a_bad_token_is_refused(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon.get("/api/posts/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize(
    ("method", "data"),
    [("patch", {"content": "hijacked"}), ("put", {"content": "hijacked"}), ("delete", None)],
)
def test_only_the_author_changes_or_deletes_a_post(as_bob, post, method, data):
    response = getattr(as_bob, method)(f"/api/posts/{post.pk}/", data)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the author can change or delete this."
    row = Post.all_objects.get(pk=post.pk)
    assert (row.content, row.is_deleted) == ("Sunset at Haeundae beach", False)


@pytest.mark.parametrize(
    ("method", "data"),
    [("patch", {"content": "hijacked"}), ("put", {"content": "hijacked"}), ("delete", None)],
)
def test_only_the_author_changes_or_deletes_a_comment(as_alice, comment, method, data):
    # alice wrote the post, bob the comment: the post's author may not edit it either.
    response = getattr(as_alice, method)(f"/api/comments/{comment.pk}/", data)
    assert response.status_code == 403
    row = Comment.all_objects.get(pk=comment.pk)
    assert (row.content, row.is_deleted) == ("What a sky!", False)


def test_a_like_is_always_the_callers_own(as_bob, post, carol):
    Like.objects.create(user=carol, post=post)
    as_bob.delete(f"/api/posts/{post.pk}/like/")
    assert Like.objects.filter(user=carol, post=post).exists()


def test_posts_cannot_be_created_for_someone_else(as_bob, alice):
    response = as_bob.post("/api/posts/", {"content": "as alice", "files": [PHOTO], "author": alice.pk})
    assert response.status_code == 201
    assert Post.objects.get(pk=response.json()["id"]).author.username == "bob"


@pytest.mark.parametrize("path", ["/api/files/", "/api/likes/", "/api/files/{file}/", "/api/likes/{like}/"])
@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_files_and_likes_are_read_only(as_bob, post, like, method, path):
    url = path.format(file=post.files.first().pk, like=like.pk)
    response = getattr(as_bob, method)(url, {"type": "video"})
    assert response.status_code == 405
    assert File.objects.filter(post=post).count() == 2 and Like.objects.filter(pk=like.pk).exists()


# --- validation: 400 with field messages -----------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"files": [PHOTO]}, "content"),
        ({"content": "", "files": [PHOTO]}, "content"),
        ({"content": "   ", "files": [PHOTO]}, "content"),
        ({"content": None, "files": [PHOTO]}, "content"),
        ({"content": "x" * 2201, "files": [PHOTO]}, "content"),
        ({"content": "nul \x00 byte", "files": [PHOTO]}, "content"),
        ({"content": "no files"}, "files"),
        ({"content": "empty files", "files": []}, "files"),
        ({"content": "eleven files", "files": [PHOTO] * 11}, "files"),
        ({"content": "files not a list", "files": "a.jpg"}, "files"),
        ({"content": "files of numbers", "files": [1, 2]}, "files"),
        ({"content": "bad type", "files": [{"type": "audio", "url": PHOTO["url"]}]}, "files"),
        ({"content": "bad url", "files": [{"type": "image", "url": "not a url"}]}, "files"),
        ({"content": "js url", "files": [{"type": "image", "url": "javascript:alert(1)"}]}, "files"),
        ({"content": "long url", "files": [{"type": "image", "url": "https://e.com/" + "a" * 500}]}, "files"),
        ({"content": "no url", "files": [{"type": "image"}]}, "files"),
    ],
    ids=[
        "missing-content",
        "empty-content",
        "blank-content",
        "null-content",
        "content-too-long",
        "nul-in-content",
        "missing-files",
        "empty-files",
        "eleven-files",
        "files-not-a-list",
        "files-not-objects",
        "bad-file-type",
        "bad-url",
        "javascript-url",
        "url-too-long",
        "missing-url",
    ],
)
def test_invalid_post_create_is_400_with_a_field_message_and_saves_nothing(as_alice, payload, field):
    response = as_alice.post("/api/posts/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Post.all_objects.exists() and not File.all_objects.exists()


def test_ten_files_is_the_most_a_post_may_have(as_alice):
    response = as_alice.post("/api/posts/", {"content": "ten", "files": [PHOTO] * 10})
    assert response.status_code == 201
    assert [f["position"] for f in response.json()["files"]] == list(range(10))


def test_the_bad_file_is_named_by_its_index_and_field(as_alice):
    response = as_alice.post(
        "/api/posts/", {"content": "x", "files": [PHOTO, {"type": "audio", "url": "nope"}]}
    )
    errors = response.json()["files"]
    assert list(errors) == ["1"]
    assert set(errors["1"]) == {"type", "url"}


@pytest.mark.parametrize(
    "payload",
    [{"content": ""}, {"content": "x" * 2201}, {"content": None}],
    ids=["empty", "too-long", "null"],
)
def test_invalid_post_update_is_400_and_changes_nothing(as_alice, post, payload):
    response = as_alice.patch(f"/api/posts/{post.pk}/", payload)
    assert response.status_code == 400
    assert "content" in response.json()
    assert Post.objects.get(pk=post.pk).content == "Sunset at Haeundae beach"


def test_put_without_content_is_400(as_alice, post):
    response = as_alice.put(f"/api/posts/{post.pk}/", {})
    assert response.status_code == 400
    assert "content" in response.json()


@pytest.mark.parametrize(
    "payload", [{}, {"content": ""}, {"content": "  "}, {"content": "x" * 1001}], ids=str
)
def test_invalid_comment_is_400_with_a_content_message(as_bob, post, payload):
    response = as_bob.post(f"/api/posts/{post.pk}/comments/", payload)
    assert response.status_code == 400
    assert "content" in response.json()
    assert not Comment.all_objects.exists()


def test_invalid_comment_edit_is_400_and_changes_nothing(as_bob, comment):
    response = as_bob.patch(f"/api/comments/{comment.pk}/", {"content": ""})
    assert response.status_code == 400
    assert "content" in response.json()
    assert Comment.objects.get(pk=comment.pk).content == "What a sky!"


@pytest.mark.parametrize("path", ["/api/files/", "/api/likes/", "/api/comments/"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Expected a whole number, got 'abc'."),
        ("0", "Must be 1 or more."),
        ("-3", "Must be 1 or more."),
    ],
)
def test_a_bad_post_filter_is_400_naming_the_parameter(as_bob, path, value, message):
    response = as_bob.get(path, {"post": value})
    assert response.status_code == 400
    assert response.json() == {"post": [message]}


def test_a_post_filter_for_a_post_that_does_not_exist_is_an_empty_list(as_bob, post):
    assert as_bob.get("/api/files/", {"post": 10**6}).json()["count"] == 0
    # No id is beyond PostgreSQL's bigint: the schema says so, and the server refuses it.
    beyond_bigint = as_bob.get("/api/files/", {"post": 10**30})
    assert beyond_bigint.status_code == 400


# --- deleted or missing objects: 404 -----------------------------------------------------


@pytest.fixture
def deleted_post(post, comment, like):
    post.delete()
    return post


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/posts/{pk}/"),
        ("patch", "/api/posts/{pk}/"),
        ("delete", "/api/posts/{pk}/"),
        ("post", "/api/posts/{pk}/like/"),
        ("delete", "/api/posts/{pk}/like/"),
        ("get", "/api/posts/{pk}/comments/"),
        ("post", "/api/posts/{pk}/comments/"),
    ],
)
def test_a_deleted_post_is_404_everywhere(as_alice, deleted_post, method, path):
    response = getattr(as_alice, method)(path.format(pk=deleted_post.pk), {"content": "still here?"})
    assert response.status_code == 404
    assert "detail" in response.json()
    assert not Comment.objects.filter(post=deleted_post).exists()
    assert not Like.objects.filter(post=deleted_post).exists()


def test_a_deleted_post_leaves_the_lists(as_alice, deleted_post, comment, like):
    assert as_alice.get("/api/posts/").json()["count"] == 0
    assert as_alice.get("/api/files/").json()["count"] == 0
    assert as_alice.get("/api/likes/").json()["count"] == 0
    assert as_alice.get("/api/comments/").json()["count"] == 0
    for path in (f"/api/comments/{comment.pk}/", f"/api/likes/{like.pk}/"):
        assert as_alice.get(path).status_code == 404
    file = File.all_objects.filter(post=deleted_post).first()
    assert as_alice.get(f"/api/files/{file.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_deleted_comment_is_404(as_bob, comment, method):
    comment.delete()
    response = getattr(as_bob, method)(f"/api/comments/{comment.pk}/", {"content": "back?"})
    assert response.status_code == 404
    assert Comment.all_objects.get(pk=comment.pk).content == "What a sky!"


def test_a_cancelled_like_is_404(as_bob, like):
    like.delete()
    assert as_bob.get(f"/api/likes/{like.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/posts/{pk}/"),
        ("post", "/api/posts/{pk}/like/"),
        ("delete", "/api/posts/{pk}/like/"),
        ("get", "/api/posts/{pk}/comments/"),
        ("post", "/api/posts/{pk}/comments/"),
        ("get", "/api/comments/{pk}/"),
        ("get", "/api/files/{pk}/"),
        ("get", "/api/likes/{pk}/"),
    ],
)
@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999999", "1e3"])
def test_an_id_that_is_missing_or_not_a_number_is_404(as_bob, post, method, path, pk):
    response = getattr(as_bob, method)(path.format(pk=pk), {"content": "hello"})
    assert response.status_code == 404


# --- odd input never becomes a 500 ------------------------------------------------------


def test_a_body_that_is_not_json_is_400(as_alice):
    response = as_alice.post("/api/posts/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    ["[]", '[{"content": "x"}]', '"a string"', "42", "null", "true"],
)
def test_a_json_body_that_is_not_an_object_is_400(as_alice, post, body):
    for path, method in (("/api/posts/", "post"), (f"/api/posts/{post.pk}/", "patch")):
        response = getattr(as_alice, method)(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, body, response.content)
    response = as_alice.post(f"/api/posts/{post.pk}/comments/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_huge_content_is_400_not_500(as_alice):
    response = as_alice.post("/api/posts/", {"content": "x" * 2_000_000, "files": [PHOTO]})
    assert response.status_code == 400
    assert "content" in response.json()


def test_an_unsupported_media_type_is_415(as_alice):
    response = as_alice.post("/api/posts/", data="content=x", content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize("fmt", ["multipart", None])
def test_the_api_reads_json_only_and_answers_other_bodies_415(as_alice, fmt):
    # A form cannot carry a post's list of files, nor tell the number 0 from the text "0".
    response = (
        as_alice.post("/api/posts/", {"content": "form"}, format=fmt)
        if fmt
        else as_alice.post("/api/posts/", "content=form", content_type="application/x-www-form-urlencoded")
    )
    assert response.status_code == 415
    assert "detail" in response.json()


@pytest.mark.parametrize("content", [0, 1.5, True, ["a"], {"a": 1}])
def test_text_fields_take_text_only(as_alice, post, content):
    response = as_alice.patch(f"/api/posts/{post.pk}/", {"content": content}, format="json")
    assert response.status_code == 400
    assert "content" in response.json()


def test_text_longer_than_the_bound_before_trimming_is_a_400(as_alice, post):
    response = as_alice.patch(f"/api/posts/{post.pk}/", {"content": "a" + " " * 2200}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["ftp://media.example.com/a.jpg", "file:///etc/passwd", "javascript:alert(1)", "http://10.0.0.1/a"]
)
def test_file_urls_are_http_or_https_only(as_alice, url):
    response = as_alice.post("/api/posts/", {"content": "x", "files": [{"type": "image", "url": url}]})
    assert response.status_code == 400
    assert "url" in str(response.json()["files"])


@pytest.mark.parametrize(
    ("path", "param"), [("/api/posts/", "author"), ("/api/comments/", "user"), ("/api/likes/", "user")]
)
def test_a_nul_character_in_a_text_filter_is_400_naming_the_parameter(as_bob, path, param):
    response = as_bob.get(path, {param: "al\x00ice"})
    assert response.status_code == 400
    assert response.json() == {param: ["Null characters are not allowed."]}


@pytest.mark.parametrize("value", ["a" * 5000, "🙂", "'; DROP TABLE posts_post; --", "%", "_"])
@pytest.mark.parametrize(
    ("path", "param"), [("/api/posts/", "author"), ("/api/comments/", "user"), ("/api/likes/", "user")]
)
def test_odd_text_filters_match_nothing_and_break_nothing(as_bob, post, comment, like, path, param, value):
    response = as_bob.get(path, {param: value})
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert Post.objects.filter(pk=post.pk).exists()


# --- partial updates that change nothing ------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"unknown": "field"}, None], ids=["empty", "unknown-only", "no-body"])
def test_patch_a_post_without_content_changes_nothing(as_alice, post, body):
    response = as_alice.patch(f"/api/posts/{post.pk}/", body, format="json" if body is not None else None)
    assert response.status_code == 200, response.content
    assert response.json()["content"] == "Sunset at Haeundae beach"


@pytest.mark.parametrize("body", [{}, {"unknown": "field"}, None], ids=["empty", "unknown-only", "no-body"])
def test_patch_a_comment_without_content_changes_nothing(as_bob, comment, body):
    response = as_bob.patch(f"/api/comments/{comment.pk}/", body, format="json" if body is not None else None)
    assert response.status_code == 200, response.content
    assert response.json()["content"] == "What a sky!"


# A row whose post is deleted is gone with it, even when it came back alone (restored by hand in
# an older admin, or in SQL): no list counts it, no detail shows it, nobody edits it.


@pytest.fixture
def orphans(post, bob, carol):
    from posts.models import Comment, File, Like

    Like.objects.create(user=bob, post=post)
    Comment.objects.create(user=carol, post=post, content="Lovely")
    post.delete()
    for model in (Comment, Like, File):
        model.all_objects.filter(post=post).update(is_deleted=False, deleted_at=None)
    return post


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["comments", "likes", "files"])
def test_rows_of_a_deleted_post_are_left_out_of_every_list_and_detail(as_bob, orphans, kind):
    from posts.models import Comment, File, Like

    model = {"comments": Comment, "likes": Like, "files": File}[kind]
    row = model.objects.filter(post=orphans).first()
    assert as_bob.get(f"/api/{kind}/?post={orphans.pk}").json()["count"] == 0
    assert row.pk not in [r["id"] for r in as_bob.get(f"/api/{kind}/?page_size=100").json()["results"]]
    assert as_bob.get(f"/api/{kind}/{row.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_comment_of_a_deleted_post_cannot_be_edited(orphans, carol):
    from demo.factories import client_for
    from posts.models import Comment

    comment = Comment.objects.get(post=orphans)
    response = client_for(carol).patch(f"/api/comments/{comment.pk}/", {"content": "Edited"}, format="json")
    assert response.status_code == 404
    assert Comment.all_objects.get(pk=comment.pk).content == "Lovely"
