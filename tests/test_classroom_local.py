"""The class hub without Docker: JupyterHub with a process per student, a database per student.

On the PostgreSQL at 127.0.0.1:5432 (CI's second server), under a prefix of the test's own, removed
after: the template is made, an instructor and two students are on the class list; the students log
in with their first-login passwords, their labs start, each runs 05 through the kernel API against
its own database, and a student's role cannot connect to the other's database. Skipped, with the
reason, where that server, the classroom requirements or configurable-http-proxy cannot be had.
"""

import os
import subprocess
import sys

import pytest

from classroom import classhub
from workbook.authoring import asyncrun
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


def proxy_fails(proxy: str) -> str | None:
    """Why the proxy cannot run, or None: Debian's package, for one, fails under another Node."""
    try:
        ran = subprocess.run([proxy, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if ran.returncode != 0:
        lines = (ran.stderr or ran.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {ran.returncode}"
    return None


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
    proxy = classhub.proxy_command()
    if proxy is None:
        pytest.skip("configurable-http-proxy (npm) is not installed and npm could not install it")
    why = proxy_fails(proxy)
    if why:
        pytest.skip(
            f"the configurable-http-proxy at {proxy} does not run ({why}): .ci/run puts npm's first "
            "on PATH (npm install --prefix .venv/classroom-proxy configurable-http-proxy@5)"
        )
    admin_connection().close()
    local = classhub.LocalHub(
        admin_url=ADMIN_URL, folder=tmp_path_factory.mktemp("classroom"), people=PASSWORDS, proxy=proxy
    )
    try:
        local.start()
        yield {"base": local.base, "token": local.token, "prefix": local.prefix, "root": local.folder}
    finally:
        local.stop()
        # Nothing under the prefix is left: no database, no role.
        conn = admin_connection()
        try:
            with conn.cursor() as cur:
                like = local.prefix.replace("_", r"\_") + "%"
                cur.execute(
                    "SELECT count(*) FROM pg_database WHERE datname LIKE %s "
                    "UNION ALL SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
                    [like, like],
                )
                assert [n for (n,) in cur.fetchall()] == [0, 0]
        finally:
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


def test_a_proxy_that_cannot_run_is_told_apart_from_one_that_can(tmp_path):
    broken = tmp_path / "configurable-http-proxy"
    broken.write_text("#!/bin/sh\necho \"SyntaxError: Unexpected token '?'\" >&2\nexit 1\n")
    broken.chmod(0o755)
    assert proxy_fails(str(broken)) == "SyntaxError: Unexpected token '?'"
    assert proxy_fails(str(tmp_path / "absent"))
    working = tmp_path / "working"
    working.write_text("#!/bin/sh\necho 5.3.0\n")
    working.chmod(0o755)
    assert proxy_fails(str(working)) is None
