"""Where PostgreSQL is: the site's settings decide (base: DATABASE_URL; local: or the embedded
server), the workbook says where that is and what a learner reads when nothing answers."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import database
from workbook.authoring import scratch
from workbook.database import DatabaseUnavailable
from workbook.paths import PROJECT_DIR, REPO_ROOT

SNAPSHOT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES.get('default', {})))"
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("DATABASE_URL", "DJANGO_DB_NAME", "WORKBOOK_COMPOSE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings_in_a_new_process(module: str, **env: str) -> subprocess.CompletedProcess:
    """Import `module` as Django's settings in a fresh interpreter; prints DATABASES['default']."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DB_NAME")}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    return subprocess.run(
        [sys.executable, "-c", SNAPSHOT],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_base_settings_read_engine_host_port_user_password_and_name_from_database_url():
    result = settings_in_a_new_process(
        "config.settings.base", DATABASE_URL="postgres://shop:s3cret@db.example:6543/shopdb"
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    got = (config["HOST"], str(config["PORT"]), config["USER"], config["PASSWORD"], config["NAME"])
    assert got == ("db.example", "6543", "shop", "s3cret", "shopdb")
    assert config["OPTIONS"]["connect_timeout"] == 5


def test_importing_the_base_settings_starts_nothing(tmp_path):
    """No DATABASE_URL: no database configured, no server started, no folder made."""
    data = tmp_path / "pg"
    result = settings_in_a_new_process("config.settings.base", EMBEDDED_POSTGRES_DATA=str(data))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ENGINE"] == "django.db.backends.dummy", "Django's stand-in: nothing set"
    assert not data.exists()


def test_manage_py_on_base_settings_without_database_url_says_how_to_name_one():
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "DATABASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_local_settings_take_database_url_and_django_db_name_names_another_database():
    result = settings_in_a_new_process(
        "config.settings.local",
        DATABASE_URL="postgresql://shop@db.example/shopdb",
        DJANGO_DB_NAME="shop_tests",
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert (config["HOST"], config["NAME"]) == ("db.example", "shop_tests")


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("sqlite://", "sqlite"), ("sqlite:////tmp/db.sqlite3", "sqlite"), ("mysql://u:p@127.0.0.1/db", "mysql")],
)
def test_a_database_url_that_is_not_postgresql_is_refused_in_one_sentence(url, scheme):
    result = settings_in_a_new_process("config.settings.local", DATABASE_URL=url)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith(f"DATABASE_URL must point at PostgreSQL (postgres://...), not {scheme}://."), last


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="DATABASE_URL is set: this run must not start the embedded server (the embedded run covers it)",
)
def test_without_database_url_the_embedded_server_is_used_over_its_socket_and_makes_the_database():
    name = "workbook_tests_embedded_check"
    result = settings_in_a_new_process("config.settings.local", DJANGO_DB_NAME=name)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    try:
        assert (config["USER"], config["NAME"], config["PORT"]) == ("postgres", name, "")
        assert Path(config["HOST"]).is_dir(), "HOST is the server's socket directory"
        # The database exists before anything connects (manage.py included).
        conn = database.connect(config)
        with conn.cursor() as cursor:
            cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
            current, version = cursor.fetchone()
        conn.close()
        assert current == name
        assert version >= 180000, "the embedded server is PostgreSQL 18"
    finally:
        database.drop_database(config, name)


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="DATABASE_URL is set: this run must not start an embedded server (the embedded run covers it)",
)
@pytest.mark.skipif(os.name != "posix", reason="Windows' embedded server listens on 127.0.0.1, no socket")
@pytest.mark.parametrize("folder", ["Django course", "바탕화면", "바탕 화면", "a,b"])
def test_the_embedded_server_starts_in_a_folder_named_with_spaces_hangul_or_commas(server_tmp_path, folder):
    """pg_ctl passes postgres its socket folder unquoted: such a folder gets a socket folder of its
    own; the data stays where it was asked to be."""
    data = server_tmp_path / folder / "wb" / ".pgdata"
    code = (
        "from config import embedded; c = embedded.database_config('anywhere'); "
        "print(c['HOST']); print(embedded.running())"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DB_NAME")}
    env["EMBEDDED_POSTGRES_DATA"] = str(data)
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        host, running = result.stdout.split()
        assert running == "True" and (data / "PG_VERSION").is_file()
        assert Path(host, ".s.PGSQL.5432").is_socket()
        from config import embedded

        assert embedded.SHELL_SAFE.fullmatch(host), host
    finally:
        subprocess.run(
            [sys.executable, "-c", "from config import embedded; embedded.stop()"],
            cwd=PROJECT_DIR,
            env=env,
            timeout=120,
        )
    assert Path(host) == data or not Path(host).exists(), "the socket folder goes with the server"


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets only")
def test_a_socket_folder_is_the_librarys_unless_postgres_cannot_be_given_it(tmp_path):
    from config import embedded

    plain = tmp_path / "plain"
    assert embedded.socket_dir_for(plain, plain) == plain
    spaced = tmp_path / "Django course" / ".pgdata"
    own = embedded.socket_dir_for(spaced, spaced)
    assert own != spaced and embedded.SHELL_SAFE.fullmatch(str(own)) and own.is_dir()
    assert embedded.socket_dir_for(spaced, spaced) == own, "the same data folder, the same socket folder"
    other = embedded.socket_dir_for(tmp_path / "바탕 화면" / ".pgdata", tmp_path / "바탕 화면")
    assert other != own
    own.rmdir()
    other.rmdir()
    own.symlink_to(tmp_path)  # someone else's link in its place: refused, not followed
    try:
        with pytest.raises(embedded.EmbeddedServerError, match="not a folder of yours"):
            embedded.socket_dir_for(spaced, spaced)
    finally:
        own.unlink()


def test_running_says_whether_the_pid_files_process_runs(tmp_path, monkeypatch):
    """(By psutil: os.kill(pid, 0) would end the server on Windows.)"""
    from config import embedded

    monkeypatch.setenv("EMBEDDED_POSTGRES_DATA", str(tmp_path))
    assert not embedded.running()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "postmaster.pid").write_text(f"{sleeper.pid}\n{tmp_path}\n")
        assert embedded.running()
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not embedded.running()


