"""Every list endpoint runs the same number of queries at page size 5 and 50 (no N+1)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile
from demo.factories import client_for
from posts.models import Comment, File, Like, Post

pytestmark = pytest.mark.django_db

POSTS = 60
USERS = 55

# The queries each page takes, whatever its size: these are the figures the README quotes.
EXPECTED = {
    "/api/posts/": 3,  # count, posts with author and profile and counts, files
    "/api/posts/?author=user00": 3,
    "/api/posts/{busy}/comments/": 3,  # the post, count, comments with user
    "/api/comments/": 2,  # count, comments with user
    "/api/likes/": 2,  # count, likes with user
    "/api/files/": 2,  # count, files
    "/api/profiles/": 2,  # count, profiles with user
}


@pytest.fixture
def crowd(db):
    """55 users with profiles; 60 posts with two files, two comments and a like each; one busy post."""
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"user{n:02d}") for n in range(USERS)])
    Profile.objects.bulk_create([Profile(user=u, name=f"User {n}") for n, u in enumerate(users)])
    posts = Post.objects.bulk_create([Post(author=users[n % 5], content=f"Post {n}") for n in range(POSTS)])
    File.objects.bulk_create(
        [
            File(post=p, type=kind, url=f"https://media.example.com/{p.pk}.{ext}", position=i)
            for p in posts
            for i, (kind, ext) in enumerate([("image", "jpg"), ("video", "mp4")])
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(user=users[(n + k) % USERS], post=p, content=f"c{k}")
            for n, p in enumerate(posts)
            for k in range(2)
        ]
    )
    Like.objects.bulk_create([Like(user=users[n % USERS], post=p) for n, p in enumerate(posts)])
    busy = posts[0]
    Comment.objects.bulk_create(
        [Comment(user=users[n], post=busy, content=f"busy {n}") for n in range(USERS)]
    )
    return {"viewer": users[1], "busy": busy.pk}


def _queries(client, path: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("path", list(EXPECTED))
def test_a_list_takes_the_same_few_queries_at_page_size_5_and_50(crowd, path):
    client = client_for(crowd["viewer"])
    url = path.format(busy=crowd["busy"])
    small, small_rows = _queries(client, url, 5)
    large, large_rows = _queries(client, url, 50)
    assert (small_rows, large_rows) == (5, 50)
    assert small == large == EXPECTED[path], f"{path}: {small} queries at 5, {large} at 50"


def test_the_feed_fields_come_from_those_queries(crowd):
    """The counts and flags are right, not only cheap."""
    client = client_for(crowd["viewer"])
    body = client.get("/api/posts/", {"page_size": 100}).json()
    by_id = {p["id"]: p for p in body["results"]}
    busy = by_id[crowd["busy"]]
    assert (busy["comment_count"], busy["like_count"], len(busy["files"])) == (2 + USERS, 1, 2)
    liked = sorted(p["id"] for p in body["results"] if p["liked_by_me"])
    assert liked == sorted(Like.objects.filter(user=crowd["viewer"]).values_list("post_id", flat=True))
    assert len(liked) == 2
    assert all(p["author_name"].startswith("User ") for p in body["results"])
