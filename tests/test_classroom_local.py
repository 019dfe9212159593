"""The class hub without Docker: JupyterHub with a process per student, a database per student.

On the PostgreSQL at 127.0.0.1:5432 (CI's second server), under a prefix of the test's own, removed
after: the template is made, an instructor and two students are on the class list; the students log
in with their first-login passwords, their labs start, each runs 05 through the kernel API against
its own database, and a student's role cannot connect to the other's database. Skipped, with the
reason, where that server, the classroom requirements or configurable-http-proxy cannot be had.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        f"load_subconfig({str(CLASSROOM / 'jupyterhub_config.py')!r})\n"
        "c = get_config()\n"
        "c.JupyterHub.services.append({'name': 'tester', 'api_token': %r})\n"
        "c.JupyterHub.load_roles.append({'name': 'tester', 'services': ['tester'], 'scopes': "
        "['admin:users', 'admin:servers', 'access:servers', 'read:users']})\n"
        "c.ConfigurableHTTPProxy.command = [%r]\n" % (token, proxy)
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


def login(base: str, username: str, password: str):
    import requests

    session = requests.Session()
    session.get(f"{base}/hub/login", timeout=10)
    answer = session.post(
        f"{base}/hub/login?next=",
        data={"username": username, "password": password, "_xsrf": session.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code == 302 and "/hub/login" not in answer.headers.get("Location", "")


def start_lab(hub, username: str, timeout: float = 180) -> None:
    import requests

    headers = {"Authorization": f"token {hub['token']}"}
    requests.post(f"{hub['base']}/hub/api/users/{username}/server", headers=headers, timeout=30)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        user = requests.get(f"{hub['base']}/hub/api/users/{username}", headers=headers, timeout=10).json()
        server = user.get("servers", {}).get("")
        if server and server.get("ready"):
            return
        time.sleep(1)
    raise AssertionError(f"{username}'s lab did not start in {timeout} s")


async def run_cells(hub, username: str, sources: list[str], timeout: float = 120) -> list[dict]:
    """Execute code through the lab's kernel API (REST + websocket); each cell's outputs and status."""
    import requests
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {hub['token']}"}
    base = f"{hub['base']}/user/{username}"
    kernel = requests.post(
        f"{base}/api/kernels", headers=headers, json={"name": "python3"}, timeout=60
    ).json()
    url = base.replace("http://", "ws://") + f"/api/kernels/{kernel['id']}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers=headers, connect_timeout=30))
    session = uuid.uuid4().hex
    results = []
    try:
        for source in sources:
            msg_id = uuid.uuid4().hex
            header = {
                "msg_id": msg_id,
                "msg_type": "execute_request",
                "session": session,
                "username": username,
            }
            header["version"] = "5.3"
            content = {"code": source, "silent": False, "store_history": True, "allow_stdin": False}
            message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
            await ws.write_message(json.dumps({**message, "channel": "shell", "buffers": []}))
            text, status, idle = [], None, False
            deadline = time.monotonic() + timeout
            while status is None or not idle:
                raw = await ws.read_message()
                assert raw is not None and time.monotonic() < deadline, "the kernel stopped answering"
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = reply["header"]["msg_type"]
                if kind == "stream":
                    text.append(reply["content"]["text"])
                elif kind in ("execute_result", "display_data"):
                    text.append(reply["content"]["data"].get("text/plain", ""))
                elif kind == "error":
                    text.append(f"{reply['content']['ename']}: {reply['content']['evalue']}")
                elif kind == "execute_reply":
                    status = reply["content"]["status"]
                elif kind == "status" and reply["content"]["execution_state"] == "idle":
                    idle = True
            results.append({"status": status, "text": "".join(text)})
    finally:
        ws.close()
        requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=headers, timeout=30)
    return results


def test_only_the_class_list_logs_in_with_its_first_passwords(hub):
    assert login(hub["base"], "alice", PASSWORDS["alice"])
    assert not login(hub["base"], "bob", "not-bobs-password")
    assert not login(hub["base"], "mallory", "mallory-first-pw")
    assert login(hub["base"], "bob", PASSWORDS["bob"])


def test_two_students_each_run_05_on_their_own_database_and_cannot_reach_the_other(hub):
    import asyncio

    import nbformat

    identifier = studentdb().identifier
    nb = nbformat.read(str(NOTEBOOKS_DIR / "05-orm-exercises.ipynb"), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for name in ("alice", "bob"):
        start_lab(hub, name)
    databases = {name: identifier(name, f"{hub['prefix']}student_") for name in ("alice", "bob")}
    for name, other in (("alice", "bob"), ("bob", "alice")):
        probe = (
            "import os, psycopg2\nfrom urllib.parse import urlsplit\n"
            "mine = urlsplit(os.environ['DATABASE_URL'])\n"
            "try:\n"
            f"    psycopg2.connect(host=mine.hostname, port=mine.port, user=mine.username, "
            f"password=mine.password, dbname={databases[other]!r}, connect_timeout=5)\n"
            "    print('reached')\n"
            "except psycopg2.OperationalError as exc:\n"
            "    print(str(exc).strip().splitlines()[0])\n"
            "print(mine.path.lstrip('/'))"
        )
        results = asyncio.run(run_cells(hub, name, [*code, probe]))
        failed = [r["text"][-300:] for r in results if r["status"] != "ok"]
        assert failed == []
        ticks = sum(r["text"].count("✓ q") for r in results)
        assert ticks == 21
        assert "permission denied for database" in results[-1]["text"]
        assert results[-1]["text"].strip().endswith(databases[name])
    workspace = hub["root"] / "workspaces" / "alice"
    assert (workspace / "05-orm-exercises.ipynb").exists()  # the exercise copies, made on first start