def test_data_made_by_another_major_version_is_refused_in_one_sentence(tmp_path, monkeypatch):
    from config import embedded

    data = tmp_path / "pgdata"
    data.mkdir()
    (data / "PG_VERSION").write_text("16\n")
    monkeypatch.setenv("EMBEDDED_POSTGRES_DATA", str(data))
    with pytest.raises(embedded.EmbeddedServerError) as excinfo:
        embedded.server()
    message = str(excinfo.value)
    assert "made by PostgreSQL 16" in message and f"PostgreSQL {embedded.server_major()}" in message
    assert "\n" not in message
    assert sorted(p.name for p in data.iterdir()) == ["PG_VERSION"], "nothing was started or written"


def test_the_earlier_embedded_servers_data_gets_one_line(tmp_path, clean_env):
    clean_env.setenv("WORKBOOK_HOME", str(tmp_path))
    assert database.earlier_data_notice() is None
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "PG_VERSION").write_text("16\n")
    notice = database.earlier_data_notice()
    assert notice is not None and "\n" not in notice
    assert "PostgreSQL 16" in notice and "Delete" in notice
    clean_env.setenv("DATABASE_URL", "postgres://u@db/x")
    assert database.earlier_data_notice() is None, "a DATABASE_URL learner never used that data"


@pytest.mark.parametrize(
    ("compose", "kind", "hint"),
    [
        (None, "DATABASE_URL", "start that server, or unset DATABASE_URL to use the embedded one."),
        ("1", "compose", "start it with `docker compose up -d db`."),
    ],
)
def test_a_closed_port_says_where_and_how_to_start_one(clean_env, closed_port, compose, kind, hint):
    import psycopg2

    clean_env.setenv("DATABASE_URL", f"postgres://postgres:pw@127.0.0.1:{closed_port}/anything")
    if compose:
        clean_env.setenv("WORKBOOK_COMPOSE", compose)
    with pytest.raises(psycopg2.OperationalError) as raised:
        psycopg2.connect(host="127.0.0.1", port=closed_port, user="postgres", dbname="x", connect_timeout=5)
    message = database.unavailable_message(raised.value)
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
    assert DatabaseUnavailable(message)._render_traceback_() == [f"DatabaseUnavailable: {message}"]


def test_the_embedded_servers_hint_points_at_its_log_when_it_runs(clean_env, monkeypatch):
    monkeypatch.setattr(database, "embedded_running", lambda: True)
    message = database.unavailable_message(OSError("connection failed: Connection refused"))
    assert message.startswith("No PostgreSQL answers at embedded (PostgreSQL from a wheel, data in ")
    assert "Connection refused. To fix it, read the server's log in " in message
    assert message.endswith("/log, or set DATABASE_URL to another server.")


def test_a_stopped_embedded_server_gets_the_command_that_starts_it(clean_env, monkeypatch):
    monkeypatch.setattr(database, "embedded_running", lambda: False)
    message = database.unavailable_message(OSError("connection failed: Connection refused"))
    assert message.endswith("To fix it, start it with `python3 run.py db` (a new kernel starts it too).")
    assert "\n" not in message


def test_drop_database_refuses_the_learners_database_before_connecting(closed_port):
    # The config points nowhere: refusing must come first, not a connection error.
    config = {"USER": "postgres", "HOST": "127.0.0.1", "PORT": str(closed_port)}
    with pytest.raises(ValueError, match="refusing to drop the learner's database"):
        database.drop_database(config, database.DEFAULT_DB_NAME)
    with pytest.raises(ValueError, match="refusing to empty the learner's database"):
        scratch.fresh_database(config, database.DEFAULT_DB_NAME)


