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
from grading_helpers import kernel_hands_out

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


# ---------------------------------------------------------------- 05's q2: a proxy the notebook defines

PROXY_CELL = """
from django.apps.registry import Apps
from django.db import models
from posts.models import Post

class ReadablePost(Post):
    class Meta:
        proxy = True
        app_label = "lab"
        apps = Apps()  # the test's own registry: a notebook registers its proxy in the project's

    def __str__(self):
{body}
"""
RIGHT_STR = '        return f"Post #{self.pk} by {self.author.username}: {self.content[:30]!r}"'


def kernel_packs(body: str, answer: str, new_posts) -> list:
    """The exercise cell and the grader's extraction cell, run as a kernel runs them (the names in
    `__main__`'s namespace, the proxy's module `__main__`); what the judge is handed."""
    cells = PROXY_CELL.format(body=body) + f"answer = {answer}\n"
    packed, _statements = kernel_hands_out({"new_posts": new_posts}, "answer, new_posts", cells=cells)
    return packed


@pytest.fixture
def new_posts(seeded):
    from django.contrib.auth.models import User

    from posts.models import Post

    bob = User.objects.get(username="bob")
    return [Post.objects.create(author=bob, content=text) for text in ("Rainy day", "Bibimbap", "Late train")]


def judged(packed) -> dict:
    from django.db import transaction

    with transaction.atomic():  # the judge rolls back what its check wrote: to this savepoint here
        return judge.judge("orm", "q2", packed, [])


ANSWER = "ReadablePost.objects.filter(pk__in=[p.pk for p in new_posts])"


def test_05_q2_a_proxy_answer_is_judged_outside_the_kernel_and_passes(new_posts):
    packed = kernel_packs(RIGHT_STR, ANSWER, new_posts)
    assert packed[0][0] == "proxy" and packed[0][1] == "posts.Post" and packed[0][6] == "ReadablePost"
    assert judged(packed) == {"status": "passed", "message": ""}
    # written another way: a different __str__, the rows reached another way
    other = kernel_packs(
        "        return '#' + str(self.pk)",
        "ReadablePost.objects.filter(content__in=['Rainy day', 'Bibimbap', 'Late train']).order_by('pk')",
        new_posts,
    )
    assert judged(other) == {"status": "passed", "message": ""}


@pytest.mark.parametrize(
    ("body", "answer", "status", "says"),
    [
        ("        return models.Model.__str__(self)", ANSWER, "failed", "Django's default name"),
        ("        return 'a post'", ANSWER, "failed", "same name"),
        ("        raise NotImplementedError", ANSWER, "not answered", "no answer yet"),
        ("        return self.missing", ANSWER, "failed", "raised AttributeError"),
        ("        return 42", ANSWER, "failed", "raised TypeError"),
        ("        raise ValueError('no ' * 10_000)", ANSWER, "failed", "raised ValueError"),
        (RIGHT_STR, "ReadablePost.objects.all()", "failed", ""),
        (RIGHT_STR, "ReadablePost.objects.filter(pk__in=[p.pk for p in new_posts[:2]])", "failed", ""),
        (RIGHT_STR, "Post.objects.filter(pk__in=[p.pk for p in new_posts])", "failed", "Post's own __str__"),
        (RIGHT_STR, ANSWER + ".values('pk')", "failed", "not ReadablePost objects"),
    ],
)
def test_05_q2_each_wrong_proxy_answer_fails_outside_the_kernel(new_posts, body, answer, status, says):
    reply = judged(kernel_packs(body, answer, new_posts))
    assert reply["status"] == status and says in reply["message"], reply


def test_05_q2_the_texts_handed_out_are_the_answer_and_only_plain_bounded_strings(new_posts):
    packed = kernel_packs(RIGHT_STR, ANSWER, new_posts)
    kind, label, query, iterable, fields, prefetch, name, shown = packed[0]
    assert sorted(shown) == sorted(p.pk for p in new_posts)
    assert all(outcome[0] == "str" and outcome[1].startswith("Post #") for outcome in shown.values())

    def handing(texts, name=name, label=label):
        return [(kind, label, query, iterable, fields, prefetch, name, texts), packed[1]]

    # A forger who hands out good names for the right rows has answered: judged as an answer.
    forged = {pk: ("str", f"row {pk}") for pk in shown}
    assert judged(handing(forged))["status"] == "passed"
    # a row the kernel gave no name for: the __str__ raises there
    missing = dict(list(shown.items())[1:])
    reply = judged(handing(missing))
    assert reply["status"] == "failed" and "raised KeyError" in reply["message"], reply
    reply = judged(handing({pk: ("raised", "ZeroDivisionError", "division by zero") for pk in shown}))
    assert reply["status"] == "failed" and "raised ZeroDivisionError" in reply["message"], reply
    for wrong in (
        {pk: ("str", 42) for pk in shown},
        {pk: ("str", b"bytes") for pk in shown},
        {pk: ("str", "x" * 100_000) for pk in shown},
        {pk: ("raised", "not a name!", "") for pk in shown},
        {pk: ("done",) for pk in shown},
        [("str", "a list, not a dict")],
    ):
        with pytest.raises(judge.Unjudgeable):
            judge.rebuild(handing(wrong)[0])
    for name_, label_ in (("Not a name", label), (name, "lab.ReadablePost"), (name, "posts.Nothing")):
        with pytest.raises(judge.Unjudgeable):
            judge.rebuild(handing(shown, name=name_, label=label_)[0])
