"""Where the workbook's PostgreSQL is, for people: DATABASE_URL when set, else the embedded server.

The site's local settings (config.settings.local) decide the connection and start the embedded
server; this module only says where that is, what to do when nothing answers, and stops the
embedded server on request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .i18n import N_, _
from .paths import REPO_ROOT, shown, state_dir

DEFAULT_DB_NAME = "instagram"  # the learner's database (config.embedded's default)
TEST_DB_NAME = "workbook_tests"


class DatabaseUnavailable(RuntimeError):
    """No PostgreSQL answers; the message is one sentence that says how to start one."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"DatabaseUnavailable: {self}"]


@dataclass(frozen=True)
class Location:
    kind: str  # "embedded", "compose" or "DATABASE_URL" (shown translated)
    detail: str  # where it is, for people

    def __str__(self) -> str:
        return f"{_(self.kind)} ({self.detail})"


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip()


def database_name() -> str | None:
    """DJANGO_DB_NAME overrides the database name (the tests use their own)."""
    return os.environ.get("DJANGO_DB_NAME") or None


def _embedded():
    from config import embedded

    return embedded


def embedded_data_dir() -> Path:
    """The data folder of the embedded server this process uses (when DATABASE_URL is unset)."""
    return _embedded().data_dir()


def location() -> Location:
    url = database_url()
    if not url:
        detail = _("PostgreSQL from a wheel, data in {path}").format(path=shown(_embedded().data_dir()))
        return Location(N_("embedded"), detail)
    parts = urlsplit(url)
    where = f"{parts.hostname or 'local socket'}:{parts.port or 5432}"
    if os.environ.get("WORKBOOK_COMPOSE") == "1":
        return Location(N_("compose"), _("service db at {where}").format(where=where))
    return Location("DATABASE_URL", where)


def unavailable_message(exc: Exception) -> str:
    where = location()
    # libpq nests its reasons ("connection to server ... failed: Connection refused"):
    # the last one is the one a person can act on.
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    reason = first_line.rsplit(": ", 1)[-1]
    if "does not exist" in reason:
        hint = _("create it on that server (createdb), or name one that exists")
    elif where.kind == "embedded" and not embedded_running():
        hint = _("start it with `python3 run.py db` (a new kernel starts it too)")
    elif where.kind == "embedded":
        log = shown(_embedded().data_dir() / "log")
        hint = _("read the server's log in {log}, or set DATABASE_URL to another server").format(log=log)
    elif where.kind == "compose":
        hint = _("start it with `docker compose up -d db`")
    else:
        hint = _("start that server, or unset DATABASE_URL to use the embedded one")
    return _("No PostgreSQL answers at {where}: {reason}. To fix it, {hint}.").format(
        where=where, reason=reason, hint=hint
    )


def connect(config: dict, dbname: str | None = None):
    """A psycopg2 connection (autocommit) where Django's `config` points, to `dbname` or its own."""
    import psycopg2

    conn = psycopg2.connect(
        dbname=dbname or config["NAME"],
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def drop_database(config: dict, name: str) -> None:
    """Drop a scratch database (a test's, a demo's); never the learner's."""
    from psycopg2 import sql

    if name == DEFAULT_DB_NAME:
        raise ValueError("refusing to drop the learner's database")
    conn = connect(config, "postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def embedded_running() -> bool:
    return _embedded().running()


def stop_embedded() -> bool:
    """Stop the embedded server; True when one was running."""
    return _embedded().stop()


def earlier_data_notice() -> str | None:
    """One line for a learner whose .workbook/pgdata was made by the earlier embedded server."""
    old = state_dir() / "pgdata"
    version_file = old / "PG_VERSION"
    if database_url() or not version_file.exists():
        return None
    major = version_file.read_text().strip()
    return (
        f"Note: {shown(old)} holds data of the earlier embedded PostgreSQL {major}, which this "
        f"version no longer reads; the workbook now starts from the seed in "
        f"{shown(_embedded().data_dir())}. Delete {shown(old)} when you no longer need it."
    )


__all__ = [
    "DEFAULT_DB_NAME",
    "REPO_ROOT",
    "TEST_DB_NAME",
    "DatabaseUnavailable",
    "Location",
    "connect",
    "database_name",
    "database_url",
    "drop_database",
    "earlier_data_notice",
    "embedded_running",
    "location",
    "stop_embedded",
    "unavailable_message",
]


# --- a kernel whose database restarted under it -----------------------------------------------


def drop_dead_connections(*_event_args) -> None:
    """Before each cell: a connection the server dropped (a restart) is closed, so the cell's
    first query opens a new one instead of failing. One SELECT 1 per cell, on the driver's own
    cursor (count_queries never sees it); a connection inside a transaction is left alone."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block and not conn.is_usable():
            conn.close()


def show_lost_connection(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython's handler for Django's OperationalError and InterfaceError: when the connection is
    gone, one line that says what happened and what to do; any other such error (a deadlock, a
    statement timeout) keeps its usual traceback."""
    from django.db import connection

    if connection.connection is not None and connection.is_usable():
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    connection.close()
    try:
        connection.ensure_connection()
    except Exception as exc:  # the server is still away: say how to bring it back
        message = _("The database connection was lost. {reason}").format(reason=unavailable_message(exc))
    else:
        message = _(
            "The database connection was lost (PostgreSQL restarted); this kernel has reconnected: "
            "run the cell again. If it fails again, restart the kernel."
        )
    shell.showtraceback((DatabaseUnavailable, DatabaseUnavailable(message), None))


def watch_connection() -> None:
    """In an IPython kernel: reconnect before a cell when the server dropped the connection, and
    answer a lost connection in one line. Does nothing outside IPython; safe to call twice."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from django.db import InterfaceError, OperationalError

    if drop_dead_connections not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", drop_dead_connections)
    shell.set_custom_exc((OperationalError, InterfaceError), show_lost_connection)
