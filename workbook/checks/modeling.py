"""Checks for 04-data-modeling: the answers come from the models' _meta and PostgreSQL's catalog, now.

A count the learner gives (q3, q4) is traced to the statement that made it (the SQL recorder) and
that statement is run again on rows added for a moment (a deleted file, cancelled likes, a deleted
comment, rows of other users and posts): a number typed in, or a query right on the seed only, fails.
"""

from __future__ import annotations

import re

from ..i18n import N_, _, ngettext
from ._base import CheckFailed, is_queryset, judged_on_returns, observe, ok, require_answer
from ._cells import did_not_follow, rerun
from ._probe import PROBE_IDS, guarded, kind_of, recorder, rolled_back, run_sql, shown

recorder.install()  # before the exercise cells run, so a check can read the SQL they sent

Q3_POST = 4
Q4_USER, Q4_POST = "bob", 1


def _catalog(sql: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


SOFT_DELETE_COLUMNS = ("created_at", "updated_at", "is_deleted", "deleted_at")  # core.models.SoftDeleteModel


def _shown_row(row) -> tuple:
    """What a row's __str__ gives: ("str", text), or ("raised", exception class, first line)."""
    try:
        return ("str", str(row))
    except Exception as exc:  # the learner's __str__
        lines = str(exc).splitlines()
        return ("raised", type(exc).__name__, lines[0][:200] if lines else "")


def _model_facts(model, saved) -> dict:
    """q1's observer: what the learner's class is and what its saved rows are, as plain data. It
    runs where the class lives (the kernel); a grader hands its report to the judge as the answer
    (`workbook.checks._base.observe`). What the report says of the table is then held to what
    PostgreSQL has: the report only names the table, its keys and the rows."""
    from django.db import models

    from core.models import SoftDeleteModel

    if not (isinstance(model, type) and issubclass(model, models.Model)):
        return {"model": False, "got": repr(model)[:120]}
    keys = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    rows = list(saved) if isinstance(saved, list | tuple) else []
    saved_rows = len(rows) >= 2 and all(isinstance(r, model) and r.pk is not None for r in rows)
    return {
        "model": True,
        "name": model.__name__,
        "soft_delete": issubclass(model, SoftDeleteModel),
        "bases": [base.__name__ for base in model.__bases__],
        "keys": [f.name for f in keys],
        "table": model._meta.db_table,
        "pk": model._meta.pk.column,
        "saved": [str(r.pk) for r in rows] if saved_rows else None,
        "saved_shown": repr(saved)[:120],
        "names": [_shown_row(r) for r in rows] if saved_rows else [],
    }


@judged_on_returns
def q1(model, saved=None) -> None:
    """The learner's own model, from class to table: two foreign keys, soft delete from the base
    model, one live row per pair held by PostgreSQL, and a __str__ that tells rows apart.

    The class is read where it lives (`_model_facts`, an observer: a grader's judge gets its
    report as data); everything about the table (its columns, foreign keys, the partial unique
    index, the saved rows, a second live row refused) is read from PostgreSQL here."""
    from django.apps import apps
    from django.db import DatabaseError, IntegrityError, connection

    exercise = "q1"
    require_answer(exercise, model)
    hint = _("class Bookmark(SoftDeleteModel): two ForeignKeys, Meta with app_label and a UniqueConstraint")
    facts = observe(model, _model_facts, saved)
    if not facts["model"]:
        raise CheckFailed(exercise, _("the first answer is not a model class"), got=facts["got"], hint=hint)
    name = facts["name"]
    if not facts["soft_delete"]:
        raise CheckFailed(
            exercise,
            _("{name} does not get soft delete from the project's base model").format(name=name),
            expected=_("class ...(SoftDeleteModel)"),
            got=", ".join(facts["bases"]),
            hint=_("from core.models import SoftDeleteModel, and subclass it"),
        )
    keys = facts["keys"]
    if len(keys) < 2:
        raise CheckFailed(
            exercise,
            ngettext("{name} has {count} foreign key", "{name} has {count} foreign keys", len(keys)).format(
                name=name, count=len(keys)
            ),
            expected=_("two (who, and what: a user and a post, or two users)"),
            got=keys,
            hint="models.ForeignKey(User, on_delete=models.PROTECT, related_name=...)",
        )
    table = facts["table"]
    if table in {
        m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.app_label != "lab"
    }:
        raise CheckFailed(
            exercise,
            _("{table} is a table of the project's, not of a model of your own").format(table=table),
            expected=_('a model with app_label = "lab" in its Meta'),
            got=table,
            hint=hint,
        )
    quoted = connection.ops.quote_name(table)
    [[exists]] = _catalog("SELECT to_regclass(%s) IS NOT NULL", [quoted])
    if not exists:
        raise CheckFailed(
            exercise,
            _("there is no table {table} in PostgreSQL").format(table=table),
            expected=_("the migration applied"),
            got=_("no table"),
            hint=_("migration = own_model.makemigrations(...), then own_model.migrate(migration)"),
        )
    columns = {
        column: (identity, generated)
        for column, identity, generated in _catalog(
            "SELECT attname, attidentity <> '', attgenerated <> '' FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [quoted],
        )
    }
    lacking = [c for c in (*SOFT_DELETE_COLUMNS, facts["pk"]) if c not in columns]
    if lacking:
        raise CheckFailed(
            exercise,
            _("{table} in PostgreSQL lacks the columns {columns}").format(
                table=table, columns=", ".join(lacking)
            ),
            expected=", ".join(SOFT_DELETE_COLUMNS),
            got=sorted(columns),
            hint=_("apply the migration of the model as it is now: own_model.migrate(...)"),
        )
    foreign = _catalog(
        "SELECT c.conname, a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY (c.conkey) WHERE c.conrelid = %s::regclass AND c.contype = 'f'",
        [quoted],
    )
    constraints = sorted({constraint for constraint, _column in foreign})
    if len(constraints) < 2:
        raise CheckFailed(
            exercise,
            _("{table} has {count} foreign key constraints in PostgreSQL").format(
                table=table, count=len(constraints)
            ),
            expected="2 or more",
            got=constraints,
            hint=_("apply the migration of the model as it is now: own_model.migrate(...)"),
        )
    referencing = {column for _constraint, column in foreign}
    # A unique index with a WHERE, whose key is two or more of the foreign key columns and nothing
    # else: one live row per pair (an index that also keys on, say, created_at holds no such rule).
    unique = [
        index
        for index, keyed, predicate, width in _catalog(
            "SELECT c.relname, ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY "
            "AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE k.n <= i.indnkeyatts ORDER BY k.n), i.indpred IS NOT NULL, i.indnkeyatts "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indisunique ORDER BY 1",
            [quoted],
        )
        if predicate and len(keyed) == width >= 2 and set(keyed) <= referencing
    ]
    if not unique:
        raise CheckFailed(
            exercise,
            _("PostgreSQL holds no rule of one live row per pair on {table}").format(table=table),
            expected=_("a unique index on the two foreign keys WHERE NOT is_deleted"),
            got="none",
            hint="models.UniqueConstraint(fields=[...], condition=Q(is_deleted=False), name=...) in Meta",
        )
    require_answer(exercise, saved)
    pks = facts["saved"]
    if pks is None:
        raise CheckFailed(
            exercise,
            _("saved is not a list of two saved {name} rows").format(name=name),
            expected=f"[{name}.objects.create(...), {name}.objects.create(...)]",
            got=facts["saved_shown"],
            hint=_("{name}.objects.create(...) inserts a row and returns it").format(name=name),
        )
    pk = connection.ops.quote_name(facts["pk"])
    [[live]] = _catalog(
        f"SELECT count(DISTINCT {pk}) FROM {quoted} WHERE {pk}::text = ANY (%s) AND NOT is_deleted", [pks]
    )
    if live != len(set(pks)) or len(set(pks)) != len(pks):
        raise CheckFailed(
            exercise, _("not every saved row is live in the table"), expected=len(pks), got=live, hint=hint
        )
    # A second live row for the first row's pair: its copy, made now, which PostgreSQL must refuse
    # by the unique index (rolled back whatever happens).
    copied = [
        c
        for c, (identity, generated) in columns.items()
        if c != facts["pk"] and not identity and not generated
    ]
    made = ", ".join(
        "now()" if c in ("created_at", "updated_at") else connection.ops.quote_name(c) for c in copied
    )
    insert = (
        f"INSERT INTO {quoted} ({', '.join(connection.ops.quote_name(c) for c in copied)}) "
        f"SELECT {made} FROM {quoted} WHERE {pk}::text = %s"
    )
    refused = None
    try:
        with rolled_back(), connection.cursor() as cursor:
            cursor.execute(insert, [pks[0]])
    except IntegrityError as exc:
        refused = exc
    except DatabaseError as exc:
        raise CheckFailed(
            exercise,
            _("PostgreSQL refused a second live row for the same pair, but not by a unique index"),
            expected="IntegrityError",
            got=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            hint=hint,
        ) from None
    cause = getattr(refused, "__cause__", None)
    if refused is None or getattr(getattr(cause, "diag", None), "constraint_name", None) not in unique:
        raise CheckFailed(
            exercise,
            _("PostgreSQL accepted a second live row for the same pair"),
            expected="IntegrityError",
            got=_("a second row") if refused is None else str(refused).splitlines()[0],
            hint=_("the unique index must cover the two foreign keys, with condition=Q(is_deleted=False)"),
        )
    raised = [shown for shown in facts["names"] if shown[0] != "str"]
    if raised:
        raise CheckFailed(
            exercise, _("your __str__ raised {kind}").format(kind=raised[0][1]), got=raised[0][2], hint=hint
        )
    names = [shown[1] for shown in facts["names"]]
    if any(n == f"{name} object ({p})" for n, p in zip(names, pks, strict=True)) or len(set(names)) < len(
        names
    ):
        raise CheckFailed(
            exercise,
            _("the rows are not told apart by their __str__"),
            expected=_("a name per row that says what it is"),
            got=names,
            hint='def __str__(self): return f"{self.user.username} saved Post #{self.post_id}"',
        )
    ok(
        exercise,
        _(
            "{table}: {count} foreign keys, soft delete from SoftDeleteModel, one live row per pair "
            "({index}, a second one was refused); shown as {join}"
        ).format(table=table, count=len(constraints), index=unique[0], join=", ".join(names)),
    )


Q2_POSITION = 900  # a position no seed file has


def _file_indexes(table: str = "") -> dict[str, str]:
    """The indexes on the file table (or on `table`, as PostgreSQL finds the name): name -> definition."""
    from django.db import connection

    from posts.models import File

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass ORDER BY 1",
            [table or File._meta.db_table],
        )
        return dict(cursor.fetchall())


