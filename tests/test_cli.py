"""`python -m workbook` as a learner runs it: one sentence and an exit code when something is wrong.

Every command runs in a subprocess that inherits DJANGO_DB_NAME, so none of them touches the
learner's 'workbook' database; the reset tests use a throwaway database dropped at the end.
"""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import database
from workbook.authoring import scratch

REPO_ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    assert environment["DJANGO_DB_NAME"] != database.DEFAULT_DB_NAME
    return subprocess.run(
        [sys.executable, "-m", "workbook", *args],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,  # no tty: nothing may wait for an answer
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def closed_url():
    """A DATABASE_URL at a loopback port nothing listens on (bound, never listening)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"postgres://postgres:pw@127.0.0.1:{sock.getsockname()[1]}/workbook_cli"
    finally:
        sock.close()


@pytest.mark.parametrize(
    "args",
    [["db"], ["reset", "--yes"], ["token", "alice"], ["lab", "--no-browser"], ["serve"]],
    ids=" ".join,
)
def test_no_database_means_exit_3_and_one_sentence_without_a_traceback(closed_url, args):
    result = run(*args, DATABASE_URL=closed_url, JUPYTER_TOKEN="a-long-token-for-this-test")
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    port = closed_url.rsplit(":", 1)[1].split("/")[0]
    assert lines[0].startswith(f"No PostgreSQL answers at DATABASE_URL (127.0.0.1:{port}): ")
    assert lines[0].endswith("start that server, or unset DATABASE_URL to use the embedded one.")
    assert "Starting JupyterLab" not in result.stdout and "Serving the API" not in result.stdout


def test_lab_refuses_an_empty_jupyter_token_before_starting_anything(closed_url):
    # The unreachable database proves it: had lab gone on, it would have failed with exit 3.
    result = run("lab", "--no-browser", JUPYTER_TOKEN="", DATABASE_URL=closed_url, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith("JUPYTER_TOKEN is set but empty")
    assert result.stdout == ""


def test_an_unknown_command_is_a_usage_error():
    result = run("frobnicate", timeout=30)
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


# --- commands on a throwaway database -------------------------------------------------------


@pytest.fixture(scope="module")
def throwaway():
    """A database of this module's own, migrated and seeded by `reset --yes`; dropped after."""
    name = f"{os.environ['DJANGO_DB_NAME']}_cli_{os.getpid()}"
    config = {**scratch.django_config(), "NAME": name}
    scratch.fresh_database(config, name)
    try:
        result = run("reset", "--yes", DJANGO_DB_NAME=name)
        assert result.returncode == 0, result.stderr
        yield name, config
    finally:
        database.drop_database(config, name)


def _sql(config, name: str, query: str, params=()):
    conn = database.connect(config, name)
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else cursor.rowcount
    finally:
        conn.close()


def _snapshot(config, name: str) -> dict:
    tables = [
        row[0]
        for row in _sql(
            config, name, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    ]
    counts = {t: _sql(config, name, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}
    counts["post contents"] = _sql(config, name, "SELECT id, content FROM posts_post ORDER BY id")
    return counts


def test_reset_without_yes_and_without_a_tty_refuses_and_changes_nothing(throwaway):
    name, config = throwaway
    assert _sql(config, name, "UPDATE posts_post SET content = 'changed by the learner' WHERE id = 1") == 1
    before = _snapshot(config, name)
    result = run("reset", DJANGO_DB_NAME=name)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Refusing to reset database '{name}' on ")
    assert result.stderr.strip().endswith("without confirmation: add --yes.")
    assert _snapshot(config, name) == before
    assert before["post contents"][0] == (1, "changed by the learner")


def test_reset_yes_brings_back_the_seed_with_the_same_ids(throwaway):
    name, config = throwaway
    _sql(config, name, "UPDATE posts_post SET content = 'changed by the learner' WHERE id = 1")
    _sql(config, name, "UPDATE posts_comment SET is_deleted = true, deleted_at = now() WHERE id = 1")
    result = run("reset", "--yes", DJANGO_DB_NAME=name)
    assert result.returncode == 0, result.stderr
    assert f"Reset database '{name}' on " in result.stdout
    posts = _sql(config, name, "SELECT id, content, is_deleted FROM posts_post ORDER BY id")
    assert [p[0] for p in posts] == [1, 2, 3, 4, 5, 6, 7]
    assert posts[0][1] == "Sunset at Haeundae beach"
    assert [p[2] for p in posts] == [False] * 6 + [True]
    users = _sql(config, name, "SELECT username FROM auth_user ORDER BY id")
    assert users == [("alice",), ("bob",), ("carol",)]
    assert _sql(config, name, "SELECT is_deleted FROM posts_comment WHERE id = 1") == [(False,)]


def test_token_for_an_unknown_user_is_exit_2_and_names_the_seed_users(throwaway):
    name, _ = throwaway
    result = run("token", "nosuchuser", DJANGO_DB_NAME=name)
    assert result.returncode == 2
    assert result.stderr.strip() == "No user 'nosuchuser'; the seed has alice, bob and carol."
    assert result.stdout == ""


def test_token_prints_a_users_key_and_the_same_key_again(throwaway):
    name, _ = throwaway
    first = run("token", "alice", DJANGO_DB_NAME=name)
    second = run("token", "alice", DJANGO_DB_NAME=name)
    assert first.returncode == second.returncode == 0, first.stderr
    assert re.fullmatch(r"[0-9a-f]{40}\n", first.stdout)
    assert first.stdout == second.stdout


def test_db_says_where_the_database_is_and_that_it_answers(throwaway):
    name, _ = throwaway
    result = run("db", DJANGO_DB_NAME=name)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Database: ")
    assert re.fullmatch(rf"Django 5\.2\.\d+ · PostgreSQL \d+\.\d+ · database '{name}' on .+", lines[-1])


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="DATABASE_URL is set: this run must not start an embedded server (the embedded run covers it)",
)
def test_progress_reset_and_token_stop_the_embedded_server_they_started(server_tmp_path):
    """An embedded server of the test's own, not running: each command starts it, does its work,
    and stops it again; one already running (a lab's) is left running."""
    data = server_tmp_path / "pgdata"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(EMBEDDED_POSTGRES_DATA=str(data), DJANGO_DB_NAME="workbook_tests_cli_stop")

    def running() -> bool:
        return (data / "postmaster.pid").exists()  # removed when the server stops

    def workbook(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "workbook", *args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )

    try:
        for args in (["reset", "--yes"], ["progress"], ["token", "alice"]):
            result = workbook(*args)
            assert result.returncode == 0, result.stderr[-2000:]
            assert not running(), f"{' '.join(args)} left the embedded server running"
        assert workbook("db").returncode == 0 and running(), "`db` starts it and says where it is"
        assert workbook("progress").returncode == 0
        assert running(), "a server that was running before is left running"
    finally:
        workbook("db", "--stop")
    assert not running()
