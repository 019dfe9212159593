"""Checks for 05-orm-exercises (and the warm-up in 00-start-here): each compares with the database now.

A check computes the right answer itself with a reference query, then compares: the kind of
object (a QuerySet where it matters), the rows, their order where the exercise asks for one,
soft-deleted rows left out, and the number of queries where that is the point.
"""

from __future__ import annotations

from datetime import date

from ._base import CheckFailed, NotAnswered, expect_queryset, is_queryset, ok, require_answer

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
    more = f", … ({len(rows)} in all)" if len(rows) > SHOW else ""
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
            "the right rows, but some more than once",
            expected=describe(expected),
            got=describe(got),
            hint="a join across a relation repeats a row once per match: .distinct() keeps one of each",
        )
    if sorted(got_ids) == sorted(expected_ids):
        if not ordered:
            return
        raise CheckFailed(
            exercise,
            "the right rows in the wrong order",
            expected=describe(expected),
            got=describe(got),
            hint=hint,
        )
    deleted = [r for r in got if getattr(r, "is_deleted", False) and r.pk not in expected_ids]
    if deleted:
        raise CheckFailed(
            exercise,
            f"soft-deleted rows are included: {describe(deleted)}",
            expected=describe(expected),
            got=describe(got),
            hint="Model.all_objects sees deleted rows too; Model.objects sees only live ones",
        )
    missing = [r for r in expected if r.pk not in set(got_ids)]
    extra = [r for r in got if r.pk not in set(expected_ids)]
    problem = "; ".join(
        part
        for part in (
            f"missing {describe(missing)}" if missing else "",
            f"not asked for {describe(extra)}" if extra else "",
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


# ---------------------------------------------------------------- 00-start-here


def warmup(usernames) -> None:
    """Every username, sorted, as plain strings."""
    from django.contrib.auth import get_user_model

    require_answer("warmup", usernames)
    expected = list(get_user_model().objects.order_by("username").values_list("username", flat=True))
    got = list(usernames)
    if got and not all(isinstance(u, str) for u in got):
        raise CheckFailed(
            "warmup",
            "the list holds objects, not usernames",
            expected=expected,
            got=describe(got),
            hint='values_list("username", flat=True) gives the strings themselves',
        )
    if got != expected:
        problem = "the right names in another order" if sorted(got) == expected else "not every username"
        raise CheckFailed(
            "warmup",
            problem,
            expected=expected,
            got=got,
            hint='.order_by("username") sorts in the database',
        )
    ok("warmup", f"{len(expected)} users: {', '.join(expected)}. That is how every check answers.")


# ---------------------------------------------------------------- the course's three


Q1_REASON = "b"  # the letter of the right answer to "why does the ORM accept a post with no file?"
Q1_REASONS = {
    "a": "PostgreSQL refuses nothing here: no constraint counts a post's files, and the ORM hides no error",
    "c": "nothing adds a photo: the post simply has no File row",
}


def q1(new_posts, why_no_file) -> None:
    """Three posts inserted now, each with a live photo or video; and why the ORM allows none."""
    from posts.models import File, Post

    exercise = "q1"
    require_answer(exercise, new_posts)
    hint = (
        "post_create(author=bob, content=..., files=[{'type': 'image', 'url': ...}]) inserts a post "
        "with its files; or Post.objects.create(...) then File.objects.create(post=..., ...)"
    )
    if is_queryset(new_posts) or not isinstance(new_posts, list | tuple):
        raise CheckFailed(
            exercise,
            "new_posts is not a list of the posts you created",
            expected="[post_a, post_b, post_c]",
            got=type(new_posts).__name__,
            hint=hint,
        )
    if len(new_posts) != 3 or not all(isinstance(p, Post) for p in new_posts):
        raise CheckFailed(exercise, "not three Post objects", expected=3, got=describe(new_posts), hint=hint)
    if any(p.pk is None for p in new_posts):
        raise CheckFailed(
            exercise,
            "a post was never saved: it has no id",
            expected="three ids from the database",
            got=[p.pk for p in new_posts],
            hint="Post(...) only builds the object; .save() or Post.objects.create(...) inserts it",
        )
    if len({p.pk for p in new_posts}) != 3:
        raise CheckFailed(
            exercise,
            "the same post more than once",
            expected="three ids",
            got=[p.pk for p in new_posts],
            hint=hint,
        )
    stored = Post.objects.filter(pk__in=[p.pk for p in new_posts]).select_related("author")
    if stored.count() != 3:
        raise CheckFailed(
            exercise,
            "not every post is a live row in the database",
            expected=3,
            got=stored.count(),
            hint="create them again with post_create(...) or Post.objects.create(...)",
        )
    seed = [p for p in stored if (p.author.username, p.content) in _seed_pairs()]
    if seed:
        raise CheckFailed(
            exercise,
            f"these are seed posts, not new ones: {describe(seed)}",
            expected="three posts you inserted",
            got=describe(stored),
            hint=hint,
        )
    files = {p.pk: list(File.objects.filter(post_id=p.pk).values_list("type", flat=True)) for p in stored}
    bare = [p for p in sorted(stored, key=lambda p: p.pk) if not files[p.pk]]
    if bare:
        raise CheckFailed(
            exercise,
            f"{'a post has' if len(bare) == 1 else 'posts have'} no photo or video: {describe(bare)}",
            expected="at least one live File (type image or video) on each post",
            got={p.pk: len(files[p.pk]) for p in sorted(stored, key=lambda p: p.pk)},
            hint="File.objects.create(post=post, type='image', url='https://...') adds one to a saved post",
        )
    require_answer(exercise, why_no_file)
    letter = str(why_no_file).strip().lower().strip("()")
    if letter != Q1_REASON:
        raise CheckFailed(
            exercise,
            "not the reason" if letter in Q1_REASONS else "why_no_file should be the letter a, b or c",
            expected="the letter of the reason",
            got=repr(why_no_file),
            hint=Q1_REASONS.get(
                letter, "read the three choices above the exercise cell; one of them names the serializer"
            ),
        )
    ids = ", ".join(str(p.pk) for p in sorted(new_posts, key=lambda p: p.pk))
    count = sum(len(types) for types in files.values())
    ok(exercise, f"3 posts inserted, ids {ids}, with {count} photos and videos between them")


def q2(answer, new_posts) -> None:
    """The posts of q1 as a QuerySet of the learner's proxy, whose __str__ tells them apart."""
    from django.db import models

    from posts.models import Post

    exercise = "q2"
    require_answer(exercise, answer)
    require_answer(exercise, new_posts)
    hint = "ReadablePost.objects.filter(pk__in=[p.pk for p in new_posts]) gives exactly those rows"
    if not is_queryset(answer):
        raise CheckFailed(
            exercise,
            f"the answer is a {type(answer).__name__}, not a QuerySet",
            expected="a QuerySet of ReadablePost",
            got=type(answer).__name__,
            hint=hint,
        )
    if answer.model._meta.concrete_model is not Post:
        raise CheckFailed(
            exercise, f"the QuerySet holds {answer.model.__name__} rows", expected="your posts", hint=hint
        )
    if answer.model is Post:
        raise CheckFailed(
            exercise,
            "that QuerySet uses Post's own __str__, not yours",
            expected="a QuerySet of ReadablePost",
            got="a QuerySet of Post",
            hint="start from ReadablePost.objects, so each row is shown by the __str__ you wrote",
        )
    expected = Post.objects.filter(pk__in=[p.pk for p in new_posts])
    compare_rows(exercise, answer, expected, ordered=False, hint=hint)
    rows = list(answer)
    try:
        names = [str(p) for p in rows]
    except NotImplementedError:
        raise NotAnswered(
            exercise,
            "there is no answer yet",
            hint="write the body of ReadablePost.__str__ in the exercise cell above, run it, then this check",
        ) from None
    except Exception as exc:  # the learner's __str__
        raise CheckFailed(
            exercise,
            f"your __str__ raised {type(exc).__name__}",
            got=str(exc),
            hint="self.pk, self.author.username and self.content are there to use; return a str",
        ) from None
    default = [n for n, p in zip(names, rows, strict=True) if n == models.Model.__str__(p)]
    if default:
        raise CheckFailed(
            exercise,
            "the posts are shown by Django's default name",
            expected='a name that tells them apart, e.g. Post #8 by bob: "Rainy day..."',
            got=names,
            hint="return an f-string from __str__ with self.pk, self.author.username and self.content",
        )
    if len(set(names)) != len(names):
        raise CheckFailed(
            exercise,
            "two posts get the same name",
            expected="a different name for each post",
            got=names,
            hint="put something in it that differs from post to post: its id (self.pk)",
        )
    ok(exercise, f"a QuerySet of your {len(names)} posts, each shown by your __str__: {names[0]}")


def q3(carol_posts) -> None:
    from posts.models import Post

    exercise = "q3"
    require_answer(exercise, carol_posts)
    hint = 'Post.objects.filter(author__username="carol")'
    expected = Post.objects.filter(author__username="carol")
    expect_rows(exercise, carol_posts, Post, expected, ordered=False, hint=hint)
    ok(exercise, f"carol's {len(expected)} live posts, found with filter()")


# ---------------------------------------------------------------- building up


def q4(not_carol) -> None:
    from posts.models import Post

    exercise = "q4"
    require_answer(exercise, not_carol)
    hint = 'exclude(author__username="carol") keeps every row that does not match'
    expected = Post.objects.exclude(author__username="carol")
    expect_rows(exercise, not_carol, Post, expected, ordered=False, hint=hint)
    ok(exercise, f"{len(expected)} live posts not by carol, with exclude()")


def q5(answer) -> None:
    """(by alice OR mentions seoul, any case) AND NOT mentions namsan."""
    from django.db.models import Q

    from posts.models import Post

    exercise = "q5"
    require_answer(exercise, answer)
    hint = (
        '(Q(author__username="alice") | Q(content__icontains="seoul")) & ~Q(content__icontains="namsan"): '
        "| is OR, & is AND, ~ is NOT"
    )
    expect_queryset(exercise, answer, Post, hint)
    expected = Post.objects.filter(
        (Q(author__username="alice") | Q(content__icontains="seoul")) & ~Q(content__icontains="namsan")
    )
    got = list(answer)
    namsan = [p for p in got if "namsan" in p.content.lower()]
    if namsan:
        raise CheckFailed(
            exercise,
            f"a post that mentions Namsan is there: {describe(namsan)}",
            expected=describe(expected),
            got=describe(got),
            hint="~Q(content__icontains='namsan') leaves those out",
        )
    if expected and not got:
        raise CheckFailed(
            exercise,
            "no post matched",
            expected=describe(expected),
            got="[]",
            hint="& needs both conditions to hold, | either of them: by alice OR mentions seoul",
        )
    seoul = [p for p in expected if "seoul" in p.content.lower() and p.pk not in {g.pk for g in got}]
    if seoul:
        raise CheckFailed(
            exercise,
            f"missing {describe(seoul)}",
            expected=describe(expected),
            got=describe(got),
            hint="content__contains is case-sensitive; content__icontains is not",
        )
    compare_rows(exercise, got, expected, ordered=False, hint=hint)
    ok(exercise, f"{len(expected)} posts: Q objects combined with |, & and ~")


def q6(likes) -> None:
    """Live likes on posts whose author is alice or carol: `in` across a relation."""
    from posts.models import Like

    exercise = "q6"
    require_answer(exercise, likes)
    hint = (
        'Like.objects.filter(post__author__username__in=["alice", "carol"]): double underscores follow the FK'
    )
    expected = Like.objects.filter(post__author__username__in=["alice", "carol"])
    expect_rows(exercise, likes, Like, expected, ordered=False, hint=hint)
    ok(exercise, f"{len(expected)} live likes, found across two relations with __in")


def q7(posts) -> None:
    """Posts of 4 to 6 March 2026 (Seoul days), both days included."""
    from django.utils import timezone

    from posts.models import Post

    exercise = "q7"
    require_answer(exercise, posts)
    hint = "created_at__date__range=(date(2026, 3, 4), date(2026, 3, 6)) compares days, both ends included"
    expect_queryset(exercise, posts, Post, hint)
    expected = Post.objects.filter(created_at__date__range=Q7_DAYS)
    got = list(posts)
    last_day = [p for p in expected if timezone.localtime(p.created_at).date() == Q7_DAYS[1]]
    late = [p for p in last_day if p.pk not in {g.pk for g in got}]
    if late:
        raise CheckFailed(
            exercise,
            f"the last day is missing: {describe(late)}",
            expected=describe(expected),
            got=describe(got),
            hint="a datetime range ends at 00:00 of the last day; the __date transform compares whole days",
        )
    compare_rows(exercise, got, expected, ordered=False, hint=hint)
    ok(exercise, f"{len(expected)} posts from {Q7_DAYS[0]} to {Q7_DAYS[1]}, with __date__range")


def q8(answer) -> None:
    """The first four posts by author's username A→Z, newest first within each author."""
    from posts.models import Post

    exercise = "q8"
    require_answer(exercise, answer)
    hint = 'order_by("author__username", "-created_at")[:4]: a minus sign means descending'
    expected = Post.objects.order_by("author__username", "-created_at")[:4]
    expect_rows(exercise, answer, Post, expected, ordered=True, hint=hint)
    ok(exercise, "4 posts in the asked order: order_by() then a slice, one query with LIMIT 4")


def q9(posts) -> None:
    """Every live post with n_likes = its number of live likes."""
    from posts.models import Like, Post

    exercise = "q9"
    require_answer(exercise, posts)
    hint = 'annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False)))'
    expect_queryset(exercise, posts, Post, hint)
    got = list(posts)
    every_post = "annotate every live post: Post.objects"
    compare_rows(exercise, got, Post.objects.all(), ordered=False, hint=every_post)
    missing = [p for p in got if not hasattr(p, "n_likes")]
    if missing:
        raise CheckFailed(
            exercise,
            "the posts have no n_likes attribute",
            expected="post.n_likes on every post",
            got=describe(missing),
            hint=hint,
        )
    wrong = []
    for post in got:
        live = Like.objects.filter(post=post).count()
        if post.n_likes != live:
            every = Like.all_objects.filter(post=post).count()
            wrong.append((post, live, post.n_likes, every))
    if wrong:
        post, live, counted, every = wrong[0]
        cancelled = counted == every and every != live
        raise CheckFailed(
            exercise,
            f"{post} has n_likes={counted}",
            expected=f"{live} live likes",
            got=counted,
            hint=(
                "Count('likes') counts cancelled likes too (a join does not use the default manager): "
                "add filter=Q(likes__is_deleted=False)"
                if cancelled
                else hint
            ),
        )
    ok(exercise, f"n_likes is right on all {len(got)} posts")


def q10(stats) -> None:
    """{"likes": live likes, "likers": distinct users with a live like}."""
    from posts.models import Like

    exercise = "q10"
    require_answer(exercise, stats)
    hint = 'Like.objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True))'
    if not isinstance(stats, dict):
        raise CheckFailed(
            exercise,
            f"the answer is a {type(stats).__name__}, not a dict",
            expected="{'likes': ..., 'likers': ...}",
            got=type(stats).__name__,
            hint="aggregate() returns a dict; annotate() returns a QuerySet",
        )
    expected = {
        "likes": Like.objects.count(),
        "likers": Like.objects.values("user").distinct().count(),
    }
    if set(stats) != set(expected):
        raise CheckFailed(exercise, "other keys", expected=sorted(expected), got=sorted(stats), hint=hint)
    if stats["likes"] != expected["likes"]:
        raise CheckFailed(
            exercise,
            "the number of likes is off",
            expected=expected["likes"],
            got=stats["likes"],
            hint="Like.objects counts live likes only; Like.all_objects counts cancelled ones too",
        )
    if stats["likers"] != expected["likers"]:
        raise CheckFailed(
            exercise,
            "the number of likers is off",
            expected=expected["likers"],
            got=stats["likers"],
            hint='Count("user", distinct=True) counts each user once',
        )
    ok(exercise, f"{expected['likes']} live likes from {expected['likers']} users, in one aggregate() query")


def q11(feed) -> None:
    """Every live post, its author and its live files in at most two queries."""
    from posts.models import File, Post
    from workbook.display import count_queries

    exercise = "q11"
    require_answer(exercise, feed)
    hint = (
        'select_related("author") joins the author in; prefetch_related("files") fetches every file at once'
    )
    expect_queryset(exercise, feed, Post, hint)
    with count_queries() as evaluating:
        posts = list(feed.all())  # .all(): a fresh copy, so a cached result cannot hide queries
    with count_queries() as authors:
        [p.author.username for p in posts]
    with count_queries() as files:
        got_files = {p.pk: [f.pk for f in p.files.all()] for p in posts}
    compare_rows(exercise, posts, Post.objects.all(), ordered=False, hint="start from Post.objects")
    for post in posts:
        live = list(File.objects.filter(post=post).order_by("position", "id").values_list("pk", flat=True))
        if sorted(got_files[post.pk]) != sorted(live):
            raise CheckFailed(
                exercise,
                f"{post} shows other files than its live ones",
                expected=live,
                got=got_files[post.pk],
                hint="prefetch_related('files') uses the live files; Prefetch with File.all_objects does not",
            )
    total = evaluating.count + authors.count + files.count
    if authors.count:
        raise CheckFailed(
            exercise,
            f"each author cost a query of its own ({authors.count} more)",
            expected="at most 2 queries",
            got=f"{total} queries",
            hint='select_related("author") fetches authors in the same query as the posts',
        )
    if files.count:
        raise CheckFailed(
            exercise,
            f"each post's files cost a query of its own ({files.count} more)",
            expected="at most 2 queries",
            got=f"{total} queries",
            hint='prefetch_related("files") fetches the files of every post in one more query',
        )
    if total > 2:
        raise CheckFailed(exercise, "too many queries", expected="at most 2", got=total, hint=hint)
    naive = 1 + 2 * len(posts)
    ok(exercise, f"{len(posts)} posts with authors and files in {total} queries (without both: {naive})")


def q12(updated, before) -> None:
    """One UPDATE moved every file of post 6 one position down: position = position + 1."""
    from posts.models import File

    exercise = "q12"
    require_answer(exercise, updated)
    require_answer(exercise, before)
    hint = f'File.objects.filter(post_id={Q12_POST}).update(position=F("position") + 1)'
    if not isinstance(updated, int) or isinstance(updated, bool):
        raise CheckFailed(
            exercise,
            f"updated is a {type(updated).__name__}, not the number of rows update() changed",
            expected=f"{len(before)} (an int)",
            got=repr(updated),
            hint="QuerySet.update() returns how many rows it changed; a loop of save() calls returns nothing",
        )
    now = dict(File.all_objects.filter(pk__in=before).values_list("pk", "position"))
    if updated != len(before):
        raise CheckFailed(
            exercise,
            f"update() changed {updated} rows",
            expected=f"{len(before)}: the files of post {Q12_POST}",
            got=updated,
            hint=hint,
        )
    shifted = {pk: now.get(pk, 0) - position for pk, position in before.items()}
    if set(shifted.values()) == {2}:
        raise CheckFailed(
            exercise,
            "the positions moved by 2: the exercise ran twice",
            expected="+1",
            got="+2",
            hint="run the cell that records `before` again, then the exercise once",
        )
    if set(shifted.values()) != {1}:
        raise CheckFailed(
            exercise,
            "the positions did not each move one down",
            expected={pk: position + 1 for pk, position in before.items()},
            got=now,
            hint="F('position') + 1 lets the database add 1 to each row's own value",
        )
    ok(exercise, f"{updated} files moved one position down in a single UPDATE, computed by PostgreSQL")


def q13(result) -> None:
    """Like.objects.get_or_create for bob on post 4: a live like, one only."""
    from posts.models import Like

    exercise = "q13"
    require_answer(exercise, result)
    hint = f"Like.objects.get_or_create(user=bob, post_id={Q13_POST}) returns (like, created)"
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], bool)):
        raise CheckFailed(
            exercise,
            f"the answer is a {type(result).__name__}, not the pair get_or_create returns",
            expected="(like, created)",
            got=repr(result),
            hint=hint,
        )
    like, created = result
    if not isinstance(like, Like) or like.pk is None:
        raise CheckFailed(
            exercise, "the first item is not a saved Like", expected="a Like", got=repr(like), hint=hint
        )
    if (like.user.username, like.post_id) != (Q13_USER, Q13_POST):
        raise CheckFailed(
            exercise,
            "a like by someone else or on another post",
            expected=f"{Q13_USER} likes Post #{Q13_POST}",
            got=str(like),
            hint=hint,
        )
    stored = Like.all_objects.get(pk=like.pk)
    if stored.is_deleted:
        raise CheckFailed(
            exercise,
            f"{like} is a cancelled like (is_deleted=True)",
            expected="a live like",
            got="the cancelled one",
            hint="Like.all_objects.get_or_create finds cancelled likes too; Like.objects only live ones",
        )
    live = Like.objects.filter(user__username=Q13_USER, post_id=Q13_POST).count()
    if live != 1:
        raise CheckFailed(exercise, "not exactly one live like", expected=1, got=live, hint=hint)
    ok(
        exercise,
        f"{like} ({'created now' if created else 'found, not created again'}); run it again: created=False",
    )


