"""Checks for 05-orm-exercises (and the warm-up in 00-start-here): each judges the answer, not one output.

A check computes the right answer itself with a reference query, then compares: the kind of
object (a QuerySet where it matters), the rows, their order where the exercise asks for one,
soft-deleted rows left out, and the number of queries where that is the point. A QuerySet answer
is lazy, so it is run again on rows the check adds for a moment (`_orm_probe`, rolled back): an
answer right on the seed only fails there. A value answer (a dict, an int, a bool) is traced back
to the SQL statement that produced it (`_probe.recorder`), which is run again the same way.
"""

from __future__ import annotations

from datetime import date

from ..i18n import N_, _, ngettext
from . import _orm_probe
from ._base import (
    CheckFailed,
    NotAnswered,
    expect_queryset,
    is_queryset,
    ok,
    require_answer,
    takes_an,
)
from ._probe import (
    evaluate,
    expect_objects,
    guarded,
    kind_of,
    literal_ids,
    recorder,
    rolled_back,
    run_sql,
    shown,
)

recorder.install()  # before the exercise cells run, so a check can read the SQL they sent

SHOW = 6  # rows a failure message lists before "…"

# The questions' parameters (not their answers): the seed's post numbers keep these ids after
# workbook.reset().
Q7_DAYS = (date(2026, 3, 4), date(2026, 3, 6))
Q12_POST = 6
Q13_USER, Q13_POST = "bob", 4
Q14_POST = 2
Q17_POST = 4
Q18_USER, Q18_POST = "bob", 4


# ---------------------------------------------------------------- shared helpers


def describe(rows) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:SHOW])
    more = _(", … ({count} in all)").format(count=len(rows)) if len(rows) > SHOW else ""
    return f"[{shown}{more}]"


def compare_rows(exercise: str, got, expected, *, ordered: bool, hint: str) -> None:
    """Same rows (by primary key), in the same order when `ordered`; deleted rows named as such."""
    got, expected = list(got), list(expected)
    got_ids, expected_ids = [r.pk for r in got], [r.pk for r in expected]
    if got_ids == expected_ids:
        return
    if len(set(got_ids)) < len(got_ids) and set(got_ids) == set(expected_ids):
        raise CheckFailed(
            exercise,
            _("the right rows, but some more than once"),
            expected=describe(expected),
            got=describe(got),
            hint=_("a join across a relation repeats a row once per match: .distinct() keeps one of each"),
        )
    if sorted(got_ids) == sorted(expected_ids):
        if not ordered:
            return
        raise CheckFailed(
            exercise,
            _("the right rows in the wrong order"),
            expected=describe(expected),
            got=describe(got),
            hint=hint,
        )
    deleted = [r for r in got if getattr(r, "is_deleted", False) and r.pk not in expected_ids]
    if deleted:
        raise CheckFailed(
            exercise,
            _("soft-deleted rows are included: {deleted}").format(deleted=describe(deleted)),
            expected=describe(expected),
            got=describe(got),
            hint=_("Model.all_objects sees deleted rows too; Model.objects sees only live ones"),
        )
    missing = [r for r in expected if r.pk not in set(got_ids)]
    extra = [r for r in got if r.pk not in set(expected_ids)]
    problem = "; ".join(
        part
        for part in (
            _("missing {rows}").format(rows=describe(missing)) if missing else "",
            _("not asked for {rows}").format(rows=describe(extra)) if extra else "",
        )
        if part
    )
    raise CheckFailed(exercise, problem, expected=describe(expected), got=describe(got), hint=hint)


def expect_rows(exercise: str, answer, model, expected, *, ordered: bool, hint: str) -> None:
    """A QuerySet of `model` holding exactly `expected`'s rows (in its order when `ordered`)."""
    expect_queryset(exercise, answer, model, hint)
    compare_rows(exercise, answer, expected, ordered=ordered, hint=hint)


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _seed_pairs() -> set[tuple[str, str]]:
    from demo.seed import POSTS

    return {(author, content) for author, content, *_ in POSTS}


# ---------------------------------------------------------------- judged on more than the seed


def _failure_parts(failure: CheckFailed) -> dict:
    """expected/got of a CheckFailed, to show again in another one."""
    return {key: getattr(failure, key) for key in ("expected", "got") if getattr(failure, key) is not None}


def in_general(exercise: str, failure: CheckFailed, answer=None) -> CheckFailed:
    """A failure found on the probe rows: right on the notebook's data only."""
    literal = answer is not None and is_queryset(answer) and literal_ids(answer)
    hint = (
        _(
            "the ids are written out by hand (pk__in=[...]): filter by what the exercise asks instead, "
            "so the QuerySet finds the right rows whatever the data"
        )
        if literal
        else failure.hint
    )
    return CheckFailed(
        exercise,
        _("right on the notebook's rows only: {note}, {problem}").format(
            note=_(_orm_probe.NOTE), problem=failure.problem
        ),
        hint=hint,
        **_failure_parts(failure),
    )


class Rows(list):
    """An answer's rows; `probed` is False when they could not be followed onto the probe rows."""

    probed = True


def probed_note(rows) -> str:
    """The ✓ line's claim about the probe rows, only when they were used."""
    return _(PROBED) if getattr(rows, "probed", True) else ""


def is_row_list(answer) -> bool:
    return isinstance(answer, list | tuple) and not is_queryset(answer)


def rows_now(exercise: str, answer, model, *, hint: str) -> list:
    """The answer's rows: a QuerySet of `model` objects run again, or a list of them as it is.

    A list is as good as a QuerySet wherever the text does not ask for one: `judge` follows the
    query that made it onto the probe rows."""
    if is_row_list(answer):
        items = list(answer)
        wrong = [item for item in items if not isinstance(item, model)]
        if wrong:
            raise CheckFailed(
                exercise,
                _("the list holds {kind}, not {model} objects").format(
                    kind=kind_of(wrong[0]), model=model.__name__
                ),
                expected=_("{model} objects (a QuerySet, or a list of them)").format(model=model.__name__),
                got=shown(items),
                hint=hint,
            )
        return items
    expect_queryset(exercise, answer, model, hint)
    expect_objects(exercise, answer, model, hint=hint)
    return evaluate(exercise, answer, hint=hint)


def _pk_column(names, rows, column: str) -> list | None:
    if column not in names:
        return None
    at = names.index(column)
    return [row[at] for row in rows]


def _made_by(ids: list, column: list | None, *, ordered: bool) -> bool:
    """The list's ids are what the statement returned (in order, or its first rows when a slice in
    Python took them; as a set when order does not matter)."""
    if column is None:
        return False
    if ordered:
        return column[: len(ids)] == ids
    return sorted(column) == sorted(ids)


def _judge_list(exercise: str, answer, model, reference, *, ordered: bool, hint: str) -> Rows:
    """A list of objects: right now, made by a query, and that query right on the probe rows."""
    items = rows_now(exercise, answer, model, hint=hint)
    compare_rows(exercise, items, list(reference()), ordered=ordered, hint=hint)
    return follow_list(
        exercise,
        items,
        model,
        ordered=ordered,
        compare=lambda rows: compare_rows(exercise, rows, list(reference()), ordered=ordered, hint=hint),
    )


