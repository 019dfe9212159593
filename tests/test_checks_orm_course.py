"""05's first two exercises, as the course asks them: posts with photos or videos, and a __str__."""

import pytest
from django.contrib.auth import get_user_model
from django.db import models

from posts.models import File, Post
from posts.services import post_create
from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import orm as check


class ReadablePost(Post):
    class Meta:
        proxy = True
        app_label = "lab"

    def __str__(self):
        return f"#{self.pk} {self.author.username}"


class DefaultNamePost(Post):
    class Meta:
        proxy = True
        app_label = "lab"

    __str__ = models.Model.__str__


class StubPost(Post):
    class Meta:
        proxy = True
        app_label = "lab"

    def __str__(self):
        raise NotImplementedError("Exercise q2 is yours: write your code in place of these lines")


class SameNamePost(Post):
    class Meta:
        proxy = True
        app_label = "lab"

    def __str__(self):
        return "a post"


@pytest.fixture
def bob(seeded):
    return get_user_model().objects.get(username="bob")


def rejects(function, *args, says: str):
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    assert says in str(failure.value), str(failure.value)


def _three(bob, files=1):
    return [
        post_create(
            author=bob,
            content=f"New post {n}",
            files=[{"type": "image", "url": f"https://media.example.com/{n}-{i}.jpg"} for i in range(files)],
        )
        for n in range(3)
    ]


def test_q1_accepts_three_posts_with_files_and_the_reason(bob, capsys):
    check.q1(_three(bob), "b")
    assert "ids 8, 9, 10, with 3 photos and videos" in capsys.readouterr().out


def test_q1_accepts_create_then_file_and_the_letter_written_another_way(bob, capsys):
    posts = [Post.objects.create(author=bob, content=f"Mine {n}") for n in range(3)]
    for post in posts:
        File.objects.create(post=post, type="video", url="https://media.example.com/v.mp4")
    check.q1(posts, " (B) ")
    assert "✓ q1" in capsys.readouterr().out


def test_q1_rejects_a_post_without_a_file(bob):
    posts = _three(bob)
    posts.append(Post.objects.create(author=bob, content="Bare"))
    rejects(check.q1, posts[1:], "b", says="a post has no photo or video")
    File.objects.filter(post=posts[1]).delete()  # soft delete: the file no longer counts
    rejects(check.q1, posts[:3], "b", says="no photo or video")


def test_q1_rejects_the_wrong_reason_and_no_reason(bob):
    posts = _three(bob)
    rejects(check.q1, posts, "a", says="not the reason")
    rejects(check.q1, posts, "serializer", says="the letter a, b or c")
    with pytest.raises(NotAnswered):
        check.q1(posts, None)


def test_q1_rejects_unsaved_repeated_seed_too_few_and_deleted(bob):
    unsaved = [Post(author=bob, content=f"Draft {n}") for n in range(3)]
    rejects(check.q1, unsaved, "b", says="never saved")
    one = _three(bob)[0]
    rejects(check.q1, [one, one, one], "b", says="more than once")
    rejects(check.q1, list(Post.objects.order_by("id")[:3]), "b", says="seed posts")
    rejects(check.q1, [one], "b", says="not three")
    rejects(check.q1, Post.objects.filter(pk=one.pk), "b", says="not a list")
    posts = _three(bob)
    posts[0].delete()
    rejects(check.q1, posts, "b", says="not every post is a live row")


def _ids(posts):
    return [p.pk for p in posts]


def test_q2_accepts_the_proxy_with_its_own_str(bob, capsys):
    new = _three(bob)
    check.q2(ReadablePost.objects.filter(pk__in=_ids(new)), new)
    assert "each shown by your __str__: #10 bob" in capsys.readouterr().out


def test_q2_rejects_post_itself_a_list_other_rows_and_default_or_equal_names(bob):
    new = _three(bob)
    rejects(check.q2, Post.objects.filter(pk__in=_ids(new)), new, says="uses Post's own __str__")
    rejects(check.q2, list(ReadablePost.objects.filter(pk__in=_ids(new))), new, says="not a QuerySet")
    rejects(check.q2, ReadablePost.objects.all(), new, says="not asked for")
    rejects(check.q2, ReadablePost.objects.filter(pk=new[0].pk), new, says="missing")
    rejects(check.q2, DefaultNamePost.objects.filter(pk__in=_ids(new)), new, says="Django's default name")
    rejects(check.q2, SameNamePost.objects.filter(pk__in=_ids(new)), new, says="the same name")


def test_q2_says_not_answered_while_str_is_the_stub(bob):
    new = _three(bob)
    with pytest.raises(NotAnswered, match="no answer yet"):
        check.q2(StubPost.objects.filter(pk__in=_ids(new)), new)


def test_q2_says_what_a_values_answer_is(bob):
    posts = _three(bob)
    answer = ReadablePost.objects.filter(pk__in=[p.pk for p in posts]).values()
    with pytest.raises(CheckFailed) as failure:
        check.q2(answer, posts)
    assert "dicts" in str(failure.value) and "could not use" not in str(failure.value)
