"""Fixtures the tests of workbook/ share."""

import shutil
import subprocess
import tempfile
from pathlib import Path

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


@pytest.fixture
def server_tmp_path():
    """A temporary folder outside pytest's own, for data an embedded server runs on: as root the
    server runs as a user of its own, and every pytest session that starts meanwhile (another
    checkout's, a test's own) makes /tmp/pytest-of-root private again, under the running server."""
    path = Path(tempfile.mkdtemp(prefix="workbook-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
