"""Checks for 07-sql: each answer is one SELECT statement, judged by the rows it returns.

The truth is a reference statement run on the same data at the same moment. The learner's
statement runs read-only inside a savepoint that is always rolled back, first on the notebook's
rows, then again on rows the check adds for a moment (`add_rows`: the ORM checks' probe rows, plus
a user with no profile, one whose profile is deleted and one whose post has no like), so an answer
that is right on the seed only (values or ids typed in, a join or a filter that the seed cannot
tell apart) fails there. Any other way of writing the same statement passes: another join order,
a subquery for a join, COUNT(*) for COUNT(col) where they agree, a CTE or none.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from ..i18n import N_, _, ngettext
from . import _orm_probe, hints
from ._base import CheckFailed, ok, require_answer
from ._probe import PROBE_IDS, SHOW, _first_line, guarded, kind_of, rolled_back, shown
from ._runner import module_name

ROW_LIMIT = 500  # rows read from an answer: more than any exercise returns
TIMEOUT = "5s"  # a statement that runs longer is stopped (a join without its ON, say)

NOTE = N_(
    "with rows the check adds for a moment (users aaron, carolyn, yuna and zoe: no profile, "
    "a deleted profile, a post with no like; deleted posts that match, cancelled likes, "
    "posts and likes near midnight)"
)

# The reference statements: what each exercise asks, computed by the database on any data.
REFERENCE = {
    "q1": """
        SELECT id, content FROM posts_post
        WHERE NOT is_deleted AND content ILIKE '%seoul%'
        ORDER BY created_at DESC""",
    "q2": """
        SELECT u.username, p.content
        FROM posts_post p JOIN auth_user u ON u.id = p.author_id
        WHERE NOT p.is_deleted
        ORDER BY u.username, p.created_at""",
    "q3": """
        SELECT u.username, pr.name
        FROM auth_user u
        LEFT JOIN accounts_profile pr ON pr.user_id = u.id AND NOT pr.is_deleted
        ORDER BY u.username""",
    "q4": """
        SELECT u.username, COUNT(*) AS likes
        FROM posts_like l
        JOIN posts_post p ON p.id = l.post_id
        JOIN auth_user u ON u.id = p.author_id
        WHERE NOT l.is_deleted
        GROUP BY u.username
        HAVING COUNT(*) >= 2
        ORDER BY likes DESC, u.username""",
    "q5": """
        SELECT u.username, p.id,
               row_number() OVER (PARTITION BY p.author_id ORDER BY p.created_at DESC) AS n
        FROM posts_post p JOIN auth_user u ON u.id = p.author_id
        WHERE NOT p.is_deleted
        ORDER BY u.username, n""",
    "q6": """
        SELECT (created_at AT TIME ZONE 'Asia/Seoul')::date AS day,
               COUNT(*) AS likes,
               SUM(COUNT(*)) OVER (ORDER BY (created_at AT TIME ZONE 'Asia/Seoul')::date) AS so_far
        FROM posts_like
        WHERE NOT is_deleted
        GROUP BY day
        ORDER BY day""",
    "q7": """
        WITH counted AS (
            SELECT p.id, p.author_id, p.created_at, COUNT(l.id) AS likes
            FROM posts_post p
            LEFT JOIN posts_like l ON l.post_id = p.id AND NOT l.is_deleted
            WHERE NOT p.is_deleted
            GROUP BY p.id
        ), ranked AS (
            SELECT counted.*,
                   row_number() OVER (PARTITION BY author_id ORDER BY likes DESC, created_at DESC) AS n
            FROM counted
        )
        SELECT u.username, r.id, r.likes
        FROM ranked r JOIN auth_user u ON u.id = r.author_id
        WHERE r.n = 1
        ORDER BY u.username""",
}

# The ORM query that returns the same rows, shown after a ✓ (never before the learner answers);
# tests/test_checks_sql.py runs each against the reference, on the seed and on the probe rows.
ORM = {
    "q1": (
        'Post.objects.filter(content__icontains="seoul").order_by("-created_at").values_list("id", "content")'
    ),
    "q2": (
        'Post.objects.order_by("author__username", "created_at").values_list("author__username", "content")'
    ),
    "q3": (
        'User.objects.annotate(live=FilteredRelation("profile", condition=Q(profile__is_deleted=False)))'
        '.order_by("username").values_list("username", "live__name")'
    ),
    "q4": (
        'Like.objects.values_list("post__author__username").annotate(likes=Count("id"))'
        '.filter(likes__gte=2).order_by("-likes", "post__author__username")'
    ),
    "q5": (
        'Post.objects.annotate(n=Window(RowNumber(), partition_by="author", order_by="-created_at"))'
        '.order_by("author__username", "n").values_list("author__username", "id", "n")'
    ),
    "q6": (
        'Like.objects.annotate(day=TruncDate("created_at", tzinfo=SEOUL)).annotate('
        'likes=Window(Count("id"), partition_by="day"), so_far=Window(Count("id"), order_by="day"))'
        '.values_list("day", "likes", "so_far").distinct().order_by("day")'
    ),
    "q7": (
        'Post.objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False)))'
        '.annotate(n=Window(RowNumber(), partition_by="author", order_by=["-n_likes", "-created_at"]))'
        '.filter(n=1).order_by("author__username").values_list("author__username", "id", "n_likes")'
    ),
}

# What each exercise asks, in a few words (the ✓ line and the expected: line).
ASKED = {
    "q1": N_("the live posts that mention Seoul in any case, newest first"),
    "q2": N_("every live post with its author's username, by username then oldest first"),
    "q3": N_("every user with the name of their live profile, or NULL"),
    "q4": N_("authors with two or more live likes on their posts, most first"),
    "q5": N_("each live post's place among its author's live posts, newest first"),
    "q6": N_("live likes per Seoul day with a running total"),
    "q7": N_("each author's most-liked live post, the newer on a tie"),
}

# Answers that are wrong in a way worth naming: when the learner's rows are these, say why.
TRAPS = {
    "q1": [
        (
            "SELECT id, content FROM posts_post WHERE content ILIKE '%seoul%' ORDER BY created_at DESC",
            N_("a deleted post is in: posts_post holds deleted rows too, so say NOT is_deleted"),
        ),
        (
            "SELECT id, content FROM posts_post WHERE NOT is_deleted AND content LIKE '%Seoul%' "
            "ORDER BY created_at DESC",
            N_("LIKE is case-sensitive and misses 'SEOUL': ILIKE (or lower(content) LIKE) ignores case"),
        ),
        (
            "SELECT id, content FROM posts_post WHERE NOT is_deleted AND content ILIKE '%seoul%' "
            "ORDER BY id DESC",
            N_("newest means the latest created_at; a higher id is not always a newer post"),
        ),
    ],
    "q2": [
        (
            "SELECT u.username, p.content FROM posts_post p JOIN auth_user u ON u.id = p.author_id "
            "ORDER BY u.username, p.created_at",
            N_("deleted posts are in: WHERE NOT p.is_deleted"),
        ),
        (
            "SELECT u.username, p.content FROM posts_post p JOIN auth_user u ON u.id = p.author_id "
            "WHERE NOT p.is_deleted ORDER BY p.author_id, p.created_at",
            N_("sorted by author_id, not by the username"),
        ),
        (
            "SELECT u.username, p.content FROM posts_post p JOIN auth_user u ON u.id = p.author_id "
            "WHERE NOT p.is_deleted ORDER BY u.username, p.id",
            N_("within one author, oldest first means by created_at, not by id"),
        ),
    ],
    "q3": [
        (
            "SELECT u.username, pr.name FROM auth_user u JOIN accounts_profile pr ON pr.user_id = u.id "
            "AND NOT pr.is_deleted ORDER BY u.username",
            N_(
                "the users with no live profile are dropped, by an INNER JOIN or by a condition on the "
                "profile in WHERE (it runs after the join, and NOT NULL is NULL): LEFT JOIN, the "
                "condition in its ON clause"
            ),
        ),
        (
            "SELECT u.username, pr.name FROM auth_user u LEFT JOIN accounts_profile pr ON pr.user_id = u.id "
            "ORDER BY u.username",
            N_("a deleted profile's name shows: add AND NOT pr.is_deleted to the ON clause"),
        ),
    ],
    "q4": [
        (
            "SELECT u.username, COUNT(*) FROM posts_like l JOIN posts_post p ON p.id = l.post_id "
            "JOIN auth_user u ON u.id = p.author_id GROUP BY u.username HAVING COUNT(*) >= 2 "
            "ORDER BY 2 DESC, 1",
            N_("cancelled likes are counted: WHERE NOT l.is_deleted, before the grouping"),
        ),
        (
            "SELECT u.username, COUNT(*) FROM posts_like l JOIN auth_user u ON u.id = l.user_id "
            "WHERE NOT l.is_deleted GROUP BY u.username HAVING COUNT(*) >= 2 ORDER BY 2 DESC, 1",
            N_(
                "these are likes given by each user; the exercise counts likes received, "
                "via the post's author"
            ),
        ),
        (
            "SELECT u.username, COUNT(*) FROM posts_like l JOIN posts_post p ON p.id = l.post_id "
            "JOIN auth_user u ON u.id = p.author_id WHERE NOT l.is_deleted GROUP BY u.username "
            "HAVING COUNT(*) > 2 ORDER BY 2 DESC, 1",
            N_("two or more is >= 2: authors with exactly two are missing"),
        ),
    ],
    "q5": [
        (
            "SELECT u.username, p.id, row_number() OVER (PARTITION BY p.author_id ORDER BY p.id DESC) "
            "FROM posts_post p JOIN auth_user u ON u.id = p.author_id WHERE NOT p.is_deleted ORDER BY 1, 3",
            N_("numbered by id; newest first means ORDER BY created_at DESC inside OVER (...)"),
        ),
        (
            "SELECT u.username, p.id, "
            "row_number() OVER (PARTITION BY p.author_id ORDER BY p.created_at DESC) "
            "FROM posts_post p JOIN auth_user u ON u.id = p.author_id ORDER BY 1, 3",
            N_("deleted posts take places in the numbering: filter them out in WHERE"),
        ),
        (
            "SELECT u.username, p.id, row_number() OVER (ORDER BY p.created_at DESC) "
            "FROM posts_post p JOIN auth_user u ON u.id = p.author_id WHERE NOT p.is_deleted ORDER BY 1, 3",
            N_("one numbering for all posts: PARTITION BY the author starts again at 1 for each"),
        ),
    ],
    "q6": [
        (
            "SELECT created_at::date, COUNT(*), SUM(COUNT(*)) OVER (ORDER BY created_at::date) "
            "FROM posts_like WHERE NOT is_deleted GROUP BY 1 ORDER BY 1",
            N_(
                "these are UTC days (the connection's time zone): a like at 00:30 in Seoul belongs to the "
                "day before there; created_at AT TIME ZONE 'Asia/Seoul' gives Seoul's clock"
            ),
        ),
        (
            "SELECT (created_at AT TIME ZONE 'Asia/Seoul')::date, COUNT(*), "
            "SUM(COUNT(*)) OVER (ORDER BY (created_at AT TIME ZONE 'Asia/Seoul')::date) "
            "FROM posts_like GROUP BY 1 ORDER BY 1",
            N_("cancelled likes are counted: WHERE NOT is_deleted"),
        ),
        (
            "SELECT (created_at AT TIME ZONE 'Asia/Seoul')::date, COUNT(*), SUM(COUNT(*)) OVER () "
            "FROM posts_like WHERE NOT is_deleted GROUP BY 1 ORDER BY 1",
            N_("OVER () sums every day into every row: OVER (ORDER BY the day) sums up to this day"),
        ),
    ],
    "q7": [
        (
            "SELECT DISTINCT ON (u.username) u.username, p.id, COUNT(l.id) FROM posts_post p "
            "JOIN auth_user u ON u.id = p.author_id LEFT JOIN posts_like l ON l.post_id = p.id "
            "WHERE NOT p.is_deleted GROUP BY u.username, p.id ORDER BY u.username, 3 DESC, p.created_at DESC",
            N_("cancelled likes are counted: keep only live likes (in the join's ON, or a FILTER)"),
        ),
        (
            "SELECT DISTINCT ON (u.username) u.username, p.id, COUNT(l.id) FROM posts_post p "
            "JOIN auth_user u ON u.id = p.author_id LEFT JOIN posts_like l ON l.post_id = p.id "
            "AND NOT l.is_deleted WHERE NOT p.is_deleted GROUP BY u.username, p.id "
            "ORDER BY u.username, 3 DESC, p.created_at",
            N_("on a tie the older post won: break ties with created_at DESC"),
        ),
        (
            "SELECT DISTINCT ON (u.username) u.username, p.id, COUNT(*) FROM posts_post p "
            "JOIN auth_user u ON u.id = p.author_id JOIN posts_like l ON l.post_id = p.id "
            "AND NOT l.is_deleted WHERE NOT p.is_deleted GROUP BY u.username, p.id "
            "ORDER BY u.username, 3 DESC, p.created_at DESC",
            N_(
                "an author whose posts have no like is missing: an INNER JOIN to likes drops them (LEFT JOIN)"
            ),
        ),
        (
            "SELECT DISTINCT ON (u.username) u.username, p.id, COUNT(l.id) FROM posts_post p "
            "JOIN auth_user u ON u.id = p.author_id LEFT JOIN posts_like l ON l.post_id = p.id "
            "AND NOT l.is_deleted GROUP BY u.username, p.id "
            "ORDER BY u.username, 3 DESC, p.created_at DESC",
            N_("a deleted post was picked: only live posts compete (WHERE NOT p.is_deleted)"),
        ),
    ],
}


# ---------------------------------------------------------------- the rows the check adds

SQL_BASE = PROBE_IDS["sql"].start


def add_rows() -> None:
    """The ORM checks' probe rows and more for joins and ties; call inside `rolled_back()` only.

    yuna has no profile and one live post with no like, then a newer deleted one; zoe's profile is
    deleted; aaron has no profile. The ids of these rows are this module's block of
    `_probe.PROBE_IDS`, above the ORM checks' rows: yuna and her posts have the highest ids.
    """
    from django.contrib.auth import get_user_model

    from accounts.models import Profile
    from posts.models import Post

    _orm_probe.add_rows()
    User = get_user_model()
    yuna = User(pk=SQL_BASE + 1, username="yuna", email="yuna@example.com")
    yuna.set_unusable_password()
    yuna.save(force_insert=True)
    at = _orm_probe._at(8, 20)
    Post.all_objects.create(
        pk=SQL_BASE + 1, author=yuna, content="Quiet evening in Mapo", created_at=at, updated_at=at
    )
    later = at + timedelta(days=1)  # newer than her live post, as unliked: it must not win a tie
    Post.all_objects.create(
        pk=SQL_BASE + 2,
        author=yuna,
        content="Mapo again, deleted",
        created_at=later,
        updated_at=later,
        is_deleted=True,
        deleted_at=later + timedelta(hours=1),
    )
    Profile.all_objects.create(
        pk=SQL_BASE + 1,
        user_id=_orm_probe.BASE + 2,  # zoe
        name="Zoe Yoon",
        created_at=at,
        is_deleted=True,
        deleted_at=at + timedelta(days=1),
    )


# ---------------------------------------------------------------- running an answer


def statement(exercise: str, answer) -> str:
    """The answer as one SELECT (or WITH ... SELECT) statement, or a ✗ saying what it is instead."""
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise,
            _("the answer is {kind}, not a SQL statement in a string").format(kind=kind_of(answer)),
            expected='"""SELECT ... FROM ... """',
            got=shown(answer),
            hint=_('put the statement in a string: answer = """SELECT ..."""'),
        )
    code = _code_only(answer).strip().rstrip(";")
    words = re.findall(r"[A-Za-z_]+", code)
    if not words or words[0].upper() not in ("SELECT", "WITH"):
        raise CheckFailed(
            exercise,
            _("this is not a SELECT statement"),
            expected="SELECT ... / WITH ... SELECT ...",
            got=shown(answer[:80]),
            hint=_("the exercise asks for one query that reads rows: start it with SELECT (or WITH)"),
        )
    if ";" in code:
        raise CheckFailed(
            exercise,
            _("more than one statement: the check runs one"),
            got=shown(answer[:80]),
            hint=_("keep one SELECT and remove the semicolons inside it"),
        )
    return answer.strip()


def _code_only(text: str) -> str:
    """The statement without its comments and quoted text, where a ; or a word would not count."""
    return re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", " ", text, flags=re.DOTALL)


def rows_of(exercise: str, sql: str, *, hint: str) -> list[tuple]:
    """Run one statement read-only in a savepoint; its rows (values made comparable), or a ✗."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL transaction_read_only = on")
            cursor.execute(f"SET LOCAL statement_timeout = '{TIMEOUT}'")
            cursor.execute(sql)
            if cursor.description is None:
                raise CheckFailed(exercise, _("the statement returns no rows at all"), hint=hint)
            rows = cursor.fetchmany(ROW_LIMIT + 1)
    except DatabaseError as exc:
        raise CheckFailed(
            exercise,
            _("PostgreSQL refused the statement: {first_line}").format(first_line=_first_line(exc)),
            hint=hint,
        ) from None
    return [tuple(_plain(v) for v in row) for row in rows]


