"""Test isolation: the Django tests and the notebooks nbval runs use databases of their own.

The Django tests get pytest-django's `test_<name>` database; the notebook kernels inherit
WORKBOOK_DB_NAME and use that database, dropped and made anew at the start of each run.
The learner's database ('workbook') is never touched.
"""

import os
import socket

import pytest

os.environ.setdefault("WORKBOOK_DB_NAME", "workbook_tests")

from workbook import database  # noqa: E402


def pytest_configure(config):
    if os.environ["WORKBOOK_DB_NAME"] == database.DEFAULT_DB_NAME:
        raise pytest.UsageError("WORKBOOK_DB_NAME names the learner's database; the tests use their own.")


def pytest_collection_modifyitems(session, config, items):
    if any(str(item.path).endswith(".ipynb") for item in items):
        _fresh_notebook_database()


def _fresh_notebook_database() -> None:
    config = database.django_database_config()
    database.drop_database(config, config["NAME"])
    database.ensure_database(config)


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: bound here (so no one else takes it) but never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
