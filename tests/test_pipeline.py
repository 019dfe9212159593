"""02's CI demonstration: the site's tests in a copy of the site, on the notebook's own server."""

from __future__ import annotations

import pytest

from workbook.authoring import scratch
from workbook.database import connect
from workbook.pipeline import ProjectCopy


@pytest.fixture
def copy(monkeypatch):
    """A copy whose databases are named after this test's, removed after."""
    config = scratch.django_config()
    monkeypatch.setenv("DJANGO_DB_NAME", f"{config['NAME']}_pipeline")
    work = ProjectCopy()
    yield work
    work.remove()


def _databases(config: dict) -> set[str]:
    conn = connect(config, "postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


def test_the_copy_s_tests_run_on_the_notebook_s_server_and_remove_leaves_nothing(copy):
    """Never a second embedded server in the copy (its initdb cost seconds, and it stayed running
    with its folder deleted): the copy's test database is on the server the notebook uses."""
    config = scratch.django_config()
    status, counts, failures = copy.run_tests("project/core/tests/test_models.py")
    assert (status, failures) == (0, []) and "passed" in counts
    assert not (copy.folder / ".pgdata").exists()
    assert f"test_{copy.db_name}" in _databases(config)
    assert copy.remove()
    assert f"test_{copy.db_name}" not in _databases(config)