def _exists(config, name: str) -> bool:
    conn = database.connect(config, "postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def test_a_fresh_scratch_database_is_empty_and_drop_removes_it():
    config = scratch.django_config()
    name = f"{os.environ['DJANGO_DB_NAME']}_scratch_{os.getpid()}"
    try:
        scratch.fresh_database(config, name)
        conn = database.connect(config, name)
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE left_behind (id int)")
        conn.close()
        scratch.fresh_database(config, name)  # made anew: the table is gone
        conn = database.connect(config, name)
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'left_behind'")
            assert cursor.fetchone()[0] == 0
        conn.close()
    finally:
        database.drop_database(config, name)
    assert not _exists(config, name)
    database.drop_database(config, name)  # dropping a missing database is fine


def test_location_tells_embedded_compose_and_database_url_apart(clean_env):
    assert database.location().kind == "embedded"
    assert str(database.location()).startswith("embedded (PostgreSQL from a wheel, data in ")
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db:5432/workbook")
    assert str(database.location()) == "DATABASE_URL (db:5432)"
    clean_env.setenv("WORKBOOK_COMPOSE", "1")
    assert str(database.location()) == "compose (service db at db:5432)"


def test_the_site_never_imports_the_workbook():
    """The dependencies point one way: the workbook imports the site, never the reverse."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for path in PROJECT_DIR.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "workbook" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "workbook")
        or (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and any(isinstance(a, ast.Constant) and str(a.value).startswith("workbook") for a in node.args)
        )
    ]
    assert offenders == []


def _module_level_imports(tree: ast.AST):
    """The imports a module runs when it is imported: every one outside a function's body."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _module_level_imports(node)


def _absolute_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if node.level == 0 else []


def test_the_workbook_never_imports_the_classroom_at_import_time():
    """classroom → workbook, never the reverse: a kernel or a learner's command never loads the
    instructor's package. Only a command's handler may import it, when it runs (`grade`)."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
        for folder in (REPO_ROOT / "workbook", PROJECT_DIR)
        for path in folder.rglob("*.py")
        for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8")))
        if any(name.split(".")[0] == "classroom" for name in _absolute_names(node))
    ]
    assert offenders == []
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, workbook, workbook.cli, workbook.authoring.judge; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'classroom'))",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_the_test_suite_refuses_to_run_on_the_learners_database():
    env = dict(os.environ, DJANGO_DB_NAME=database.DEFAULT_DB_NAME)
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
    assert "DJANGO_DB_NAME names the learner's database" in result.stderr


KOREAN_WINDOWS = {
    "OneDrive": "C:\\Users\\김민준\\OneDrive",
    "LOCALAPPDATA": "C:\\Users\\김민준\\AppData\\Local",
    "SystemDrive": "C:",
}
ENGLISH_WINDOWS = {"LOCALAPPDATA": "C:\\Users\\kim\\AppData\\Local", "SystemDrive": "C:"}


@pytest.mark.parametrize(
    ("root", "os_name", "encoding", "environ", "expected"),
    [
        # Anywhere else than Windows: .pgdata beside project/, as it is.
        ("/home/kim/Django 강의/wb", "posix", None, {}, "/home/kim/Django 강의/wb/.pgdata"),
        # A plain folder on Windows: the same.
        ("C:\\src\\wb", "nt", "cp1252", ENGLISH_WINDOWS, "C:\\src\\wb\\.pgdata"),
        # OneDrive's desktop on a Korean Windows: out of OneDrive, into the user's local app data.
        (
            "C:\\Users\\김민준\\OneDrive\\바탕 화면\\wb",
            "nt",
            "cp949",
            KOREAN_WINDOWS,
            "C:\\Users\\김민준\\AppData\\Local\\django-docker-course\\pgdata-",
        ),
        # Hangul on an English Windows (cp1252 writes neither it nor the user's folder): the drive.
        ("C:\\Users\\김민준\\wb", "nt", "cp1252", KOREAN_WINDOWS, "C:\\django-docker-pgdata-"),
        # A path too long for Windows once PostgreSQL's folders are under it.
        (
            "C:\\src\\" + "deep\\" * 30 + "wb",
            "nt",
            "cp1252",
            ENGLISH_WINDOWS,
            "C:\\Users\\kim\\AppData\\Local\\django-docker-course\\pgdata-",
        ),
    ],
    ids=["posix", "plain", "onedrive", "hangul-on-english", "long"],
)
def test_windows_keeps_the_data_where_postgres_can_work(root, os_name, encoding, environ, expected):
    from config import embedded

    chosen = str(embedded.default_data_dir(root, os_name=os_name, environ=environ, encoding=encoding))
    assert chosen.startswith(expected), chosen
    again = str(embedded.default_data_dir(root, os_name=os_name, environ=environ, encoding=encoding))
    assert again == chosen, "the same clone, the same folder"