def follow_list(exercise: str, items: list, model, *, ordered: bool, compare, attrs=()) -> Rows:
    """The query the cells sent that gave this list of objects, run again on the probe rows, its
    rows (with the columns named in `attrs` set on them, as annotate() does) handed to
    `compare(rows)`. A ✗ when no query gave the list; `probed` False when the recorder was not
    listening (nothing more is claimed then)."""
    ids, column = [item.pk for item in items], model._meta.pk.column
    found = recorded_statement(
        exercise,
        rf'^SELECT .*FROM "{model._meta.db_table}"',
        lambda names, rows, count: _made_by(ids, _pk_column(names, rows, column), ordered=ordered),
        what=_("these rows"),
        method=_("query"),
        hint=_("build the list from a query (list(...) of a QuerySet), or give the QuerySet itself"),
    )
    if found is None:
        rows = Rows(items)
        rows.probed = False
        return rows
    with rolled_back():
        sliced = len(run_sql(*found)[1]) > len(ids)  # the list is a slice taken in Python
    with rolled_back():
        _orm_probe.add_rows()
        names, rows, _count = run_sql(*found)
        at = names.index(column)
        if sliced:
            rows = rows[: len(ids)]
        by_id = model._base_manager.in_bulk([row[at] for row in rows])
        probe_rows = []
        for row in rows:
            if row[at] not in by_id:
                continue
            item = by_id[row[at]]
            for attr in attrs:
                if attr in names:
                    setattr(item, attr, row[names.index(attr)])
            probe_rows.append(item)
        try:
            compare(probe_rows)
        except CheckFailed as failure:
            raise in_general(exercise, failure) from None
    return Rows(items)


def judge(exercise: str, answer, model, reference, *, ordered: bool, hint: str, objects: bool = True) -> list:
    """A QuerySet answer compared with `reference()` now, then again on the probe rows.

    `reference` is a function returning the right QuerySet, so it is computed on each data set.
    Returns the answer's rows now. A list of objects (where `objects`) is judged by `_judge_list`.
    """
    if objects and is_row_list(answer):
        return _judge_list(exercise, answer, model, reference, ordered=ordered, hint=hint)
    expect_queryset(exercise, answer, model, hint)
    if objects:
        expect_objects(exercise, answer, model, hint=hint)
    got = evaluate(exercise, answer, hint=hint)
    compare = compare_rows if objects else compare_values
    compare(exercise, got, list(reference()), ordered=ordered, hint=hint)
    with rolled_back():
        _orm_probe.add_rows()
        probe_got = evaluate(exercise, answer, hint=hint)
        try:
            compare(exercise, probe_got, list(reference()), ordered=ordered, hint=hint)
        except CheckFailed as failure:
            raise in_general(exercise, failure, answer) from None
    return Rows(got)


def compare_values(exercise: str, got, expected, *, ordered: bool, hint: str) -> None:
    if (got if ordered else sorted(map(repr, got))) == (expected if ordered else sorted(map(repr, expected))):
        return
    problem = (
        _("the right values in another order")
        if sorted(map(repr, got)) == sorted(map(repr, expected))
        else _("other values")
    )
    raise CheckFailed(exercise, problem, expected=shown(expected), got=shown(got), hint=hint)


def recorded_statement(exercise: str, pattern: str, matches, *, what: str, method: str, hint: str):
    """The newest statement the learner's cells sent that matches `pattern` and whose result now
    `matches(names, rows, rowcount)`: the statement behind a value answer.

    Raises a ✗ when no such statement ran (a value typed by hand, or computed another way).
    Returns None when the recorder was not listening (a kernel that imported the checks before
    Django was set up): then the method is not verified, and the ✓ line must not claim it.
    """
    if not recorder.installed:
        recorder.install()
        return None
    tried = recorder.find(pattern)
    for sql, params in tried:
        with rolled_back():
            names, rows, count = run_sql(sql, params)
        if matches(names, rows, count):
            return sql, params
    raise CheckFailed(
        exercise,
        _("no {method} that gives {what} ran in this notebook's cells").format(method=method, what=what),
        expected=_("{what}, from {method}").format(what=what, method=method),
        got=ngettext(
            "{count} such statement ran, none giving this answer",
            "{count} such statements ran, none giving this answer",
            len(tried),
        ).format(count=len(tried))
        if tried
        else _("no such statement: was the answer typed in by hand, or computed another way?"),
        hint=hint,
    )


# ---------------------------------------------------------------- 00-start-here


def _string_columns(rows) -> list[list]:
    """Each all-text column of the rows, its values sorted."""
    if not rows:
        return [[]]
    width = len(rows[0])
    return [sorted(r[i] for r in rows) for i in range(width) if all(isinstance(r[i], str) for r in rows)]


