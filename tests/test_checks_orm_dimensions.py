"""05's checks against answers written without seeing them: each case varies one dimension a right
answer depends on (a username by substring, a day without its month, AND/OR/NOT, likers and the
liked), a requirement the text states (bob's posts, keys by username), a value typed in, a right
answer written another way (a list where no QuerySet is asked for, "b: ..." for a letter), or a
message that must say what happened (a values() answer, "an int", a rebound `check`)."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from posts.models import Comment, File, Like, Post
from posts.services import post_create
from workbook.checks import CheckFailed
from workbook.checks import orm as check
from workbook.checks._probe import recorder


def rejects(function, *args, says: str):
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    assert says in str(failure.value), str(failure.value)
    return str(failure.value)


def _run(make):
    """An exercise cell: the recorder sees only what it sends."""
    recorder.clear()
    return make()


def _user(name):
    return get_user_model().objects.get(username=name)


def _three(author):
    return [
        post_create(
            author=author,
            content=f"New post {n}",
            files=[{"type": "image", "url": f"https://media.example.com/{n}.jpg"}],
        )
        for n in range(3)
    ]


# q1: what the text says (bob's posts), and the letter written with its explanation


def test_q1_rejects_posts_by_someone_other_than_bob(seeded):
    rejects(check.q1, _three(_user("alice")), "b", says="bob")


@pytest.mark.parametrize("letter", ["b: the rule lives in Python", "B) the serializer", "b."])
def test_q1_accepts_the_letter_with_its_explanation(seeded, capsys, letter):
    check.q1(_three(_user("bob")), letter)
    assert capsys.readouterr().out.startswith("✓ q1")


def test_q1_still_rejects_another_letter_with_an_explanation(seeded):
    rejects(check.q1, _three(_user("bob")), "a: PostgreSQL refuses it", says="not the reason")


# probe rows that tell each dimension apart

WRONG = {
    "q3": [
        lambda: Post.objects.filter(author__username__contains="car"),
        lambda: Post.objects.filter(author__username__startswith="carol"),
    ],
    "q4": [lambda: Post.objects.exclude(author__username__icontains="car")],
    "q5": [
        lambda: Post.objects.filter(
            (Q(author__username="alice") & ~Q(content__icontains="namsan")) | Q(content__icontains="seoul")
        ),
    ],
    "q6": [
        lambda: Like.objects.filter(
            post_id__in=list(
                Post.objects.filter(author__username__in=["alice", "carol"]).values_list("pk", flat=True)
            )
        ),
        lambda: Like.objects.filter(post__author__username__contains="c"),
    ],
    "q7": [
        lambda: Post.objects.filter(created_at__day__range=(4, 6)),
        lambda: Post.objects.filter(created_at__month=3, created_at__day__gte=4, created_at__day__lte=6),
        lambda: Post.objects.filter(created_at__year=2026, created_at__day__in=[4, 5, 6]),
    ],
    "q19": [
        lambda: (
            get_user_model()
            .objects.filter(posts__likes__user__username="alice", posts__likes__is_deleted=False)
            .distinct()
            .order_by("username")
        ),
    ],
}
WRONG_CASES = [(name, i) for name, makes in WRONG.items() for i in range(len(makes))]


@pytest.mark.parametrize("name, index", WRONG_CASES)
def test_answers_right_on_the_seed_only_fail(seeded, name, index):
    rejects(getattr(check, name), WRONG[name][index](), says="right on the notebook's rows only")


def test_q10_rejects_the_number_of_liked_authors_for_likers(seeded):
    stats = _run(
        lambda: Like.objects.aggregate(likes=Count("id"), likers=Count("post__author", distinct=True))
    )
    rejects(check.q10, stats, says="likers")


# a list where the text asks for no QuerySet: accepted when a query made it, followed on the probe


RIGHT_LISTS = {
    "q3": lambda: list(Post.objects.filter(author__username="carol")),
    "q8": lambda: list(Post.objects.order_by("author__username", "-created_at")[:4]),
    "q19": lambda: list(
        get_user_model()
        .objects.filter(likes__post__author__username="alice", likes__is_deleted=False)
        .distinct()
        .order_by("username")
    ),
}


@pytest.mark.parametrize("name", sorted(RIGHT_LISTS))
def test_a_list_from_a_right_query_passes(seeded, capsys, name):
    check_ = getattr(check, name)
    check_(_run(RIGHT_LISTS[name]))
    assert capsys.readouterr().out.startswith(f"✓ {name}")


def test_q14_accepts_a_list_of_the_deleted_posts(seeded, capsys):
    Post.objects.get(pk=2).delete()
    check.q14(_run(lambda: list(Post.all_objects.filter(is_deleted=True))))
    assert capsys.readouterr().out.startswith("✓ q14")


def test_a_typed_in_list_fails(seeded):
    ids = list(Post.objects.order_by("author__username", "-created_at").values_list("pk", flat=True)[:4])
    recorder.clear()
    typed = [Post.objects.get(pk=pk) for pk in ids]
    rejects(check.q8, typed, says="✗ q8")


def test_a_list_from_a_query_right_on_the_seed_only_fails(seeded):
    rejects(
        check.q8,
        _run(lambda: list(Post.objects.order_by("author__username", "-id")[:4])),
        says="right on the notebook's rows only",
    )


# q18: grammar of the type sentence; q21: the order the text asks for


def test_q18_says_an_int(seeded):
    text = rejects(check.q18, 1, says="an int")
    assert "a int" not in text


def test_q21_rejects_a_dict_ordered_by_count(seeded):
    per_author = _run(
        lambda: dict(Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by("-n"))
    )
    if list(per_author) == sorted(per_author):  # the seed must tell the two orders apart
        pytest.fail("the seed's counts sort like the usernames")
    rejects(check.q21, per_author, says="username")


def test_q21_still_accepts_the_dict_ordered_by_username(seeded, capsys):
    per_author = _run(
        lambda: dict(
            Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by("user__username")
        )
    )
    check.q21(per_author)
    assert capsys.readouterr().out.startswith("✓ q21")


def test_probe_rows_still_leave_nothing_behind(seeded):
    before = [m.all_objects.count() for m in (Post, File, Like, Comment)] + [get_user_model().objects.count()]
    check.q7(Post.objects.filter(created_at__date__range=("2026-03-04", "2026-03-06")))
    after = [m.all_objects.count() for m in (Post, File, Like, Comment)] + [get_user_model().objects.count()]
    assert after == before


# a rebound `check` name: say what happened and how to get it back


@pytest.mark.parametrize("rebound", [5, "carol", None, {"q4": 1}])
def test_a_rebound_check_name_is_named_as_such(seeded, capsys, rebound):
    from workbook.checks import _runner

    _runner.run(check, "q4", lambda: ((Post.objects.exclude(author__username="carol"),), {}))
    capsys.readouterr()
    _runner.run(rebound, "q4", lambda: ((1,), {}))
    out = capsys.readouterr().out
    assert "misspelt" not in out, out
    assert "the name check" in out and "from workbook.checks import orm as check" in out, out


def test_q1_rejects_a_post_with_a_word_the_text_says_to_avoid(seeded):
    bob = _user("bob")
    posts = _three(bob)[:2] + [
        post_create(
            author=bob,
            content="Evening in seoul",
            files=[{"type": "image", "url": "https://media.example.com/x.jpg"}],
        )
    ]
    rejects(check.q1, posts, "b", says="Seoul")


def test_q3_rejects_carols_posts_picked_by_their_text(seeded):
    contents = list(Post.objects.filter(author__username="carol").values_list("content", flat=True))
    rejects(check.q3, Post.objects.filter(content__in=contents), says="right on the notebook's rows only")


# q16: the text says to catch the error outside the block


INSIDE = """draft, error = None, None
with transaction.atomic():
    draft = Post.objects.create(author=alice, content="A draft that must not survive")
    try:
        Comment.objects.create(user=alice, post=draft, content="")
    except IntegrityError as exc:
        error = exc
