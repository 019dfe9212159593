"""A notebook kernel whose PostgreSQL restarts under it: the next cell reconnects; while the server
is away, a cell that needs it answers in one line that says how to bring it back.

The kernel runs on an embedded server of its own (a throw-away data folder), so stopping it
touches neither the tests' server nor the learner's.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from workbook.paths import PROJECT_DIR, REPO_ROOT

COUNT = "from posts.models import Post\nprint(Post.all_objects.count())"


def embedded(action: str, env: dict) -> None:
    code = {
        "start": "from config import embedded; embedded.server()",
        "stop": "from config import embedded; embedded.stop()",
    }
    subprocess.run([sys.executable, "-c", code[action]], env=env, cwd=PROJECT_DIR, check=True, timeout=120)


@pytest.fixture
def kernel():
    # Not under pytest's tmp_path: as root the server runs as a user of its own, which must reach
    # its folder, and every pytest session that starts (02-cicd's CI demonstration runs some) makes
    # /tmp/pytest-of-root private again, so stopping the server there failed with "Permission denied".
    folder = Path(tempfile.mkdtemp(prefix="workbook-kernel-test-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DB_NAME")}
    env.update(EMBEDDED_POSTGRES_DATA=str(folder / "pgdata"), DJANGO_DB_NAME="workbook_kernel_test")
    notebook = nbformat.v4.new_notebook()
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True)

    def run(source: str) -> list[dict]:
        cell = nbformat.v4.new_code_cell(source)
        notebook.cells.append(cell)
        client.execute_cell(cell, len(notebook.cells) - 1)
        return cell.outputs

    try:
        with client.setup_kernel(env=env, cwd=str(REPO_ROOT)):
            run("import workbook\nworkbook.setup()")
            yield run, env
    finally:
        try:
            embedded("stop", env)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def text(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def errors(outputs: list[dict]) -> list[dict]:
    return [o for o in outputs if o["output_type"] == "error"]


def test_the_next_cell_after_a_restart_reconnects(kernel):
    run, env = kernel
    outputs = run(COUNT)
    assert text(outputs).strip() == "7", outputs
    embedded("stop", env)
    embedded("start", env)
    outputs = run(COUNT)
    assert not errors(outputs), errors(outputs)
    assert text(outputs).strip() == "7"


def test_a_cell_while_the_server_is_away_says_so_in_one_line_then_recovers(kernel):
    run, env = kernel
    run(COUNT)
    embedded("stop", env)
    (error,) = errors(run(COUNT))
    assert error["ename"] == "DatabaseUnavailable"
    assert len(error["traceback"]) == 1, error["traceback"]
    assert "connection was lost" in error["traceback"][0]
    assert "python3 run.py db" in error["traceback"][0]
    embedded("start", env)
    outputs = run(COUNT)
    assert not errors(outputs), errors(outputs)
    assert text(outputs).strip() == "7"


def test_other_database_errors_keep_their_traceback(kernel):
    run, _env = kernel
    source = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute(\"SET statement_timeout = '10ms'\")\n"
        "    try:\n"
        "        cursor.execute('SELECT pg_sleep(1)')\n"
        "    finally:\n"
        "        cursor.execute('RESET statement_timeout')"
    )
    (error,) = errors(run(source))
    assert error["ename"] == "OperationalError"
    assert len(error["traceback"]) > 1
    assert "statement timeout" in "".join(error["traceback"])
