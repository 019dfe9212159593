"""The 07-sql checks accept a right statement however it is written and refuse the wrong ones,
on the seed and on the rows they add; the ORM query each ✓ shows returns the same rows."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, FilteredRelation, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import sql as check
from workbook.checks._probe import HOSTILE, rolled_back

NAMES = sorted(check.REFERENCE)


def rejects(name, answer, *, says: str) -> str:
    with pytest.raises(CheckFailed) as failure:
        getattr(check, name)(answer)
    assert says in str(failure.value), str(failure.value)
    return str(failure.value)


def test_the_notebook_has_seven_exercises():
    assert NAMES == [f"q{n}" for n in range(1, 8)]
    assert set(check.ORM) == set(check.ASKED) == set(check.TRAPS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_check_says_not_answered_to_the_student_stub(seeded, name):
    with pytest.raises(NotAnswered):
        getattr(check, name)(None)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes_and_shows_the_orm(seeded, name, capsys):
    getattr(check, name)(check.REFERENCE[name])
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {name}:") and check.ORM[name] in out, out


@pytest.mark.parametrize("name", NAMES)
def test_the_probe_rows_change_every_answer(seeded, name):
    """Typed-in rows, or a statement right on the seed only, cannot pass: the probe changes the result."""
    with rolled_back():
        seed = check.rows_of(name, check.REFERENCE[name], hint="")
    with rolled_back():
        check.add_rows()
        probed = check.rows_of(name, check.REFERENCE[name], hint="")
    assert seed and probed and seed != probed


@pytest.mark.parametrize("name", NAMES)
def test_each_trap_is_right_on_one_data_set_at_most_and_refused(seeded, name):
    for sql, _why in check.TRAPS[name]:
        with pytest.raises(CheckFailed):
            getattr(check, name)(sql)


def _orm_namespace():
    from posts.models import Comment, File, Like, Post

    return {
        "User": get_user_model(),
        "Post": Post,
        "Like": Like,
        "Comment": Comment,
        "File": File,
        "Count": Count,
        "FilteredRelation": FilteredRelation,
        "Q": Q,
        "Sum": Sum,
        "Window": Window,
        "RowNumber": RowNumber,
        "TruncDate": TruncDate,
        "SEOUL": ZoneInfo("Asia/Seoul"),
    }


@pytest.mark.parametrize("name", NAMES)
def test_the_orm_beside_each_answer_returns_the_same_rows(seeded, name):
    for probe in (False, True):
        with rolled_back():
            if probe:
                check.add_rows()
            expected = check.rows_of(name, check.REFERENCE[name], hint="")
            got = [tuple(check._plain(v) for v in row) for row in eval(check.ORM[name], _orm_namespace())]  # noqa: S307
            assert got == expected, (probe, got, expected)


# Right answers written other ways: each passes.

OTHER_WAYS = {
    "q1": [
        "select p.id, p.content from posts_post as p where p.is_deleted = false "
        "and lower(p.content) like '%seoul%' order by p.created_at desc;",
        "-- the posts; newest first\nSELECT id, content FROM posts_post /* live; only */ "
        "WHERE NOT is_deleted AND content ILIKE '%seoul%' AND content NOT LIKE '%;%' "
        "ORDER BY created_at DESC; -- done",
        "SELECT id, content FROM posts_post WHERE content ~* 'seoul' AND is_deleted IS NOT TRUE "
        "ORDER BY created_at DESC NULLS LAST",
    ],
    "q2": [
        "SELECT u.username, p.content FROM auth_user u JOIN posts_post p ON p.author_id = u.id "
        "AND NOT p.is_deleted ORDER BY 1, p.created_at",
        "SELECT (SELECT username FROM auth_user WHERE id = p.author_id) AS username, p.content "
        "FROM posts_post p WHERE NOT p.is_deleted ORDER BY username, created_at",
        "SELECT u.username, p.content FROM posts_post p, auth_user u WHERE u.id = p.author_id "
        "AND p.is_deleted = false ORDER BY u.username ASC, p.created_at ASC",
    ],
    "q3": [
        "SELECT u.username, pr.name FROM auth_user u LEFT JOIN "
        "(SELECT * FROM accounts_profile WHERE NOT is_deleted) pr ON pr.user_id = u.id ORDER BY 1",
        "SELECT username, (SELECT name FROM accounts_profile WHERE user_id = u.id AND NOT is_deleted) "
        "FROM auth_user u ORDER BY username",
        "SELECT u.username, CASE WHEN pr.is_deleted THEN NULL ELSE pr.name END FROM accounts_profile pr "
        "RIGHT JOIN auth_user u ON u.id = pr.user_id ORDER BY u.username",
    ],
    "q4": [
        "SELECT u.username, COUNT(l.id) FROM auth_user u JOIN posts_post p ON p.author_id = u.id "
        "JOIN posts_like l ON l.post_id = p.id AND NOT l.is_deleted GROUP BY u.id, u.username "
        "HAVING COUNT(l.id) > 1 ORDER BY COUNT(l.id) DESC, u.username",
        "WITH received AS (SELECT p.author_id, COUNT(*) AS n FROM posts_like l JOIN posts_post p "
        "ON p.id = l.post_id WHERE NOT l.is_deleted GROUP BY p.author_id) SELECT u.username, r.n "
        "FROM received r JOIN auth_user u ON u.id = r.author_id WHERE r.n >= 2 ORDER BY r.n DESC, u.username",
    ],
    "q5": [
        "SELECT username, id, n FROM (SELECT u.username, p.id, row_number() OVER w AS n FROM posts_post p "
        "JOIN auth_user u ON u.id = p.author_id WHERE NOT p.is_deleted "
        "WINDOW w AS (PARTITION BY u.username ORDER BY p.created_at DESC)) t ORDER BY username, n",
        "SELECT u.username, p.id, (SELECT COUNT(*) FROM posts_post q WHERE q.author_id = p.author_id "
        "AND NOT q.is_deleted AND q.created_at >= p.created_at) FROM posts_post p JOIN auth_user u "
        "ON u.id = p.author_id WHERE NOT p.is_deleted ORDER BY 1, 3",
    ],
    "q6": [
        "WITH days AS (SELECT date(created_at AT TIME ZONE 'Asia/Seoul') AS day, COUNT(id) AS n "
        "FROM posts_like WHERE NOT is_deleted GROUP BY 1) "
        "SELECT day, n, SUM(n) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING) FROM days ORDER BY day",
        "SELECT d.day, d.n, (SELECT COUNT(*) FROM posts_like l2 WHERE NOT l2.is_deleted AND "
        "(l2.created_at AT TIME ZONE 'Asia/Seoul')::date <= d.day) FROM (SELECT (created_at AT TIME ZONE "
        "'Asia/Seoul')::date AS day, COUNT(*) AS n FROM posts_like WHERE is_deleted = false GROUP BY 1) d "
        "ORDER BY 1",
    ],
    "q7": [
        "SELECT DISTINCT ON (u.username) u.username, p.id, COUNT(l.id) FROM posts_post p "
        "JOIN auth_user u ON u.id = p.author_id LEFT JOIN posts_like l ON l.post_id = p.id "
        "AND NOT l.is_deleted WHERE NOT p.is_deleted GROUP BY u.username, p.id "
        "ORDER BY u.username, 3 DESC, p.created_at DESC",
        "WITH counted AS (SELECT p.*, (SELECT COUNT(*) FROM posts_like l WHERE l.post_id = p.id "
        "AND NOT l.is_deleted) AS likes FROM posts_post p WHERE NOT p.is_deleted) "
        "SELECT u.username, c.id, c.likes FROM counted c JOIN auth_user u ON u.id = c.author_id "
        "WHERE NOT EXISTS (SELECT 1 FROM counted o WHERE o.author_id = c.author_id AND "
        "(o.likes, o.created_at) > (c.likes, c.created_at)) ORDER BY u.username",
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_right_answers_written_other_ways_pass(seeded, name, capsys):
    for sql in OTHER_WAYS[name]:
        getattr(check, name)(sql)
        assert capsys.readouterr().out.startswith(f"✓ {name}"), sql


# Wrong answers: the message says what is wrong.


def test_q1_refuses_typed_rows_case_deleted_and_order(seeded):
    rejects("q1", "SELECT 5, 'First snow in Seoul'", says="right on the notebook's rows only")
    rejects("q1", "SELECT id, content FROM posts_post WHERE id = 5", says="right on the notebook's rows only")
    rejects("q1", check.TRAPS["q1"][0][0], says="NOT is_deleted")
    rejects("q1", check.TRAPS["q1"][1][0], says="case-sensitive")
    rejects("q1", check.TRAPS["q1"][2][0], says="higher id")
    rejects(
        "q1",
        "SELECT content, id FROM posts_post WHERE NOT is_deleted AND content ILIKE '%seoul%'"
        " ORDER BY created_at DESC",
        says="missing",
    )


def test_q2_refuses_deleted_posts_and_the_wrong_sort(seeded):
    rejects("q2", check.TRAPS["q2"][0][0], says="deleted posts")
    rejects("q2", check.TRAPS["q2"][1][0], says="author_id")
    rejects("q2", check.TRAPS["q2"][2][0], says="created_at")
    rejects("q2", "SELECT username, 'x' FROM auth_user", says="✗ q2")


def test_q3_refuses_inner_join_where_clause_and_deleted_profiles(seeded):
    rejects("q3", check.TRAPS["q3"][0][0], says="INNER JOIN")
    where = check.TRAPS["q3"][0][0].replace(" JOIN accounts_profile", " LEFT JOIN accounts_profile")
    where = where.replace("AND NOT pr.is_deleted ORDER", "WHERE NOT pr.is_deleted ORDER")
    rejects("q3", where, says="ON clause")
    rejects("q3", check.TRAPS["q3"][1][0], says="deleted profile")
    rejects("q3", "SELECT username, first_name FROM auth_user ORDER BY 1", says="✗ q3")


def test_q4_refuses_cancelled_likes_likes_given_and_having(seeded):
    rejects("q4", check.TRAPS["q4"][0][0], says="cancelled likes")
    rejects("q4", check.TRAPS["q4"][1][0], says="likes given")
    rejects("q4", check.TRAPS["q4"][2][0], says=">= 2")
    rejects("q4", "SELECT 'carol', 4 UNION ALL SELECT 'alice', 3", says="right on the notebook's rows only")


def test_q5_refuses_id_order_deleted_posts_and_no_partition(seeded):
    rejects("q5", check.TRAPS["q5"][0][0], says="numbered by id")
    rejects("q5", check.TRAPS["q5"][1][0], says="deleted posts")
    rejects("q5", check.TRAPS["q5"][2][0], says="PARTITION BY")


def test_q6_refuses_utc_days_cancelled_likes_and_a_total_of_all(seeded):
    utc = rejects("q6", check.TRAPS["q6"][0][0], says="UTC days")
    assert "(2026-03-06, 5, 10)" in utc and "datetime" not in utc, utc  # rows read as SQL prints them
    rejects("q6", check.TRAPS["q6"][1][0], says="cancelled likes")
    rejects("q6", check.TRAPS["q6"][2][0], says="OVER ()")


def test_q7_refuses_cancelled_likes_the_older_tie_and_inner_join(seeded):
    rejects("q7", check.TRAPS["q7"][0][0], says="cancelled likes")
    rejects("q7", check.TRAPS["q7"][1][0], says="created_at DESC")
    rejects("q7", check.TRAPS["q7"][2][0], says="INNER JOIN")


def test_a_statement_that_writes_is_refused_and_changes_nothing(seeded):
    from posts.models import Post

    before = Post.all_objects.count()
    rejects("q1", "DELETE FROM posts_like", says="not a SELECT")
    rejects(
        "q1", "WITH gone AS (DELETE FROM posts_like RETURNING id) SELECT id, '' FROM gone", says="read-only"
    )
    rejects("q1", "SELECT 1; DELETE FROM posts_post", says="more than one statement")
    rejects("q1", "SELECT pg_sleep(10)", says="statement timeout")
    rejects("q1", "SELECT nope FROM posts_post", says="PostgreSQL refused")
    rejects(
        "q1", "SELECT id FROM posts_post", says="the number of columns is 1, where the exercise asks for 2"
    )
    assert Post.all_objects.count() == before


@pytest.mark.parametrize("name", NAMES)
def test_every_check_answers_hostile_values_with_a_cross(seeded, name):
    for value in [*HOSTILE, "   ", "-- nothing", "SELECT", b"SELECT 1"]:
        with pytest.raises(CheckFailed) as failure:
            getattr(check, name)(value)
        assert str(failure.value).startswith(f"✗ {name}"), (value, str(failure.value))


# The notebook around the checks.


def test_no_answer_and_no_orm_query_shows_before_its_exercise():
    """The copy before an exercise holds neither its solution nor the ORM query its ✓ prints."""
    import re

    from workbook.authoring import conventions
    from workbook.paths import NOTEBOOKS_DIR

    nb = conventions.read(NOTEBOOKS_DIR / "07-sql.ipynb")
    squash = lambda text: re.sub(r"\s+", " ", text).strip().lower()  # noqa: E731
    for index, cell in enumerate(nb.cells):
        if not conventions.is_exercise(cell):
            continue
        name = conventions.exercise_name(nb, index)
        body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        statement = squash(body.split('"""')[1])
        before = squash(" ".join(c.source for c in nb.cells[:index]))
        assert statement not in before, name
        assert squash(check.ORM[name]) not in squash(" ".join(c.source for c in nb.cells)), name


