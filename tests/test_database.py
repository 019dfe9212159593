"""workbook.database: where PostgreSQL is, and what a learner reads when it does not answer."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from workbook import database
from workbook.database import DatabaseUnavailable

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "WORKBOOK_DB_NAME", "WORKBOOK_COMPOSE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_database_url_gives_engine_host_port_user_password_and_name(clean_env):
    clean_env.setenv("DATABASE_URL", "postgres://shop:s3cret@db.example:6543/shopdb")
    config = database.django_database_config()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    got = (config["HOST"], str(config["PORT"]), config["USER"], config["PASSWORD"], config["NAME"])
    assert got == ("db.example", "6543", "shop", "s3cret", "shopdb")
    assert config["OPTIONS"]["connect_timeout"] == 5
    assert config["CONN_MAX_AGE"] == 0


def test_workbook_db_name_overrides_the_name_in_database_url(clean_env):
    clean_env.setenv("DATABASE_URL", "postgresql://shop@db.example/shopdb")
    clean_env.setenv("WORKBOOK_DB_NAME", "shop_tests")
    assert database.django_database_config()["NAME"] == "shop_tests"


def test_a_database_url_without_a_name_uses_workbook(clean_env):
    clean_env.setenv("DATABASE_URL", "postgres://shop@db.example:5432")
    assert database.django_database_config()["NAME"] == "workbook"


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="DATABASE_URL is set: this run must not start the embedded server (the embedded run covers it)",
)
def test_without_database_url_the_embedded_server_is_used_over_its_socket(clean_env):
    name = "workbook_tests_embedded_check"
    clean_env.setenv("WORKBOOK_DB_NAME", name)
    config = database.django_database_config()
    try:
        assert (config["USER"], config["NAME"], config["PORT"]) == ("postgres", name, "")
        assert Path(config["HOST"]).is_dir(), "HOST is the server's socket directory"
        # The embedded server's database exists before anything connects (manage.py included).
        with psycopg.connect(dbname=name, user="postgres", host=config["HOST"]) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        database.drop_database(config, name)
    clean_env.delenv("WORKBOOK_DB_NAME")
    assert database.django_database_config()["NAME"] == "workbook"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("sqlite://", "sqlite"), ("sqlite:////tmp/db.sqlite3", "sqlite"), ("mysql://u:p@127.0.0.1/db", "mysql")],
)
def test_a_database_url_that_is_not_postgresql_is_refused_in_one_sentence(clean_env, url, scheme):
    clean_env.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseUnavailable) as excinfo:
        database.django_database_config()
    assert str(excinfo.value) == (f"DATABASE_URL must point at PostgreSQL (postgres://...), not {scheme}://.")


@pytest.mark.parametrize(
    ("compose", "kind", "hint"),
    [
        (None, "DATABASE_URL", "start that server, or unset DATABASE_URL to use the embedded one."),
        ("1", "compose", "start it with `docker compose up -d db`."),
    ],
)
def test_ensure_database_against_a_closed_port_says_where_and_how_to_start_one(
    clean_env, closed_port, compose, kind, hint
):
    clean_env.setenv("DATABASE_URL", f"postgres://postgres:pw@127.0.0.1:{closed_port}/anything")
    if compose:
        clean_env.setenv("WORKBOOK_COMPOSE", compose)
    config = database.django_database_config()
    with pytest.raises(DatabaseUnavailable) as excinfo:
        database.ensure_database(config)
    message = str(excinfo.value)
    where = f"127.0.0.1:{closed_port}"
    prefix = (
        f"No PostgreSQL answers at {kind} ({where})"
        if kind == "DATABASE_URL"
        else (f"No PostgreSQL answers at compose (service db at {where})")
    )
    assert message.startswith(prefix), message
    assert "Connection refused" in message, "the reason a person can act on"
    assert message.endswith(hint), message
    assert "\n" not in message and "Traceback" not in message
    # In a notebook, IPython shows this one line instead of a traceback.
    assert excinfo.value._render_traceback_() == [f"DatabaseUnavailable: {message}"]


def test_the_embedded_servers_hint_points_at_its_log(clean_env, closed_port):
    config = {"USER": "postgres", "HOST": "127.0.0.1", "PORT": str(closed_port), "NAME": "x"}
    with pytest.raises(DatabaseUnavailable) as excinfo:
        database.ensure_database(config)
    message = str(excinfo.value)
    assert message.startswith("No PostgreSQL answers at embedded (pgserver, data in ")
    assert "Connection refused. To fix it, read the server's log in " in message
    assert message.endswith("pgdata/log, or set DATABASE_URL to another server.")
    assert "\n" not in message


def test_drop_database_refuses_the_learners_database_before_connecting(closed_port):
    # The config points nowhere: refusing must come first, not a connection error.
    config = {"USER": "postgres", "HOST": "127.0.0.1", "PORT": str(closed_port)}
    with pytest.raises(ValueError, match="refusing to drop the learner's database"):
        database.drop_database(config, "workbook")


def _exists(config, name: str) -> bool:
    with database._connect(config, "postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def test_ensure_database_creates_once_and_drop_database_removes(monkeypatch):
    name = f"{os.environ['WORKBOOK_DB_NAME']}_scratch_{os.getpid()}"
    monkeypatch.setenv("WORKBOOK_DB_NAME", name)
    config = database.django_database_config()
    database.drop_database(config, name)
    try:
        assert database.ensure_database(config) is True
        assert database.ensure_database(config) is False
        assert _exists(config, name)
        with psycopg.connect(**_conninfo(config, name)) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == name
    finally:
        database.drop_database(config, name)
    assert not _exists(config, name)
    database.drop_database(config, name)  # dropping a missing database is fine


def _conninfo(config, name):
    return {
        "dbname": name,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }


def test_location_tells_embedded_compose_and_database_url_apart(clean_env):
    assert database.location().kind == "embedded"
    assert str(database.location()).startswith("embedded (pgserver, data in ")
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db:5432/workbook")
    assert str(database.location()) == "DATABASE_URL (db:5432)"
    clean_env.setenv("WORKBOOK_COMPOSE", "1")
    assert str(database.location()) == "compose (service db at db:5432)"


def test_the_test_suite_refuses_to_run_on_the_learners_database():
    env = dict(os.environ, WORKBOOK_DB_NAME="workbook")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-o",
            "addopts=",
            "-p",
            "no:nbval",
            "--collect-only",
            "-q",
            "tests/test_database.py",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "WORKBOOK_DB_NAME names the learner's database" in result.stderr
