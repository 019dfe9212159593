"""02-cicd's own_test: the learner's pytest-django test, run as CI's test step runs it, must pass on
the site and fail on each broken copy (pipeline.BREAKS). Right answers written three ways pass; a
test that asserts nothing, is never collected, lacks the database mark, asks the ORM instead of
the API, cannot fail, or fails on the site gets its own message. Each run is a real pytest on
PostgreSQL in a copy of the site."""

from __future__ import annotations

import os
import uuid

import pytest

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import cicd as check

REFERENCE = """\
import pytest

from demo.factories import client_for, make_post, make_user


@pytest.mark.django_db
def test_the_posts_api_leaves_out_a_deleted_post():
    alice = make_user("alice")
    kept, deleted = make_post(alice, "still here"), make_post(alice, "gone")
    deleted.delete()
    response = client_for(alice).get("/api/posts/")
    ids = [post["id"] for post in response.data["results"]]
    assert kept.pk in ids
    assert deleted.pk not in ids
"""

# The site's own fixtures (alice has the db mark), the detail route instead of the list, a class.
WITH_FIXTURES = """\
from posts.models import Post


class TestSoftDelete:
    def test_a_deleted_post_is_404(self, as_alice, post):
        post.delete()
        assert Post.all_objects.get(pk=post.pk).is_deleted
        assert as_alice.get(f"/api/posts/{post.pk}/").status_code == 404
"""

ORM_ONLY = """\
import pytest

from demo.factories import make_post, make_user
from posts.models import Post


@pytest.mark.django_db
def test_the_manager_leaves_out_a_deleted_post():
    post = make_post(make_user("alice"))
    post.delete()
    assert not Post.objects.filter(pk=post.pk).exists()
"""

CANNOT_FAIL = """\
import pytest

from demo.factories import client_for, make_user


@pytest.mark.django_db
def test_the_api_answers():
    response = client_for(make_user("alice")).get("/api/posts/")
    assert response.status_code == 200
"""


@pytest.fixture(scope="module", autouse=True)
def copies_database():
    """A name for the copies' databases of this module's own, made once and reused by each check
    (as in 02-cicd, where the notebook's copy made them), then dropped."""
    from workbook.pipeline import ProjectCopy

    before = os.environ.get("DJANGO_DB_NAME")
    os.environ["DJANGO_DB_NAME"] = f"owntest_{uuid.uuid4().hex[:8]}"
    warm = ProjectCopy()
    (warm.folder / "project" / "posts" / "tests" / "test_warm.py").write_text(REFERENCE)
    assert warm.run_tests("project/posts/tests/test_warm.py").status == 0
    yield
    assert warm.remove()
    if before is None:
        os.environ.pop("DJANGO_DB_NAME")
    else:
        os.environ["DJANGO_DB_NAME"] = before


def written(tmp_path, text: str, name: str = "test_my_own.py"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_own_test_accepts_the_reference_and_leaves_no_folder(tmp_path, capsys):
    import tempfile
    from pathlib import Path

    before = set(Path(tempfile.gettempdir()).glob("workbook-ci-*"))
    check.own_test(written(tmp_path, REFERENCE))
    check.own_test(str(written(tmp_path, REFERENCE)))  # the path as text
    out = capsys.readouterr().out
    assert out.count("✓ own_test") == 2 and "1 passed" in out
    assert set(Path(tempfile.gettempdir()).glob("workbook-ci-*")) <= before


@pytest.mark.django_db
def test_own_test_accepts_a_test_written_with_the_sites_fixtures_in_a_class(tmp_path, capsys):
    check.own_test(written(tmp_path, WITH_FIXTURES))
    assert "✓ own_test" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ORM_ONLY, "still passes when the posts API lists all_objects"),
        (CANNOT_FAIL, "still passes when the default manager returns deleted rows"),
        (REFERENCE.replace("@pytest.mark.django_db\n", ""), "uses the database without asking for it"),
        (
            REFERENCE.replace("assert deleted.pk not in ids", "assert deleted.pk in ids"),
            "fails on the site as it is",
        ),
    ],
    ids=["orm-only", "cannot-fail", "no-db-mark", "fails-on-the-site"],
)
def test_own_test_rejects_tests_that_run_but_prove_nothing(tmp_path, text, message):
    with pytest.raises(CheckFailed, match=message):
        check.own_test(written(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (
            REFERENCE.replace(
                "    assert kept.pk in ids\n    assert deleted.pk not in ids\n", "    print(ids)\n"
            ),
            "test_my_own.py",
            "asserts nothing",
        ),
        (
            REFERENCE.replace("def test_the_posts", "def check_the_posts"),
            "test_my_own.py",
            "collects no test",
        ),
        (REFERENCE, "my_own.py", "pytest collects files named test_"),
        ("def test_(:\n", "test_my_own.py", "not valid Python"),
    ],
    ids=["asserts-nothing", "no-test-prefix", "file-not-collected", "not-python"],
)
def test_own_test_rejects_tests_pytest_would_not_run_or_that_assert_nothing(tmp_path, text, name, message):
    with pytest.raises(CheckFailed, match=message):
        check.own_test(written(tmp_path, text, name))


