"""The 06-rest-api checks accept the right answers and reject plausible wrong ones."""

import pytest

from workbook.checks import CheckFailed
from workbook.checks import api as check


def _post(client, **overrides):
    body = {"content": "Night run", "files": [{"type": "video", "url": "https://media.example.com/run.mp4"}]}
    body.update(overrides)
    return client.post("/api/posts/", body, format="json")


# q1: page 2, two per page, as carol


def test_q1_accepts_page_2_as_carol(seeded, capsys):
    check.q1(check.client_for("carol").get("/api/posts/?page=2&page_size=2"))
    assert "[4, 3]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "user, url, message",
    [
        ("carol", "/api/posts/?page=1&page_size=2", "not the posts of page 2"),
        ("carol", "/api/posts/?page_size=2", "not the posts of page 2"),
        ("alice", "/api/posts/?page=2&page_size=2", "not made as carol"),
        (None, "/api/posts/?page=2&page_size=2", "did not succeed"),
    ],
)
def test_q1_rejects(seeded, user, url, message):
    with pytest.raises(CheckFailed, match=message):
        check.q1(check.client_for(user).get(url))


def test_q1_rejects_the_body_instead_of_the_response(seeded):
    response = check.client_for("carol").get("/api/posts/?page=2&page_size=2")
    with pytest.raises(CheckFailed, match="response the client returned"):
        check.q1(response.data)


# q2: bob's post with one video


def test_q2_accepts_bobs_video_post(seeded, capsys):
    check.q2(_post(check.client_for("bob")))
    assert capsys.readouterr().out.startswith("✓ q2")


def test_q2_rejects_a_post_by_alice(seeded):
    with pytest.raises(CheckFailed, match="someone else"):
        check.q2(_post(check.client_for("alice")))


def test_q2_rejects_a_photo(seeded):
    with pytest.raises(CheckFailed, match="one file, a video"):
        check.q2(
            _post(
                check.client_for("bob"), files=[{"type": "image", "url": "https://media.example.com/a.jpg"}]
            )
        )


def test_q2_rejects_a_refused_post(seeded):
    with pytest.raises(CheckFailed, match="not created"):
        check.q2(_post(check.client_for("bob"), files=[]))


def test_q2_rejects_a_post_deleted_since(seeded):
    client = check.client_for("bob")
    response = _post(client)
    client.delete(f"/api/posts/{response.data['id']}/")
    with pytest.raises(CheckFailed, match="no live post"):
        check.q2(response)


# q3: predicted status codes

RIGHT = {
    "anonymous lists posts": 401,
    "bob deletes alice's post 1": 403,
    "alice reads deleted post 7": 404,
    "bob likes post 3 again": 200,
    "carol comments with empty text": 400,
}


def test_q3_accepts_the_real_codes(seeded, capsys):
    check.q3(dict(RIGHT))
    assert capsys.readouterr().out.startswith("✓ q3")


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("anonymous lists posts", 403),
        ("alice reads deleted post 7", 200),
        ("bob likes post 3 again", 409),
        ("bob deletes alice's post 1", 404),
    ],
)
def test_q3_rejects(seeded, name, wrong):
    with pytest.raises(CheckFailed, match=repr(name)):
        check.q3({**RIGHT, name: wrong})


def test_q3_rejects_a_missing_scenario(seeded):
    partial = dict(RIGHT)
    partial.pop("bob likes post 3 again")
    with pytest.raises(CheckFailed, match="one status code for each"):
        check.q3(partial)


def test_q3_sends_the_requests_without_keeping_their_writes(seeded):
    from posts.models import Like, Post

    before = (Post.all_objects.filter(is_deleted=False).count(), Like.all_objects.count())
    assert check.scenario_statuses() == RIGHT
    assert (Post.all_objects.filter(is_deleted=False).count(), Like.all_objects.count()) == before


# q4: queries per list


def test_q4_accepts_the_measured_count(seeded, capsys):
    check.q4(check.list_query_count(2))
    assert capsys.readouterr().out.startswith("✓ q4")


@pytest.mark.parametrize(
    "wrong, message", [(1, "count_queries"), (13, "N\\+1"), ("3", "whole number"), (True, "whole")]
)
def test_q4_rejects(seeded, wrong, message):
    with pytest.raises(CheckFailed, match=message):
        check.q4(wrong)


def test_q4_truth_is_measured(seeded):
    assert check.list_query_count(1) == check.list_query_count(6) == 3


def test_q3_shows_a_code_written_as_text_with_its_type(seeded):
    answer = {
        "anonymous lists posts": "401",
        "bob deletes alice's post 1": 403,
        "alice reads deleted post 7": 404,
        "bob likes post 3 again": 200,
        "carol comments with empty text": 400,
    }
    with pytest.raises(CheckFailed) as failure:
        check.q3(answer)
    assert "expected: 401" in str(failure.value) and "got:      '401'" in str(failure.value)


def test_q4_hints_match_the_mistake(seeded):
    expected = check.list_query_count(3)
    with pytest.raises(CheckFailed, match="token lookup"):
        check.q4(expected + 1)
    with pytest.raises(CheckFailed, match="N\\+1"):
        check.q4(expected + 5)