def q14(gone) -> None:
    """Post 2 soft-deleted through the model (its files, likes, comments with it); gone = deleted posts."""
    from posts.models import File, Post

    exercise = "q14"
    require_answer(exercise, gone)
    hint = "Post.all_objects.deleted() (or .filter(is_deleted=True)): Post.objects never sees deleted rows"
    expect_queryset(exercise, gone, Post, hint)
    post = Post.all_objects.get(pk=Q14_POST)
    if not post.is_deleted:
        raise CheckFailed(
            exercise,
            f"{post} is still live",
            expected="is_deleted=True",
            got="is_deleted=False",
            hint=f"Post.objects.get(pk={Q14_POST}).delete() marks it deleted (a soft delete)",
        )
    live_files = File.objects.filter(post=post).count()
    if live_files:
        raise CheckFailed(
            exercise,
            f"{live_files} files of the deleted post are still live",
            expected=0,
            got=live_files,
            hint="delete through the model (post.delete()), which takes files, likes and comments along; "
            "an update(is_deleted=True) marks the post only",
        )
    compare_rows(exercise, gone, Post.all_objects.deleted(), ordered=False, hint=hint)
    ok(exercise, f"{post} is soft-deleted; {len(gone)} deleted posts are still in the table")


def q15(post) -> None:
    """Post 2 restored with exactly the rows its deletion took."""
    from posts.models import File, Post

    exercise = "q15"
    require_answer(exercise, post)
    hint = f"Post.all_objects.get(pk={Q14_POST}).restore() brings back the post and what its deletion took"
    if not isinstance(post, Post) or post.pk != Q14_POST:
        raise CheckFailed(
            exercise, f"not Post #{Q14_POST}", expected=f"Post #{Q14_POST}", got=repr(post), hint=hint
        )
    stored = Post.all_objects.get(pk=post.pk)
    if stored.is_deleted:
        raise CheckFailed(exercise, f"{stored} is still deleted", expected="live", got="deleted", hint=hint)
    hidden = File.all_objects.filter(post=stored, is_deleted=True).count()
    if hidden:
        raise CheckFailed(
            exercise,
            f"the post is back but {hidden} of its files are still deleted",
            expected="every file live again",
            got=f"{hidden} deleted",
            hint="restore() brings back the rows deleted with the post; setting is_deleted=False does not",
        )
    files = File.objects.filter(post=stored).count()
    ok(exercise, f"{stored} is live again, with its {files} file{'' if files == 1 else 's'}")


