"""A pytest plugin for running the tests in several workers (pytest-xdist), each on databases of its own.

`python3 run.py test` loads it (`-p workbook.authoring.workers`). Imported in every worker before
Django's settings are, it gives the worker a database name of its own: DJANGO_DB_NAME plus
`_gw0`, `_gw1`, ... The kernels nbval starts inherit it, and pytest-django's `test_...` database
and every scratch database a test names after it follow. A pytest run inside a worker (02's CI
demonstration) inherits the name as it is.

Each test module, and each notebook, runs whole in one worker and in order (`--dist loadscope`):
a module's fixtures are set up once, and a notebook's cells run in sequence in one kernel. The
notebooks and the modules that start servers or stacks are handed out first, so that no long
one starts last while the other worker has nothing left to do.
"""

from __future__ import annotations

import os

from ..database import TEST_DB_NAME

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("WORKBOOK_TEST_WORKER") != _worker:
    os.environ["DJANGO_DB_NAME"] = f"{os.environ.get('DJANGO_DB_NAME') or TEST_DB_NAME}_{_worker}"
    os.environ["WORKBOOK_TEST_WORKER"] = _worker

# Modules that take long on their own, handed out right after the notebooks.
LONG_FIRST = (
    "tests/test_compose.py",
    "tests/test_rehearsal.py",
    "project/core/tests/test_schemathesis.py",
    "tests/test_student_copies.py",
    "tests/test_lab.py",
    "tests/test_notebooks.py",
    "tests/test_workflows.py",
    "tests/test_check_runner.py",
    "tests/test_cli.py",
)


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return 0
    if path in LONG_FIRST:
        return 1 + LONG_FIRST.index(path)
    return 1 + len(LONG_FIRST)


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_rank)  # stable: the order within a module and within a notebook is kept
