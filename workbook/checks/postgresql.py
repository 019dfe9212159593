"""Checks for 03-postgresql-1-types and -2-engine: JSONB with its GIN index, domains, indexes that a
plan uses, full-text search.

Every check computes the truth itself, on its own connection, inside a transaction it rolls back:
what a learner's SQL creates there never stays in the database.
"""

from __future__ import annotations

import contextlib
import json
import re

from ..i18n import N_, _
from ._base import CheckFailed, expect_queryset, judged_on_returns, ok, require_answer
from ._probe import PROBE_IDS, expect_objects, guarded, rolled_back

CONNECTION_KEYS = ("dbname", "user", "password", "host", "port", "connect_timeout")

READINGS_ROWS = 50_000
READINGS_DAY_QUERY = (
    "SELECT device_id, value FROM readings WHERE taken_at >= '2026-03-10' AND taken_at < '2026-03-11'"
)
SEARCH_WORDS = ("beach", "sunsets", "snow")


def connection_params() -> dict:
    """Where Django's connection goes, for a psycopg2 connection of one's own."""
    from django.db import connection

    params = connection.get_connection_params()
    return {key: value for key, value in params.items() if key in CONNECTION_KEYS and value}


class Session:
    """A connection of the check's own; `execute()` returns the cursor, ready to fetch from."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, statement: str, params=None):
        cursor = self.raw.cursor()
        cursor.execute(statement, params)
        return cursor

    def run_answer(self, exercise: str, statement: str, *, hint: str) -> None:
        """The learner's SQL; what PostgreSQL refuses becomes a ✗ with its first line."""
        import psycopg2

        try:
            self.execute(statement)
        except psycopg2.Error as exc:
            raise CheckFailed(
                exercise, _("PostgreSQL refused the statement"), got=_first_line(exc), hint=hint
            ) from None


@contextlib.contextmanager
def scratch_transaction(*, autocommit: bool = False):
    """A connection of the check's own, in a transaction that is always rolled back.

    With `autocommit`, each statement commits on its own, as in a notebook's `sql()` (what
    CREATE INDEX CONCURRENTLY needs): then only TEMP objects may be made, which end with the
    connection."""
    import psycopg2

    raw = psycopg2.connect(**connection_params())
    raw.autocommit = autocommit
    try:
        yield Session(raw)
    finally:
        raw.rollback()
        raw.close()


def create_readings(
    conn, rows: int = READINGS_ROWS, *, table: str = "readings", temporary: bool = True
) -> None:
    """The sensor readings the index exercises use: one a minute from 2026-03-01, 1,000 devices."""
    conn.execute(
        f"CREATE {'TEMP ' if temporary else ''}TABLE {table} (id bigint PRIMARY KEY, device_id int NOT NULL, "
        "taken_at timestamp NOT NULL, value numeric(6, 1) NOT NULL)"
    )
    conn.execute(
        f"INSERT INTO {table} "
        "SELECT g, g %% 1000, timestamp '2026-03-01' + g * interval '1 minute', (g * 7919) %% 1000 / 10.0 "
        "FROM generate_series(1, %s) AS g",
        [rows],
    )
    conn.execute(f"ANALYZE {table}")


