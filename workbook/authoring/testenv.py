"""pytest's first plugin (`-p workbook.authoring.testenv` in pyproject.toml's addopts): the tests'
own database name, set before pytest-django reads Django's settings, so plain `pytest` and
`pytest notebooks/ko` in the venv run as `python3 run.py test` does, never on the learner's
database; and an embedded server such a run started is stopped at its end.

(conftest.py comes too late for the name: pytest-django sets Django up before it is imported.)
"""

from __future__ import annotations

import os

from ..database import TEST_DB_NAME

os.environ.setdefault("DJANGO_DB_NAME", TEST_DB_NAME)


def _embedded_running() -> bool | None:
    """Whether the embedded server runs now, before the settings start it (None: not ours to say)."""
    from .. import database

    if database.database_url():
        return None
    try:
        return database.embedded_running()
    except ImportError:  # the site's packages are not importable yet: nothing to stop later
        return None


_RUNNING_BEFORE = _embedded_running()


def pytest_unconfigure(config):
    if _RUNNING_BEFORE is False and not hasattr(config, "workerinput"):
        from .. import database

        database.stop_embedded()