# The table a CREATE UNIQUE INDEX names: CREATE UNIQUE INDEX [CONCURRENTLY] [[IF NOT EXISTS] name]
# ON [ONLY] [schema.]table
_INDEX_TARGET = re.compile(
    r"""(?isx)^create\s+unique\s+index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?
    (?:(?!on\b)(?:"(?:[^"]|"")+"|\w+)\s+)?on\s+(?:only\s+)?
    (?P<target>(?:(?:"(?:[^"]|"")+"|\w+)\s*\.\s*)?(?:"(?:[^"]|"")+"|\w+))"""
)


def _identifier(part: str) -> str:
    part = part.strip()
    return part[1:-1].replace('""', '"') if part.startswith('"') else part.lower()


def _on_a_copy(statement: str, table: str) -> tuple[str, str | None]:
    """The statement aimed at a temporary copy of `table` (pg_temp.table), and the table it named.

    The index is tried on a copy the check makes itself (CREATE TEMP TABLE ... LIKE ... INCLUDING
    ALL, rolled back), never on the learner's table: so a role that does not own the table (the
    grader's judge) can judge it too. The named table is None when the statement cannot be read."""
    found = _INDEX_TARGET.match(statement)
    if found is None:
        return statement, None
    parts = [_identifier(p) for p in re.findall(r'"(?:[^"]|"")+"|\w+', found["target"])]
    named = parts[-1] if len(parts) == 1 or parts[0] == "public" else ".".join(parts)
    if named != table:
        return statement, named
    start, end = found.span("target")
    return f"{statement[:start]}pg_temp.{table}{statement[end:]}", named