def _plain(value):
    """SUM() of integers is numeric in PostgreSQL: 8 and Decimal('8') are the same answer."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _cell(value) -> str:
    """A value as it reads in SQL: NULL, a quoted string, a date or a timestamp as PostgreSQL prints it."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return repr(value)


def _row(row: tuple) -> str:
    return "(" + ", ".join(_cell(v) for v in row) + ")"


def _table(rows: list[tuple]) -> str:
    text = ", ".join(_row(r) for r in rows[:SHOW])
    more = _(", … ({count} in all)").format(count=len(rows)) if len(rows) > SHOW else ""
    return f"[{text}{more}]"


def _difference(exercise: str, got: list[tuple], expected: list[tuple], *, hint: str) -> CheckFailed | None:
    """None when the rows are the same, in the same order; otherwise the ✗ that says how they differ."""
    if got == expected:
        return None
    widths = {len(r) for r in got}
    if expected and widths and widths != {len(expected[0])}:
        return CheckFailed(
            exercise,
            _("the number of columns is {got}, where the exercise asks for {expected}").format(
                got=" / ".join(map(str, sorted(widths))), expected=len(expected[0])
            ),
            expected=_table(expected),
            got=_table(got),
            hint=_("select exactly the columns the exercise names, in its order"),
        )
    if sorted(map(repr, got)) == sorted(map(repr, expected)):
        return CheckFailed(
            exercise,
            _("the right rows in another order"),
            expected=_table(expected),
            got=_table(got),
            hint=_("ORDER BY decides the order; without it PostgreSQL returns rows in any order"),
        )
    missing = [r for r in expected if r not in got]
    extra = [r for r in got if r not in expected]
    problem = "; ".join(
        part
        for part in (
            _("missing {rows}").format(rows=_table(missing)) if missing else "",
            _("not asked for {rows}").format(rows=_table(extra)) if extra else "",
        )
        if part
    ) or _("the same rows, some more or fewer times")
    return CheckFailed(exercise, problem, expected=_table(expected), got=_table(got), hint=hint)


