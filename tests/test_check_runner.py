"""Check cells in a kernel: one line per result, never a traceback; hints, solutions and progress.

A real kernel runs a small notebook on a database of this test's own (made here, dropped after).
"""

import os

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from workbook import database
from workbook.authoring import regenerate as regen
from workbook.authoring import scratch

CELLS = [
    "import workbook\nworkbook.setup()",
    "workbook.reset()\nfrom posts.models import Post\nfrom workbook.checks import orm as check",
    "check.q3(carol_posts)",  # the exercise cell never ran
    "carol_posts = None\ncheck.q3(carol_posts)",  # the stub
    'check.solution("q3")',  # not tried yet: no solution
    'check.q3(Post.objects.filter(author__username="bob"))',  # wrong
    "check.q3(42)",  # not even a QuerySet
    'check.hint("q3")\ncheck.hint("q3")',
    'check.solution("q3")',  # tried now
    'check.q3(Post.objects.filter(author__username="carol"))',
    "check.q21({1: object(), 'a': 2})",  # an answer the check did not foresee
    "workbook.reset()\nworkbook.progress()",  # reset leaves the results alone
]


@pytest.fixture
def kernel_database():
    name = f"{os.environ.get('DJANGO_DB_NAME') or 'workbook_tests'}_runner"
    config = dict(scratch.django_config(), NAME=name)
    scratch.fresh_database(config, name)
    yield name
    database.drop_database(config, name)


def _text(cell):
    assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_check_cells_say_one_thing_and_never_raise(tmp_path, kernel_database):
    nb = new_notebook(cells=[new_code_cell(source) for source in CELLS])
    regen.execute(nb, cwd=tmp_path, env=dict(os.environ, DJANGO_DB_NAME=kernel_database))
    out = [_text(cell) for cell in nb.cells]
    assert out[2].startswith("✗ q3: there is no variable 'carol_posts' yet: run the exercise cell above")
    assert out[2].count("\n") == 1
    assert (
        out[3] == "✗ q3: no answer yet: write it in the exercise cell above, run that cell, then this one "
        '(stuck? check.hint("q3"))\n'
    )
    assert out[4].startswith("Try q3 first")
    assert out[5].startswith("✗ q3: ") and 'more help: check.hint("q3")' in out[5]
    assert out[6].startswith("✗ q3: the answer is an int, not a QuerySet")
    assert "hint 1/2 for q3" in out[7] and "hint 2/2 for q3" in out[7] and "the last hint" in out[7]
    assert out[8].startswith("A reference answer for q3") and 'filter(author__username="carol")' in out[8]
    assert out[9].startswith("✓ q3: ") and "\n  why it works: filter() added a WHERE clause" in out[9]
    assert out[10].startswith("✗ q21: ")
    progress = out[11]
    assert (
        "05-orm-exercises" in progress and "✓ q3" in progress and "✗ q21" in progress and "· q4" in progress
    )
    assert "✗ warmup" not in progress  # no answer is not a try


RERUN_CELLS = [
    "import workbook\nworkbook.setup()",
    "workbook.reset()\nfrom django.contrib.auth import get_user_model\nfrom posts.models import Like\n"
    "from workbook.checks import modeling as check",
    'Like.objects.get(user__username="bob", post_id=1).delete()\n'
    'Like.objects.create(user=get_user_model().objects.get(username="bob"), post_id=1)',
    "like_rows = 2",  # typed in from what the learner saw
    "check.q4(like_rows)",
    'like_rows = Like.all_objects.filter(user__username="bob", post_id=1).count()',
    "check.q4(like_rows)",
    "check = 5",  # the name rebound
    "check.q4(like_rows)",
]


def test_a_value_answer_is_judged_by_its_cell_run_again(tmp_path, kernel_database):
    nb = new_notebook(cells=[new_code_cell(source) for source in RERUN_CELLS])
    regen.execute(nb, cwd=tmp_path, env=dict(os.environ, DJANGO_DB_NAME=kernel_database))
    out = [_text(cell) for cell in nb.cells]
    assert out[4].startswith("✗ q4: your exercise cell, run again"), out[4]
    assert out[6].startswith("✓ q4: "), out[6]
    assert "the name check now holds int" in out[8], out[8]
    assert "from workbook.checks import modeling as check" in out[8], out[8]