"""
OUTSIDE = """draft, error = None, None
try:
    with transaction.atomic():
        draft = Post.objects.create(author=alice, content="A draft that must not survive")
        Comment.objects.create(user=alice, post=draft, content="")
except IntegrityError as exc:
    error = exc
"""


def _q16_cell(source, monkeypatch):
    from django.db import IntegrityError, transaction

    from workbook.checks import _runner

    monkeypatch.setattr(_runner, "cell_sources", lambda: [source, "check.q15(restored)"])
    space = {"transaction": transaction, "IntegrityError": IntegrityError, "Post": Post, "Comment": Comment}
    space["alice"] = _user("alice")
    exec(source, space)
    return space["draft"], space["error"]


def test_q16_rejects_the_error_caught_inside_the_block(seeded, monkeypatch):
    draft, error = _q16_cell(INSIDE, monkeypatch)
    rejects(check.q16, draft, error, says="inside")


def test_q16_accepts_the_error_caught_outside_the_block(seeded, monkeypatch, capsys):
    draft, error = _q16_cell(OUTSIDE, monkeypatch)
    check.q16(draft, error)
    assert capsys.readouterr().out.startswith("✓ q16")


def test_an_answer_of_an_unforeseen_type_gets_a_sentence_about_its_type(seeded, capsys, monkeypatch):
    from workbook.checks import _runner

    monkeypatch.setattr(check, "q99", lambda answer: answer.pk, raising=False)
    _runner.run(check, "q99", lambda: (({"id": 1},), {}))
    out = capsys.readouterr().out
    assert out.startswith("✗ q99: the answer is a dict"), out


def test_q20_refuses_deleted_posts_as_candidates(seeded):
    """A deleted post's likes are cancelled with it, so Post.all_objects ranks the same on any data
    the service writes: the QuerySet itself must leave deleted posts out."""
    answer = (
        Post.all_objects.select_related("author")
        .annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False)))
        .order_by("-n_likes", "-created_at")[:3]
    )
    rejects(check.q20, answer, says="deleted")


def test_q20_takes_all_objects_with_the_deleted_left_out(seeded, capsys):
    answer = (
        Post.all_objects.filter(is_deleted=False)
        .select_related("author")
        .annotate(n_likes=Count("likes", filter=Q(likes__is_deleted=False)))
        .order_by("-n_likes", "-created_at")[:3]
    )
    check.q20(answer)
    assert capsys.readouterr().out.startswith("✓ q20")


# q9 and q20 do not ask for a QuerySet either: a list from the right query passes, one from a query
# right on the seed only fails


def _live_likes():
    return Count("likes", filter=Q(likes__is_deleted=False))


def test_q9_accepts_a_list_from_the_right_query(seeded, capsys):
    check.q9(_run(lambda: list(Post.objects.annotate(n_likes=_live_likes()).order_by("-n_likes", "id"))))
    assert capsys.readouterr().out.startswith("✓ q9")


def test_q9_refuses_a_list_from_a_query_right_on_the_seed_only(seeded):
    def wrong():
        counted = Count("likes", filter=~Q(likes__pk=7))
        return list(Post.objects.annotate(n_likes=counted).order_by("-n_likes", "id"))

    rejects(check.q9, _run(wrong), says="right on the notebook's rows only")


def _top(*order, authors=True):
    def make():
        posts = Post.objects.select_related("author") if authors else Post.objects.all()
        return list(posts.annotate(n_likes=_live_likes()).order_by(*order)[:3])

    return make


def test_q20_accepts_a_list_from_the_right_query(seeded, capsys):
    check.q20(_run(_top("-n_likes", "-created_at")))
    assert capsys.readouterr().out.startswith("✓ q20")


def test_q20_refuses_a_list_ordered_by_id_on_ties(seeded):
    rejects(check.q20, _run(_top("-n_likes", "-id")), says="right on the notebook's rows only")


def test_q20_refuses_a_list_whose_authors_cost_queries(seeded):
    rejects(check.q20, _run(_top("-n_likes", "-created_at", authors=False)), says="more queries")


def test_the_recorder_joins_a_connection_made_anew(seeded):
    """A connection object made anew (a test that changes settings resets them) starts with no
    wrappers: the recorder joins it when it connects (Django's `connection_created`, sent from
    `connect()`), so an exercise cell's aggregate on it is still seen and run again on the probe
    rows. It was not, and q10 took the number of liked authors for the likers in one test run."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    new = connections.create_connection("default")
    try:
        assert recorder not in new.execute_wrappers
        connection_created.send(sender=type(new), connection=new)
        assert recorder in new.execute_wrappers
        connection_created.send(sender=type(new), connection=new)
        assert new.execute_wrappers.count(recorder) == 1
    finally:
        new.close()
