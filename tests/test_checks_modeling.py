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


# q3 rows a hard delete would lose


def test_q3_accepts_every_row_live_or_not(seeded, capsys):
    check.q3({"files": 2, "likes": 2, "comments": 2})
    assert "6 rows point at post 4" in capsys.readouterr().out


def test_q3_rejects_live_rows_only_missing_keys_and_a_list(seeded):
    failure = rejects(check.q3, {"files": 2, "likes": 1, "comments": 1}, says="other counts")
    assert "live rows only" in failure
    rejects(check.q3, {"files": 2, "likes": 2}, says="keys files, likes, comments")
    rejects(check.q3, [2, 2, 2], says="not a dict")


# q4 cancel and like again


def _cancel_and_like_again():
    from posts.models import Like

    bob = get_user_model().objects.get(username="bob")
    Like.objects.get(user=bob, post_id=1).delete()
    Like.objects.create(user=bob, post_id=1)


def test_q4_accepts_every_row_after_cancel_and_like(seeded, capsys):
    _cancel_and_like_again()
    check.q4(2)
    assert "2 rows, 1 live" in capsys.readouterr().out


def test_q4_rejects_live_count_only_and_nothing_done(seeded):
    rejects(check.q4, 1, says="1 live and 0 cancelled")
    _cancel_and_like_again()
    failure = rejects(check.q4, 1, says="another count")
    assert "Like.all_objects counts the cancelled ones" in failure
    rejects(check.q4, 3, says="another count")


def test_q4_rejects_a_cancel_without_a_new_like(seeded):
    from posts.models import Like

    Like.objects.get(user__username="bob", post_id=1).delete()
    rejects(check.q4, 1, says="0 live and 1 cancelled")
