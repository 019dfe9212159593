"""Checks for 04-data-modeling: the answers come from the models' _meta and PostgreSQL's catalog, now.

A count the learner gives (q3, q4) is traced to the statement that made it (the SQL recorder) and
that statement is run again on rows added for a moment (a deleted file, cancelled likes, a deleted
comment, rows of other users and posts): a number typed in, or a query right on the seed only, fails.
"""

from __future__ import annotations

import re

from ..i18n import N_, _, ngettext
from ._base import CheckFailed, is_queryset, judged_in_kernel, ok, require_answer
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


@judged_in_kernel(
    "the answer is a model class the notebook defines (own_model), and the judge makes only the "
    "project's own classes"
)
def q1(model, saved=None) -> None:
    """The learner's own model, from class to table: two foreign keys, soft delete from the base
    model, one live row per pair held by PostgreSQL, and a __str__ that tells rows apart."""
    from django.db import IntegrityError, models, transaction

    from core.models import SoftDeleteModel

    exercise = "q1"
    require_answer(exercise, model)
    hint = _("class Bookmark(SoftDeleteModel): two ForeignKeys, Meta with app_label and a UniqueConstraint")
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        raise CheckFailed(exercise, _("the first answer is not a model class"), got=repr(model), hint=hint)
    name = model.__name__
    if not issubclass(model, SoftDeleteModel):
        raise CheckFailed(
            exercise,
            _("{name} does not get soft delete from the project's base model").format(name=name),
            expected=_("class ...(SoftDeleteModel)"),
            got=", ".join(base.__name__ for base in model.__bases__),
            hint=_("from core.models import SoftDeleteModel, and subclass it"),
        )
    keys = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    if len(keys) < 2:
        raise CheckFailed(
            exercise,
            ngettext("{name} has {count} foreign key", "{name} has {count} foreign keys", len(keys)).format(
                name=name, count=len(keys)
            ),
            expected=_("two (who, and what: a user and a post, or two users)"),
            got=[f.name for f in keys],
            hint="models.ForeignKey(User, on_delete=models.PROTECT, related_name=...)",
        )
    table = model._meta.db_table
    [[exists]] = _catalog("SELECT to_regclass(%s) IS NOT NULL", [table])
    if not exists:
        raise CheckFailed(
            exercise,
            _("there is no table {table} in PostgreSQL").format(table=table),
            expected=_("the migration applied"),
            got=_("no table"),
            hint=_("migration = own_model.makemigrations(...), then own_model.migrate(migration)"),
        )
    foreign = _catalog(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
    )
    if len(foreign) < 2:
        raise CheckFailed(
            exercise,
            _("{table} has {count} foreign key constraints in PostgreSQL").format(
                table=table, count=len(foreign)
            ),
            expected="2 or more",
            got=[c for (c,) in foreign],
            hint=_("apply the migration of the model as it is now: own_model.migrate(...)"),
        )
    columns = {f.column for f in keys}
    unique = [
        (index, definition)
        for index, definition in _catalog(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
        )
        if definition.startswith("CREATE UNIQUE")
        and " WHERE " in definition
        and sum(column in definition.split(" WHERE ")[0] for column in columns) >= 2
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
    rows = list(saved) if isinstance(saved, list | tuple) else []
    if len(rows) < 2 or not all(isinstance(r, model) and r.pk for r in rows):
        raise CheckFailed(
            exercise,
            _("saved is not a list of two saved {name} rows").format(name=name),
            expected=f"[{name}.objects.create(...), {name}.objects.create(...)]",
            got=repr(saved)[:120],
            hint=_("{name}.objects.create(...) inserts a row and returns it").format(name=name),
        )
    live = model.objects.filter(pk__in=[r.pk for r in rows]).count()
    if live != len(rows):
        raise CheckFailed(
            exercise, _("not every saved row is live in the table"), expected=len(rows), got=live, hint=hint
        )
    first = rows[0]
    values = {f.attname: getattr(first, f.attname) for f in keys}
    try:
        with transaction.atomic():
            model.objects.create(**values)
    except IntegrityError:
        pass
    else:
        raise CheckFailed(
            exercise,
            _("PostgreSQL accepted a second live row for the same pair"),
            expected="IntegrityError",
            got=_("a second row"),
            hint=_("the unique index must cover the two foreign keys, with condition=Q(is_deleted=False)"),
        )
    finally:
        model.all_objects.filter(**values).exclude(pk__in=[r.pk for r in rows]).hard_delete()
    try:
        names = [str(r) for r in rows]
    except Exception as exc:  # the learner's __str__
        raise CheckFailed(
            exercise, _("your __str__ raised {kind}").format(kind=type(exc).__name__), got=str(exc), hint=hint
        ) from None
    if any(n == models.Model.__str__(r) for n, r in zip(names, rows, strict=True)) or len(set(names)) < len(
        names
    ):
        raise CheckFailed(
            exercise,
            _("the rows are not told apart by their __str__"),
            expected=_("a name per row that says what it is"),
            got=names,
            hint='def __str__(self): return f"{self.user.username} saved Post #{self.post_id}"',
        )
    [(index, _columns)] = unique[:1]
    ok(
        exercise,
        _(
            "{table}: {count} foreign keys, soft delete from SoftDeleteModel, one live row per pair "
            "({index}, a second one was refused); shown as {join}"
        ).format(table=table, count=len(foreign), index=index, join=", ".join(names)),
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
