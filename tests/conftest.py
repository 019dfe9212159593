"""Fixtures the tests of workbook/ share."""

import subprocess

import pytest

from workbook.paths import REPO_ROOT


@pytest.fixture
def seeded(db):
    """The seed after TRUNCATE ... RESTART IDENTITY: the ids the notebooks show."""
    from demo.seed import reset

    reset()


@pytest.fixture
def git_status():
    """`git status` of the repository, untracked files included: call it before and after."""

    def status() -> str:
        return subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    return status
