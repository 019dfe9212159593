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
