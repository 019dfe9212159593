"""Checks for 04-data-modeling: the answers come from the models' _meta and PostgreSQL's catalog, now."""

from __future__ import annotations

from ._base import CheckFailed, ok, require_answer
from ._probe import guarded

Q3_POST = 4
Q4_USER, Q4_POST = "bob", 1


def q1(names) -> None:
    """The models that point at Post, from Post._meta.related_objects, as sorted class names."""
    from posts.models import Post

    exercise = "q1"
    require_answer(exercise, names)
    hint = "sorted(rel.related_model.__name__ for rel in Post._meta.related_objects)"
    got = (
        [n.__name__ if isinstance(n, type) else n for n in names]
        if isinstance(names, list | tuple)
        else names
    )
    expected = sorted(rel.related_model.__name__ for rel in Post._meta.related_objects)
    if not isinstance(got, list | tuple) or not all(isinstance(n, str) for n in got):
        raise CheckFailed(
            exercise,
            "not a list of model names",
            expected=expected,
            got=repr(names),
            hint=hint,
        )
    forward = sorted(
        f.related_model.__name__ for f in Post._meta.get_fields() if f.is_relation and f.concrete
    )
    if sorted(got) == forward or set(got) <= set(forward) and set(got) - set(expected):
        raise CheckFailed(
            exercise,
            "those are the models Post points at, not the ones pointing at Post",
            expected=expected,
            got=list(got),
            hint="_meta.related_objects lists reverse relations; fields like author and likers go outwards",
        )
    if list(got) != expected:
        raise CheckFailed(
            exercise,
            "the right names in another order" if sorted(got) == expected else "other models",
            expected=expected,
            got=list(got),
            hint=hint,
        )
    ok(exercise, f"{', '.join(expected)} each hold a foreign key to Post (one post, many of them)")


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