def _q2_trials() -> dict[str, bool]:
    """Pairs of files written beside each other (inside rolled_back() only): for each, whether
    PostgreSQL accepted both. Ids from the top of the module's block, positions no seed file has."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from posts.models import File

    ids = iter(PROBE_IDS["modeling"][-20:])
    url = "https://media.example.com/probe-position.jpg"
    gone = {"is_deleted": True, "deleted_at": timezone.now()}
    pairs = {
        "same post, same position, both live": ({"post_id": 4}, {"post_id": 4}),
        "same post, same position, one deleted": ({"post_id": 4, **gone}, {"post_id": 4}),
        "two posts, same position": ({"post_id": 4}, {"post_id": 5}),
        "same post, two positions": ({"post_id": 4}, {"post_id": 4, "position": Q2_POSITION + 1}),
    }
    accepted = {}
    for what, rows in pairs.items():
        try:
            with transaction.atomic():
                for row in rows:
                    File.all_objects.create(
                        pk=next(ids), type="image", url=url, **{"position": Q2_POSITION, **row}
                    )
                raise _Undo
        except _Undo:
            accepted[what] = True
        except IntegrityError:
            accepted[what] = False
    return accepted


class _Undo(Exception):
    pass


Q2_WRONG = {
    # (the pair, what the index did with it): what the ✗ says
    ("same post, same position, both live", True): N_(
        "a second live file at the same position of a post is accepted"
    ),
    ("same post, same position, one deleted", False): N_(
        "a deleted file still holds its position: the WHERE should leave deleted files out"
    ),
    ("two posts, same position", False): N_(
        "files of two posts at the same position are refused: the index needs the post too"
    ),
    ("same post, two positions", False): N_(
        "files of one post at two positions are refused: the index needs the position too"
    ),
}


@guarded(asks_for=(str,))
def q2(file_index_sql) -> None:
    """A CREATE UNIQUE INDEX on the file table, judged by what it does: run on a temporary copy of
    the table (`_on_a_copy`) in a transaction that is rolled back, then pairs of files are written
    there. A second live file at a post's position is
    refused; a deleted one beside a live one, two posts, two positions are accepted."""
    from django.db import DatabaseError, connection, transaction

    from posts.models import File

    exercise = "q2"
    require_answer(exercise, file_index_sql)
    hint = _("CREATE UNIQUE INDEX a_name ON posts_file (...) WHERE ..., like the like table's index above")
    if not isinstance(file_index_sql, str):
        raise CheckFailed(
            exercise,
            _("the answer should be the SQL statement, as a string"),
            got=kind_of(file_index_sql),
            hint=hint,
        )
    statement = file_index_sql.strip().rstrip(";").strip()
    if not re.match(r"(?is)create\s+unique\s+index\b", statement) or ";" in statement:
        raise CheckFailed(
            exercise,
            _("not one CREATE UNIQUE INDEX statement"),
            got=shown(file_index_sql),
            hint=hint,
        )
    table = File._meta.db_table
    on_copy, named = _on_a_copy(statement, table)
    with rolled_back():
        if named is not None and named != table:
            exists = run_sql("SELECT to_regclass(%s) IS NOT NULL", [named])[1][0][0]
            if exists:  # an index on another table: it says nothing about files
                raise CheckFailed(
                    exercise,
                    _("the statement made no index on {table}").format(table=table),
                    got=shown(file_index_sql),
                    hint=hint,
                )
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (LIKE public.{table} INCLUDING ALL)")
        before = _file_indexes(f"pg_temp.{table}")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # DDL waits for no deferred check of rows written earlier in the same transaction
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(on_copy)
        except DatabaseError as exc:
            raise CheckFailed(
                exercise,
                _("PostgreSQL refused the statement"),
                got=str(exc).strip().splitlines()[0],
                hint=hint,
            ) from None
        made = {name: d for name, d in _file_indexes(f"pg_temp.{table}").items() if name not in before}
        if not made:
            raise CheckFailed(
                exercise,
                _("the statement made no index on {table}").format(table=table),
                got=shown(file_index_sql),
                hint=hint,
            )
        [(name, definition)] = list(made.items())[:1]
        definition = re.sub(r"\bpg_temp(_\d+)?\.", "public.", definition)  # as it would be on the table
        accepted = _q2_trials()  # written to the copy: pg_temp comes first where names are looked up
    for (what, wrong), problem in Q2_WRONG.items():
        if accepted[what] is wrong:
            raise CheckFailed(
                exercise,
                _(problem),
                got=definition,
                hint=_("(post_id, position), and WHERE NOT is_deleted"),
            )
    ok(
        exercise,
        _(
            "{name} refuses a second live file at a post's position, and takes a deleted one beside it, "
            "two posts and two positions (tried, rolled back)"
        ).format(name=name),
    )


def _add_probe_rows() -> None:
    """Rows a right count sees and a wrong one does not (call inside rolled_back() only):
    a deleted file, a cancelled like and a deleted comment on post 4; a cancelled like of bob on
    post 1; cancelled likes of the other users on post 1 and of bob on another post; live rows on post 5."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from posts.models import Comment, File, Like

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["alice", "bob", "carol"])}
    now = timezone.now()
    gone = {"is_deleted": True, "deleted_at": now}
    n = iter(PROBE_IDS["modeling"])
    url = "https://media.example.com/probe.jpg"
    File.all_objects.create(pk=next(n), post_id=Q3_POST, type="image", url=url, position=90, **gone)
    File.all_objects.create(pk=next(n), post_id=5, type="image", url=url, position=91)
    Like.all_objects.create(pk=next(n), user=users["carol"], post_id=Q3_POST, **gone)
    Like.all_objects.create(pk=next(n), user=users[Q4_USER], post_id=Q4_POST, **gone)
    Like.all_objects.create(pk=next(n), user=users["carol"], post_id=Q4_POST, **gone)
    Like.all_objects.create(pk=next(n), user=users["alice"], post_id=Q4_POST, **gone)
    Like.all_objects.create(pk=next(n), user=users[Q4_USER], post_id=2, **gone)
    Comment.all_objects.create(pk=next(n), user=users["alice"], post_id=Q3_POST, content="probe", **gone)
    Comment.all_objects.create(pk=next(n), user=users["alice"], post_id=5, content="probe")


