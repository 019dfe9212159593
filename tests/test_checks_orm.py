"""The 05-orm-exercises checks (and 00's warm-up) accept the right answers and reject plausible wrong ones."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Q

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import orm as check


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


# q3 filter


def test_q3_accepts_carols_live_posts(seeded, capsys):
    Post, *_ = models()
    check.q3(Post.objects.filter(author__username="carol"))
    assert "carol's 2 live posts" in capsys.readouterr().out


def test_q3_rejects_deleted_rows_a_list_and_another_author(seeded):
    Post, *_ = models()
    rejects(check.q3, Post.all_objects.filter(author__username="carol"), says="soft-deleted rows")
    rejects(check.q3, list(Post.objects.filter(author__username="carol")), says="not a QuerySet")
    rejects(check.q3, Post.objects.filter(author__username="alice"), says="missing")


# q4 exclude


def test_q4_accepts_exclude(seeded, capsys):
    Post, *_ = models()
    check.q4(Post.objects.exclude(author__username="carol"))
    assert "4 live posts not by carol" in capsys.readouterr().out


def test_q4_rejects_filter_instead_and_another_model(seeded):
    Post, _, Like, _ = models()
    rejects(check.q4, Post.objects.filter(author__username="carol"), says="missing")
    rejects(check.q4, Like.objects.exclude(post__author__username="carol"), says="holds Like rows")
    rejects(check.q4, Post.objects.exclude(author__username="alice"), says="not asked for")


# q5 Q objects


def test_q5_accepts_or_and_not(seeded, capsys):
    Post, *_ = models()
    check.q5(
        Post.objects.filter(
            (Q(author__username="alice") | Q(content__icontains="seoul")) & ~Q(content__icontains="namsan")
        )
    )
    assert "2 posts" in capsys.readouterr().out


def test_q5_rejects_missing_not_case_sensitive_and_and(seeded):
    Post, *_ = models()
    rejects(
        check.q5,
        Post.objects.filter(Q(author__username="alice") | Q(content__icontains="seoul")),
        says="Namsan",
    )
    rejects(
        check.q5,
        Post.objects.filter(
            (Q(author__username="alice") | Q(content__contains="seoul")) & ~Q(content__icontains="namsan")
        ),
        says="case-sensitive",
    )
    rejects(
        check.q5,
        Post.objects.filter(Q(author__username="alice") & Q(content__icontains="seoul")),
        says="no post matched",
    )


# q6 in, across relations


def test_q6_accepts_live_likes_on_alice_and_carol_posts(seeded, capsys):
    _, _, Like, _ = models()
    check.q6(Like.objects.filter(post__author__username__in=["alice", "carol"]))
    assert "7 live likes" in capsys.readouterr().out


def test_q6_rejects_cancelled_likes_and_wrong_authors(seeded):
    _, _, Like, _ = models()
    rejects(
        check.q6, Like.all_objects.filter(post__author__username__in=["alice", "carol"]), says="soft-deleted"
    )
    rejects(check.q6, Like.objects.filter(user__username__in=["alice", "carol"]), says="missing")
    rejects(check.q6, Like.objects.filter(post__author__username="alice"), says="missing")


# q7 dates and range


def test_q7_accepts_date_range(seeded, capsys):
    from datetime import date

    Post, *_ = models()
    check.q7(Post.objects.filter(created_at__date__range=(date(2026, 3, 4), date(2026, 3, 6))))
    assert "3 posts" in capsys.readouterr().out


def test_q7_rejects_datetime_range_and_wrong_days(seeded):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    Post, *_ = models()
    seoul = ZoneInfo("Asia/Seoul")
    midnight_range = (datetime(2026, 3, 4, tzinfo=seoul), datetime(2026, 3, 6, tzinfo=seoul))
    rejects(check.q7, Post.objects.filter(created_at__range=midnight_range), says="last day is missing")
    rejects(
        check.q7,
        Post.objects.filter(created_at__date__range=(date(2026, 3, 3), date(2026, 3, 6))),
        says="not asked",
    )
    rejects(check.q7, Post.objects.filter(created_at__date=date(2026, 3, 4)), says="missing")


# q8 ordering and slicing


def test_q8_accepts_order_and_slice(seeded, capsys):
    Post, *_ = models()
    check.q8(Post.objects.order_by("author__username", "-created_at")[:4])
    assert "4 posts in the asked order" in capsys.readouterr().out


def test_q8_rejects_wrong_direction_no_slice_and_list(seeded):
    Post, *_ = models()
    rejects(check.q8, Post.objects.order_by("author__username", "created_at")[:4], says="wrong order")
    rejects(check.q8, Post.objects.order_by("author__username", "-created_at"), says="not asked for")
    rejects(
        check.q8, list(Post.objects.order_by("author__username", "-created_at")[:4]), says="not a QuerySet"
    )
    rejects(check.q8, Post.objects.order_by("-created_at")[:4], says="Post #")


# q9 annotate


def test_q9_accepts_live_like_counts(seeded, capsys):
    Post, *_ = models()
    check.q9(Post.objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))).order_by("id"))
    assert "all 6 posts" in capsys.readouterr().out


def test_q9_rejects_counting_cancelled_likes_missing_attribute_and_deleted_posts(seeded):
    Post, *_ = models()
    failure = rejects(check.q9, Post.objects.annotate(n_likes=Count("likes")), says="Post #4")
    assert "cancelled likes too" in failure
    rejects(check.q9, Post.objects.annotate(likes_count=Count("likes")), says="no n_likes")
    rejects(
        check.q9,
        Post.all_objects.annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False))),
        says="soft-deleted",
    )


# q10 aggregate


def test_q10_accepts_aggregate(seeded, capsys):
    _, _, Like, _ = models()
    check.q10(Like.objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True)))
    assert "8 live likes from 3 users" in capsys.readouterr().out


def test_q10_rejects_cancelled_likes_missing_distinct_and_a_queryset(seeded):
    _, _, Like, _ = models()
    rejects(
        check.q10,
        Like.all_objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True)),
        says="number of likes",
    )
    rejects(check.q10, Like.objects.aggregate(likes=Count("id"), likers=Count("user")), says="likers is off")
    rejects(check.q10, Like.objects.values("user").annotate(likes=Count("id")), says="not a dict")
    rejects(check.q10, Like.objects.aggregate(total=Count("id")), says="other keys")


# q11 select_related / prefetch_related


def test_q11_accepts_two_queries(seeded, capsys):
    Post, *_ = models()
    check.q11(Post.objects.select_related("author").prefetch_related("files"))
    assert "in 2 queries (without both: 13)" in capsys.readouterr().out


def test_q11_rejects_plain_half_fixed_and_deleted_files(seeded):
    Post, File, *_ = models()
    rejects(check.q11, Post.objects.all(), says="each author cost a query")
    rejects(check.q11, Post.objects.select_related("author"), says="each post's files cost")
    rejects(check.q11, Post.objects.prefetch_related("files"), says="each author cost")
    Post.objects.get(pk=1).files.first().soft_delete()
    every_file = Prefetch("files", queryset=File.all_objects.all())
    rejects(
        check.q11, Post.objects.select_related("author").prefetch_related(every_file), says="other files than"
    )


# q12 update with F


def _positions(post_id):
    _, File, *_ = models()
    return dict(File.objects.filter(post_id=post_id).values_list("id", "position"))


def test_q12_accepts_one_update_with_f(seeded, capsys):
    _, File, *_ = models()
    before = _positions(6)
    check.q12(File.objects.filter(post_id=6).update(position=F("position") + 1), before)
    assert "3 files moved" in capsys.readouterr().out


def test_q12_rejects_every_file_a_constant_a_loop_and_twice(seeded):
    _, File, *_ = models()
    before = _positions(6)
    with transaction.atomic():
        updated = File.objects.update(position=F("position") + 1)
        rejects(check.q12, updated, before, says=f"changed {updated} rows")
        transaction.set_rollback(True)
    with transaction.atomic():
        rejects(
            check.q12, File.objects.filter(post_id=6).update(position=1), before, says="did not each move"
        )
        transaction.set_rollback(True)
    with transaction.atomic():
        saved = []
        for file in File.objects.filter(post_id=6):
            file.position += 1
            saved.append(file.save())
        rejects(check.q12, saved, before, says="not the number of rows")
        transaction.set_rollback(True)
    File.objects.filter(post_id=6).update(position=F("position") + 1)
    rejects(
        check.q12, File.objects.filter(post_id=6).update(position=F("position") + 1), before, says="twice"
    )


# q13 get_or_create


def test_q13_accepts_get_or_create_on_live_likes(users, capsys):
    _, _, Like, _ = models()
    check.q13(Like.objects.get_or_create(user=users["bob"], post_id=4))
    assert "created now" in capsys.readouterr().out
    check.q13(Like.objects.get_or_create(user=users["bob"], post_id=4))
    assert "found, not created again" in capsys.readouterr().out


def test_q13_rejects_the_cancelled_like_a_bare_like_and_another_user(users):
    _, _, Like, _ = models()
    rejects(check.q13, Like.all_objects.get_or_create(user=users["bob"], post_id=4), says="cancelled like")
    rejects(check.q13, Like.objects.create(user=users["bob"], post_id=4), says="not the pair")
    rejects(check.q13, Like.objects.get_or_create(user=users["carol"], post_id=4), says="someone else")


# q14 soft delete through the model


def test_q14_accepts_delete_through_the_model(seeded, capsys):
    Post, *_ = models()
    Post.objects.get(pk=2).delete()
    check.q14(Post.all_objects.deleted())
    assert "2 deleted posts" in capsys.readouterr().out


def test_q14_rejects_default_manager_flag_only_update_and_nothing_deleted(seeded):
    from django.utils import timezone

    Post, File, *_ = models()
    rejects(check.q14, Post.all_objects.deleted(), says="still live")
    with transaction.atomic():
        Post.all_objects.filter(pk=2).update(is_deleted=True, deleted_at=timezone.now())
        rejects(check.q14, Post.all_objects.deleted(), says="files of the deleted post are still live")
        transaction.set_rollback(True)
    Post.objects.get(pk=2).delete()
    rejects(check.q14, Post.objects.filter(is_deleted=True), says="missing")
    rejects(check.q14, Post.all_objects.all(), says="not asked for")


# q15 restore


def test_q15_accepts_restore_through_the_model(seeded, capsys):
    Post, *_ = models()
    Post.objects.get(pk=2).delete()
    restored = Post.all_objects.get(pk=2)
    restored.restore()
    check.q15(restored)
    assert "live again, with its 1 file" in capsys.readouterr().out


def test_q15_rejects_flag_only_restore_not_restored_and_another_post(seeded):
    Post, *_ = models()
    Post.objects.get(pk=2).delete()
    rejects(check.q15, Post.all_objects.get(pk=2), says="still deleted")
    rejects(check.q15, Post.objects.get(pk=1), says="not Post #2")
    Post.all_objects.filter(pk=2).update(is_deleted=False, deleted_at=None)
    rejects(check.q15, Post.all_objects.get(pk=2), says="files are still deleted")


# q16 a transaction that rolls back


def _draft_in(users, *, atomic: bool):
    Post, _, _, Comment = models()
    draft, error = None, None
    try:
        if atomic:
            with transaction.atomic():
                draft = Post.objects.create(author=users["alice"], content="A draft")
                Comment.objects.create(user=users["alice"], post=draft, content="")
        else:
            draft = Post.objects.create(author=users["alice"], content="A draft")
            with transaction.atomic():  # the savepoint keeps the test's transaction usable
                Comment.objects.create(user=users["alice"], post=draft, content="")
    except IntegrityError as exc:
        error = exc
    return draft, error


def test_q16_accepts_a_rolled_back_block(users, capsys):
    check.q16(*_draft_in(users, atomic=True))
    assert "rolled back the post too" in capsys.readouterr().out


def test_q16_rejects_a_post_outside_the_block_no_error_and_a_wrong_error(users):
    Post, *_ = models()
    rejects(check.q16, *_draft_in(users, atomic=False), says="still in the database")
    with transaction.atomic():
        draft = Post.objects.create(author=users["alice"], content="Fine")
        transaction.set_rollback(True)
    rejects(check.q16, draft, None, says="no IntegrityError")
    rejects(check.q16, draft, ValueError("x"), says="no IntegrityError")


# q17 values_list


def test_q17_accepts_flat_values_list(seeded, capsys):
    _, _, _, Comment = models()
    check.q17(Comment.objects.filter(post_id=4).values_list("user__username", flat=True))
    assert "['carol']" in capsys.readouterr().out


def test_q17_rejects_tuples_objects_and_deleted_comments(seeded):
    _, _, _, Comment = models()
    rejects(check.q17, Comment.objects.filter(post_id=4).values_list("user__username"), says="tuples")
    rejects(check.q17, Comment.objects.filter(post_id=4).values("user__username"), says="dicts")
    rejects(check.q17, Comment.objects.filter(post_id=4), says="Comments")
    failure = rejects(
        check.q17,
        Comment.all_objects.filter(post_id=4).values_list("user__username", flat=True),
        says="other",
    )
    assert "deleted comment is included" in failure
    rejects(check.q17, ["carol"], says="not a QuerySet")


# q18 exists


def test_q18_accepts_exists(seeded, capsys):
    _, _, _, Comment = models()
    check.q18(Comment.objects.filter(user__username="bob", post_id=4).exists())
    assert "False" in capsys.readouterr().out


def test_q18_rejects_deleted_comment_a_queryset_and_a_count(seeded):
    _, _, _, Comment = models()
    failure = rejects(
        check.q18, Comment.all_objects.filter(user__username="bob", post_id=4).exists(), says="wrong answer"
    )
    assert "deleted" in failure
    rejects(check.q18, Comment.objects.filter(user__username="bob", post_id=4), says="not True or False")
    rejects(
        check.q18, Comment.objects.filter(user__username="bob", post_id=4).count(), says="not True or False"
    )


# q19 distinct


def test_q19_accepts_distinct_users(seeded, capsys):
    User = get_user_model()
    check.q19(
        User.objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
        .distinct()
        .order_by("username")
    )
    assert "bob, carol" in capsys.readouterr().out


def test_q19_rejects_repeats_unsorted_and_wrong_rows(seeded):
    User = get_user_model()
    repeated = User.objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
    rejects(check.q19, repeated.order_by("username"), says="more than once")
    rejects(check.q19, repeated.distinct().order_by("-username"), says="wrong order")
    rejects(check.q19, User.objects.order_by("username"), says="not asked for")


def test_q19_rejects_counting_a_cancelled_like(seeded):
    from posts.models import Like

    Like.objects.filter(user__username="bob", post_id=1).soft_delete()
    User = get_user_model()
    every = User.objects.filter(likes__post__author__username="alice").distinct().order_by("username")
    rejects(check.q19, every, says="not asked for")


# q20 top three


def _top(manager=None, *, select=True, live=True, order=("-n_likes", "-created_at")):
    Post, *_ = models()
    queryset = (manager or Post.objects).all()
    if select:
        queryset = queryset.select_related("author")
    count = Count("likes", filter=Q(likes__is_deleted=False)) if live else Count("likes")
    return queryset.annotate(n_likes=count).order_by(*order)[:3]


def test_q20_accepts_the_top_three_in_one_query(seeded, capsys):
    check.q20(_top())
    assert "in 1 query" in capsys.readouterr().out


def test_q20_rejects_cancelled_likes_wrong_order_and_extra_queries(seeded):
    rejects(check.q20, _top(live=False), says="other posts, or another order")
    rejects(check.q20, _top(order=("n_likes", "-created_at")), says="other posts")
    rejects(check.q20, _top(select=False), says="more queries")


# q21 comments per author


def test_q21_accepts_grouped_counts(seeded, capsys):
    _, _, _, Comment = models()
    check.q21(dict(Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by()))
    assert "{'alice': 3, 'bob': 2, 'carol': 2}" in capsys.readouterr().out


def test_q21_rejects_deleted_comments_a_queryset_and_posts_per_author(seeded):
    Post, _, _, Comment = models()
    failure = rejects(
        check.q21,
        dict(Comment.all_objects.values_list("user__username").annotate(n=Count("id")).order_by()),
        says="other counts",
    )
    assert "deleted comments are counted" in failure
    rejects(check.q21, Comment.objects.values("user__username").annotate(n=Count("id")), says="not a dict")
    rejects(
        check.q21,
        dict(Post.objects.values_list("author__username").annotate(n=Count("id")).order_by()),
        says="other counts",
    )
