"""Checks for 04-data-modeling: the answers come from the models' _meta and PostgreSQL's catalog, now."""

from __future__ import annotations

from ._base import CheckFailed, ok, require_answer
from ._probe import guarded

Q3_POST = 4
Q4_USER, Q4_POST = "bob", 1


def _catalog(sql: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def q1(model, saved=None) -> None:
    """The learner's own model, from class to table: two foreign keys, soft delete from the base
    model, one live row per pair held by PostgreSQL, and a __str__ that tells rows apart."""
    from django.db import IntegrityError, models, transaction

    from core.models import SoftDeleteModel

    exercise = "q1"
    require_answer(exercise, model)
    hint = "class Bookmark(SoftDeleteModel): two ForeignKeys, Meta with app_label and a UniqueConstraint"
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        raise CheckFailed(exercise, "the first answer is not a model class", got=repr(model), hint=hint)
    name = model.__name__
    if not issubclass(model, SoftDeleteModel):
        raise CheckFailed(
            exercise,
            f"{name} does not get soft delete from the project's base model",
            expected="class ...(SoftDeleteModel)",
            got=", ".join(base.__name__ for base in model.__bases__),
            hint="from core.models import SoftDeleteModel, and subclass it",
        )
    keys = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    if len(keys) < 2:
        raise CheckFailed(
            exercise,
            f"{name} has {len(keys)} foreign key{'s' if len(keys) != 1 else ''}",
            expected="two (who, and what: a user and a post, or two users)",
            got=[f.name for f in keys],
            hint="models.ForeignKey(User, on_delete=models.PROTECT, related_name=...)",
        )
    table = model._meta.db_table
    [[exists]] = _catalog("SELECT to_regclass(%s) IS NOT NULL", [table])
    if not exists:
        raise CheckFailed(
            exercise,
            f"there is no table {table} in PostgreSQL",
            expected="the migration applied",
            got="no table",
            hint="migration = own_model.makemigrations(...), then own_model.migrate(migration)",
        )
    foreign = _catalog(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
    )
    if len(foreign) < 2:
        raise CheckFailed(
            exercise,
            f"{table} has {len(foreign)} foreign key constraints in PostgreSQL",
            expected="2 or more",
            got=[c for (c,) in foreign],
            hint="apply the migration of the model as it is now: own_model.migrate(...)",
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
            f"PostgreSQL holds no rule of one live row per pair on {table}",
            expected="a unique index on the two foreign keys WHERE NOT is_deleted",
            got="none",
            hint="models.UniqueConstraint(fields=[...], condition=Q(is_deleted=False), name=...) in Meta",
        )
    require_answer(exercise, saved)
    rows = list(saved) if isinstance(saved, list | tuple) else []
    if len(rows) < 2 or not all(isinstance(r, model) and r.pk for r in rows):
        raise CheckFailed(
            exercise,
            f"saved is not a list of two saved {name} rows",
            expected=f"[{name}.objects.create(...), {name}.objects.create(...)]",
            got=repr(saved)[:120],
            hint=f"{name}.objects.create(...) inserts a row and returns it",
        )
    live = model.objects.filter(pk__in=[r.pk for r in rows]).count()
    if live != len(rows):
        raise CheckFailed(
            exercise, "not every saved row is live in the table", expected=len(rows), got=live, hint=hint
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
            "PostgreSQL accepted a second live row for the same pair",
            expected="IntegrityError",
            got="a second row",
            hint="the unique index must cover the two foreign keys, with condition=Q(is_deleted=False)",
        )
    finally:
        model.all_objects.filter(**values).exclude(pk__in=[r.pk for r in rows]).hard_delete()
    try:
        names = [str(r) for r in rows]
    except Exception as exc:  # the learner's __str__
        raise CheckFailed(
            exercise, f"your __str__ raised {type(exc).__name__}", got=str(exc), hint=hint
        ) from None
    if any(n == models.Model.__str__(r) for n, r in zip(names, rows, strict=True)) or len(set(names)) < len(
        names
    ):
        raise CheckFailed(
            exercise,
            "the rows are not told apart by their __str__",
            expected="a name per row that says what it is",
            got=names,
            hint='def __str__(self): return f"{self.user.username} saved Post #{self.post_id}"',
        )
    [(index, _)] = unique[:1]
    ok(
        exercise,
        f"{table}: {len(foreign)} foreign keys, soft delete from SoftDeleteModel, one live row per pair "
        f"({index}, a second one was refused); shown as {', '.join(names)}",
    )


def _like_indexes() -> dict[str, str]:
    from django.db import connection

    from posts.models import Like

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [Like._meta.db_table],
        )
        return dict(cursor.fetchall())