def test_table_prints_a_header_aligned_columns_null_and_the_count(seeded, capsys):
    from workbook.pglab import table

    table("SELECT 1 AS n, NULL AS nothing, 'wide text' AS words UNION ALL SELECT 22, 'x', 'y' ORDER BY n")
    assert capsys.readouterr().out.splitlines() == [
        "n  | nothing | words",
        "---+---------+----------",
        "1  | NULL    | wide text",
        "22 | x       | y",
        "(2 rows)",
    ]
    table("SELECT generate_series(1, 5)", limit=3)
    assert capsys.readouterr().out.splitlines()[-1] == "(the first 3 rows)"


def test_a_wrong_answer_without_a_named_trap_gets_the_first_hint(seeded):
    """The first hint is as specific as the ✗ it follows: it is the ✗'s own hint."""
    from workbook.checks import hints

    for name, wrong in (("q2", "SELECT username, 'x' FROM auth_user"), ("q6", "SELECT 1, 2, 3")):
        message = rejects(name, wrong, says=f"✗ {name}")
        assert hints.steps("sql", name)[0] in message


def test_a_check_failing_on_its_own_rows_never_asks_for_another_kind_of_answer(seeded, monkeypatch):
    """A str is the kind 07-sql asks for: when the check's own rows fail (as when a probe id was
    taken twice), the ✗ says what failed, not "assign the kind of value the exercise asks for"."""
    from django.db import IntegrityError

    def collide():
        raise IntegrityError('duplicate key value violates unique constraint "auth_user_pkey"')

    monkeypatch.setattr(check, "add_rows", collide)
    says = rejects("q1", check.REFERENCE["q1"], says="could not judge this answer: IntegrityError: duplicate")
    assert "a str" in says and "kind of value" not in says, says
    assert "not a SQL statement" in rejects("q1", 42, says="the answer is an int")


def test_every_check_declares_a_statement_as_the_kind_it_asks_for():
    for name in NAMES:
        assert getattr(check, name).asks_for == (str,), name


def test_the_runner_never_asks_a_declared_kind_to_be_another(seeded, capsys, monkeypatch):
    from workbook.checks import _runner

    def q98(answer):
        raise ValueError("the check's own mistake")

    q98.asks_for = (str,)
    monkeypatch.setattr(check, "q98", q98, raising=False)
    _runner.run(check, "q98", lambda: (("SELECT 1",), {}))
    out = capsys.readouterr().out
    assert out.startswith("✗ q98: the check could not judge this answer: ValueError: the check's own"), out
    assert "kind of value" not in out, out
    _runner.run(check, "q98", lambda: ((1,), {}))
    out = capsys.readouterr().out
    assert out.startswith("✗ q98: the answer is an int, which this check cannot use"), out
