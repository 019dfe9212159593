"""02-cicd's needs-and-matrix exercise: the right workflow passes, each usual mistake gets its hint."""

import pytest

from workbook.checks import CheckFailed
from workbook.checks import cicd as check

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0"


def workflow(
    *, matrix='python-version: ["3.11", "3.12"]', version="${{ matrix.python-version }}", needs="needs: test"
):
    strategy = f"    strategy:\n      matrix:\n        {matrix}\n" if matrix else ""
    return f"""
name: tests
on: push
jobs:
  test:
    runs-on: ubuntu-24.04
{strategy}    steps:
      - uses: {CHECKOUT}
      - uses: {SETUP_PYTHON}
        with:
          python-version: "{version}"
      - run: python -m pip install -r requirements-dev.txt -e .
      - run: python -m pytest
  deploy:
    runs-on: ubuntu-24.04
    {needs}
    steps:
      - run: echo "deploying"
"""


REFERENCE = workflow()


def test_the_reference_passes(capsys):
    check.needs_and_matrix(REFERENCE)
    assert "✓ needs_and_matrix: deploy needs test" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer",
    [
        workflow(
            needs="needs: [test]", matrix='python: ["3.11", "3.12", "3.13"]', version="${{ matrix.python }}"
        ),
        workflow(
            matrix='include:\n          - python-version: "3.11"\n          - python-version: "3.12"',
        ),
    ],
    ids=["a list of needs, another key, three versions", "include entries"],
)
def test_other_correct_workflows_pass(answer, capsys):
    check.needs_and_matrix(answer)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(
    "answer, says, teaches",
    [
        (workflow(needs=""), "deploy does not wait for test", "needs: test"),
        (workflow(matrix=None, version="3.12"), "the test job has no matrix", "strategy: matrix"),
        (workflow(matrix="python-version: [3.10, 3.11, 3.12]"), "a number, not a string", "quote versions"),
        (workflow(version="3.12"), "installs the same Python", "matrix.python-version"),
        (workflow(matrix='python-version: ["3.12", "3.13"]'), "lists both Python versions", "3.11"),
    ],
    ids=["no needs", "no matrix", "unquoted versions", "matrix unused", "wrong versions"],
)
def test_each_mistake_fails_with_its_hint(answer, says, teaches):
    with pytest.raises(CheckFailed, match=says) as failure:
        check.needs_and_matrix(answer)
    assert teaches in str(failure.value)


@pytest.mark.skipif(check.actionlint_path() is None, reason="actionlint is not installed")
def test_a_needs_naming_no_job_is_found_by_actionlint():
    with pytest.raises(CheckFailed, match="actionlint found"):
        check.needs_and_matrix(workflow(needs="needs: tset"))


def test_not_yet_answered_and_not_text():
    with pytest.raises(
        check.NotAnswered if hasattr(check, "NotAnswered") else CheckFailed, match="no answer yet"
    ):
        check.needs_and_matrix(...)
    with pytest.raises(CheckFailed, match="YAML text"):
        check.needs_and_matrix({"jobs": {}})


@pytest.mark.parametrize(
    "answer, says",
    [
        (
            REFERENCE.replace("    needs: test\n", "").replace(
                "    runs-on: ubuntu-24.04\n    strategy",
                "    runs-on: ubuntu-24.04\n    needs: deploy\n    strategy",
            ),
            "deploy does not wait for test",
        ),
        (workflow(matrix='python-version: ["3.11"]\n        os: ["3.12"]'), "no matrix key lists both"),
    ],
    ids=["the needs on the wrong job", "the versions split over two keys"],
)
def test_more_mistakes(answer, says):
    with pytest.raises(CheckFailed, match=says):
        check.needs_and_matrix(answer)


def test_versions_written_as_yaml_numbers_that_read_the_same_pass(capsys):
    """3.11 and 3.12 unquoted are numbers that still read "3.11" and "3.12": the same versions."""
    check.needs_and_matrix(workflow(matrix="python-version: [3.11, 3.12]"))
    assert capsys.readouterr().out.startswith("✓ needs_and_matrix")


def test_a_version_a_yaml_number_changes_fails():
    with pytest.raises(CheckFailed, match="number"):
        check.needs_and_matrix(workflow(matrix="python-version: [3.10, 3.11, 3.12]"))
