"""The 05-orm-exercises checks (and 00's warm-up) accept the right answers and reject plausible wrong ones."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import orm as check
from workbook.checks._probe import HOSTILE, recorder


@pytest.fixture
def users(seeded):
    User = get_user_model()
    return {u.username: u for u in User.objects.all()}


def rejects(function, *args, says: str):
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    assert says in str(failure.value), str(failure.value)
    return str(failure.value)


def models():
    from posts.models import Comment, File, Like, Post

    return Post, File, Like, Comment


ARITY = {name: 1 for name in ["warmup", *(f"q{n}" for n in range(1, 22))]}
ARITY.update(q1=2, q2=2, q12=2, q16=2)


@pytest.mark.parametrize("name", sorted(ARITY))
def test_every_check_says_not_answered_to_the_student_stub(seeded, name):
    """A student copy leaves `...` in the answer variables: the check says so, kindly."""
    with pytest.raises(NotAnswered) as failure:
        getattr(check, name)(*([...] * ARITY[name]))
    assert "there is no answer yet" in str(failure.value)


# warmup (00-start-here)


def test_warmup_accepts_sorted_usernames(seeded, capsys):
    User = get_user_model()
    check.warmup(list(User.objects.order_by("username").values_list("username", flat=True)))
    assert "alice, bob, carol" in capsys.readouterr().out


def test_warmup_rejects_wrong_order_objects_and_missing(seeded):
    User = get_user_model()
    rejects(check.warmup, ["carol", "bob", "alice"], says="another order")
    rejects(check.warmup, list(User.objects.order_by("username")), says="holds objects")
    rejects(check.warmup, ["alice", "bob"], says="not every username")


# q1 and q2 (the course's insert and __str__): tests/test_checks_orm_course.py


# Every exercise from q3 on: answers that are right however they are written, and wrong ones that are
# right on the seed only, written out by hand, or wrong in the way a learner writes them. Each case is
# built the way a notebook cell builds it: the SQL recorder is cleared first, so a value answer is
# traced back to the statement that produced it.

SEOUL = __import__("zoneinfo").ZoneInfo("Asia/Seoul")
UTC = __import__("datetime").timezone.utc


def _dt(day, tz=SEOUL):
    from datetime import datetime

    return datetime(2026, 3, day, tzinfo=tz)


def _d(day):
    from datetime import date

    return date(2026, 3, day)


def _user(name):
    return get_user_model().objects.get(username=name)


def _live_likes():
    return Count("likes", filter=Q(likes__is_deleted=False))


def _likes_subquery():
    _, _, Like, _ = models()
    counted = Like.objects.filter(post=OuterRef("pk")).values("post").annotate(c=Count("id")).values("c")
    return Coalesce(Subquery(counted), 0)


def _live_non_carol_ids():
    Post, *_ = models()
    return list(Post.objects.exclude(author__username="carol").values_list("pk", flat=True))


P = lambda: models()[0]  # noqa: E731
L = lambda: models()[2]  # noqa: E731
C = lambda: models()[3]  # noqa: E731
U = get_user_model

# exercise: (right answers, wrong answers with a part of the message each)
QUERY_CASES = {
    "q3": (
        [
            lambda: P().objects.filter(author__username="carol"),
            lambda: P().objects.filter(author=_user("carol")),
            lambda: P().all_objects.filter(author__username="carol", is_deleted=False),
            lambda: P().objects.exclude(~Q(author__username="carol")),
        ],
        [
            (lambda: P().all_objects.filter(author__username="carol"), "soft-deleted"),
            (lambda: P().objects.filter(pk__in=[3, 6]), "written out by hand"),
            (
                lambda: P().all_objects.filter(author__username="carol").exclude(content__icontains="blurry"),
                "right on the notebook's rows only",
            ),
            (lambda: [P().objects.get(pk=3), P().objects.get(pk=6)], "no query"),
            (lambda: P().objects.filter(author__username="alice"), "missing"),
        ],
    ),
    "q4": (
        [
            lambda: P().objects.exclude(author__username="carol"),
            lambda: P().objects.filter(~Q(author__username="carol")),
            lambda: P().objects.exclude(author__in=U().objects.filter(username="carol")),
        ],
        [
            (lambda: P().objects.filter(pk__in=_live_non_carol_ids()), "written out by hand"),
            (
                lambda: P().objects.filter(author__username__in=["alice", "bob"]),
                "right on the notebook's rows",
            ),
            (lambda: P().all_objects.exclude(author__username="carol"), "soft-deleted"),
            (lambda: P().objects.filter(author__username="carol"), "missing"),
            (lambda: L().objects.exclude(post__author__username="carol"), "holds Like rows"),
        ],
    ),
    "q5": (
        [
            lambda: P().objects.filter(
                (Q(author__username="alice") | Q(content__icontains="seoul"))
                & ~Q(content__icontains="namsan")
            ),
            lambda: (
                P()
                .objects.filter(Q(author__username="alice") | Q(content__icontains="seoul"))
                .exclude(content__icontains="namsan")
            ),
            lambda: P().objects.filter(
                Q(author__username="alice") | Q(content__iregex="seoul"), ~Q(content__icontains="namsan")
            ),
        ],
        [
            (
                lambda: P().objects.filter(Q(author__username="alice") | Q(content__icontains="seoul")),
                "Namsan",
            ),
            (
                lambda: P().objects.filter(
                    (Q(author__username="alice") | Q(content__contains="seoul"))
                    & ~Q(content__icontains="namsan")
                ),
                "case-sensitive",
            ),
            (
                lambda: P().objects.filter(Q(author__username="alice") & Q(content__icontains="seoul")),
                "no post",
            ),
            (lambda: P().objects.filter(pk__in=[1, 5]), "written out by hand"),
            (
                lambda: P().all_objects.filter(
                    (Q(author__username="alice") | Q(content__icontains="seoul"))
                    & ~Q(content__icontains="namsan")
                ),
                "right on the notebook's rows only",
            ),
            (
                lambda: P().objects.filter(
                    (Q(author__username="alice") | Q(content__icontains="snow"))
                    & ~Q(content__icontains="namsan")
                ),
                "right on the notebook's rows only",
            ),
        ],
    ),
    "q6": (
        [
            lambda: L().objects.filter(post__author__username__in=["alice", "carol"]),
            lambda: L().objects.filter(Q(post__author__username="alice") | Q(post__author__username="carol")),
            lambda: L().objects.filter(post__author__in=U().objects.filter(username__in=["alice", "carol"])),
        ],
        [
            (lambda: L().all_objects.filter(post__author__username__in=["alice", "carol"]), "soft-deleted"),
            (lambda: L().objects.filter(pk__in=[1, 2, 4, 5, 6, 8, 9]), "written out by hand"),
            (lambda: L().objects.exclude(post__author__username="bob"), "right on the notebook's rows only"),
            (lambda: L().objects.filter(user__username__in=["alice", "carol"]), "missing"),
        ],
    ),
    "q7": (
        [
            lambda: P().objects.filter(created_at__date__range=(_d(4), _d(6))),
            lambda: P().objects.filter(created_at__date__gte=_d(4), created_at__date__lte=_d(6)),
            lambda: P().objects.filter(created_at__gte=_dt(4), created_at__lt=_dt(7)),
        ],
        [
            (lambda: P().objects.filter(created_at__range=(_dt(4), _dt(6))), "last day is missing"),
            (lambda: P().objects.filter(pk__in=[2, 3, 4]), "written out by hand"),
            (lambda: P().objects.filter(created_at__range=(_dt(4), _dt(7))), "right on the notebook's rows"),
            (
                lambda: P().objects.filter(created_at__gte=_dt(4, UTC), created_at__lt=_dt(7, UTC)),
                "right on the notebook's rows only",
            ),
            (
                lambda: P().all_objects.filter(created_at__date__range=(_d(4), _d(6))),
                "right on the notebook's",
            ),
            (lambda: P().objects.filter(created_at__date__range=(_d(3), _d(6))), "not asked"),
        ],
    ),
    "q8": (
        [
            lambda: P().objects.order_by("author__username", "-created_at")[:4],
            lambda: P().objects.order_by("author__username", "-created_at", "-id")[0:4],
            lambda: P().objects.select_related("author").order_by("author__username", "-created_at")[:4],
        ],
        [
            (lambda: P().objects.order_by("author__username", "created_at")[:4], "wrong order"),
            (lambda: P().objects.order_by("author", "-created_at")[:4], "right on the notebook's rows only"),
            (
                lambda: P().objects.order_by("author__username", "-id")[:4],
                "right on the notebook's rows only",
            ),
            (
                lambda: P().objects.filter(pk__in=[4, 1, 5, 2]).order_by("author__username", "-created_at"),
                "hand",
            ),
            (lambda: P().objects.order_by("author__username", "-created_at"), "not asked for"),
            (lambda: [P().objects.get(pk=pk) for pk in (4, 1, 5, 2)], "no query"),
        ],
    ),
    "q9": (
        [
            lambda: P().objects.annotate(n_likes=_live_likes()).order_by("-n_likes", "id"),
            lambda: (
                P()
                .objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False), distinct=True))
                .order_by("-n_likes", "pk")
            ),
            lambda: P().objects.annotate(n_likes=_likes_subquery()).order_by("-n_likes", "id"),
        ],
        [
            (
                lambda: P().objects.annotate(n_likes=Count("likes")).order_by("-n_likes", "id"),
                "cancelled likes",
            ),
            (lambda: P().objects.annotate(n_likes=_live_likes()).order_by("id"), "wrong order"),
            (lambda: P().objects.annotate(n_likes=_live_likes()), "wrong order"),
            (lambda: P().objects.annotate(likes_count=_live_likes()), "no n_likes"),
            (
                lambda: P().all_objects.annotate(n_likes=_live_likes()).order_by("-n_likes", "id"),
                "soft-deleted",
            ),
            (
                lambda: (
                    P()
                    .objects.annotate(n_likes=Count("likes", filter=~Q(likes__pk=7)))
                    .order_by("-n_likes", "id")
                ),
                "right on the notebook's rows only",
            ),
        ],
    ),
    "q11": (
        [
            lambda: P().objects.select_related("author").prefetch_related("files"),
            lambda: (
                P()
                .objects.select_related("author")
                .prefetch_related(Prefetch("files", queryset=models()[1].objects.order_by("position")))
            ),
            lambda: P().objects.prefetch_related("files").select_related("author").order_by("id"),
        ],
        [
            (lambda: P().objects.all(), "each author cost a query"),
            (lambda: P().objects.select_related("author"), "each post's files cost"),
            (
                lambda: (
                    P()
                    .objects.select_related("author")
                    .prefetch_related(Prefetch("files", queryset=models()[1].all_objects.all()))
                ),
                "right on the notebook's rows only",
            ),
            (lambda: P().objects.select_related("author").prefetch_related("files").values(), "dicts"),
            (lambda: P().objects.select_related("nope"), "cannot be run"),
            (lambda: P().objects.filter(pk__in=[1, 2, 3, 4, 5, 6]).select_related("author"), "files cost"),
        ],
    ),
    "q14": (
        [
            lambda: P().all_objects.deleted(),
            lambda: P().all_objects.filter(is_deleted=True),
        ],
        [
            (lambda: P().objects.filter(is_deleted=True), "missing"),
            (lambda: P().all_objects.filter(pk__in=[2, 7]), "written out by hand"),
            (lambda: P().all_objects.all(), "not asked for"),
            (lambda: P().all_objects.filter(is_deleted=True).values("id"), "dicts"),
        ],
    ),
    "q17": (
        [
            lambda: C().objects.filter(post_id=4).values_list("user__username", flat=True),
            lambda: C().objects.filter(post__pk=4).values_list("user__username", flat=True),
            lambda: (
                C().objects.filter(post_id=4).order_by("created_at").values_list("user__username", flat=True)
            ),
        ],
        [
            (lambda: C().objects.filter(post_id=4).values_list("user__username"), "tuples"),
            (lambda: C().objects.filter(post_id=4).values("user__username"), "dicts"),
            (lambda: C().objects.filter(post_id=4), "Comments"),
            (
                lambda: C().all_objects.filter(post_id=4).values_list("user__username", flat=True),
                "deleted comment",
            ),
            (lambda: ["carol"], "not a QuerySet"),
            (
                lambda: (
                    C()
                    .objects.filter(post_id=4, user__username="carol")
                    .values_list("user__username", flat=True)
                ),
                "right on the notebook's rows only",
            ),
            (
                lambda: (
                    C()
                    .objects.filter(post_id=4)
                    .order_by("user__username")
                    .values_list("user__username", flat=True)
                ),
                "right on the notebook's rows only",
            ),
        ],
    ),
    "q19": (
        [
            lambda: (
                U()
                .objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
                .distinct()
                .order_by("username")
            ),
            lambda: (
                U()
                .objects.filter(likes__in=L().objects.filter(post__author__username="alice"))
                .distinct()
                .order_by("username")
            ),
            lambda: (
                U()
                .objects.filter(pk__in=L().objects.filter(post__author__username="alice").values("user"))
                .order_by("username")
            ),
        ],
        [
            (
                lambda: (
                    U()
                    .objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
                    .order_by("username")
                ),
                "more than once",
            ),
            (
                lambda: (
                    U()
                    .objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
                    .distinct()
                    .order_by("-username")
                ),
                "wrong order",
            ),
            (lambda: U().objects.order_by("username"), "not asked for"),
            (
                lambda: (
                    U()
                    .objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
                    .distinct()
                    .order_by("id")
                ),
                "right on the notebook's rows only",
            ),
            (
                lambda: U().objects.filter(username__in=["bob", "carol"]).order_by("username"),
                "notebook's rows",
            ),
            (
                lambda: (
                    U().objects.filter(likes__post__author__username="alice").distinct().order_by("username")
                ),
                "right on the notebook's rows only",
            ),
        ],
    ),
    "q20": (
        [
            lambda: (
                P()
                .objects.select_related("author")
                .annotate(n_likes=_live_likes())
                .order_by("-n_likes", "-created_at")[:3]
            ),
            lambda: (
                P()
                .objects.annotate(n_likes=_live_likes())
                .select_related("author")
                .order_by("-n_likes", "-created_at", "-id")[:3]
            ),
            lambda: (
                P()
                .objects.select_related("author")
                .annotate(n_likes=_likes_subquery())
                .order_by("-n_likes", "-created_at")[:3]
            ),
        ],
        [
            (
                lambda: (
                    P()
                    .objects.select_related("author")
                    .annotate(n_likes=Count("likes"))
                    .order_by("-n_likes", "-created_at")[:3]
                ),
                "other posts",
            ),
            (
                lambda: (
                    P()
                    .objects.select_related("author")
                    .annotate(n_likes=_live_likes())
                    .order_by("n_likes", "-created_at")[:3]
                ),
                "other posts",
            ),
            (
                lambda: P().objects.annotate(n_likes=_live_likes()).order_by("-n_likes", "-created_at")[:3],
                "more queries",
            ),
            (
                lambda: (
                    P()
                    .objects.select_related("author")
                    .annotate(n_likes=_live_likes())
                    .order_by("-n_likes", "-id")[:3]
                ),
                "right on the notebook's rows only",
            ),
            (
                lambda: (
                    P()
                    .objects.filter(pk__in=[6, 3, 1])
                    .select_related("author")
                    .annotate(n_likes=_live_likes())
                    .order_by("-n_likes", "-created_at")
                ),
                "written out by hand",
            ),
        ],
    ),
}

RIGHT = [(name, i) for name, (right, _) in QUERY_CASES.items() for i in range(len(right))]
WRONG = [(name, i) for name, (_, wrong) in QUERY_CASES.items() for i in range(len(wrong))]


def _prepare(name, users):
    """The state the notebook is in when the exercise runs."""
    if name == "q14":
        P().objects.get(pk=2).delete()


@pytest.mark.parametrize("name, index", RIGHT)
def test_right_query_answers_pass(users, capsys, name, index):
    _prepare(name, users)
    getattr(check, name)(QUERY_CASES[name][0][index]())
    assert capsys.readouterr().out.startswith(f"✓ {name}")


@pytest.mark.parametrize("name, index", WRONG)
def test_wrong_query_answers_fail(users, name, index):
    _prepare(name, users)
    make, says = QUERY_CASES[name][1][index]
    rejects(getattr(check, name), make(), says=says)


def test_the_probe_rows_leave_nothing_behind(seeded):
    Post, File, Like, Comment = models()
    before = [m.all_objects.count() for m in (Post, File, Like, Comment)] + [get_user_model().objects.count()]
    check.q3(Post.objects.filter(author__username="carol"))
    with pytest.raises(CheckFailed):
        check.q3(Post.objects.filter(pk__in=[3, 6]))
    after = [m.all_objects.count() for m in (Post, File, Like, Comment)] + [get_user_model().objects.count()]
    assert after == before
    assert Post.objects.create(author=_user("bob"), content="next").pk == 8  # no sequence moved


# value answers: traced back to the statement that made them


def _run(make):
    """An exercise cell: the recorder sees only what it sends."""
    recorder.clear()
    return make()


def _two_counts():
    _, _, Like, _ = models()
    return {"likes": Like.objects.count(), "likers": Like.objects.values("user").distinct().count()}


def test_q10_right_answers(seeded, capsys):
    _, _, Like, _ = models()
    for make in (
        lambda: Like.objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True)),
        lambda: Like.objects.aggregate(likes=Count("pk"), likers=Count("user_id", distinct=True)),
        lambda: Like.all_objects.filter(is_deleted=False).aggregate(
            likers=Count("user", distinct=True), likes=Count("id")
        ),
    ):
        check.q10(_run(make))
        assert "from one aggregate query" in capsys.readouterr().out


def test_q10_wrong_answers(seeded):
    _, _, Like, _ = models()
    rejects(
        check.q10,
        _run(lambda: Like.all_objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True))),
        says="number of likes",
    )
    rejects(
        check.q10,
        _run(lambda: Like.objects.aggregate(likes=Count("id"), likers=Count("user"))),
        says="likers",
    )
    rejects(check.q10, _run(lambda: {"likes": 8, "likers": 3}), says="typed in by hand")
    rejects(check.q10, _run(_two_counts), says="no aggregate() query")
    rejects(
        check.q10,
        _run(
            lambda: Like.all_objects.aggregate(
                likes=Count("id", filter=~Q(pk=7)), likers=Count("user", distinct=True)
            )
        ),
        says="right on the notebook's rows only",
    )
    rejects(
        check.q10, _run(lambda: Like.objects.values("user").annotate(likes=Count("id"))), says="not a dict"
    )
    rejects(check.q10, _run(lambda: {"likes": "8", "likers": 3}), says="'8'")
    rejects(check.q10, Like.objects.aggregate(total=Count("id")), says="other keys")


def _positions(post_id):
    _, File, *_ = models()
    return dict(File.objects.filter(post_id=post_id).values_list("id", "position"))


def test_q12_right_answers(seeded, capsys):
    _, File, *_ = models()
    for make in (
        lambda: File.objects.filter(post_id=6).update(position=F("position") + 1),
        lambda: File.objects.filter(post__pk=6).update(position=F("position") + 1),
        lambda: File.objects.filter(post_id=6).update(position=1 + F("position")),
    ):
        with transaction.atomic():
            before = _positions(6)
            check.q12(_run(make), before)
            assert "by one UPDATE" in capsys.readouterr().out
            transaction.set_rollback(True)


def _save_loop_then_three():
    _, File, *_ = models()
    for file in File.objects.filter(post_id=6):
        file.position += 1
        file.save()
    return 3


def test_q12_wrong_answers(seeded):
    _, File, *_ = models()
    before = _positions(6)
    cases = [
        (lambda: File.objects.update(position=F("position") + 1), "changed"),
        (lambda: File.objects.filter(post_id=6).update(position=1), "did not each move"),
        (lambda: [f.save() for f in File.objects.filter(post_id=6)], "not the number of rows"),
        (_save_loop_then_three, "no single UPDATE"),
        (
            lambda: File.objects.filter(pk__in=list(before)).update(position=F("position") + 1),
            "notebook's rows",
        ),
        (lambda: 3, "did not each move"),
        (lambda: 3.0, "not the number of rows"),
    ]
    for make, says in cases:
        with transaction.atomic():
            rejects(check.q12, _run(make), before, says=says)
            transaction.set_rollback(True)
    File.objects.filter(post_id=6).update(position=F("position") + 1)
    rejects(
        check.q12,
        _run(lambda: File.objects.filter(post_id=6).update(position=F("position") + 1)),
        before,
        says="twice",
    )


def test_q18_right_answers(users, capsys):
    for make in (
        lambda: C().objects.filter(user__username="bob", post_id=4).exists(),
        lambda: C().objects.filter(user=users["bob"], post__pk=4).exists(),
        lambda: users["bob"].comments.filter(post_id=4).exists(),
    ):
        check.q18(_run(make))
        assert "also finds a live comment the check added" in capsys.readouterr().out


def test_q18_wrong_answers(users):
    failure = rejects(
        check.q18,
        _run(lambda: C().all_objects.filter(user__username="bob", post_id=4).exists()),
        says="wrong",
    )
    assert "deleted" in failure
    rejects(check.q18, _run(lambda: False), says="typed in by hand")
    rejects(
        check.q18,
        _run(lambda: C().objects.filter(user__username="bob", post_id=4).count() > 0),
        says="exists()",
    )
    rejects(
        check.q18,
        _run(lambda: C().objects.filter(user__username="Bob", post_id=4).exists()),
        says="right on the notebook's rows only",
    )
    rejects(
        check.q18, _run(lambda: C().objects.filter(user__username="bob", post_id=4)), says="not True or False"
    )
    rejects(check.q18, _run(lambda: 0), says="not True or False")


def test_q18_does_not_blame_deleted_comments_when_the_answer_is_false(users):
    failure = rejects(check.q18, _run(lambda: True), says="wrong answer")
    assert "deleted" in failure  # True: bob's only comment there is the deleted one
    C().objects.create(user=users["bob"], post_id=4, content="again")
    failure = rejects(check.q18, _run(lambda: False), says="wrong answer")
    assert "deleted" not in failure


def _per_user_python():
    from collections import Counter

    return dict(Counter(c.user.username for c in C().objects.select_related("user")))


def test_q21_right_answers(seeded, capsys):
    for make in (
        lambda: dict(
            C().objects.values_list("user__username").annotate(n=Count("id")).order_by("user__username")
        ),
        lambda: {
            r["user__username"]: r["n"]
            for r in C().objects.values("user__username").annotate(n=Count("id")).order_by("user__username")
        },
        lambda: dict(
            U()
            .objects.annotate(n=Count("comments", filter=Q(comments__is_deleted=False)))
            .filter(n__gt=0)
            .order_by("username")
            .values_list("username", "n")
        ),
    ):
        check.q21(_run(make))
        assert "one GROUP BY query" in capsys.readouterr().out


def test_q21_wrong_answers(seeded):
    failure = rejects(
        check.q21,
        _run(lambda: dict(C().all_objects.values_list("user__username").annotate(n=Count("id")).order_by())),
        says="other counts",
    )
    assert "deleted comments are counted" in failure
    rejects(
        check.q21,
        _run(
            lambda: dict(C().objects.values_list("post__author__username").annotate(n=Count("id")).order_by())
        ),
        says="right on the notebook's rows only",
    )
    rejects(check.q21, _run(lambda: {"alice": 3, "bob": 2, "carol": 2}), says="typed in by hand")
    rejects(check.q21, _run(_per_user_python), says="no GROUP BY query")
    rejects(
        check.q21,
        _run(lambda: C().objects.values("user__username").annotate(n=Count("id"))),
        says="not a dict",
    )
    failure = rejects(check.q21, _run(lambda: {"alice": "3", "bob": 2, "carol": 2}), says="other counts")
    assert "'3'" in failure and "3," in failure


def test_q21_hint_about_deleted_comments_only_when_they_are_counted(seeded):
    failure = rejects(check.q21, _run(lambda: {"alice": 3, "bob": 2}), says="other counts")
    assert "deleted comments" not in failure


# q13 get_or_create


def test_q13_right_answers(users, capsys):
    Post, _, Like, _ = models()
    check.q13(Like.objects.get_or_create(user=users["bob"], post_id=4))
    assert "created now" in capsys.readouterr().out
    check.q13(Like.objects.get_or_create(user=users["bob"], post_id=4))
    assert "found, not created again" in capsys.readouterr().out
    check.q13(Like.objects.get_or_create(user_id=users["bob"].pk, post=Post.objects.get(pk=4)))
    assert "found, not created again" in capsys.readouterr().out


def test_q13_wrong_answers(users):
    _, _, Like, _ = models()
    rejects(check.q13, Like.all_objects.get_or_create(user=users["bob"], post_id=4), says="cancelled like")
    rejects(check.q13, (Like.all_objects.get(user=users["bob"], post_id=4), False), says="cancelled like")
    rejects(check.q13, (Like(user=users["bob"], post_id=4), True), says="not a saved Like")
    rejects(check.q13, Like.objects.create(user=users["bob"], post_id=4), says="not the pair")
    rejects(check.q13, Like.objects.get_or_create(user=users["carol"], post_id=4), says="someone else")
    rejects(check.q13, (Like.objects.filter(post_id=4).first(), False), says="someone else")


# q14 soft delete through the model: the state, then the QuerySet (QUERY_CASES)


def test_q14_rejects_a_post_not_deleted_or_deleted_by_a_flag(seeded):
    from django.utils import timezone

    Post, *_ = models()
    rejects(check.q14, Post.all_objects.deleted(), says="still live")
    with transaction.atomic():
        Post.all_objects.filter(pk=2).update(is_deleted=True, deleted_at=timezone.now())
        rejects(check.q14, Post.all_objects.deleted(), says="of the deleted post are still live")
        transaction.set_rollback(True)


def test_q14_accepts_a_queryset_delete(seeded, capsys):
    Post, *_ = models()
    Post.objects.filter(pk=2).delete()
    check.q14(Post.all_objects.deleted())
    assert "2 deleted posts" in capsys.readouterr().out


# q15 restore: every part


def test_q15_right_answers(seeded, capsys):
    Post, *_ = models()
    Post.objects.get(pk=2).delete()
    restored = Post.all_objects.get(pk=2)
    restored.restore()
    check.q15(restored)
    assert "with its 1 file, 1 like, 2 comments" in capsys.readouterr().out
    Post.objects.get(pk=2).delete()
    Post.all_objects.filter(pk=2).restore()
    check.q15(Post.objects.get(pk=2))
    assert "live again" in capsys.readouterr().out


def test_q15_wrong_answers(seeded):
    from django.utils import timezone

    Post, File, Like, Comment = models()
    Post.objects.get(pk=2).delete()
    rejects(check.q15, Post.all_objects.get(pk=2), says="still deleted")
    rejects(check.q15, Post.objects.get(pk=1), says="not Post #2")
    rejects(check.q15, 2, says="not Post #2")
    with transaction.atomic():
        Post.all_objects.filter(pk=2).update(is_deleted=False, deleted_at=None, updated_at=timezone.now())
        rejects(check.q15, Post.all_objects.get(pk=2), says="files are still deleted")
        File.all_objects.filter(post_id=2).restore()
        rejects(check.q15, Post.all_objects.get(pk=2), says="likes are still deleted")
        Like.all_objects.filter(post_id=2).restore()
        rejects(check.q15, Post.all_objects.get(pk=2), says="comments are still deleted")
        transaction.set_rollback(True)


# q16 a transaction that rolls back


def _draft_in(users, *, atomic: bool, content=""):
    Post, _, _, Comment = models()
    draft, error = None, None
    try:
        if atomic:
            with transaction.atomic():
                draft = Post.objects.create(author=users["alice"], content="A draft")
                Comment.objects.create(user=users["alice"], post=draft, content=content)
        else:
            draft = Post.objects.create(author=users["alice"], content="A draft")
            with transaction.atomic():  # the savepoint keeps the test's transaction usable
                Comment.objects.create(user=users["alice"], post=draft, content=content)
    except IntegrityError as exc:
        error = exc
    return draft, error


def _draft_by_decorator(users):
    Post, _, _, Comment = models()
    made = {}

    @transaction.atomic
    def publish():
        made["draft"] = Post.objects.create(author=users["alice"], content="Another draft")
        Comment.objects.create(user=users["alice"], post=made["draft"], content="   ")

    try:
        publish()
    except IntegrityError as exc:
        return made["draft"], exc
    return made["draft"], None


def test_q16_right_answers(users, capsys):
    check.q16(*_draft_in(users, atomic=True))
    assert "rolled back the post too" in capsys.readouterr().out
    check.q16(*_draft_by_decorator(users))
    assert "rolled back the post too" in capsys.readouterr().out


def test_q16_wrong_answers(users):
    Post, *_ = models()
    rejects(check.q16, *_draft_in(users, atomic=False), says="still in the database")
    with transaction.atomic():
        draft = Post.objects.create(author=users["alice"], content="Fine")
        transaction.set_rollback(True)
    rejects(check.q16, draft, None, says="no IntegrityError")
    rejects(check.q16, draft, ValueError("x"), says="no IntegrityError")
    rejects(
        check.q16, draft, IntegrityError("comment_content_not_empty"), says="did not refuse the empty comment"
    )
    rejects(
        check.q16, *_draft_in(users, atomic=True, content="x" * 1001), says="did not refuse the empty comment"
    )
    rejects(
        check.q16, Post(pk=99, author=users["alice"]), _draft_in(users, atomic=True)[1], says="handed out"
    )


# warmup: a list or a QuerySet


def test_warmup_right_answers(seeded, capsys):
    User = get_user_model()
    for make in (
        lambda: list(User.objects.order_by("username").values_list("username", flat=True)),
        lambda: User.objects.order_by("username").values_list("username", flat=True),
        lambda: sorted(u.username for u in User.objects.all()),
    ):
        check.warmup(_run(make))
        assert "alice, bob, carol" in capsys.readouterr().out


def test_warmup_rejects_a_typed_list_and_a_queryset_right_on_the_seed_only(seeded):
    User = get_user_model()
    rejects(check.warmup, _run(lambda: ["alice", "bob", "carol"]), says="typed in by hand")
    rejects(
        check.warmup,
        _run(lambda: User.objects.order_by("id").values_list("username", flat=True)),
        says="right on the notebook's rows only",
    )
    rejects(
        check.warmup,
        _run(
            lambda: list(
                User.objects.filter(id__lte=3).order_by("username").values_list("username", flat=True)
            )
        ),
        says="right on the notebook's rows only",
    )
    rejects(check.warmup, "alice, bob, carol", says="not a list")


# every check, whatever it is given: a ✗, never another exception


def _orm_hostile():
    Post, File, Like, Comment = models()
    return [
        *HOSTILE,
        Post.objects.values(),
        Post.objects.select_related("nope"),
        Post.objects.filter(nope=1) if False else Post.objects.none(),
        Comment.objects.values_list("id", "content"),
        User_values(),
        (p for p in Post.objects.all()),
        {"likes": None, "likers": []},
        (None, None),
    ]


def User_values():  # noqa: N802
    return get_user_model().objects.values_list("username", flat=True)


MINE = [name for name in ARITY if name not in ("q1", "q2")]


@pytest.mark.parametrize("name", MINE)
def test_every_check_answers_hostile_values_with_a_cross(seeded, name):
    for value in _orm_hostile():
        with pytest.raises(CheckFailed) as failure:
            getattr(check, name)(*([value] * ARITY[name]))
        assert str(failure.value).startswith(f"✗ {name}"), (value, str(failure.value))
