"""04's value answers judged by how they were made: the exercise cell runs again on changed data (as
a kernel's runner does, from the cell's source), so a value typed in fails, a query right on the
seed only fails, and a right answer written any way (distinct=True, raw SQL, Python filtering) passes."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count

from posts.models import Comment, File, Like, Post
from workbook.checks import CheckFailed, _runner
from workbook.checks import modeling as check
from workbook.checks._probe import recorder


@pytest.fixture
def cell(seeded, monkeypatch):
    """Run a source as a notebook cell would: its names in the kernel's namespace, its source in the
    kernel's history (the check cell after it)."""
    namespace = {
        "connection": connection,
        "Count": Count,
        "Post": Post,
        "File": File,
        "Like": Like,
        "Comment": Comment,
        "bob": get_user_model().objects.get(username="bob"),
    }
    history = []

    def run(source: str):
        recorder.install()
        recorder.clear()
        exec(source, namespace)
        history.insert(0, source)
        return namespace

    monkeypatch.setattr(_runner, "cell_sources", lambda: ["check.q0(answer)", *history])
    monkeypatch.setattr(_runner, "user_namespace", lambda: namespace)
    return run


def rejects(function, *args, says: str):
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    assert says in str(failure.value), str(failure.value)
    return str(failure.value)


# q2: the statement however the cell makes it, here from the like table's own definition

Q2_RIGHT = [
    """with connection.cursor() as cursor:
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'one_live_like_per_user_and_post'")
    like_index = cursor.fetchone()[0]
file_index_sql = (
    like_index.replace("one_live_like_per_user_and_post", "one_live_file_per_position")
    .replace("posts_like", "posts_file")
    .replace("(user_id, post_id)", "(post_id, position)")
)
""",
]


@pytest.mark.parametrize("index", range(len(Q2_RIGHT)))
def test_q2_right_cells_pass(cell, capsys, index):
    check.q2(cell(Q2_RIGHT[index])["file_index_sql"])
    assert capsys.readouterr().out.startswith("✓ q2")


def test_q2_the_like_tables_definition_unchanged_fails(cell):
    source = Q2_RIGHT[0].replace('.replace("(user_id, post_id)", "(post_id, position)")', "")
    rejects(check.q2, cell(source)["file_index_sql"], says="PostgreSQL refused")


# q3: every row that points at post 4, counted any right way

Q3_RIGHT = [
    """rows = {
    "files": File.all_objects.filter(post_id=4).count(),
    "likes": Like.all_objects.filter(post_id=4).count(),
    "comments": Comment.all_objects.filter(post_id=4).count(),
}
""",
    """rows = Post.all_objects.filter(pk=4).aggregate(
    files=Count("files", distinct=True),
    likes=Count("likes", distinct=True),
    comments=Count("comments", distinct=True),
)
""",
    """rows = {}
with connection.cursor() as cursor:
    for key, table in (("files", "posts_file"), ("likes", "posts_like"), ("comments", "posts_comment")):
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE post_id = %s", [4])
        rows[key] = cursor.fetchone()[0]
""",
]
Q3_WRONG = [
    ('rows = {"files": 2, "likes": 2, "comments": 2}\n', "does not give the new answer"),
    (
        """rows = {
    "files": File.objects.filter(post_id=4).count(),
    "likes": Like.all_objects.filter(post_id=4).count(),
    "comments": Comment.all_objects.filter(post_id=4).count(),
}
""",
        "does not give the new answer",
    ),
]


@pytest.mark.parametrize("index", range(len(Q3_RIGHT)))
def test_q3_right_cells_pass(cell, capsys, index):
    check.q3(cell(Q3_RIGHT[index])["rows"])
    out = capsys.readouterr().out
    assert out.startswith("✓ q3"), out


@pytest.mark.parametrize("index", range(len(Q3_WRONG)))
def test_q3_wrong_cells_fail(cell, index):
    source, says = Q3_WRONG[index]
    rejects(check.q3, cell(source)["rows"], says=says)


# q4: cancel, like again, count every row

Q4_CELL = """Like.objects.get(user=bob, post_id=1).delete()
Like.objects.create(user=bob, post_id=1)
like_rows = {count}
"""


def test_q4_right_cell_passes(cell, capsys):
    check.q4(cell(Q4_CELL.format(count="Like.all_objects.filter(user=bob, post_id=1).count()"))["like_rows"])
    assert capsys.readouterr().out.startswith("✓ q4")


def test_q4_raw_sql_count_passes(cell, capsys):
    source = Q4_CELL.format(count="None") + (
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT count(*) FROM posts_like WHERE user_id = %s AND post_id = 1', [bob.pk])\n"
        "    like_rows = cursor.fetchone()[0]\n"
    )
    check.q4(cell(source)["like_rows"])
    assert capsys.readouterr().out.startswith("✓ q4")


def test_q4_typed_in_number_fails(cell):
    rejects(check.q4, cell(Q4_CELL.format(count="2"))["like_rows"], says="does not give the new answer")