def q16(draft, error) -> None:
    """A post and an invalid comment in one transaction.atomic(): both refused, the post rolled back."""
    from django.db import IntegrityError

    from posts.models import Post

    exercise = "q16"
    require_answer(exercise, draft)
    hint = (
        "put both create() calls inside one `with transaction.atomic():` and catch IntegrityError outside it"
    )
    if not isinstance(error, IntegrityError):
        raise CheckFailed(
            exercise,
            "no IntegrityError was caught",
            expected="IntegrityError (comment_content_not_empty)",
            got=repr(error),
            hint="a comment with content='' breaks the CHECK constraint comment_content_not_empty",
        )
    if not isinstance(draft, Post) or draft.pk is None:
        raise CheckFailed(
            exercise,
            "draft is not the post created inside the block",
            expected="a Post",
            got=repr(draft),
            hint=hint,
        )
    if Post.all_objects.filter(pk=draft.pk).exists():
        raise CheckFailed(
            exercise,
            f"{draft} is still in the database",
            expected="rolled back with the comment",
            got="kept",
            hint=hint,
        )
    ok(exercise, f"the error rolled back the post too: id {draft.pk} was handed out, yet no row has it")


def q17(usernames) -> None:
    """Who wrote the live comments on post 4, as a flat values_list."""
    from posts.models import Comment

    exercise = "q17"
    require_answer(exercise, usernames)
    hint = f'Comment.objects.filter(post_id={Q17_POST}).values_list("user__username", flat=True)'
    expect_queryset(exercise, usernames, Comment, hint)
    expected = list(Comment.objects.filter(post_id=Q17_POST).values_list("user__username", flat=True))
    got = list(usernames)
    if got and not all(isinstance(u, str) for u in got):
        first = got[0]
        kind = type(first).__name__
        raise CheckFailed(
            exercise,
            f"the items are {kind}s, not usernames",
            expected=expected,
            got=describe(got),
            hint="values_list(..., flat=True) gives the values themselves; without flat, 1-tuples; "
            "values() gives dicts",
        )
    if got != expected:
        every = list(Comment.all_objects.filter(post_id=Q17_POST).values_list("user__username", flat=True))
        raise CheckFailed(
            exercise,
            "other usernames",
            expected=expected,
            got=got,
            hint=("a deleted comment is included: use Comment.objects" if got == every else hint),
        )
    ok(exercise, f"{expected}: plain strings, without building a Comment object per row")


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
            f"the answer is a {type(answer).__name__}, not True or False",
            expected=expected,
            got=repr(answer),
            hint="exists() asks the database for one row at most and returns a bool",
        )
    if answer != expected:
        deleted = Comment.all_objects.filter(user__username=Q18_USER, post_id=Q18_POST, is_deleted=True)
        raise CheckFailed(
            exercise,
            "the wrong answer",
            expected=expected,
            got=answer,
            hint="bob's comment there is deleted: Comment.objects does not see it"
            if deleted.exists() and answer
            else hint,
        )
    ok(exercise, f"{answer}: exists() ran SELECT 1 ... LIMIT 1")


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
    expect_queryset(exercise, users, User, hint)
    expected = (
        User.objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
        .distinct()
        .order_by("username")
    )
    compare_rows(exercise, users, expected, ordered=True, hint=hint)
    ok(exercise, f"{', '.join(u.username for u in expected)}: each once, thanks to distinct()")