@guarded
def warmup(usernames) -> None:
    """Every username, sorted, as plain strings: a list or a QuerySet of them."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    require_answer("warmup", usernames)
    hint = _('.order_by("username") sorts in the database')
    expected = list(User.objects.order_by("username").values_list("username", flat=True))
    if is_queryset(usernames):
        got = evaluate("warmup", usernames, hint=hint)
    elif isinstance(usernames, list | tuple):
        got = list(usernames)
    else:
        raise CheckFailed(
            "warmup",
            _("the answer is {kind}, not a list of usernames").format(kind=kind_of(usernames)),
            expected=expected,
            got=shown(usernames),
            hint='list(User.objects.order_by("username").values_list("username", flat=True))',
        )
    if got and not all(isinstance(u, str) for u in got):
        raise CheckFailed(
            "warmup",
            _("the list holds objects, not usernames"),
            expected=expected,
            got=describe(got),
            hint=_('values_list("username", flat=True) gives the strings themselves'),
        )
    if got != expected:
        problem = (
            _("the right names in another order") if sorted(got) == expected else _("not every username")
        )
        raise CheckFailed("warmup", problem, expected=expected, got=got, hint=hint)
    everyone = lambda: list(User.objects.order_by("username").values_list("username", flat=True))  # noqa: E731
    if is_queryset(usernames):
        with rolled_back():
            _orm_probe.add_rows()
            try:
                compare_values(
                    "warmup", evaluate("warmup", usernames, hint=hint), everyone(), ordered=True, hint=hint
                )
            except CheckFailed as failure:
                raise in_general("warmup", failure, usernames) from None
    else:
        found = recorded_statement(
            "warmup",
            r'^SELECT .*FROM "auth_user"',
            lambda names, rows, count: sorted(got) in _string_columns(rows),
            what=_("this list of usernames"),
            method="query",
            hint=_('ask the database: User.objects.order_by("username").values_list("username", flat=True)'),
        )
        if found:
            with rolled_back():
                _orm_probe.add_rows()
                names, rows, count = run_sql(*found)
                if everyone() not in _string_columns(rows):
                    raise CheckFailed(
                        "warmup",
                        _("right on the notebook's rows only: {note}, your query gives other names").format(
                            note=_(_orm_probe.NOTE)
                        ),
                        expected=everyone(),
                        got=(_string_columns(rows) or [[]])[0],
                        hint=hint,
                    )
    ok(
        "warmup",
        _("{count} users: {names}. That is how every check answers.").format(
            count=len(expected), names=", ".join(expected)
        ),
    )


# ---------------------------------------------------------------- the course's three


Q1_AUTHOR = "bob"
Q1_AVOID = ("seoul", "namsan")  # words the text asks new posts to leave out
Q1_REASON = "b"  # the letter of the right answer to "why does the ORM accept a post with no file?"
Q1_REASONS = {
    "a": N_(
        "PostgreSQL refuses nothing here: no constraint counts a post's files, and the ORM hides no error"
    ),
    "c": N_("nothing adds a photo: the post simply has no File row"),
}


def _letter(answer) -> str:
    """The letter of a multiple-choice answer: "b", " (B) ", "b: because ..." and "B) ..." give "b"."""
    import re

    text = str(answer).strip().lower()
    found = re.fullmatch(r"\(?([a-z])\)?(?:\s*[.:)\-]\s*.*|\s+.*)?", text, re.DOTALL)
    return found.group(1) if found else text


def q1(new_posts, why_no_file) -> None:
    """Three posts inserted now, each with a live photo or video; and why the ORM allows none."""
    from posts.models import File, Post

    exercise = "q1"
    require_answer(exercise, new_posts)
    hint = _(
        "post_create(author=bob, content=..., files=[{'type': 'image', 'url': ...}]) inserts a post "
        "with its files; or Post.objects.create(...) then File.objects.create(post=..., ...)"
    )
    if is_queryset(new_posts) or not isinstance(new_posts, list | tuple):
        raise CheckFailed(
            exercise,
            _("new_posts is not a list of the posts you created"),
            expected="[post_a, post_b, post_c]",
            got=type(new_posts).__name__,
            hint=hint,
        )
    if len(new_posts) != 3 or not all(isinstance(p, Post) for p in new_posts):
        raise CheckFailed(
            exercise, _("not three Post objects"), expected=3, got=describe(new_posts), hint=hint
        )
    if any(p.pk is None for p in new_posts):
        raise CheckFailed(
            exercise,
            _("a post was never saved: it has no id"),
            expected=_("three ids from the database"),
            got=[p.pk for p in new_posts],
            hint=_("Post(...) only builds the object; .save() or Post.objects.create(...) inserts it"),
        )
    if len({p.pk for p in new_posts}) != 3:
        raise CheckFailed(
            exercise,
            _("the same post more than once"),
            expected=_("three ids"),
            got=[p.pk for p in new_posts],
            hint=hint,
        )
    stored = Post.objects.filter(pk__in=[p.pk for p in new_posts]).select_related("author")
    if stored.count() != 3:
        raise CheckFailed(
            exercise,
            _("not every post is a live row in the database"),
            expected=3,
            got=stored.count(),
            hint=_("create them again with post_create(...) or Post.objects.create(...)"),
        )
    seed = [p for p in stored if (p.author.username, p.content) in _seed_pairs()]
    if seed:
        raise CheckFailed(
            exercise,
            _("these are seed posts, not new ones: {seed}").format(seed=describe(seed)),
            expected=_("three posts you inserted"),
            got=describe(stored),
            hint=hint,
        )
    others = [p for p in sorted(stored, key=lambda p: p.pk) if p.author.username != Q1_AUTHOR]
    if others:
        raise CheckFailed(
            exercise,
            _("posts by someone other than {author}: {others}").format(
                author=Q1_AUTHOR, others=describe(others)
            ),
            expected=_("three posts by {author}").format(author=Q1_AUTHOR),
            got=describe(stored),
            hint=_("author=bob (the notebook's variable bob is that user)"),
        )
    avoided = [p for p in sorted(stored, key=lambda p: p.pk) if any(w in p.content.lower() for w in Q1_AVOID)]
    if avoided:
        raise CheckFailed(
            exercise,
            _("a post mentions Seoul or Namsan: {avoided}").format(avoided=describe(avoided)),
            expected=_("texts without the words Seoul and Namsan"),
            got=describe(avoided),
            hint=_("later exercises search for those words: write about something else"),
        )
    files = {p.pk: list(File.objects.filter(post_id=p.pk).values_list("type", flat=True)) for p in stored}
    bare = [p for p in sorted(stored, key=lambda p: p.pk) if not files[p.pk]]
    if bare:
        raise CheckFailed(
            exercise,
            ngettext(
                "a post has no photo or video: {bare}", "posts have no photo or video: {bare}", len(bare)
            ).format(bare=describe(bare)),
            expected=_("at least one live File (type image or video) on each post"),
            got={p.pk: len(files[p.pk]) for p in sorted(stored, key=lambda p: p.pk)},
            hint=_(
                "File.objects.create(post=post, type='image', url='https://...') adds one to a saved post"
            ),
        )
    require_answer(exercise, why_no_file)
    letter = _letter(why_no_file)
    if letter != Q1_REASON:
        raise CheckFailed(
            exercise,
            _("not the reason") if letter in Q1_REASONS else _("why_no_file should be the letter a, b or c"),
            expected=_("the letter of the reason"),
            got=repr(why_no_file),
            hint=_(Q1_REASONS[letter])
            if letter in Q1_REASONS
            else _("read the three choices above the exercise cell; one of them names the serializer"),
        )
    ids = ", ".join(str(p.pk) for p in sorted(new_posts, key=lambda p: p.pk))
    count = sum(len(types) for types in files.values())
    ok(
        exercise,
        _("3 posts inserted, ids {ids}, with {count} photos and videos between them").format(
            ids=ids, count=count
        ),
    )


def q2(answer, new_posts) -> None:
    """The posts of q1 as a QuerySet of the learner's proxy, whose __str__ tells them apart."""
    from django.db import models

    from posts.models import Post

    exercise = "q2"
    require_answer(exercise, answer)
    require_answer(exercise, new_posts)
    hint = _("ReadablePost.objects.filter(pk__in=[p.pk for p in new_posts]) gives exactly those rows")
    if not is_queryset(answer):
        raise CheckFailed(
            exercise,
            (
                _("the answer is an {kind}, not a QuerySet")
                if takes_an(type(answer).__name__)
                else _("the answer is a {kind}, not a QuerySet")
            ).format(kind=type(answer).__name__),
            expected=_("a QuerySet of ReadablePost"),
            got=type(answer).__name__,
            hint=hint,
        )
    if answer.model._meta.concrete_model is not Post:
        raise CheckFailed(
            exercise,
            _("the QuerySet holds {model} rows").format(model=answer.model.__name__),
            expected=_("your posts"),
            hint=hint,
        )
    if answer.model is Post:
        raise CheckFailed(
            exercise,
            _("that QuerySet uses Post's own __str__, not yours"),
            expected=_("a QuerySet of ReadablePost"),
            got=_("a QuerySet of Post"),
            hint=_("start from ReadablePost.objects, so each row is shown by the __str__ you wrote"),
        )
    expect_objects(exercise, answer, answer.model, hint=hint)
    expected = Post.objects.filter(pk__in=[p.pk for p in new_posts])
    compare_rows(exercise, answer, expected, ordered=False, hint=hint)
    rows = list(answer)
    try:
        names = [str(p) for p in rows]
    except NotImplementedError:
        raise NotAnswered(
            exercise,
            _("there is no answer yet"),
            hint=_(
                "write the body of ReadablePost.__str__ in the exercise cell above, run it, then this check"
            ),
        ) from None
    except Exception as exc:  # the learner's __str__
        raise CheckFailed(
            exercise,
            _("your __str__ raised {kind}").format(kind=type(exc).__name__),
            got=str(exc),
            hint=_("self.pk, self.author.username and self.content are there to use; return a str"),
        ) from None
    default = [n for n, p in zip(names, rows, strict=True) if n == models.Model.__str__(p)]
    if default:
        raise CheckFailed(
            exercise,
            _("the posts are shown by Django's default name"),
            expected=_('a name that tells them apart, e.g. Post #8 by bob: "Rainy day..."'),
            got=names,
            hint=_("return an f-string from __str__ with self.pk, self.author.username and self.content"),
        )
    if len(set(names)) != len(names):
        raise CheckFailed(
            exercise,
            _("two posts get the same name"),
            expected=_("a different name for each post"),
            got=names,
            hint=_("put something in it that differs from post to post: its id (self.pk)"),
        )
    ok(
        exercise,
        _("a QuerySet of your {count} posts, each shown by your __str__: {names}").format(
            count=len(names), names=names[0]
        ),
    )


@guarded
def q3(carol_posts) -> None:
    from posts.models import Post

    exercise = "q3"
    require_answer(exercise, carol_posts)
    hint = 'Post.objects.filter(author__username="carol")'
    got = judge(
        exercise,
        carol_posts,
        Post,
        lambda: Post.objects.filter(author__username="carol"),
        ordered=False,
        hint=hint,
    )
    ok(exercise, _("carol's {count} live posts{probed}").format(count=len(got), probed=probed_note(got)))


# ---------------------------------------------------------------- building up

PROBED = N_("; right again on rows the check added")


@guarded
def q4(not_carol) -> None:
    from posts.models import Post

    exercise = "q4"
    require_answer(exercise, not_carol)
    hint = _('exclude(author__username="carol") keeps every row that does not match')
    got = judge(
        exercise,
        not_carol,
        Post,
        lambda: Post.objects.exclude(author__username="carol"),
        ordered=False,
        hint=hint,
    )
    ok(exercise, _("{count} live posts not by carol{probed}").format(count=len(got), probed=probed_note(got)))