def _named(exercise: str, failure: CheckFailed, got: list[tuple]) -> CheckFailed:
    """The failure, with the reason of a known trap when the rows are that trap's."""
    for sql, why in TRAPS.get(exercise, []):
        try:
            if rows_of(exercise, sql, hint="") == got:
                return CheckFailed(
                    exercise, failure.problem, expected=failure.expected, got=failure.got, hint=_(why)
                )
        except CheckFailed:  # a trap written for a newer schema: ignore it
            continue
    return failure


def judge(exercise: str, answer, *, hint: str) -> list[tuple]:
    """The answer's rows against the reference's, on the notebook's rows and on the probe rows."""
    sql = statement(exercise, answer)
    with rolled_back():
        got = rows_of(exercise, sql, hint=hint)
        expected = rows_of(exercise, REFERENCE[exercise], hint=hint)
        failure = _difference(exercise, got, expected, hint=hint)
        if failure:
            raise _named(exercise, failure, got)
    with rolled_back():
        add_rows()
        probe_got = rows_of(exercise, sql, hint=hint)
        probe_expected = rows_of(exercise, REFERENCE[exercise], hint=hint)
        failure = _difference(exercise, probe_got, probe_expected, hint=hint)
        if failure:
            failure = _named(exercise, failure, probe_got)
            raise CheckFailed(
                exercise,
                _("right on the notebook's rows only: {note}, {problem}").format(
                    note=_(NOTE), problem=failure.problem
                ),
                expected=failure.expected,
                got=failure.got,
                hint=failure.hint,
            )
    return got