# ---------------------------------------------------------------- closing exercises


def q20(top) -> None:
    """The three live posts with the most live likes (newest first on a tie), authors in the same query."""
    from django.db.models import Count, Q

    from posts.models import Post
    from workbook.display import count_queries

    exercise = "q20"
    require_answer(exercise, top)
    hint = (
        'Post.objects.select_related("author").annotate(n_likes=Count("likes", '
        'filter=Q(likes__is_deleted=False))).order_by("-n_likes", "-created_at")[:3]'
    )
    expect_queryset(exercise, top, Post, hint)
    with count_queries() as queries:
        got = list(top.all())
        [p.author.username for p in got]
    expected = list(
        Post.objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))).order_by(
            "-n_likes", "-created_at"
        )[:3]
    )
    if got and not all(hasattr(p, "n_likes") for p in got):
        raise CheckFailed(
            exercise, "the posts have no n_likes", expected="post.n_likes", got=describe(got), hint=hint
        )
    shown = [f"{p} ({p.n_likes})" for p in expected]
    if [p.pk for p in got] != [p.pk for p in expected]:
        raise CheckFailed(
            exercise,
            "other posts, or another order",
            expected=shown,
            got=[f"{p} ({getattr(p, 'n_likes', '?')})" for p in got],
            hint="count live likes only (filter=Q(likes__is_deleted=False)), "
            'then order_by("-n_likes", "-created_at") and slice [:3]',
        )
    wrong = [p for p, e in zip(got, expected, strict=True) if p.n_likes != e.n_likes]
    if wrong:
        raise CheckFailed(exercise, "n_likes is off", expected=shown, got=describe(wrong), hint=hint)
    if queries.count > 1:
        raise CheckFailed(
            exercise,
            f"the authors cost {queries.count - 1} more queries",
            expected="1 query",
            got=queries.count,
            hint='select_related("author") joins them into the same query',
        )
    ok(exercise, f"{', '.join(shown)} in 1 query")


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
            f"the answer is a {type(per_author).__name__}, not a dict",
            expected="{'alice': ..., 'bob': ..., 'carol': ...}",
            got=type(per_author).__name__,
            hint="dict(...) turns a values_list of (username, count) pairs into a dict",
        )
    expected = dict(Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by())
    if per_author != expected:
        every = dict(Comment.all_objects.values_list("user__username").annotate(n=Count("id")).order_by())
        raise CheckFailed(
            exercise,
            "other counts",
            expected=dict(sorted(expected.items())),
            got=dict(sorted(per_author.items(), key=lambda item: str(item[0]))),
            hint="deleted comments are counted: start from Comment.objects" if per_author == every else hint,
        )
    ok(exercise, f"{dict(sorted(expected.items()))}: values() then annotate() is a GROUP BY")