PROBE_NOTE = N_(
    "with rows the check adds for a moment (a deleted or cancelled row that counts, rows of other posts "
    "and users)"
)


def _number(names, rows, label: str = "") -> int | None:
    """What a statement's result counts: the column named `label` of a one-row result (an
    aggregate() with several counts), COUNT(*)'s value, or its number of rows."""
    if len(rows) == 1 and label and label in names and isinstance(rows[0][names.index(label)], int):
        return rows[0][names.index(label)]
    if len(rows) == 1 and len(rows[0]) == 1 and isinstance(rows[0][0], int) and "count" in names[0].lower():
        return rows[0][0]
    return len(rows)


def _traced(exercise: str, model, value, truth, *, what: str, hint: str, label: str = "") -> bool:
    """Find the statement on model's table that gave `value`, and run it again on the probe rows:
    it must give `truth()` there too. False when the recorder was not listening (nothing claimed)."""
    if not recorder.installed:
        recorder.install()
        return False
    table = model._meta.db_table
    # FROM or JOIN, quoted or not: a raw count and an aggregate across the relation count it too
    tried = recorder.find(rf'^\s*SELECT\b.*\b(FROM|JOIN)\s+"?{table}"?(\s|$|\))')
    candidates = []
    for sql, params in tried:
        with rolled_back():
            names, rows, _count = run_sql(sql, params)
        if _number(names, rows, label) == value:
            candidates.append((sql, params))
    if not candidates:
        raise CheckFailed(
            exercise,
            _("no query on {table} that gives {value} ran in this notebook's cells").format(
                table=table, value=shown(value)
            ),
            expected=_("{what}, counted by a query").format(what=what),
            got=ngettext(
                "{count} such query ran, none giving this number",
                "{count} such queries ran, none giving this number",
                len(tried),
            ).format(count=len(tried))
            if tried
            else _("no such query: was the number typed in by hand?"),
            hint=hint,
        )
    for sql, params in candidates:
        with rolled_back():
            _add_probe_rows()
            expected = truth()
            names, rows, _count = run_sql(sql, params)
            got = _number(names, rows, label)
        if got == expected:
            return True
    raise CheckFailed(
        exercise,
        _("your query gives the right number on the seed only: {probe_note}, it counts otherwise").format(
            probe_note=_(PROBE_NOTE)
        ),
        expected=expected,
        got=got,
        hint=hint,
    )