# ---------------------------------------------------------------- the exercises


def _check(exercise: str, answer) -> None:
    """Judge the answer; a ✗ without a named trap says the exercise's first hint."""
    got = judge(exercise, answer, hint=hints.steps(module_name(__name__), exercise)[0])
    ok(
        exercise,
        ngettext(
            "{asked}: {count} row, right again on rows the check added",
            "{asked}: {count} rows, right again on rows the check added",
            len(got),
        ).format(asked=_(ASKED[exercise]), count=len(got)),
    )
    print(_("  the same rows from the ORM: {orm}").format(orm=ORM[exercise]))


@guarded(asks_for=(str,))
def q1(answer) -> None:
    """id and content of the live posts that mention Seoul (any case), newest first."""
    _check("q1", answer)


@guarded(asks_for=(str,))
def q2(answer) -> None:
    """username and content of every live post, by username, then oldest first."""
    _check("q2", answer)


@guarded(asks_for=(str,))
def q3(answer) -> None:
    """Every user's username and live profile name (NULL where none), by username."""
    _check("q3", answer)


@guarded(asks_for=(str,))
def q4(answer) -> None:
    """Authors and the live likes their posts received, two or more, most first then by username."""
    _check("q4", answer)


@guarded(asks_for=(str,))
def q5(answer) -> None:
    """username, post id and row_number() among the author's live posts, newest first."""
    _check("q5", answer)


@guarded(asks_for=(str,))
def q6(answer) -> None:
    """Seoul day, live likes that day, and the running total, by day."""
    _check("q6", answer)


@guarded(asks_for=(str,))
def q7(answer) -> None:
    """Each author's most-liked live post (live likes; the newer on a tie): username, id, likes."""
    _check("q7", answer)