def test_own_test_says_no_answer_yet_for_the_student_copys_stub(tmp_path):
    """The stub as the student copy's exercise cell writes it (a comment, then `name = None`, in
    either edition), and a file of comments only: no answer yet, in the kernel and in the judge."""
    from workbook.authoring import judge
    from workbook.authoring.conventions import read, strip_solution
    from workbook.paths import NOTEBOOKS_DIR

    stubs = ["# Your answer here\n"]
    for path in (NOTEBOOKS_DIR / "02-cicd.ipynb", NOTEBOOKS_DIR / "ko" / "02-cicd.ipynb"):
        cell = next(c for c in read(path).cells if c.source.startswith("%%writefile"))
        stubs.append(strip_solution(cell.source, "own_test").split("\n", 1)[1])
    assert all("= None" in stub for stub in stubs[1:]), stubs
    for stub in stubs:
        with pytest.raises(NotAnswered):
            check.own_test(written(tmp_path, stub))
        reply = judge.judge("cicd", "own_test", [("file", "test_my_own.py", stub)], [])
        assert reply["status"] == "not answered", (stub, reply)
    with pytest.raises(NotAnswered):
        check.own_test(None)


def test_own_test_answers_every_hostile_value_with_a_cross(tmp_path):
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.own_test(value)
    with pytest.raises(CheckFailed, match="no file"):
        check.own_test(tmp_path / "missing.py")


# --- judged outside the kernel: the file's text handed out, the grader's runs judged -------------

PASSES = [0, "1 passed", []]
FAILS = [1, "1 failed", ["E       assert 2 not in [2, 1]"]]


def test_the_kernel_hands_the_file_out_as_its_name_and_text(tmp_path):
    from grading_helpers import kernel_hands_out

    path = written(tmp_path, REFERENCE)
    packed, _statements = kernel_hands_out({"OWN_TEST": path}, "OWN_TEST", "cicd", "own_test")
    assert packed == [("file", "test_my_own.py", REFERENCE)]
    packed, _statements = kernel_hands_out({"OWN_TEST": tmp_path / "gone.py"}, "OWN_TEST", "cicd", "own_test")
    assert packed[0][0] == "value"  # no file: the check says so, in the judge too


@pytest.mark.parametrize(
    "runs, status, says",
    [
        ({"site": PASSES, "manager": FAILS, "posts_view": FAILS}, "passed", ""),
        ({"site": FAILS, "manager": FAILS, "posts_view": FAILS}, "failed", "fails on the site as it is"),
        (
            {"site": PASSES, "manager": PASSES, "posts_view": FAILS},
            "failed",
            "default manager returns deleted",
        ),
        ({"site": PASSES, "manager": FAILS, "posts_view": PASSES}, "failed", "posts API lists all_objects"),
        ({"site": [5, "", []], "manager": FAILS, "posts_view": FAILS}, "failed", "collected no test"),
    ],
)
def test_the_judge_asks_for_the_runs_then_judges_them_as_the_kernel_would(runs, status, says):
    """The judge runs nothing: for the handed file it asks for the runs, and the same check judges
    the runs the grader hands it (their exit statuses are the answer)."""
    from workbook.authoring import judge
    from workbook.checks import _base

    handed = [("file", "test_my_own.py", REFERENCE)]
    asked = judge.judge("cicd", "own_test", handed, [])
    assert asked == {"status": "runs wanted", "file": "test_my_own.py", "text": REFERENCE}
    reply = judge.judge("cicd", "own_test", handed, [], runs=runs)
    assert reply["status"] == status and says in reply["message"], reply
    assert _base.HANDED_RUNS is None


def test_the_judge_reads_the_file_as_the_kernel_does_before_any_run():
    from workbook.authoring import judge

    for text, says in (
        (CANNOT_FAIL.replace("assert", "print(") + ")", "asserts nothing"),
        ("# nothing\n", ""),
    ):
        reply = judge.judge("cicd", "own_test", [("file", "test_my_own.py", text)], [])
        assert reply["status"] in ("failed", "not answered") and says in reply["message"], reply
    for name in ("../test_x.py", ".test_x.py", "a/test_x.py"):
        with pytest.raises(judge.Unjudgeable):
            judge.judge("cicd", "own_test", [("file", name, REFERENCE)], [])
    with pytest.raises(judge.Unjudgeable):
        judge.judge("cicd", "own_test", [("file", "test_my_own.py", REFERENCE)], [], runs={"site": "yes"})
