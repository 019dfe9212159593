"""The class hub without Docker: JupyterHub with a process per student, a database per student.

On the PostgreSQL at 127.0.0.1:5432 (CI's second server), under a prefix of the test's own, removed
after: the template is made, an instructor and two students are on the class list; the students log
in with their first-login passwords, their labs start, each runs 05 through the kernel API against
its own database, and a student's role cannot connect to the other's database. Skipped, with the
reason, where that server, the classroom requirements or configurable-http-proxy cannot be had.
"""

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook.authoring import asyncrun, classhub
from workbook.authoring.stack import free_port
from workbook.paths import REPO_ROOT

CLASSROOM = REPO_ROOT / "classroom"
ADMIN_URL = os.environ.get("CLASSROOM_TEST_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORDS = {"teacher": "teach-the-class", "alice": "alice-first-pw", "bob": "bob-first-pw"}


def studentdb():
    """classroom/studentdb.py (the hub's spawn hook; classroom/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("classroom_studentdb", CLASSROOM / "studentdb.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def admin_connection():
    import psycopg2

    try:
        conn = psycopg2.connect(ADMIN_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {ADMIN_URL.rsplit('@', 1)[-1]} for the hub test: {exc}".strip())
    conn.autocommit = True
    return conn


def proxy_command() -> str | None:
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    local = REPO_ROOT / ".venv" / "classroom-proxy"
    binary = local / "node_modules" / ".bin" / "configurable-http-proxy"
    if not binary.exists() and shutil.which("npm"):
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(local),
                "--no-audit",
                "--no-fund",
                "configurable-http-proxy@5",
            ],
            capture_output=True,
            timeout=300,
        )
    return str(binary) if binary.exists() else None


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    try:
        import dockerspawner  # noqa: F401
        import jupyterhub  # noqa: F401
        import jupyterhub_idle_culler  # noqa: F401
        import nativeauthenticator  # noqa: F401
    except ImportError:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "-r",
                str(REPO_ROOT / "requirements-classroom.txt"),
            ],
            capture_output=True,
            timeout=600,
        )
    try:
        import jupyterhub  # noqa: F401
        import nativeauthenticator  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"the classroom requirements could not be installed: {exc}")
    proxy = proxy_command()
    if proxy is None:
        pytest.skip("configurable-http-proxy (npm) is not installed and npm could not install it")
    conn = admin_connection()
    prefix = f"wbhub{secrets.token_hex(3)}_"
    root = tmp_path_factory.mktemp("classroom")
    class_list = root / "class.csv"
    class_list.write_text(
        "username,password,role\n"
        + "".join(f"{n},{p},{'instructor' if n == 'teacher' else 'student'}\n" for n, p in PASSWORDS.items())
    )
    token = secrets.token_hex(24)
    config = root / "jupyterhub_test_config.py"
    config.write_text(
        classhub.tester_config(
            str(CLASSROOM / "jupyterhub_config.py"), token, f"c.ConfigurableHTTPProxy.command = [{proxy!r}]\n"
        )
    )
    hub_db = f"{prefix}jupyterhub"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{hub_db}"')
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_DB_NAME", "DATABASE_URL", "PYTEST_CURRENT_TEST")
    }
    env.update(
        CLASSROOM_DB_PREFIX=prefix,
        ADMIN_DATABASE_URL=ADMIN_URL,
        CLASSROOM_CLASS_LIST=str(class_list),
        # SQLAlchemy 2.1 reads postgresql:// as psycopg 3; the workbook has psycopg2.
        HUB_DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql+psycopg2://")
        + f"/{hub_db}",
        CLASSROOM_SPAWNER="local",
        CLASSROOM_ROOT=str(root),
        CLASSROOM_PORT=str(port),
        CLASSROOM_HUB_PORT=str(free_port()),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    started = time.perf_counter()
    made = subprocess.run(
        [sys.executable, str(CLASSROOM / "make_template.py")], env=env, capture_output=True, text=True
    )
    template_seconds = time.perf_counter() - started
    log = open(root / "hub.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(config)], env=env, cwd=root, stdout=log, stderr=log
    )
    try:
        assert made.returncode == 0, made.stderr[-2000:]
        import requests

        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/hub/api", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (root / "hub.log").read_text()[-3000:]
            time.sleep(0.5)
        yield {
            "base": base,
            "token": token,
            "prefix": prefix,
            "root": root,
            "conn": conn,
            "template_seconds": template_seconds,
        }
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with conn.cursor() as cur:
            like = prefix.replace("_", r"\_") + "%"
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [like])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP ROLE IF EXISTS "{name}"')
        conn.close()


def test_only_the_class_list_logs_in_with_its_first_passwords(hub):
    assert classhub.login(hub["base"], "alice", PASSWORDS["alice"])
    assert not classhub.login(hub["base"], "bob", "not-bobs-password")
    assert not classhub.login(hub["base"], "mallory", "mallory-first-pw")
    assert classhub.login(hub["base"], "bob", PASSWORDS["bob"])


def test_two_students_each_run_05_on_their_own_database_and_cannot_reach_the_other(hub):

    identifier = studentdb().identifier
    code = classhub.notebook_code()
    for name in ("alice", "bob"):
        classhub.start_lab(hub["base"], hub["token"], name)
    databases = {name: identifier(name, f"{hub['prefix']}student_") for name in ("alice", "bob")}
    for name, other in (("alice", "bob"), ("bob", "alice")):
        probe = classhub.reach_probe(databases[other])
        results = asyncrun.run(classhub.run_cells(hub["base"], hub["token"], name, [*code, probe]))
        failed = [r["text"][-300:] for r in results if r["status"] != "ok"]
        assert failed == []
        ticks = sum(r["text"].count("✓ q") for r in results)
        assert ticks == 21
        assert "permission denied for database" in results[-1]["text"]
        assert results[-1]["text"].strip().endswith(databases[name])
    workspace = hub["root"] / "workspaces" / "alice"
    assert (workspace / "05-orm-exercises.ipynb").exists()  # the exercise copies, made on first start