def _q5_reference():
    from django.db.models import Q

    from posts.models import Post

    return Post.objects.filter(
        (Q(author__username="alice") | Q(content__icontains="seoul")) & ~Q(content__icontains="namsan")
    )


@guarded
def q5(answer) -> None:
    """(by alice OR mentions seoul, any case) AND NOT mentions namsan."""
    from posts.models import Post

    exercise = "q5"
    require_answer(exercise, answer)
    hint = _(
        '(Q(author__username="alice") | Q(content__icontains="seoul")) & ~Q(content__icontains="namsan"): '
        "| is OR, & is AND, ~ is NOT"
    )
    got = rows_now(exercise, answer, Post, hint=hint)
    expected = list(_q5_reference())
    namsan = [p for p in got if "namsan" in p.content.lower()]
    if namsan:
        raise CheckFailed(
            exercise,
            _("a post that mentions Namsan is there: {namsan}").format(namsan=describe(namsan)),
            expected=describe(expected),
            got=describe(got),
            hint=_("~Q(content__icontains='namsan') leaves those out"),
        )
    if expected and not got:
        raise CheckFailed(
            exercise,
            _("no post matched"),
            expected=describe(expected),
            got="[]",
            hint=_("& needs both conditions to hold, | either of them: by alice OR mentions seoul"),
        )
    seoul = [p for p in expected if "seoul" in p.content.lower() and p.pk not in {g.pk for g in got}]
    if seoul:
        raise CheckFailed(
            exercise,
            _("missing {rows}").format(rows=describe(seoul)),
            expected=describe(expected),
            got=describe(got),
            hint=_("content__contains is case-sensitive; content__icontains is not"),
        )
    got = judge(exercise, answer, Post, _q5_reference, ordered=False, hint=hint)
    ok(
        exercise,
        _("{count} posts: by alice or mentioning Seoul, none mentioning Namsan{probed}").format(
            count=len(got), probed=_(PROBED)
        ),
    )


@guarded
def q6(likes) -> None:
    """Live likes on posts whose author is alice or carol: `in` across a relation."""
    from posts.models import Like

    exercise = "q6"
    require_answer(exercise, likes)
    hint = _(
        'Like.objects.filter(post__author__username__in=["alice", "carol"]): double underscores follow the FK'
    )
    got = judge(
        exercise,
        likes,
        Like,
        lambda: Like.objects.filter(post__author__username__in=["alice", "carol"]),
        ordered=False,
        hint=hint,
    )
    ok(
        exercise,
        _("{count} live likes on posts by alice or carol{probed}").format(count=len(got), probed=_(PROBED)),
    )


@guarded
def q7(posts) -> None:
    """Posts of 4 to 6 March 2026 (Seoul days), both days included."""
    from django.utils import timezone

    from posts.models import Post

    exercise = "q7"
    require_answer(exercise, posts)
    hint = _("created_at__date__range=(date(2026, 3, 4), date(2026, 3, 6)) compares days, both ends included")
    got = rows_now(exercise, posts, Post, hint=hint)
    expected = list(Post.objects.filter(created_at__date__range=Q7_DAYS))
    last_day = [p for p in expected if timezone.localtime(p.created_at).date() == Q7_DAYS[1]]
    late = [p for p in last_day if p.pk not in {g.pk for g in got}]
    if late:
        raise CheckFailed(
            exercise,
            _("the last day is missing: {late}").format(late=describe(late)),
            expected=describe(expected),
            got=describe(got),
            hint=_(
                "a datetime range ends at 00:00 of the last day; the __date transform compares whole days"
            ),
        )
    got = judge(
        exercise,
        posts,
        Post,
        lambda: Post.objects.filter(created_at__date__range=Q7_DAYS),
        ordered=False,
        hint=hint,
    )
    ok(
        exercise,
        _("{count} posts from {start} to {end}, Seoul days, both ends included{probed}").format(
            count=len(got), start=Q7_DAYS[0], end=Q7_DAYS[1], probed=_(PROBED)
        ),
    )


@guarded
def q8(answer) -> None:
    """The first four posts by author's username A→Z, newest first within each author."""
    from posts.models import Post

    exercise = "q8"
    require_answer(exercise, answer)
    hint = _('order_by("author__username", "-created_at")[:4]: a minus sign means descending')
    got = judge(
        exercise,
        answer,
        Post,
        lambda: Post.objects.order_by("author__username", "-created_at")[:4],
        ordered=True,
        hint=hint,
    )
    ok(exercise, _("4 posts in the asked order{probed}").format(probed=probed_note(got)))


def _q9_compare(exercise: str, got: list, *, hint: str) -> None:
    from django.db.models import Count, Q

    from posts.models import Like, Post

    every_post = _("annotate every live post: start from Post.objects")
    compare_rows(exercise, got, Post.objects.all(), ordered=False, hint=every_post)
    missing = [p for p in got if not hasattr(p, "n_likes")]
    if missing:
        raise CheckFailed(
            exercise,
            _("the posts have no n_likes attribute"),
            expected=_("post.n_likes on every post"),
            got=describe(missing),
            hint=hint,
        )
    for post in got:
        live = Like.objects.filter(post=post).count()
        if post.n_likes != live:
            every = Like.all_objects.filter(post=post).count()
            cancelled = post.n_likes == every and every != live
            raise CheckFailed(
                exercise,
                _("{post} has n_likes={n_likes}").format(post=post, n_likes=shown(post.n_likes)),
                expected=_("{live} live likes").format(live=live),
                got=shown(post.n_likes),
                hint=(
                    _(
                        "Count('likes') counts cancelled likes too (a join does not use the "
                        "default manager): "
                        "add filter=Q(likes__is_deleted=False)"
                    )
                    if cancelled
                    else hint
                ),
            )
    expected = Post.objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))).order_by(
        "-n_likes", "id"
    )
    compare_rows(
        exercise,
        got,
        expected,
        ordered=True,
        hint=_('then order_by("-n_likes", "id"): most likes first, ties by id'),
    )


@guarded
def q9(posts) -> None:
    """Every live post with n_likes = its number of live likes, by n_likes descending, then id."""
    from posts.models import Post

    exercise = "q9"
    require_answer(exercise, posts)
    hint = 'annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))).order_by("-n_likes", "id")'
    if is_row_list(posts):  # the text asks for no QuerySet: a list made by a query is as good
        got = rows_now(exercise, posts, Post, hint=hint)
        _q9_compare(exercise, got, hint=hint)
        rows = follow_list(
            exercise,
            got,
            Post,
            ordered=True,
            attrs=("n_likes",),
            compare=lambda rows: _q9_compare(exercise, rows, hint=hint),
        )
        ok(
            exercise,
            _("n_likes is right on all {count} posts, most liked first{probed}").format(
                count=len(got), probed=probed_note(rows)
            ),
        )
        return
    expect_queryset(exercise, posts, Post, hint)
    expect_objects(exercise, posts, Post, hint=hint)
    got = evaluate(exercise, posts, hint=hint)
    _q9_compare(exercise, got, hint=hint)
    with rolled_back():
        _orm_probe.add_rows()
        try:
            _q9_compare(exercise, evaluate(exercise, posts, hint=hint), hint=hint)
        except CheckFailed as failure:
            raise in_general(exercise, failure, posts) from None
    ok(
        exercise,
        _("n_likes is right on all {count} posts, most liked first{probed}").format(
            count=len(got), probed=_(PROBED)
        ),
    )


def _like_stats() -> dict:
    from posts.models import Like

    return {"likes": Like.objects.count(), "likers": Like.objects.values("user").distinct().count()}


