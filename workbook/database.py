"""Where the workbook's PostgreSQL is: DATABASE_URL when set, else an embedded server from pgserver."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_NAME = "workbook"


class DatabaseUnavailable(RuntimeError):
    """No PostgreSQL answers; the message is one sentence that says how to start one."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"DatabaseUnavailable: {self}"]


@dataclass(frozen=True)
class Location:
    kind: str  # "embedded", "compose" or "DATABASE_URL"
    detail: str  # where it is, for people

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})"


def state_dir() -> Path:
    """The gitignored folder that holds the embedded server's data."""
    return Path(os.environ.get("WORKBOOK_HOME", REPO_ROOT / ".workbook")).resolve()


def pgdata_dir() -> Path:
    return state_dir() / "pgdata"


def database_name() -> str | None:
    """WORKBOOK_DB_NAME overrides the database name (the tests use their own)."""
    return os.environ.get("WORKBOOK_DB_NAME") or None


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip()


def location() -> Location:
    url = database_url()
    if not url:
        return Location("embedded", f"pgserver, data in {_short(pgdata_dir())}")
    parts = urlsplit(url)
    where = f"{parts.hostname or 'local socket'}:{parts.port or 5432}"
    if os.environ.get("WORKBOOK_COMPOSE") == "1":
        return Location("compose", f"service db at {where}")
    return Location("DATABASE_URL", where)


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _import_pgserver():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver
        import pgserver._commands
    return pgserver


def _embedded_server():
    """Start the embedded server if it is not running (idempotent, shared by every process)."""
    try:
        pgserver = _import_pgserver()
    except ImportError as exc:
        raise DatabaseUnavailable(
            "DATABASE_URL is not set and the embedded server is not installed: "
            "set DATABASE_URL or run `pip install -r requirements.txt`."
        ) from exc
    pgdata = pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # cleanup_mode=None: the server outlives this process, so the lab, its kernels,
            # `serve` and the tests share one server; `python -m workbook db --stop` stops it.
            return pgserver.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:  # pgserver raises several kinds; all mean the same to a learner
        raise DatabaseUnavailable(
            f"The embedded PostgreSQL in {_short(pgdata)} did not start ({exc.__class__.__name__}); "
            f"see {_short(pgdata / 'log')}, or set DATABASE_URL to use another server."
        ) from exc


def django_database_config() -> dict:
    """DATABASES['default'] for Django, from DATABASE_URL or the embedded server."""
    url = database_url()
    if url:
        import environ

        config = environ.Env.db_url_config(url)
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise DatabaseUnavailable(
                f"DATABASE_URL must point at PostgreSQL (postgres://...), not {urlsplit(url).scheme}://."
            )
    else:
        server = _embedded_server()
        info = server.get_postmaster_info()
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DEFAULT_DB_NAME,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": str(info.socket_dir),
            "PORT": "",
        }
    config["NAME"] = database_name() or config.get("NAME") or DEFAULT_DB_NAME
    config.setdefault("CONN_MAX_AGE", 0)
    config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    if not url:
        # The embedded server is the workbook's own: its database exists before anything
        # (manage.py included) connects. A DATABASE_URL server's databases are its owner's.
        ensure_database(config)
    return config


def _connect(config: dict, dbname: str):
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=5,
        autocommit=True,
    )


def unavailable_message(config: dict, exc: Exception) -> str:
    where = location()
    # psycopg nests its reasons ("connection failed: ... port 5999 failed: Connection refused"):
    # the last one is the one a person can act on.
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    reason = first_line.rsplit(": ", 1)[-1]
    if where.kind == "embedded":
        log = _short(pgdata_dir() / "log")
        hint = f"read the server's log in {log}, or set DATABASE_URL to another server"
    elif where.kind == "compose":
        hint = "start it with `docker compose up -d db`"
    else:
        hint = "start that server, or unset DATABASE_URL to use the embedded one"
    return f"No PostgreSQL answers at {where}: {reason}. To fix it, {hint}."


def ensure_database(config: dict) -> bool:
    """Create config['NAME'] if it does not exist; True when it was created."""
    import psycopg
    from psycopg import sql

    try:
        with _connect(config, "postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
            if exists:
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    except psycopg.errors.DuplicateDatabase:
        return False  # created by another process a moment ago
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(unavailable_message(config, exc)) from exc


def drop_database(config: dict, name: str) -> None:
    """Drop a database the tests made (never the learner's)."""
    from psycopg import sql

    if name == DEFAULT_DB_NAME:
        raise ValueError("refusing to drop the learner's database")
    with _connect(config, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def embedded_running() -> bool:
    pid_file = pgdata_dir() / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def stop_embedded() -> bool:
    """Stop the embedded server; True when one was running."""
    if not embedded_running():
        return False
    pg_ctl = _import_pgserver()._commands.pg_ctl
    # As root, pgserver runs the server as its own system user "pgserver".
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata_dir(), user=user)
    return True
