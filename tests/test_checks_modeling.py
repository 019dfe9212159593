"""The 04-data-modeling checks accept the right answers and reject plausible wrong ones."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import modeling as check


def rejects(function, *args, says: str):
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    assert says in str(failure.value), str(failure.value)
    return str(failure.value)


@pytest.mark.parametrize("name", ["q1", "q2", "q3", "q4"])
def test_every_check_says_not_answered_to_the_student_stub(seeded, name):
    with pytest.raises(NotAnswered):
        getattr(check, name)(...)


# q1 (a model of the learner's own): tests/test_checks_own_model.py


# q2 a partial unique index of the learner's own, on the file table, judged by what it refuses

Q2_RIGHT = (
    "CREATE UNIQUE INDEX one_live_file_per_position ON posts_file (post_id, position) WHERE NOT is_deleted"
)


@pytest.mark.parametrize(
    "sql",
    [
        Q2_RIGHT,
        Q2_RIGHT + ";",
        'create unique index "file_pos" on public.posts_file ("position", "post_id")\n'
        "where is_deleted = false;",
        "CREATE UNIQUE INDEX ON posts_file USING btree (post_id, position)\n  WHERE (NOT is_deleted)",
        "CREATE UNIQUE INDEX f ON posts_file (post_id, position) WHERE deleted_at IS NULL",
    ],
)
def test_q2_accepts_the_index_however_it_is_written(db, capsys, sql):
    check.q2(sql)
    assert capsys.readouterr().out.startswith("✓ q2")


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        (Q2_RIGHT.replace(" WHERE NOT is_deleted", ""), "a deleted file still holds its position"),
        (Q2_RIGHT.replace("NOT is_deleted", "is_deleted"), "second live file"),
        (Q2_RIGHT.replace("UNIQUE ", ""), "not one CREATE UNIQUE INDEX"),
        (Q2_RIGHT.replace("(post_id, position)", "(position)"), "files of two posts"),
        (Q2_RIGHT.replace("(post_id, position)", "(post_id)"), "files of one post at two positions"),
        (Q2_RIGHT.replace("(post_id, position)", "(post_id, url)"), "second live file|one post at two"),
        (
            Q2_RIGHT.replace("posts_file", "posts_like").replace("position", "user_id"),
            "no index on posts_file",
        ),
        (Q2_RIGHT.replace("posts_file", "posts_files"), "PostgreSQL refused"),
        (Q2_RIGHT + "; DROP TABLE posts_file", "not one CREATE UNIQUE INDEX"),
        ("one_live_like_per_user_and_post", "not one CREATE UNIQUE INDEX"),
        (["CREATE UNIQUE INDEX"], "as a string"),
    ],
)
def test_q2_rejects_wrong_indexes(db, sql, says):
    import re

    with pytest.raises(CheckFailed) as failure:
        check.q2(sql)
    assert re.search(says, str(failure.value)), str(failure.value)


def test_q2_leaves_no_index_and_no_row_behind(db):
    from posts.models import File

    files, indexes = File.all_objects.count(), check._file_indexes()
    check.q2(Q2_RIGHT)
    assert (File.all_objects.count(), check._file_indexes()) == (files, indexes)


def test_q2_answers_every_hostile_value_with_a_cross(db):
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.q2(value)


# q3 rows a hard delete would lose: counts traced to the queries that made them, run again on probe rows


def _cell(make):
    """An exercise cell: the recorder sees only what it sends."""
    from workbook.checks._probe import recorder

    recorder.install()
    recorder.clear()
    return make()


def _models():
    from posts.models import Comment, File, Like

    return File, Like, Comment


def _all_counts():
    File, Like, Comment = _models()
    return {
        "files": File.all_objects.filter(post_id=4).count(),
        "likes": Like.all_objects.filter(post_id=4).count(),
        "comments": Comment.all_objects.filter(post_id=4).count(),
    }


def test_q3_accepts_every_row_live_or_not(seeded, capsys):
    check.q3(_cell(_all_counts))
    assert "6 rows point at post 4" in capsys.readouterr().out


def test_q3_accepts_querysets_and_lengths_of_lists(seeded, capsys):
    from posts.models import Post

    File, Like, Comment = _models()
    check.q3(
        _cell(
            lambda: {
                "files": File.all_objects.filter(post_id=4),
                "likes": Like.all_objects.filter(post__pk=4),
                "comments": Comment.all_objects.filter(post=Post.all_objects.get(pk=4)),
            }
        )
    )
    check.q3(
        _cell(
            lambda: {
                "files": len(File.all_objects.filter(post_id=4)),
                "likes": len(list(Like.all_objects.filter(post_id=4))),
                "comments": Comment.all_objects.filter(post_id=4).count(),
            }
        )
    )
    assert capsys.readouterr().out.count("6 rows point at post 4") == 2


def test_q3_rejects_live_rows_only_missing_keys_and_a_list(seeded):
    File, Like, Comment = _models()
    live = _cell(
        lambda: {
            "files": File.objects.filter(post_id=4).count(),
            "likes": Like.objects.filter(post_id=4).count(),
            "comments": Comment.objects.filter(post_id=4).count(),
        }
    )
    failure = rejects(check.q3, live, says="other counts")
    assert "live rows only" in failure
    rejects(check.q3, {"files": 2, "likes": 2}, says="keys files, likes, comments")
    rejects(check.q3, [2, 2, 2], says="not a dict")
    rejects(check.q3, {"files": "2", "likes": 2, "comments": 2}, says="a count is a whole number")


def test_q3_rejects_counts_typed_in(seeded):
    _cell(lambda: None)
    rejects(check.q3, {"files": 2, "likes": 2, "comments": 2}, says="typed in by hand")


def test_q3_rejects_live_files_that_happen_to_be_all_the_files(seeded):
    """Post 4 has no deleted file in the seed: File.objects gives the right number there, not in general."""
    File, Like, Comment = _models()
    answer = _cell(
        lambda: {
            "files": File.objects.filter(post_id=4).count(),
            "likes": Like.all_objects.filter(post_id=4).count(),
            "comments": Comment.all_objects.filter(post_id=4).count(),
        }
    )
    rejects(check.q3, answer, says="right number on the seed only")
    as_queryset = {**_cell(_all_counts), "files": File.objects.filter(post_id=4)}
    rejects(check.q3, as_queryset, says="files: the QuerySet counts right on the seed only")


# q4 cancel and like again


def _cancel_and_like_again():
    from posts.models import Like

    bob = get_user_model().objects.get(username="bob")
    Like.objects.get(user=bob, post_id=1).delete()
    Like.objects.create(user=bob, post_id=1)


def test_q4_accepts_every_row_after_cancel_and_like(seeded, capsys):
    from posts.models import Like

    _cancel_and_like_again()
    check.q4(_cell(lambda: Like.all_objects.filter(user__username="bob", post_id=1).count()))
    assert "2 rows, 1 live" in capsys.readouterr().out


def test_q4_accepts_another_lookup_and_a_queryset(seeded, capsys):
    from posts.models import Like

    _cancel_and_like_again()
    bob = get_user_model().objects.get(username="bob")
    check.q4(_cell(lambda: len(Like.all_objects.filter(post__id=1, user=bob))))
    check.q4(_cell(lambda: Like.all_objects.filter(user=bob, post_id=1)))
    assert capsys.readouterr().out.count("2 rows, 1 live") == 2


def test_q4_rejects_live_count_only_and_nothing_done(seeded):
    from posts.models import Like

    rejects(check.q4, 1, says="1 live and 0 cancelled")
    _cancel_and_like_again()
    failure = rejects(
        check.q4,
        _cell(lambda: Like.objects.filter(user__username="bob", post_id=1).count()),
        says="another count",
    )
    assert "Like.all_objects counts the cancelled ones" in failure
    rejects(check.q4, 3, says="another count")


def test_q4_rejects_a_typed_in_number_and_counts_right_on_the_seed_only(seeded):
    from posts.models import Like

    _cancel_and_like_again()
    _cell(lambda: None)
    rejects(check.q4, 2, says="typed in by hand")
    # every like row on post 1 that is cancelled, plus one: 2 on the seed, whoever the rows belong to
    rejects(
        check.q4,
        _cell(lambda: Like.all_objects.filter(post_id=1, is_deleted=True).count() + 1),
        says="no query on posts_like that gives 2",
    )
    # right on the seed only: no one but bob and carol likes post 1 there, and bob likes no post 2
    not_carol = _cell(lambda: Like.all_objects.filter(post_id=1).exclude(user__username="carol").count())
    assert not_carol == 2
    rejects(check.q4, not_carol, says="right number on the seed only")
    up_to_2 = _cell(lambda: Like.all_objects.filter(user__username="bob", post_id__lte=2).count())
    assert up_to_2 == 2
    rejects(check.q4, up_to_2, says="right number on the seed only")
    rejects(check.q4, _cell(lambda: Like.all_objects.filter(post_id=1)), says="another count")


def test_q4_rejects_a_cancel_without_a_new_like(seeded):
    from posts.models import Like

    Like.objects.get(user__username="bob", post_id=1).delete()
    rejects(check.q4, 1, says="0 live and 1 cancelled")


# outside a kernel (no cell to run again), right counts written another way are still traced


def test_q3_traces_a_distinct_aggregate_and_raw_sql_counts(seeded, capsys):
    from django.db.models import Count

    from posts.models import Post

    aggregate = _cell(
        lambda: Post.all_objects.filter(pk=4).aggregate(
            files=Count("files", distinct=True),
            likes=Count("likes", distinct=True),
            comments=Count("comments", distinct=True),
        )
    )
    check.q3(aggregate)

    def raw():
        counts = {}
        with connection.cursor() as cursor:
            for key, table in (
                ("files", "posts_file"),
                ("likes", "posts_like"),
                ("comments", "posts_comment"),
            ):
                cursor.execute(f"select count(*) from {table} where post_id = %s", [4])
                counts[key] = cursor.fetchone()[0]
        return counts

    check.q3(_cell(raw))
    assert capsys.readouterr().out.count("✓ q3") == 2