def _like_constraints() -> dict[str, str]:
    from django.db import connection

    from posts.models import Like

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [Like._meta.db_table],
        )
        return dict(cursor.fetchall())


@guarded
def q2(index_name) -> None:
    """The partial unique index on the like table that keeps one live like per user and post."""
    exercise = "q2"
    require_answer(exercise, index_name)
    hint = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'posts_like': look for UNIQUE ... WHERE"
    )
    indexes = _like_indexes()
    partial_unique = sorted(n for n, d in indexes.items() if "UNIQUE" in d and " WHERE " in d)
    if not isinstance(index_name, str):
        raise CheckFailed(
            exercise,
            f"a {type(index_name).__name__}, not a name",
            expected=partial_unique,
            got=repr(index_name),
            hint=hint,
        )
    if index_name in partial_unique:
        ok(exercise, f"{index_name}: {indexes[index_name].split(' USING ', 1)[1]}")
        return
    constraints = _like_constraints()
    if index_name in constraints:
        problem = f"{index_name} is a constraint in pg_constraint: {constraints[index_name]}"
        hint = "a partial unique rule is an index with a WHERE clause; PostgreSQL keeps it in pg_indexes"
    elif index_name in indexes:
        problem = f"{index_name} is an index without a WHERE clause: it covers every row"
    else:
        problem = f"no index {index_name!r} on the like table"
    raise CheckFailed(exercise, problem, expected=partial_unique, got=index_name, hint=hint)


@guarded
def q3(rows) -> None:
    """Rows of each kind that point at post 4, live or deleted: what a hard delete would take or lose."""
    from posts.models import Comment, File, Like

    exercise = "q3"
    require_answer(exercise, rows)
    hint = f"File.all_objects.filter(post_id={Q3_POST}).count(), and the same for Like and Comment"
    models = {"files": File, "likes": Like, "comments": Comment}
    expected = {key: model.all_objects.filter(post_id=Q3_POST).count() for key, model in models.items()}
    if not isinstance(rows, dict) or set(rows) != set(expected):
        raise CheckFailed(
            exercise,
            "not a dict with the keys files, likes, comments",
            expected=expected,
            got=repr(rows),
            hint=hint,
        )
    if rows != expected:
        live = {key: model.objects.filter(post_id=Q3_POST).count() for key, model in models.items()}
        raise CheckFailed(
            exercise,
            "other counts",
            expected=expected,
            got=rows,
            hint="those are the live rows only: all_objects also sees cancelled likes and deleted comments"
            if rows == live
            else hint,
        )
    ok(exercise, f"{sum(expected.values())} rows point at post {Q3_POST}: {expected}")


@guarded
def q4(rows) -> None:
    """bob's like rows on post 1 after a cancel and a new like: history kept, one live."""
    from posts.models import Like

    exercise = "q4"
    require_answer(exercise, rows)
    hint = f'Like.all_objects.filter(user__username="{Q4_USER}", post_id={Q4_POST}).count()'
    every = Like.all_objects.filter(user__username=Q4_USER, post_id=Q4_POST)
    live = every.filter(is_deleted=False).count()
    cancelled = every.filter(is_deleted=True).count()
    if live != 1 or cancelled < 1:
        raise CheckFailed(
            exercise,
            f"{Q4_USER} has {live} live and {cancelled} cancelled likes on post {Q4_POST}",
            expected="1 live like and at least 1 cancelled one",
            got=f"{live} live, {cancelled} cancelled",
            hint="cancel the like with like.delete(), then Like.objects.create(...) a new one",
        )
    if rows != every.count():
        raise CheckFailed(
            exercise,
            "another count",
            expected=every.count(),
            got=rows,
            hint="Like.objects counts the live like only; Like.all_objects counts the cancelled ones too"
            if rows == live
            else hint,
        )
    ok(
        exercise,
        f"{rows} rows, {live} live: the partial unique index allowed a new live like after the cancel",
    )