@guarded
def q10(stats) -> None:
    """{"likes": live likes, "likers": distinct users with a live like}, from one aggregate()."""
    exercise = "q10"
    require_answer(exercise, stats)
    hint = 'Like.objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True))'
    expected = _like_stats()
    if not isinstance(stats, dict):
        raise CheckFailed(
            exercise,
            _("the answer is {kind}, not a dict").format(kind=kind_of(stats)),
            expected="{'likes': ..., 'likers': ...}",
            got=shown(stats),
            hint=_("aggregate() returns a dict; annotate() returns a QuerySet"),
        )
    if set(stats) != set(expected):
        raise CheckFailed(
            exercise, _("other keys"), expected=shown(sorted(expected)), got=shown(list(stats)), hint=hint
        )
    if stats["likes"] != expected["likes"] or type(stats["likes"]) is not int:
        raise CheckFailed(
            exercise,
            _("the number of likes is off"),
            expected=shown(expected["likes"]),
            got=shown(stats["likes"]),
            hint=_("Like.objects counts live likes only; Like.all_objects counts cancelled ones too"),
        )
    if stats["likers"] != expected["likers"] or type(stats["likers"]) is not int:
        raise CheckFailed(
            exercise,
            _("the number of likers is off"),
            expected=shown(expected["likers"]),
            got=shown(stats["likers"]),
            hint=_('Count("user", distinct=True) counts each user once'),
        )
    found = recorded_statement(
        exercise,
        r'^SELECT (?!.*GROUP BY).*COUNT\(.*FROM "posts_like"',
        lambda names, rows, count: len(rows) == 1 and dict(zip(names, rows[0], strict=True)) == stats,
        what=_("this dict {stats}").format(stats=shown(stats)),
        method=_("aggregate() query"),
        hint=_("one call: {hint}").format(hint=hint),
    )
    if found is None:
        ok(
            exercise,
            _("{likes} live likes from {likers} users").format(
                likes=expected["likes"], likers=expected["likers"]
            ),
        )
        return
    with rolled_back():
        _orm_probe.add_rows()
        names, rows, _count = run_sql(*found)
        probe_got, probe_expected = dict(zip(names, rows[0], strict=True)), _like_stats()
    if probe_got != probe_expected:
        raise CheckFailed(
            exercise,
            _("right on the notebook's rows only: {note}, your aggregate gives other numbers").format(
                note=_(_orm_probe.NOTE)
            ),
            expected=shown(probe_expected),
            got=shown(probe_got),
            hint=_("count live likes (Like.objects), and each user once: distinct=True"),
        )
    ok(
        exercise,
        _(
            "{likes} live likes from {likers} users, from one aggregate query "
            "that is right on rows the check added too"
        ).format(likes=expected["likes"], likers=expected["likers"]),
    )


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _queries(counted) -> int:
    """Queries counted, without the transaction or savepoint `evaluate` wraps a QuerySet in."""
    return sum(1 for sql in counted.sql if not sql.startswith(TRANSACTION_CONTROL))


def _q11_compare(exercise: str, feed, *, hint: str) -> tuple[int, int]:
    """(posts, queries): every live post with its live files, authors and files in at most 2 queries."""
    from posts.models import File, Post
    from workbook.display import count_queries

    with count_queries() as evaluating:
        posts = evaluate(exercise, feed, hint=hint)
    with count_queries() as authors:
        [p.author.username for p in posts]
    with count_queries() as files:
        got_files = {p.pk: [f.pk for f in p.files.all()] for p in posts}
    compare_rows(exercise, posts, Post.objects.all(), ordered=False, hint=_("start from Post.objects"))
    for post in posts:
        live = list(File.objects.filter(post=post).order_by("position", "id").values_list("pk", flat=True))
        if sorted(got_files[post.pk]) != sorted(live):
            raise CheckFailed(
                exercise,
                _("{post} shows other files than its live ones").format(post=post),
                expected=live,
                got=got_files[post.pk],
                hint=_(
                    "prefetch_related('files') uses the live files; Prefetch with File.all_objects does not"
                ),
            )
    total = _queries(evaluating) + _queries(authors) + _queries(files)
    if _queries(authors):
        raise CheckFailed(
            exercise,
            _("each author cost a query of its own ({queries} more)").format(queries=_queries(authors)),
            expected=_("at most 2 queries"),
            got=_("{total} queries").format(total=total),
            hint=_('select_related("author") fetches authors in the same query as the posts'),
        )
    if _queries(files):
        raise CheckFailed(
            exercise,
            _("each post's files cost a query of its own ({queries} more)").format(queries=_queries(files)),
            expected=_("at most 2 queries"),
            got=_("{total} queries").format(total=total),
            hint=_('prefetch_related("files") fetches the files of every post in one more query'),
        )
    if total > 2:
        raise CheckFailed(exercise, _("too many queries"), expected=_("at most 2"), got=total, hint=hint)
    return len(posts), total


@guarded
def q11(feed) -> None:
    """Every live post, its author and its live files in at most two queries."""
    from posts.models import Post

    exercise = "q11"
    require_answer(exercise, feed)
    hint = _(
        'select_related("author") joins the author in; prefetch_related("files") fetches every file at once'
    )
    expect_queryset(exercise, feed, Post, hint)
    expect_objects(exercise, feed, Post, hint=hint)
    posts, total = _q11_compare(exercise, feed, hint=hint)
    with rolled_back():
        _orm_probe.add_rows()
        try:
            _q11_compare(exercise, feed, hint=hint)
        except CheckFailed as failure:
            raise in_general(exercise, failure, feed) from None
    naive = 1 + 2 * posts
    ok(
        exercise,
        _(
            "{posts} posts with authors and live files in {total} queries (without both: {naive}){probed}"
        ).format(posts=posts, total=total, naive=naive, probed=_(PROBED)),
    )


@guarded
def q12(updated, before) -> None:
    """One UPDATE moved every file of post 6 one position down: position = position + 1."""
    from posts.models import File

    exercise = "q12"
    require_answer(exercise, updated)
    require_answer(exercise, before)
    hint = f'File.objects.filter(post_id={Q12_POST}).update(position=F("position") + 1)'
    if not isinstance(before, dict) or not all(isinstance(v, int) for v in before.values()):
        raise CheckFailed(
            exercise,
            _("`before` is not the dict of positions the cell above records"),
            expected="{file id: position}",
            got=shown(before),
            hint=_("run the cell that records `before` again, then the exercise once"),
        )
    if not isinstance(updated, int) or isinstance(updated, bool):
        raise CheckFailed(
            exercise,
            _("updated is {kind}, not the number of rows update() changed").format(kind=kind_of(updated)),
            expected=_("{count} (an int)").format(count=len(before)),
            got=shown(updated),
            hint=_(
                "QuerySet.update() returns how many rows it changed; a loop of save() calls returns nothing"
            ),
        )
    now = dict(File.all_objects.filter(pk__in=list(before)).values_list("pk", "position"))
    if updated != len(before):
        raise CheckFailed(
            exercise,
            _("update() changed {updated} rows").format(updated=updated),
            expected=_("{count}: the files of post {q12_post}").format(count=len(before), q12_post=Q12_POST),
            got=updated,
            hint=hint,
        )
    shifted = {pk: now.get(pk, 0) - position for pk, position in before.items()}
    if before and set(shifted.values()) == {2}:
        raise CheckFailed(
            exercise,
            _("the positions moved by 2: the exercise ran twice"),
            expected="+1",
            got="+2",
            hint=_("run the cell that records `before` again, then the exercise once"),
        )
    if set(shifted.values()) != {1}:
        raise CheckFailed(
            exercise,
            _("the positions did not each move one down"),
            expected={pk: position + 1 for pk, position in before.items()},
            got=now,
            hint=_("F('position') + 1 lets the database add 1 to each row's own value"),
        )
    found = recorded_statement(
        exercise,
        r'^UPDATE "posts_file"',
        lambda names, rows, count: count == updated,
        what=_("{updated} changed rows").format(updated=updated),
        method=_("single UPDATE"),
        hint=_("one statement for every file: {hint}").format(hint=hint),
    )
    if found is None:
        ok(exercise, _("{updated} files moved one position down").format(updated=updated))
        return
    probe_file, other_file = _orm_probe.BASE + 203, _orm_probe.BASE + 204
    with rolled_back():
        _orm_probe.add_rows()
        positions = dict(File.all_objects.values_list("pk", "position"))
        run_sql(*found)
        after = dict(File.all_objects.values_list("pk", "position"))
    moved = {pk for pk in after if after[pk] != positions.get(pk)}
    expected_moved = {
        pk for pk in after if pk in positions and File.all_objects.filter(pk=pk, post_id=Q12_POST).exists()
    }
    if probe_file not in moved or other_file in moved or any(after[pk] != positions[pk] + 1 for pk in moved):
        raise CheckFailed(
            exercise,
            _(
                "right on the notebook's rows only: with a file the check adds to post "
                "{q12_post} (and one to "
                "another post), your UPDATE moves other rows"
            ).format(q12_post=Q12_POST),
            expected=_("files {expected_moved} one position down, no other file").format(
                expected_moved=sorted(expected_moved)
            ),
            got=_("files {moved} moved").format(moved=sorted(moved)),
            hint=_("filter by the post, not by file ids written out: ") + hint,
        )
    ok(
        exercise,
        _("{updated} files moved one position down by one UPDATE, computed by PostgreSQL").format(
            updated=updated
        ),
    )


