"""Test isolation: the Django tests and the notebooks nbval runs use databases of their own.

nbval runs both editions, notebooks/*.ipynb and the Korean notebooks/ko/*.ipynb, each notebook
whole in one worker on that worker's database, like any other.

The Django tests get pytest-django's `test_<name>` database; the notebook kernels inherit
DJANGO_DB_NAME and use that database, dropped and made anew at the start of each run (the
tests own their scratch databases, on the embedded server or DATABASE_URL's alike).
The learner's database is never touched.
"""

import os
import secrets
import socket
import tempfile

import pytest

from workbook import database

os.environ.setdefault("DJANGO_DB_NAME", database.TEST_DB_NAME)
# The deploy rehearsal's keys and state, and the name of its containers: the run's own, so neither
# the tests nor the notebooks they run (02-deploy brings one up where a Docker Engine answers)
# ever deploy to a rehearsal the learner has up, and two runs never share one.
os.environ.setdefault("WORKBOOK_REHEARSAL_HOME", tempfile.mkdtemp(prefix="workbook-rehearsal-tests-"))
# Always this process's own (each xdist worker too), whatever the shell says.
os.environ["WORKBOOK_REHEARSAL_NAME"] = f"wbtest{os.getpid()}-{secrets.token_hex(3)}"
# Each edition's kernels speak its language: nbval starts a kernel in its notebook's folder, where
# notebooks/ko/.workbook-lang says Korean and notebooks/ says nothing (English). A WORKBOOK_LANG
# from the caller's shell would override both, so the tests run without one.
os.environ.pop("WORKBOOK_LANG", None)


def pytest_configure(config):
    if os.environ["DJANGO_DB_NAME"] == database.DEFAULT_DB_NAME:
        raise pytest.UsageError("DJANGO_DB_NAME names the learner's database; the tests use their own.")


def pytest_sessionfinish(session, exitstatus):
    """A rehearsal a notebook brought up and did not take down (it failed on the way) goes now."""
    from workbook import rehearsal

    stage = rehearsal.Rehearsal()
    if stage.name != rehearsal.DEFAULT_NAME and stage.home.exists():
        stage.down(say=lambda *_: None)


_LIVE_FROM_SHELL = os.environ.get("WORKBOOK_REHEARSAL_LIVE")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """02-deploy's live deploy rehearsal (minutes) runs once per test run: in the English edition,
    and only where the docker tests run too (not under `-m "not docker"`). The Korean edition and
    the other passes run 02-deploy as without a Docker Engine. nbval starts a notebook's kernel
    before its first cell, with the environment of that moment, so it is set here.
    """
    if item.path.suffix != ".ipynb":
        return
    from workbook.paths import NOTEBOOKS_DIR

    deselected = "not docker" in (item.config.getoption("markexpr", "") or "")
    if item.path.parent != NOTEBOOKS_DIR or deselected:
        os.environ["WORKBOOK_REHEARSAL_LIVE"] = "0"
    elif _LIVE_FROM_SHELL is None:
        os.environ.pop("WORKBOOK_REHEARSAL_LIVE", None)
    else:
        os.environ["WORKBOOK_REHEARSAL_LIVE"] = _LIVE_FROM_SHELL


def pytest_collection_modifyitems(session, config, items):
    if any(str(item.path).endswith(".ipynb") for item in items):
        from workbook.authoring import scratch

        scratch.fresh_database(scratch.django_config())


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: bound here (so no one else takes it) but never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