def plan_of(conn, query: str, params=None) -> dict:
    """EXPLAIN's plan tree of a query, as JSON (no ANALYZE: nothing runs)."""
    row = conn.execute(f"EXPLAIN (FORMAT JSON) {query}", params).fetchone()
    plan = row[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def indexes_used(plan: dict) -> set[str]:
    return {node["Index Name"] for node in plan_nodes(plan) if "Index Name" in node}


@guarded
def q1(answer) -> None:
    """Live files shot on an iPhone 15, found by containment so the GIN index can answer."""
    from django.db import connection

    from posts.models import File

    exercise = "q1"
    require_answer(exercise, answer)
    expect_queryset(exercise, answer, File, _("start from File.objects and use a lookup on metadata"))
    expect_objects(exercise, answer, File, hint=_("start from File.objects and use a lookup on metadata"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM posts_file WHERE NOT is_deleted AND metadata @> %s::jsonb "
            "ORDER BY post_id, position, id",
            [json.dumps({"camera": "iPhone 15"})],
        )
        expected = [row[0] for row in cursor.fetchall()]
    got = list(answer.values_list("id", flat=True))
    if sorted(got) != sorted(expected):
        deleted = set(got) - set(expected)
        hint = (
            _("a deleted file is among them: File.objects holds the live rows only")
            if deleted and File.all_objects.filter(pk__in=deleted, is_deleted=True).exists()
            else _("look for metadata whose camera key is exactly 'iPhone 15'")
        )
        raise CheckFailed(
            exercise, _("these are not the live iPhone 15 files"), expected=expected, got=got, hint=hint
        )
    sql, params = answer.query.sql_with_params()
    with connection.cursor() as cursor, _rolled_back(connection):
        # The question is whether the index CAN answer the condition, not whether the planner
        # prefers it on today's statistics (after autovacuum's ANALYZE it may prefer another
        # index for 11 rows). So leave it only bitmap scans, the one way a GIN index is read:
        # the plan then uses file_metadata_gin exactly when the condition is one it answers.
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    used = indexes_used(plan[0]["Plan"])
    if "file_metadata_gin" not in used:
        raise CheckFailed(
            exercise,
            _("the rows are right, but the GIN index file_metadata_gin cannot answer this condition"),
            expected=_("a plan that uses file_metadata_gin"),
            got=_("indexes used: {value}").format(value=sorted(used) or "none"),
            hint=_("the index covers the whole column: ask metadata__contains={'camera': ...} (SQL @>)"),
        )
    ok(
        exercise,
        _("{count} live files, and PostgreSQL can find them through file_metadata_gin").format(
            count=len(got)
        ),
    )


@contextlib.contextmanager
def _rolled_back(connection):
    from django.db import transaction

    with transaction.atomic(using=connection.alias):
        sid = transaction.savepoint(using=connection.alias)
        try:
            yield
        finally:
            transaction.savepoint_rollback(sid, using=connection.alias)


RATING_CASES = [
    ("1", True),
    ("5", True),
    ("3", True),
    ("0", False),
    ("6", False),
    ("-2", False),
    ("NULL", False),
]


@guarded
def q2(answer) -> None:
    """A domain `rating`: whole numbers 1 to 5, never NULL."""
    import psycopg2

    exercise = "q2"
    require_answer(exercise, answer)
    expect_sql(exercise, answer, "CREATE DOMAIN", 'rating_sql = "CREATE DOMAIN rating AS ..."')
    wrong = []
    with scratch_transaction() as conn:
        # A schema of the check's own, first on the search path, so `rating` lands there
        # and the rollback takes it away again.
        conn.execute("CREATE SCHEMA workbook_check")
        conn.execute("SET LOCAL search_path TO workbook_check, public")
        conn.run_answer(exercise, answer, hint=_("run it in a cell to see the whole error"))
        kind = conn.execute(
            "SELECT t.typtype, format_type(t.typbasetype, NULL) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'workbook_check' AND t.typname = 'rating'"
        ).fetchone()
        if kind is None or kind[0] != "d":
            raise CheckFailed(
                exercise,
                _("there is no domain named rating"),
                got=kind,
                hint="CREATE DOMAIN rating AS integer ...",
            )
        if kind[1] not in ("integer", "smallint", "bigint"):
            raise CheckFailed(
                exercise,
                _("a rating is a whole number"),
                expected=_("a whole-number type: smallint, integer or bigint (any of them is right)"),
                got=kind[1],
                hint=_("text or numeric would take '3' or 2.5; a whole-number type refuses them"),
            )
        for value, allowed in RATING_CASES:
            conn.execute("SAVEPOINT probe")
            try:
                conn.execute(f"SELECT ({value})::rating")
                accepted = True
            except psycopg2.Error:
                accepted = False
            conn.execute("ROLLBACK TO SAVEPOINT probe")
            if accepted != allowed:
                wrong.append(f"{value} {'accepted' if accepted else 'refused'}")
    if wrong:
        hint = (
            _("NULL passes every CHECK; the domain needs NOT NULL")
            if wrong == ["NULL accepted"]
            else _("CHECK (VALUE BETWEEN 1 AND 5) keeps both ends in")
        )
        raise CheckFailed(
            exercise,
            _("the domain lets the wrong values through"),
            expected=_("1 to 5 accepted; 0, 6, -2 and NULL refused"),
            got=", ".join(wrong),
            hint=hint,
        )
    ok(exercise, _("rating takes 1 to 5 and refuses 0, 6, -2 and NULL"))


def expect_sql(exercise: str, answer, statement: str, hint: str) -> None:
    """The answer must be SQL text that mentions its statement's last word (DOMAIN, INDEX)."""
    if not isinstance(answer, str) or statement.split()[-1].lower() not in answer.lower():
        raise CheckFailed(
            exercise,
            _("the answer should be the SQL text of a {statement} statement").format(statement=statement),
            got=repr(answer)[:80],
            hint=hint,
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@guarded
def q3(answer) -> None:
    """CREATE INDEX that lets the one-day query on `readings` use an index."""
    exercise = "q3"
    require_answer(exercise, answer)
    expect_sql(exercise, answer, "CREATE INDEX", 'index_sql = "CREATE INDEX ... ON readings (...)"')
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction block: that one statement runs on
    # its own, as the notebook's sql() runs it, and only on the check's TEMP table `readings` (which
    # goes with the check's connection). Anything else stays in a transaction rolled back after.
    concurrently = re.fullmatch(
        r'\s*CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+[^;]*?\bON\s+(ONLY\s+)?"?readings"?[\s(][^;]*;?\s*',
        answer,
        re.IGNORECASE | re.DOTALL,
    )
    with scratch_transaction(autocommit=bool(concurrently)) as conn:
        create_readings(conn)
        before = indexes_used(plan_of(conn, READINGS_DAY_QUERY))
        conn.run_answer(exercise, answer, hint=_("write it for the table `readings`, without a schema name"))
        created = conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'readings'::regclass AND NOT indisprimary"
        ).fetchall()
        if not created:
            raise CheckFailed(
                exercise,
                _("no new index on readings"),
                hint="CREATE INDEX name ON readings (column)",
            )
        after = indexes_used(plan_of(conn, READINGS_DAY_QUERY)) - before
    if not after:
        raise CheckFailed(
            exercise,
            _("the index exists, but the plan of the one-day query does not use it"),
            expected=_("a plan that reads an index"),
            got=", ".join(definition for _name, definition in created),
            hint=_("index the column the WHERE clause compares"),
        )
    ok(
        exercise,
        _("the one-day query now reads {after} instead of all {readings_rows:,} rows").format(
            after=sorted(after)[0], readings_rows=READINGS_ROWS
        ),
    )


def search_truth() -> list[int]:
    """Live posts matching any of SEARCH_WORDS, best rank first, computed in SQL."""
    from django.db import connection

    query = " | ".join(SEARCH_WORDS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM posts_post "
            "WHERE NOT is_deleted AND to_tsvector('english', content) @@ to_tsquery('english', %s) "
            "ORDER BY ts_rank(to_tsvector('english', content), to_tsquery('english', %s)) DESC, id",
            [query, query],
        )
        return [row[0] for row in cursor.fetchall()]


@guarded
def q4(answer) -> None:
    """Full-text search on Post.content, best match first."""
    from posts.models import Post

    exercise = "q4"
    require_answer(exercise, answer)
    expect_queryset(
        exercise, answer, Post, "Post.objects.annotate(rank=SearchRank(...)).filter(...).order_by(...)"
    )
    expected = search_truth()
    got = list(answer.values_list("id", flat=True))
    if sorted(got) != sorted(expected):
        hint = (
            _("'sunsets' is not in any post as written: full-text search stems words (sunsets → sunset)")
            if not got
            else _(
                "match any of the three words: SearchQuery(a) | SearchQuery(b) | ..., or websearch with 'or'"
            )
        )
        raise CheckFailed(exercise, _("not the posts that match"), expected=expected, got=got, hint=hint)
    if got != expected:
        raise CheckFailed(
            exercise,
            _("the right posts, in the wrong order"),
            expected=expected,
            got=got,
            hint=_("annotate rank=SearchRank(vector, query) and order_by('-rank')"),
        )
    with rolled_back():
        _add_search_posts()
        probe_expected, probe_got = search_truth(), list(answer.values_list("id", flat=True))
    if probe_got != probe_expected:
        raise CheckFailed(
            exercise,
            _(
                "right on the notebook's rows only: {note}, the answer gives other posts or another order"
            ).format(note=_(SEARCH_NOTE)),
            expected=probe_expected,
            got=probe_got,
            hint=_("filter on the search itself (not on ids), live posts only, and order_by('-rank')"),
        )
    ok(exercise, _("posts {got}, best match first").format(got=got))


SEARCH_BASE = PROBE_IDS["postgresql"].start  # ids of the posts the check adds for a moment
SEARCH_NOTE = N_(
    "with posts the check adds for a moment (one that matches better than any, with the highest id; "
    "a deleted one that matches)"
)


def _add_search_posts() -> None:
    """Call inside rolled_back() only: the best match gets the highest id, and a deleted post
    matches too."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from posts.models import Post

    author = get_user_model().objects.order_by("pk").first()
    now = timezone.now()
    Post.all_objects.create(
        pk=SEARCH_BASE + 1, author=author, content="Snow on the beach, sunsets over snow and beach"
    )
    Post.all_objects.create(
        pk=SEARCH_BASE + 2,
        author=author,
        content="Beach sunsets, deleted",
        is_deleted=True,
        deleted_at=now,
    )


# ---------------------------------------------------------------- 03-postgresql-2-engine: transactions

VISIBILITY_STEPS = (
    "a updated, not committed yet",
    "a committed",
    "b began REPEATABLE READ and read; then a committed another -30",
    "b committed its REPEATABLE READ transaction, then read again",
)
VISIBILITY_HINTS = {
    VISIBILITY_STEPS[0]: N_("no dirty reads: another connection never sees what a has not committed yet"),
    VISIBILITY_STEPS[1]: N_("READ COMMITTED: each statement of b sees what was committed when it started"),
    VISIBILITY_STEPS[2]: N_("REPEATABLE READ: b's transaction keeps the snapshot of its first query"),
    VISIBILITY_STEPS[3]: N_("once b's transaction ends, its next statement sees everything committed"),
}


def visibility_truth() -> dict[str, int]:
    """alice's balance as connection b reads it at each step, run on two connections of the check's own."""
    import psycopg2

    schema = "check_visibility"
    a_raw, b_raw = psycopg2.connect(**connection_params()), psycopg2.connect(**connection_params())
    a_raw.autocommit = b_raw.autocommit = True
    a, b = a_raw.cursor(), b_raw.cursor()

    def read() -> int:
        b.execute(f"SELECT balance FROM {schema}.accounts WHERE owner = 'alice'")
        return b.fetchone()[0]

    seen = {}
    try:
        a.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        a.execute(f"CREATE TABLE {schema}.accounts (owner text PRIMARY KEY, balance integer NOT NULL)")
        a.execute(f"INSERT INTO {schema}.accounts VALUES ('alice', 100)")
        take = f"UPDATE {schema}.accounts SET balance = balance - 30 WHERE owner = 'alice'"
        a.execute("BEGIN")
        a.execute(take)
        seen[VISIBILITY_STEPS[0]] = read()
        a.execute("COMMIT")
        seen[VISIBILITY_STEPS[1]] = read()
        b.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        read()
        a.execute(take)
        seen[VISIBILITY_STEPS[2]] = read()
        b.execute("COMMIT")
        seen[VISIBILITY_STEPS[3]] = read()
    finally:
        a_raw.rollback()
        a.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        a_raw.close()
        b_raw.close()
    return seen


def predict_visibility(answer) -> None:
    """Predict, then run: alice's balance as b reads it while a changes it, at four moments."""
    exercise = "predict_visibility"
    require_answer(exercise, answer)
    if not isinstance(answer, dict):
        raise CheckFailed(
            exercise,
            _("the answer should be a dict"),
            got=type(answer).__name__,
            hint=_("keep the dict and fill in its numbers"),
        )
    missing = [step for step in VISIBILITY_STEPS if step not in answer]
    if missing:
        raise CheckFailed(
            exercise,
            _("a moment is missing from the dict"),
            expected=missing[0],
            hint=_("keep the four keys as given"),
        )
    truth = visibility_truth()
    for step in VISIBILITY_STEPS:
        value = answer[step]
        if value is ... or value is None:
            raise CheckFailed(
                exercise,
                _("no prediction for {step!r}").format(step=step),
                hint=_("put a number in place of ..."),
            )
        if value != truth[step]:
            raise CheckFailed(
                exercise,
                _("b reads another balance when {step}").format(step=step),
                expected=truth[step],
                got=value,
                hint=_(VISIBILITY_HINTS[step]),
            )
    ok(
        exercise,
        _("b reads {balances}: as PostgreSQL just showed on two connections").format(
            balances=", ".join(str(truth[step]) for step in VISIBILITY_STEPS)
        ),
    )


TRANSFER_SCHEMA = "check_transfer"


def _attempt_transfer(function, source: str, target: str, amount: int) -> dict:
    """Run the learner's transfer on a fresh accounts table (alice 100, bob 950, carol 0; 0..1000
    allowed) and say what it did, as plain data: the balances after, and how the call ended
    ("returned", "database error", "not implemented", "raised", or "in a transaction" when it could
    not be run), with the exception's class name and first line. The check judges only this, so the
    grader's judge can judge it from the kernel's record of it (`observe`)."""
    from django.db import DatabaseError, connection

    if connection.in_atomic_block:
        return {"balances": {}, "ended": "in a transaction", "kind": "", "message": ""}
    schema = TRANSFER_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(
            f"CREATE TABLE {schema}.accounts (owner text PRIMARY KEY, "
            "balance integer NOT NULL CHECK (balance BETWEEN 0 AND 1000))"
        )
        cursor.execute(f"INSERT INTO {schema}.accounts VALUES ('alice', 100), ('bob', 950), ('carol', 0)")
        cursor.execute(f"SET search_path TO {schema}, public")
    ended, kind, message = "returned", "", ""
    try:
        function(source, target, amount)
    except NotImplementedError:
        ended = "not implemented"
    except DatabaseError as exc:
        ended, kind, message = "database error", type(exc).__name__, _first_line(exc)
    except Exception as exc:  # the learner's code
        ended, kind, message = "raised", type(exc).__name__, str(exc)[:1000]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT owner, balance FROM {schema}.accounts ORDER BY owner")
            balances = dict(cursor.fetchall())
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cursor.execute(f"SET search_path TO {search_path}")
    return {"balances": balances, "ended": ended, "kind": kind, "message": message}


def _transfer_result(function, source: str, target: str, amount: int):
    """(the balances after, the first line of the database error it let out, or None); what the
    learner's own code raised, or the stub, is a ✗ here."""
    from ._base import function_not_answered, observe

    seen = observe(function, _attempt_transfer, source, target, amount)
    if seen["ended"] == "in a transaction":
        raise CheckFailed(
            "transfer",
            _("this check must run outside a transaction"),
            hint=_("run the check cell on its own"),
        )
    if seen["ended"] == "not implemented":
        raise function_not_answered("transfer")
    if seen["ended"] == "raised":
        raise CheckFailed(
            "transfer",
            _("your function raised {kind} on transfer({source!r}, {target!r}, {amount})").format(
                kind=seen["kind"], source=source, target=target, amount=amount
            ),
            got=seen["message"],
            hint=_("transfer(source, target, amount) updates the table accounts with sql()"),
        )
    error = seen["message"] or seen["kind"] if seen["ended"] == "database error" else None
    return seen["balances"], error


@judged_on_returns
def transfer(function) -> None:
    """A transfer between two accounts that changes both balances or neither."""
    from ._base import expect_function

    exercise = "transfer"
    expect_function(exercise, function)
    start = {"alice": 100, "bob": 950, "carol": 0}
    balances, error = _transfer_result(function, "alice", "carol", 30)
    if error is not None:
        raise CheckFailed(
            exercise,
            _("30 from alice to carol, which breaks no rule, failed"),
            got=error,
            hint=_("take the amount from the source (the first argument), add it to the target"),
        )
    if balances != {"alice": 70, "bob": 950, "carol": 30}:
        raise CheckFailed(
            exercise,
            _("30 from alice to carol left other balances"),
            expected={"alice": 70, "bob": 950, "carol": 30},
            got=balances,
            hint=_("take the amount from the source, add it to the target"),
        )
    for source, target, amount, why in (
        ("alice", "carol", 200, _("alice would go below 0")),
        ("alice", "bob", 60, _("bob would go above 1,000")),
    ):
        balances, error = _transfer_result(function, source, target, amount)
        if balances != start:
            raise CheckFailed(
                exercise,
                _("a transfer of {amount} ({why}) left half of it behind").format(amount=amount, why=why),
                expected=start,
                got=balances,
                hint=_("put both updates in one transaction: with transaction.atomic(): ... rolls both back"),
            )
        if error is None:
            raise CheckFailed(
                exercise,
                _("a refused transfer of {amount} ({why}) returned as if it had worked").format(
                    amount=amount, why=why
                ),
                hint=_(
                    "let the database's error (IntegrityError) go on to the caller: do not catch it inside"
                ),
            )
    ok(exercise, _("30 moved; 200 and 60 refused by a CHECK with both balances unchanged"))


# ------------------------------------------------------------------ no_overlap (03 part 2)

MAINTENANCE_FIRST = "[2026-03-10 02:00+00, 2026-03-10 03:00+00)"
# (window, why, whether the rule must refuse it), tried one by one after MAINTENANCE_FIRST.
MAINTENANCE_PROBES = [
    ("[2026-03-10 02:30+00, 2026-03-10 04:00+00)", N_("it overlaps the first window's second half"), True),
    ("[2026-03-10 01:00+00, 2026-03-10 05:00+00)", N_("it covers the whole first window"), True),
    ("[2026-03-10 02:00+00, 2026-03-10 03:00+00)", N_("it is the first window again"), True),
    ("[2026-03-10 03:00+00, 2026-03-10 04:00+00)", N_("it starts exactly when the first window ends"), False),
    ("[2026-03-10 00:00+00, 2026-03-10 02:00+00)", N_("it ends exactly when the first window starts"), False),
    ("[2026-03-11 02:00+00, 2026-03-11 03:00+00)", N_("it is a day later"), False),
]


def _insert_window(conn, window_id: int, window: str):
    """Insert one window under a savepoint: None when it went in, else PostgreSQL's error."""
    import psycopg2

    conn.execute("SAVEPOINT window_probe")
    try:
        conn.execute("INSERT INTO maintenance VALUES (%s, %s)", [window_id, window])
    except psycopg2.Error as exc:
        conn.execute("ROLLBACK TO SAVEPOINT window_probe")
        return exc
    conn.execute("RELEASE SAVEPOINT window_probe")
    return None


@guarded
def no_overlap(answer) -> None:
    """ALTER TABLE that makes PostgreSQL refuse overlapping maintenance windows, and only those."""
    exercise = "no_overlap"
    require_answer(exercise, answer)
    expect_sql(exercise, answer, "ALTER TABLE", 'constraint_sql = "ALTER TABLE maintenance ADD ..."')
    with scratch_transaction() as conn:
        conn.execute("CREATE TEMP TABLE maintenance (id integer PRIMARY KEY, during tstzrange NOT NULL)")
        conn.run_answer(
            exercise, answer, hint=_("write it for the table `maintenance`, without a schema name")
        )
        error = _insert_window(conn, 1, MAINTENANCE_FIRST)
        if error is not None:
            raise CheckFailed(
                exercise,
                _("the first window, into an empty table, was refused"),
                got=_first_line(error),
                hint=_("the rule compares a new window with the windows already there"),
            )
        for window_id, (window, why, refuse) in enumerate(MAINTENANCE_PROBES, start=2):
            error = _insert_window(conn, window_id, window)
            if refuse and error is None:
                raise CheckFailed(
                    exercise,
                    _("a window was accepted although {why}").format(why=_(why)),
                    expected=_("refused"),
                    got=window,
                    hint=_("the rule must compare ranges with the overlap operator, &&"),
                )
            if not refuse and error is not None:
                raise CheckFailed(
                    exercise,
                    _("a window was refused although {why}").format(why=_(why)),
                    expected=_("accepted"),
                    got=f"{window}: {_first_line(error)}",
                    hint=_("compare the ranges as they are: [start, end) does not overlap [end, later)"),
                )
            if refuse and error.pgcode != "23P01":
                raise CheckFailed(
                    exercise,
                    _("an overlapping window was refused, but not by an exclusion constraint"),
                    expected="SQLSTATE 23P01 (exclusion_violation)",
                    got=f"SQLSTATE {error.pgcode}: {_first_line(error)}",
                    hint=_("an exclusion constraint compares each new row with every row already there"),
                )
    ok(
        exercise,
        _(
            "PostgreSQL refused the {refused} overlapping windows and accepted the {accepted} that "
            "only touch or stand apart"
        ).format(
            refused=sum(1 for *_rest, refuse in MAINTENANCE_PROBES if refuse),
            accepted=sum(1 for *_rest, refuse in MAINTENANCE_PROBES if not refuse),
        ),
    )