@guarded
def q13(result) -> None:
    """Like.objects.get_or_create for bob on post 4: a live like, one only."""
    from posts.models import Like

    exercise = "q13"
    require_answer(exercise, result)
    hint = _("Like.objects.get_or_create(user=bob, post_id={q13_post}) returns (like, created)").format(
        q13_post=Q13_POST
    )
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], bool)):
        raise CheckFailed(
            exercise,
            _("the answer is {kind}, not the pair get_or_create returns").format(kind=kind_of(result)),
            expected="(like, created)",
            got=shown(result),
            hint=hint,
        )
    like, created = result
    if not isinstance(like, Like) or like.pk is None:
        raise CheckFailed(
            exercise,
            _("the first item is not a saved Like"),
            expected=_("a Like"),
            got=shown(like),
            hint=hint,
        )
    stored = Like.all_objects.select_related("user").filter(pk=like.pk).first()
    if stored is None:
        raise CheckFailed(exercise, _("this like is not in the database"), got=str(like.pk), hint=hint)
    if (stored.user.username, stored.post_id) != (Q13_USER, Q13_POST):
        raise CheckFailed(
            exercise,
            _("a like by someone else or on another post"),
            expected=_("{q13_user} likes Post #{q13_post}").format(q13_user=Q13_USER, q13_post=Q13_POST),
            got=str(stored),
            hint=hint,
        )
    if stored.is_deleted:
        raise CheckFailed(
            exercise,
            _("{stored} is a cancelled like (is_deleted=True)").format(stored=stored),
            expected=_("a live like"),
            got=_("the cancelled one"),
            hint=_("Like.all_objects.get_or_create finds cancelled likes too; Like.objects only live ones"),
        )
    live = Like.objects.filter(user__username=Q13_USER, post_id=Q13_POST).count()
    if live != 1:
        raise CheckFailed(exercise, _("not exactly one live like"), expected=1, got=live, hint=hint)
    ok(
        exercise,
        (
            _("{stored} (created now); it is the one live like, so running it again finds it: created=False")
            if created
            else _(
                "{stored} (found, not created again); "
                "it is the one live like, so running it again finds it: created=False"
            )
        ).format(stored=stored),
    )


def _deleted_posts():
    from posts.models import Post

    return Post.all_objects.filter(is_deleted=True)


@guarded
def q14(gone) -> None:
    """Post 2 soft-deleted through the model (its files, likes, comments with it); gone = deleted posts."""
    from posts.models import Comment, File, Like, Post

    exercise = "q14"
    require_answer(exercise, gone)
    hint = _("Post.all_objects.deleted() (or .filter(is_deleted=True)): Post.objects never sees deleted rows")
    post = Post.all_objects.get(pk=Q14_POST)
    if not post.is_deleted:
        raise CheckFailed(
            exercise,
            _("{post} is still live").format(post=post),
            expected="is_deleted=True",
            got="is_deleted=False",
            hint=_("Post.objects.get(pk={q14_post}).delete() marks it deleted (a soft delete)").format(
                q14_post=Q14_POST
            ),
        )
    for model, label in ((File, N_("files")), (Like, N_("likes")), (Comment, N_("comments"))):
        live = model.objects.filter(post=post).count()
        if live:
            raise CheckFailed(
                exercise,
                _("{live} {label} of the deleted post are still live").format(live=live, label=_(label)),
                expected=0,
                got=live,
                hint=_(
                    "delete through the model (post.delete()), which takes files, likes and comments along; "
                    "an update(is_deleted=True) marks the post only"
                ),
            )
    got = judge(exercise, gone, Post, _deleted_posts, ordered=False, hint=hint)
    ok(
        exercise,
        _(
            "{post} is soft-deleted with its rows; the {count} deleted posts are still in the table{probed}"
        ).format(post=post, count=len(got), probed=_(PROBED)),
    )


def _seed_rows_of(number: int) -> dict[str, tuple[int, int]]:
    """(live, deleted) rows of each kind on seed post `number`, as the seed wrote them."""
    from demo.seed import COMMENTS, LIKES, POSTS

    *_author_content, files, post_deleted = POSTS[number - 1]
    likes = [cancelled for _user, n, cancelled in LIKES if n == number]
    comments = [deleted for _user, n, _content, deleted in COMMENTS if n == number]
    rows = {"files": [post_deleted] * len(files), "likes": likes, "comments": comments}
    return {kind: (flags.count(False), flags.count(True)) for kind, flags in rows.items()}


def _rows_of_kind(kind: str, n: int) -> str:
    counted = {
        "files": ngettext("{n} file", "{n} files", n),
        "likes": ngettext("{n} like", "{n} likes", n),
        "comments": ngettext("{n} comment", "{n} comments", n),
    }
    return counted[kind].format(n=n)


@guarded
def q15(post) -> None:
    """Post 2 restored with exactly the rows its deletion took: files, likes and comments."""
    from posts.models import Comment, File, Like, Post

    exercise = "q15"
    require_answer(exercise, post)
    hint = _(
        "Post.all_objects.get(pk={q14_post}).restore() brings back the post and what its deletion took"
    ).format(q14_post=Q14_POST)
    if not isinstance(post, Post) or post.pk != Q14_POST:
        raise CheckFailed(
            exercise,
            _("not Post #{q14_post}").format(q14_post=Q14_POST),
            expected=f"Post #{Q14_POST}",
            got=shown(post),
            hint=hint,
        )
    stored = Post.all_objects.get(pk=post.pk)
    if stored.is_deleted:
        raise CheckFailed(
            exercise,
            _("{stored} is still deleted").format(stored=stored),
            expected=_("live"),
            got=_("deleted"),
            hint=hint,
        )
    seed = _seed_rows_of(Q14_POST)
    counts = {}
    for model, kind in ((File, N_("files")), (Like, N_("likes")), (Comment, N_("comments"))):
        live = model.objects.filter(post=stored).count()
        deleted = model.all_objects.filter(post=stored, is_deleted=True).count()
        want_live, want_deleted = seed[kind]
        if live < want_live or deleted > want_deleted:
            raise CheckFailed(
                exercise,
                _("the post is back but {count} of its {kind} are still deleted").format(
                    count=deleted - want_deleted, kind=_(kind)
                ),
                expected=_("{want_live} live {kind}, as before the deletion").format(
                    want_live=want_live, kind=_(kind)
                ),
                got=_("{live} live, {deleted} deleted").format(live=live, deleted=deleted),
                hint=_(
                    "restore() brings back the rows deleted with the post; setting is_deleted=False does not"
                ),
            )
        counts[kind] = live
    parts = ", ".join(_rows_of_kind(kind, n) for kind, n in counts.items())
    ok(exercise, _("{stored} is live again, with its {parts}").format(stored=stored, parts=parts))