def _count_of(exercise: str, value, model, *, hint: str):
    """A count given as an int, or as a QuerySet of `model` (counted here, on the probe rows too)."""
    if is_queryset(value):
        if value.model is not model:
            raise CheckFailed(
                exercise,
                _("a QuerySet of {model}, not of {model2}").format(
                    model=value.model.__name__, model2=model.__name__
                ),
                hint=hint,
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckFailed(
            exercise, _("a count is a whole number"), got=f"{shown(value)}, {kind_of(value)}", hint=hint
        )
    return value


@guarded
def q3(rows) -> None:
    """Rows of each kind that point at post 4, live or deleted: what a hard delete would take or lose."""
    from posts.models import Comment, File, Like

    exercise = "q3"
    require_answer(exercise, rows)
    hint = _("File.all_objects.filter(post_id={q3_post}).count(), and the same for Like and Comment").format(
        q3_post=Q3_POST
    )
    models = {"files": File, "likes": Like, "comments": Comment}

    def truth():
        return {key: model.all_objects.filter(post_id=Q3_POST).count() for key, model in models.items()}

    expected = truth()
    if not isinstance(rows, dict) or set(rows) != set(expected):
        raise CheckFailed(
            exercise,
            _("not a dict with the keys files, likes, comments"),
            expected=expected,
            got=shown(rows) if isinstance(rows, dict) else kind_of(rows),
            hint=hint,
        )
    given = {key: _count_of(exercise, rows[key], models[key], hint=hint) for key in models}
    counted = {key: (value.count() if is_queryset(value) else value) for key, value in given.items()}
    if counted != expected:
        live = {key: model.objects.filter(post_id=Q3_POST).count() for key, model in models.items()}
        raise CheckFailed(
            exercise,
            _("other counts"),
            expected=expected,
            got=counted,
            hint=_("those are the live rows only: all_objects also sees cancelled likes and deleted comments")
            if counted == live
            else hint,
        )

    def judge(value) -> None:
        if not isinstance(value, dict) or set(value) != set(models):
            raise did_not_follow(exercise, change=_(PROBE_NOTE), expected=truth(), got=value, hint=hint)
        got = {key: (v.count() if is_queryset(v) else v) for key, v in value.items()}
        if got != truth():
            raise did_not_follow(exercise, change=_(PROBE_NOTE), expected=truth(), got=got, hint=hint)

    if not rerun(exercise, "rows", _add_probe_rows, judge):  # outside a kernel: trace the statements
        for key, model in models.items():
            _count_holds(
                exercise,
                given[key],
                model,
                lambda key=key: truth()[key],
                what=_("the {key} of post {q3_post}, live and deleted").format(key=key, q3_post=Q3_POST),
                hint=hint,
                label=key,
            )
    ok(
        exercise,
        _("{sum} rows point at post {q3_post}: {expected}").format(
            sum=sum(expected.values()), q3_post=Q3_POST, expected=expected
        ),
    )


def _count_holds(exercise: str, value, model, truth, *, what: str, hint: str, label: str = "") -> None:
    """A count still right off the seed: a QuerySet is counted again on the probe rows, and a number
    is traced to the query that made it (run again on them)."""
    if not is_queryset(value):
        _traced(exercise, model, value, truth, what=what, hint=hint, label=label)
        return
    with rolled_back():
        _add_probe_rows()
        right, got = truth(), value.count()
    if got != right:
        where = f"{label}: " if label else ""
        raise CheckFailed(
            exercise,
            _("{where}the QuerySet counts right on the seed only: {probe_note}, it counts otherwise").format(
                where=where, probe_note=_(PROBE_NOTE)
            ),
            expected=right,
            got=got,
            hint=hint,
        )


@guarded
def q4(rows) -> None:
    """bob's like rows on post 1 after a cancel and a new like: history kept, one live."""
    from posts.models import Like

    exercise = "q4"
    require_answer(exercise, rows)
    hint = f'Like.all_objects.filter(user__username="{Q4_USER}", post_id={Q4_POST}).count()'

    def every():
        return Like.all_objects.filter(user__username=Q4_USER, post_id=Q4_POST)

    live = every().filter(is_deleted=False).count()
    cancelled = every().filter(is_deleted=True).count()
    if live != 1 or cancelled < 1:
        raise CheckFailed(
            exercise,
            _("{q4_user} has {live} live and {cancelled} cancelled likes on post {q4_post}").format(
                q4_user=Q4_USER, live=live, cancelled=cancelled, q4_post=Q4_POST
            ),
            expected=_("1 live like and at least 1 cancelled one"),
            got=_("{live} live, {cancelled} cancelled").format(live=live, cancelled=cancelled),
            hint=_("cancel the like with like.delete(), then Like.objects.create(...) a new one"),
        )
    value = _count_of(exercise, rows, Like, hint=hint)
    counted = value.count() if is_queryset(value) else value
    if counted != every().count():
        raise CheckFailed(
            exercise,
            _("another count"),
            expected=every().count(),
            got=counted,
            hint=_("Like.objects counts the live like only; Like.all_objects counts the cancelled ones too")
            if counted == live
            else hint,
        )

    def judge(value) -> None:
        got = value.count() if is_queryset(value) else value
        if got != every().count():
            raise did_not_follow(exercise, change=_(PROBE_NOTE), expected=every().count(), got=got, hint=hint)

    if not rerun(exercise, "like_rows", _add_probe_rows, judge):
        _count_holds(
            exercise,
            value,
            Like,
            lambda: every().count(),
            what=_("{q4_user}'s like rows on post {q4_post}").format(q4_user=Q4_USER, q4_post=Q4_POST),
            hint=hint,
        )
    ok(
        exercise,
        _(
            "{counted} rows, {live} live: the partial unique index allowed a new live like after the cancel"
        ).format(counted=counted, live=live),
    )