# more answers per exercise: written another way, typed in, right on the seed only


def _token_client(username):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_q1_accepts_the_parameters_in_another_order_and_a_token_client(seeded, capsys):
    check.q1(check.client_for("carol").get("/api/posts/", {"page_size": 2, "page": 2}))
    check.q1(_token_client("carol").get("/api/posts/?page_size=2&page=2"))
    assert capsys.readouterr().out.count("✓ q1") == 2


def test_q1_rejects_a_response_made_by_hand(seeded):
    from rest_framework.response import Response

    with pytest.raises(CheckFailed, match="not made as carol"):
        check.q1(Response({"results": [{"id": 4, "liked_by_me": False}, {"id": 3, "liked_by_me": True}]}))


def test_q1_rejects_page_2_of_another_size(seeded):
    with pytest.raises(CheckFailed, match="not the posts of page 2"):
        check.q1(check.client_for("carol").get("/api/posts/?page=2&page_size=3"))


def test_q2_accepts_a_token_client_and_extra_fields(seeded, capsys):
    check.q2(_post(_token_client("bob")))
    check.q2(
        _post(
            check.client_for("bob"),
            content="Han river at night",
            files=[{"type": "video", "url": "https://media.example.com/han.mp4", "position": 0}],
        )
    )
    assert capsys.readouterr().out.count("✓ q2") == 2


def test_q2_rejects_a_response_made_by_hand_and_one_that_created_nothing(seeded):
    from rest_framework.response import Response

    from posts.models import File

    # a literal: the id of a post of bob's with one video, in a response no client sent
    video = File.objects.filter(type="video", post__author__username="bob").values_list("post_id", flat=True)
    with pytest.raises(CheckFailed, match="did not come from a POST"):
        check.q2(Response({"id": video.first() or 1}, status=201))
    # right on the seed only: bob's existing post read back, not created
    post_id = video.first()
    if post_id is None:
        post_id = _post(check.client_for("bob")).data["id"]
    with pytest.raises(CheckFailed, match="did not come from a POST"):
        check.q2(check.client_for("bob").get(f"/api/posts/{post_id}/"))


def test_q2_rejects_two_files(seeded):
    files = [
        {"type": "video", "url": "https://media.example.com/a.mp4"},
        {"type": "image", "url": "https://media.example.com/b.jpg"},
    ]
    with pytest.raises(CheckFailed, match="exactly one file, a video"):
        check.q2(_post(check.client_for("bob"), files=files))


def test_q3_accepts_http_status_constants(seeded, capsys):
    from http import HTTPStatus

    from rest_framework import status

    check.q3({name: HTTPStatus(code) for name, code in RIGHT.items()})
    check.q3(
        {
            "anonymous lists posts": status.HTTP_401_UNAUTHORIZED,
            "bob deletes alice's post 1": status.HTTP_403_FORBIDDEN,
            "alice reads deleted post 7": status.HTTP_404_NOT_FOUND,
            "bob likes post 3 again": status.HTTP_200_OK,
            "carol comments with empty text": status.HTTP_400_BAD_REQUEST,
        }
    )
    assert capsys.readouterr().out.count("✓ q3") == 2


def test_q3_rejects_every_code_alike(seeded):
    with pytest.raises(CheckFailed, match="predictions are off"):
        check.q3(dict.fromkeys(RIGHT, 200))


def test_q4_accepts_a_count_measured_either_way(seeded, capsys):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workbook.display import count_queries

    client = check.client_for("alice")
    with count_queries() as measured:
        client.get("/api/posts/?page_size=5")
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/posts/")
    check.q4(measured.count)
    check.q4(len(captured))
    assert capsys.readouterr().out.count("✓ q4") == 2


def test_q4_rejects_a_float_and_a_list_of_queries(seeded):
    expected = check.list_query_count(2)
    with pytest.raises(CheckFailed, match="whole number"):
        check.q4(float(expected))
    with pytest.raises(CheckFailed, match="whole number"):
        check.q4(["SELECT 1"] * expected)


# q5: the least permissions that restore a post in the admin


@pytest.mark.parametrize("answer", [{"change_post"}, ["posts.change_post"], ("change_post",)])
def test_q5_accepts_change_post_alone(seeded, capsys, answer):
    check.q5(answer)
    assert capsys.readouterr().out.startswith("✓ q5")


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"view_post"}, "cannot restore post 7"),
        ({"delete_post", "add_post"}, "cannot restore post 7"),
        (set(), "cannot restore post 7"),
        ({"change_post", "view_post"}, "view_post is not needed"),
        ({"change_post", "delete_post"}, "delete_post is not needed"),
        ({"restore_post"}, "not a permission on posts: restore_post"),
        ("change_post", "a set of permission codenames"),
    ],
)
def test_q5_rejects(seeded, answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q5(answer)


def test_q5_leaves_no_user_and_post_7_deleted(seeded):
    from django.contrib.auth import get_user_model

    from posts.models import Post

    users = get_user_model().objects.count()
    check.q5({"change_post"})
    assert get_user_model().objects.count() == users
    assert Post.all_objects.get(pk=7).is_deleted