@guarded
def q16(draft, error) -> None:
    """A post and an invalid comment in one transaction.atomic(): both refused, the post rolled back."""
    from django.db import IntegrityError, connection

    from posts.models import Post

    exercise = "q16"
    require_answer(exercise, draft)
    hint = _(
        "put both create() calls inside one `with transaction.atomic():` and catch IntegrityError outside it"
    )
    if not isinstance(error, IntegrityError):
        raise CheckFailed(
            exercise,
            _("no IntegrityError was caught"),
            expected="IntegrityError (comment_content_not_empty)",
            got=shown(error),
            hint=_("a comment with content='' breaks the CHECK constraint comment_content_not_empty"),
        )
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint != "comment_content_not_empty":
        raise CheckFailed(
            exercise,
            _("PostgreSQL did not refuse the empty comment: the error comes from elsewhere"),
            expected=_("the CHECK constraint comment_content_not_empty"),
            got=_("{first} (constraint: {value})").format(first=_first(error), value=constraint or "none"),
            hint=_("create the comment with content='' on the draft, inside the block"),
        )
    if not isinstance(draft, Post) or draft.pk is None:
        raise CheckFailed(
            exercise,
            _("draft is not the post created inside the block"),
            expected=_("a Post"),
            got=shown(draft),
            hint=hint,
        )
    if Post.all_objects.filter(pk=draft.pk).exists():
        raise CheckFailed(
            exercise,
            _("{draft} is still in the database").format(draft=draft),
            expected=_("rolled back with the comment"),
            got="kept",
            hint=hint,
        )
    if _q16_caught_inside():
        raise CheckFailed(
            exercise,
            _("the IntegrityError is caught inside the atomic() block"),
            expected=_("try: around the with block, except IntegrityError after it"),
            got=_("a try/except within the block"),
            hint=_(
                "caught inside, the error does not leave the block: a query after it in the block fails "
                "(PostgreSQL has aborted the transaction), and the block ends without an error, so the "
                "code after it cannot tell that the post was rolled back"
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM posts_post_id_seq")
        handed_out = cursor.fetchone()[0]
    if draft.pk > handed_out or getattr(draft.author, "username", None) != "alice":
        raise CheckFailed(
            exercise,
            _("draft is not a post PostgreSQL created for alice"),
            expected=_("a post by alice whose id the sequence handed out (at most {handed_out})").format(
                handed_out=handed_out
            ),
            got=_("id {pk} by {username}").format(
                pk=draft.pk, username=getattr(draft.author, "username", None)
            ),
            hint=_("draft = Post.objects.create(author=alice, ...) inside the block"),
        )
    ok(
        exercise,
        _("the error rolled back the post too: id {pk} was handed out, yet no row has it").format(
            pk=draft.pk
        ),
    )


def _q16_caught_inside() -> bool:
    """Whether the newest cell that opens an atomic() block and names IntegrityError catches an
    error inside the block (a try/except within `with ...atomic()`). False when no cell shows it."""
    import ast

    from . import _runner

    def atomic(node) -> bool:
        return isinstance(node, ast.With | ast.AsyncWith) and any(
            "atomic" in ast.unparse(item.context_expr) for item in node.items
        )

    for source in _runner.cell_sources():
        if "atomic" not in source or "IntegrityError" not in source:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython syntax (magics): say nothing about it
            return False
        blocks = [node for node in ast.walk(tree) if atomic(node)]
        return any(
            isinstance(inner, ast.Try) and inner.handlers
            for block in blocks
            for statement in block.body
            for inner in ast.walk(statement)
        )
    return False


def _first(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _q17_reference():
    from posts.models import Comment

    return Comment.objects.filter(post_id=Q17_POST).values_list("user__username", flat=True)


@guarded
def q17(usernames) -> None:
    """Who wrote the live comments on post 4, as a flat values_list, in the comments' order."""
    from posts.models import Comment

    exercise = "q17"
    require_answer(exercise, usernames)
    hint = f'Comment.objects.filter(post_id={Q17_POST}).values_list("user__username", flat=True)'
    expect_queryset(exercise, usernames, Comment, hint)
    expected = list(_q17_reference())
    got = evaluate(exercise, usernames, hint=hint)
    if got and not all(isinstance(u, str) for u in got):
        raise CheckFailed(
            exercise,
            _("the items are {kind}s, not usernames").format(kind=type(got[0]).__name__),
            expected=shown(expected),
            got=shown(got) if not hasattr(got[0], "pk") else describe(got),
            hint=_(
                "values_list(..., flat=True) gives the values themselves; without flat, 1-tuples; "
                "values() gives dicts"
            ),
        )
    if got != expected:
        every = list(Comment.all_objects.filter(post_id=Q17_POST).values_list("user__username", flat=True))
        raise CheckFailed(
            exercise,
            _("the right names in another order")
            if sorted(got) == sorted(expected)
            else _("other usernames"),
            expected=shown(expected),
            got=shown(got),
            hint=_("a deleted comment is included: use Comment.objects")
            if got == every and every != expected
            else hint,
        )
    judge(exercise, usernames, Comment, _q17_reference, ordered=True, hint=hint, objects=False)
    ok(
        exercise,
        _("{expected}: plain strings, in the comments' order{probed}").format(
            expected=expected, probed=_(PROBED)
        ),
    )


@guarded
def q18(answer) -> None:
    """Has bob a live comment on post 4? A bool from exists()."""
    from posts.models import Comment

    exercise = "q18"
    require_answer(exercise, answer)
    hint = f'Comment.objects.filter(user__username="{Q18_USER}", post_id={Q18_POST}).exists()'
    expected = Comment.objects.filter(user__username=Q18_USER, post_id=Q18_POST).exists()
    if not isinstance(answer, bool):
        raise CheckFailed(
            exercise,
            _("the answer is {kind}, not True or False").format(kind=kind_of(answer)),
            expected=shown(expected),
            got=shown(answer),
            hint=_("exists() asks the database for one row at most and returns a bool"),
        )
    if answer != expected:
        deleted = Comment.all_objects.filter(user__username=Q18_USER, post_id=Q18_POST, is_deleted=True)
        raise CheckFailed(
            exercise,
            _("the wrong answer"),
            expected=expected,
            got=answer,
            hint=_("bob's comment there is deleted: Comment.objects does not see it")
            if deleted.exists() and answer
            else hint,
        )
    found = recorded_statement(
        exercise,
        r'^SELECT (1|%s) AS "a" FROM "posts_comment".*LIMIT 1',
        lambda names, rows, count: bool(rows) == answer,
        what=f"{answer}",
        method=_("exists() query (SELECT 1 ... LIMIT 1)"),
        hint=hint,
    )
    if found is None:
        ok(exercise, f"{answer}")
        return
    with rolled_back():
        _orm_probe.add_rows()
        probe_expected = Comment.objects.filter(user__username=Q18_USER, post_id=Q18_POST).exists()
        _names, rows, _count = run_sql(*found)
    if bool(rows) != probe_expected:
        raise CheckFailed(
            exercise,
            _(
                "right on the notebook's rows only: {note}, among them a live comment by "
                "{q18_user} on post {q18_post}, your exists() query gives {bool}"
            ).format(note=_(_orm_probe.NOTE), q18_user=Q18_USER, q18_post=Q18_POST, bool=bool(rows)),
            expected=probe_expected,
            got=bool(rows),
            hint=hint,
        )
    ok(
        exercise,
        _(
            "{answer}: your exists() query (SELECT 1 ... LIMIT 1) also finds a live comment the check added"
        ).format(answer=answer),
    )


@guarded
def q19(users) -> None:
    """Users with a live like on any of alice's posts, each once, sorted by username."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    exercise = "q19"
    require_answer(exercise, users)
    hint = (
        'User.objects.filter(likes__post__author__username="alice", likes__is_deleted=False)'
        '.distinct().order_by("username")'
    )
    got = judge(
        exercise,
        users,
        User,
        lambda: (
            User.objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
            .distinct()
            .order_by("username")
        ),
        ordered=True,
        hint=hint,
    )
    ok(
        exercise,
        _("{names}: each once, sorted by username{probed}").format(
            names=", ".join(u.username for u in got), probed=_(PROBED)
        ),
    )


# ---------------------------------------------------------------- closing exercises


def _q20_compare(exercise: str, got: list, *, hint: str) -> list[str]:
    from django.db.models import Count, Q

    from posts.models import Post

    expected = list(
        Post.objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))).order_by(
            "-n_likes", "-created_at"
        )[:3]
    )
    if got and not all(hasattr(p, "n_likes") for p in got):
        raise CheckFailed(
            exercise, _("the posts have no n_likes"), expected="post.n_likes", got=describe(got), hint=hint
        )
    shown_expected = [f"{p} ({p.n_likes})" for p in expected]
    if [p.pk for p in got] != [p.pk for p in expected]:
        raise CheckFailed(
            exercise,
            _("other posts, or another order"),
            expected=shown_expected,
            got=[f"{p} ({getattr(p, 'n_likes', '?')})" for p in got],
            hint=_(
                "count live likes only (filter=Q(likes__is_deleted=False)), "
                'then order_by("-n_likes", "-created_at") and slice [:3]'
            ),
        )
    wrong = [p for p, e in zip(got, expected, strict=True) if p.n_likes != e.n_likes]
    if wrong:
        raise CheckFailed(exercise, "n_likes is off", expected=shown_expected, got=describe(wrong), hint=hint)
    return shown_expected


@guarded
def q20(top) -> None:
    """The three live posts with the most live likes (newest first on a tie), authors in the same query."""
    from posts.models import Post
    from workbook.display import count_queries

    exercise = "q20"
    require_answer(exercise, top)
    hint = (
        'Post.objects.select_related("author").annotate(n_likes=Count("likes", '
        'filter=Q(likes__is_deleted=False))).order_by("-n_likes", "-created_at")[:3]'
    )
    if is_row_list(top):  # the text asks for no QuerySet: a list made by a query is as good
        got = rows_now(exercise, top, Post, hint=hint)
        with count_queries() as queries:
            [p.author.username for p in got]
        shown_expected = _q20_compare(exercise, got, hint=hint)
        if _queries(queries):
            raise CheckFailed(
                exercise,
                _("the authors cost {extra} more queries").format(extra=_queries(queries)),
                expected=_("1 query"),
                got=1 + _queries(queries),
                hint=_('select_related("author") joins them into the same query'),
            )
        rows = follow_list(
            exercise,
            got,
            Post,
            ordered=True,
            attrs=("n_likes",),
            compare=lambda rows: _q20_compare(exercise, rows, hint=hint),
        )
        ok(
            exercise,
            _("{names} in 1 query{probed}").format(names=", ".join(shown_expected), probed=probed_note(rows)),
        )
        return
    expect_queryset(exercise, top, Post, hint)
    expect_objects(exercise, top, Post, hint=hint)
    if f'"{Post._meta.db_table}"."is_deleted"' not in str(top.query).partition(" FROM ")[2]:
        raise CheckFailed(
            exercise,
            _("deleted posts are among the candidates: the QuerySet never leaves them out"),
            expected=_("live posts only: Post.objects"),
            got=_("a QuerySet with no condition on is_deleted"),
            hint=_("Post.all_objects sees deleted posts too; start from Post.objects"),
        )
    with count_queries() as queries:
        got = evaluate(exercise, top, hint=hint)
        [p.author.username for p in got]
    shown_expected = _q20_compare(exercise, got, hint=hint)
    if _queries(queries) > 1:
        raise CheckFailed(
            exercise,
            _("the authors cost {extra} more queries").format(extra=_queries(queries) - 1),
            expected=_("1 query"),
            got=_queries(queries),
            hint=_('select_related("author") joins them into the same query'),
        )
    with rolled_back():
        _orm_probe.add_rows()
        try:
            _q20_compare(exercise, evaluate(exercise, top, hint=hint), hint=hint)
        except CheckFailed as failure:
            raise in_general(exercise, failure, top) from None
    ok(exercise, _("{names} in 1 query{probed}").format(names=", ".join(shown_expected), probed=_(PROBED)))


def _comments_per_user() -> dict:
    from django.db.models import Count

    from posts.models import Comment

    return dict(Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by())


def _q21_in_username_order(exercise: str, per_author: dict) -> None:
    """The text asks for the keys in username order (the same order on every run)."""
    if list(per_author) != sorted(per_author, key=str):
        raise CheckFailed(
            exercise,
            _("the right counts, but the keys are not in username order"),
            expected=shown(list(sorted(per_author, key=str))),
            got=shown(list(per_author)),
            hint=_('order_by("user__username") before dict(...): a dict keeps the order its pairs came in'),
        )


@guarded
def q21(per_author) -> None:
    """{username: number of live comments that user wrote}, grouped by the database."""
    from django.db.models import Count

    from posts.models import Comment

    exercise = "q21"
    require_answer(exercise, per_author)
    hint = 'dict(Comment.objects.values_list("user__username").annotate(n=Count("id")))'
    if not isinstance(per_author, dict):
        raise CheckFailed(
            exercise,
            _("the answer is {kind}, not a dict").format(kind=kind_of(per_author)),
            expected="{'alice': ..., 'bob': ..., 'carol': ...}",
            got=shown(per_author),
            hint=_("dict(...) turns a values_list of (username, count) pairs into a dict"),
        )
    expected = _comments_per_user()
    if per_author != expected or not all(type(v) is int for v in per_author.values()):
        every = dict(Comment.all_objects.values_list("user__username").annotate(n=Count("id")).order_by())
        by_post_author = dict(
            Comment.objects.values_list("post__author__username").annotate(n=Count("id")).order_by()
        )
        if per_author == every and every != expected:
            why = _("deleted comments are counted: start from Comment.objects")
        elif per_author == by_post_author and by_post_author != expected:
            why = _("these are comments per post author: group by the comment's own user (user__username)")
        else:
            why = hint
        raise CheckFailed(
            exercise,
            _("other counts"),
            expected=shown(dict(sorted(expected.items()))),
            got=shown(dict(sorted(per_author.items(), key=lambda item: str(item[0])))),
            hint=why,
        )
    found = recorded_statement(
        exercise,
        r'^SELECT .*"posts_comment".*GROUP BY',
        lambda names, rows, count: all(len(r) == 2 for r in rows) and dict(rows) == per_author,
        what=_("these counts"),
        method=_("GROUP BY query (values_list() then annotate())"),
        hint=hint,
    )
    if found is None:
        _q21_in_username_order(exercise, per_author)
        ok(exercise, f"{dict(sorted(expected.items()))}")
        return
    with rolled_back():
        _orm_probe.add_rows()
        _names, rows, _count = run_sql(*found)
        probe_got, probe_expected = dict(rows), _comments_per_user()
    if probe_got != probe_expected:
        raise CheckFailed(
            exercise,
            _("right on the notebook's rows only: {note}, your query counts otherwise").format(
                note=_(_orm_probe.NOTE)
            ),
            expected=shown(dict(sorted(probe_expected.items()))),
            got=shown(dict(sorted(probe_got.items(), key=lambda item: str(item[0])))),
            hint=_("count live comments (Comment.objects) per comment writer (user__username)"),
        )
    _q21_in_username_order(exercise, per_author)
    ok(
        exercise,
        _("{counts}: counted by one GROUP BY query, right on rows the check added too").format(
            counts=dict(sorted(expected.items()))
        ),
    )
