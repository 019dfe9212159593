"""Checks the grader's judge runs outside the kernel, as the judge runs them.

- 04's q2 runs the learner's CREATE UNIQUE INDEX on a temporary copy of the file table, so a role
  that owns no table (the judge's: rows only, see classroom/grade.py) judges it as the owner does,
  and the learner's own table is never indexed, not even for a moment.
- 06's responses reach the judge as their fields (`api.response_fields`); the judge takes them only
  as plain data (`judge.rebuild`), and the checks judge them as they judge a client's response.
"""

import contextlib
import pickle

import pytest
from django.db import connection

from workbook.authoring import judge
from workbook.checks import CheckFailed, api, modeling

Q2_RIGHT = (
    "CREATE UNIQUE INDEX one_live_file_per_position ON posts_file (post_id, position) WHERE NOT is_deleted"
)


@contextlib.contextmanager
def as_a_role_that_owns_nothing():
    """Inside the test's transaction (all of it rolled back): a role with the judge's rights."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE judged_outside_test NOLOGIN")
        cursor.execute("GRANT USAGE ON SCHEMA public TO judged_outside_test")
        cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO judged_outside_test")
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO judged_outside_test")
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
        cursor.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO judged_outside_test')
        cursor.execute("SET ROLE judged_outside_test")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_the_judges_role_cannot_index_the_learners_table(db):
    from django.db import ProgrammingError, transaction

    with as_a_role_that_owns_nothing(), pytest.raises(ProgrammingError, match="owner"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(Q2_RIGHT)


@pytest.mark.parametrize(
    "sql",
    [
        Q2_RIGHT,
        'create unique index "file_pos" on public.posts_file ("position", "post_id")\n'
        "where is_deleted = false;",
        "CREATE UNIQUE INDEX ON posts_file USING btree (post_id, position) WHERE (NOT is_deleted)",
        'CREATE UNIQUE INDEX IF NOT EXISTS "On" ON ONLY "posts_file" (post_id, position)'
        " WHERE deleted_at IS NULL",
    ],
)
def test_04_q2_is_judged_right_by_a_role_that_owns_nothing(db, capsys, sql):
    with as_a_role_that_owns_nothing():
        modeling.q2(sql)
    said = capsys.readouterr().out
    assert said.startswith("✓ q2") and "pg_temp" not in said


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        (Q2_RIGHT.replace(" WHERE NOT is_deleted", ""), "a deleted file still holds its position"),
        (Q2_RIGHT.replace("NOT is_deleted", "is_deleted"), "second live file"),
        (Q2_RIGHT.replace("(post_id, position)", "(position)"), "files of two posts"),
        (
            Q2_RIGHT.replace("posts_file", "posts_like").replace("position", "user_id"),
            "no index on posts_file",
        ),
        (Q2_RIGHT.replace("posts_file", "other.posts_file"), "PostgreSQL refused"),
        (Q2_RIGHT.replace("posts_file", "posts_files"), "PostgreSQL refused"),
    ],
)
def test_04_q2_is_judged_wrong_by_a_role_that_owns_nothing(db, sql, says):
    with as_a_role_that_owns_nothing(), pytest.raises(CheckFailed, match=says):
        modeling.q2(sql)


def test_04_q2_never_indexes_the_learners_table(db):
    """Not even for the moment the check runs: while the trials write their rows, the learner's
    table has the indexes it had, and the name posts_file finds the check's copy, which has the new one."""
    seen = []
    trials = modeling._q2_trials

    def looking():
        seen.append((modeling._file_indexes("public.posts_file"), modeling._file_indexes("posts_file")))
        return trials()

    before = modeling._file_indexes("public.posts_file")
    modeling._q2_trials = looking
    try:
        modeling.q2(Q2_RIGHT)
    finally:
        modeling._q2_trials = trials
    [(learners, found)] = seen
    assert learners == before and "one_live_file_per_position" not in before
    assert "ON pg_temp" in found["one_live_file_per_position"]
    assert modeling._file_indexes("public.posts_file") == before


# ---------------------------------------------------------------- 06: responses as data


def test_a_response_judged_from_its_fields_gets_the_verdict_of_the_response(seeded, capsys):
    response = api.client_for("carol").get("/api/posts/?page=2&page_size=2")
    fields = api.response_fields(response)
    assert fields["method"] == "GET" and fields["path"] == "/api/posts/" and fields["username"] == "carol"
    rebuilt = judge.rebuild(pickle.loads(pickle.dumps(("response", fields))))
    api.q1(rebuilt)
    assert capsys.readouterr().out.startswith("✓ q1")
    as_alice = api.response_fields(api.client_for("alice").get("/api/posts/?page=2&page_size=2"))
    with pytest.raises(CheckFailed, match="not made as carol"):
        api.q1(judge.rebuild(("response", as_alice)))


def test_forged_fields_are_an_answer_judged_as_one(seeded):
    """Fields typed by hand are only an answer: they claim what they like and are judged on it."""
    got = api.client_for("carol").get("/api/posts/?page=2&page_size=2")
    forged = {**api.response_fields(got), "data": {"results": [{"id": 1, "liked_by_me": False}]}}
    with pytest.raises(CheckFailed, match="not the posts of page 2"):
        api.q1(judge.rebuild(("response", forged)))
    # bob's post claimed through a GET, and a POST that created nothing
    with pytest.raises(CheckFailed, match="did not come from a POST"):
        api.q2(judge.rebuild(("response", {**forged, "status_code": 201, "data": {"id": 1}})))
    posted = {**forged, "method": "POST", "path": "/api/posts/", "status_code": 201}
    with pytest.raises(CheckFailed, match="belongs to someone else"):
        api.q2(judge.rebuild(("response", {**posted, "username": "bob", "data": {"id": 1}})))
    with pytest.raises(CheckFailed, match="no live post"):
        api.q2(judge.rebuild(("response", {**posted, "data": {"id": 999_999}})))


@pytest.mark.parametrize(
    "fields",
    [
        {"status_code": 200},
        {"status_code": "200", "data": None, "method": "GET", "path": "/", "username": "carol"},
        {"status_code": True, "data": None, "method": "GET", "path": "/", "username": "carol"},
        {"status_code": 200, "data": {1: "x"}, "method": "GET", "path": "/", "username": "carol"},
        {"status_code": 200, "data": {"x": {1, 2}}, "method": "GET", "path": "/", "username": "carol"},
        {"status_code": 200, "data": None, "method": b"GET", "path": "/", "username": "carol"},
        ["status_code", 200],
    ],
)
def test_the_judge_takes_a_responses_fields_only_as_plain_data(fields):
    with pytest.raises(judge.Unjudgeable):
        judge.rebuild(("response", fields))
