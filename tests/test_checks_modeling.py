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


# q2 the partial unique index


def test_q2_accepts_the_partial_unique_index(db, capsys):
    check.q2("one_live_like_per_user_and_post")
    assert "WHERE (NOT is_deleted)" in capsys.readouterr().out


def test_q2_rejects_a_check_constraint_the_primary_key_and_an_unknown_name(db):
    failure = rejects(check.q2, "like_deleted_at_matches_flag", says="constraint in pg_constraint")
    assert "pg_indexes" in failure
    plain = next(name for name, definition in check._like_indexes().items() if "UNIQUE" not in definition)
    rejects(check.q2, plain, says="without a WHERE clause")
    rejects(check.q2, "posts_like_pkey", says="PRIMARY KEY")
    rejects(check.q2, "one_like_per_user", says="no index")
    rejects(check.q2, ["one_live_like_per_user_and_post"], says="not a name")


def test_q2_follows_the_catalog_not_a_fixed_name(db):
    """Rename the index in the catalog (inside the test's transaction): the check follows."""
    with connection.cursor() as cursor:
        cursor.execute('ALTER INDEX "one_live_like_per_user_and_post" RENAME TO "renamed_live_like"')
    check.q2("renamed_live_like")
    rejects(check.q2, "one_live_like_per_user_and_post", says="no index")


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


# q2: the name however it is written


def test_q2_accepts_a_qualified_name_and_the_constraint_itself(db, capsys):
    from posts.models import Like

    check.q2("public.one_live_like_per_user_and_post")
    check.q2(next(c for c in Like._meta.constraints if c.name == "one_live_like_per_user_and_post"))
    assert capsys.readouterr().out.count("✓ q2") == 2


def test_q2_rejects_the_soft_delete_check_object(db):
    from posts.models import Like

    other = next(c for c in Like._meta.constraints if c.name == "like_deleted_at_matches_flag")
    rejects(check.q2, other, says="constraint in pg_constraint")


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
