"""The class hub from Python: its compose stack (classroom/docker-compose.yml) and a client for it.

The hub tests (tests/test_classroom_docker.py, tests/test_classroom_local.py) and the hub benchmark
(benchmarks/hub.py) share these. `DockerHub` brings up a class of its own on the local Docker
Engine: every name it makes (project, network, images, lab containers, workspace volumes) starts
with its `name`, the class list and the settings live in a temporary folder, and `down` removes all
of it. A service token (`tester`) lets the caller start labs and reach them through the hub's proxy,
as an instructor's script would; the students themselves log in through the login form.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from workbook.authoring.stack import free_port
from workbook.paths import REPO_ROOT

CLASSROOM = REPO_ROOT / "classroom"
COMPOSE_FILE = CLASSROOM / "docker-compose.yml"


# ---------------------------------------------------------------------------------------------
# The client: what a student's browser and the hub's REST and kernel APIs do


def login(base: str, username: str, password: str) -> bool:
    """The hub's login form, as a browser posts it; True when it lets the person in."""
    import requests

    session = requests.Session()
    session.get(f"{base}/hub/login", timeout=30)
    answer = session.post(
        f"{base}/hub/login?next=",
        data={"username": username, "password": password, "_xsrf": session.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=60,
    )
    return answer.status_code == 302 and "/hub/login" not in answer.headers.get("Location", "")


def request_lab(base: str, token: str, username: str) -> None:
    import requests

    answer = requests.post(
        f"{base}/hub/api/users/{username}/server",
        headers={"Authorization": f"token {token}"},
        timeout=60,
    )
    if answer.status_code not in (201, 202, 400):  # 400: already running
        raise RuntimeError(f"starting {username}'s lab: {answer.status_code} {answer.text[:200]}")


def lab_state(base: str, token: str, username: str) -> str:
    """'ready', 'pending' (spawning), or 'none' (no server: never asked for, or its spawn gave up)."""
    import requests

    user = requests.get(
        f"{base}/hub/api/users/{username}", headers={"Authorization": f"token {token}"}, timeout=30
    ).json()
    server = (user.get("servers") or {}).get("")
    if not server:
        return "none"
    return "ready" if server.get("ready") else "pending"


def start_lab(base: str, token: str, username: str, timeout: float = 300) -> None:
    request_lab(base, token, username)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = lab_state(base, token, username)
        if state == "ready":
            return
        if state == "none":
            raise AssertionError(f"{username}'s lab failed to start (the hub's log says why)")
        time.sleep(1)
    raise AssertionError(f"{username}'s lab did not start in {timeout:.0f} s")


async def run_cells(
    base: str, token: str, username: str, sources: list[str], timeout: float = 180, keep: bool = False
) -> list[dict]:
    """Execute code through the lab's kernel API (REST + websocket); each cell's outputs and status.

    The kernel is shut down after, unless `keep` (a benchmark measures the lab with it still open)."""
    import requests
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}"}
    lab = f"{base}/user/{username}"
    kernel = requests.post(f"{lab}/api/kernels", headers=headers, json={"name": "python3"}, timeout=120)
    kernel.raise_for_status()
    kernel_id = kernel.json()["id"]
    url = lab.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers=headers, connect_timeout=60))
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
                "version": "5.3",
            }
            content = {"code": source, "silent": False, "store_history": True, "allow_stdin": False}
            message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
            await ws.write_message(json.dumps({**message, "channel": "shell", "buffers": []}))
            text, status, idle = [], None, False
            deadline = time.monotonic() + timeout
            while status is None or not idle:
                raw = await ws.read_message()
                if raw is None or time.monotonic() > deadline:
                    raise AssertionError(f"{username}'s kernel stopped answering")
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
        if not keep:
            requests.delete(f"{lab}/api/kernels/{kernel_id}", headers=headers, timeout=60)
    return results


def save_notebook(base: str, token: str, username: str, name: str, nb) -> None:
    """Save a notebook in the student's workspace through their lab's contents API, as JupyterLab
    saves it."""
    import requests

    answer = requests.put(
        f"{base}/user/{username}/api/contents/{name}",
        headers={"Authorization": f"token {token}"},
        json={"type": "notebook", "format": "json", "content": nb},
        timeout=120,
    )
    if answer.status_code not in (200, 201):
        raise RuntimeError(f"saving {name} in {username}'s lab: {answer.status_code} {answer.text[:200]}")


def notebook_code(name: str = "05-orm-exercises.ipynb") -> list[str]:
    """The code cells of a solved notebook, in order: what a student runs with Run All."""
    import nbformat

    from workbook.paths import NOTEBOOKS_DIR

    nb = nbformat.read(str(NOTEBOOKS_DIR / name), as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def reach_probe(database: str) -> str:
    """Code for a lab: connect with the lab's own role to `database`; prints why not, then its own name."""
    return (
        "import os, psycopg2\nfrom urllib.parse import urlsplit\n"
        "mine = urlsplit(os.environ['DATABASE_URL'])\n"
        "try:\n"
        "    psycopg2.connect(host=mine.hostname, port=mine.port, user=mine.username, "
        f"password=mine.password, dbname={database!r}, connect_timeout=5)\n"
        "    print('reached')\n"
        "except psycopg2.OperationalError as exc:\n"
        "    print(str(exc).strip().splitlines()[0])\n"
        "print(mine.path.lstrip('/'))"
    )


def tester_config(main_config: str, token: str, extra: str = "") -> str:
    """A hub config: the class's own, plus a service `tester` whose token may start and reach labs."""
    return (
        f"load_subconfig({main_config!r})\n"
        "c = get_config()  # noqa: F821\n"
        f"c.JupyterHub.services.append({{'name': 'tester', 'api_token': {token!r}}})\n"
        "c.JupyterHub.load_roles.append({'name': 'tester', 'services': ['tester'], 'scopes': "
        "['admin:users', 'admin:servers', 'access:servers', 'read:users']})\n" + extra
    )


# ---------------------------------------------------------------------------------------------
# The hub without Docker: JupyterHub with a process per student, databases on a PostgreSQL server


def proxy_command() -> str | None:
    """configurable-http-proxy: on the PATH, else installed once with npm under .venv/."""
    import shutil

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


class _HubAddress:
    """What both hubs answer alike: their address on this machine, and the instructor's name."""

    port: int
    people: dict[str, str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def instructor(self) -> str:
        return next(iter(self.people))


@dataclass
class LocalHub(_HubAddress):
    """JupyterHub with the local-process spawner (CLASSROOM_SPAWNER=local), every database and role
    on `admin_url`'s server under `prefix` (its own template included), removed by `stop`."""

    admin_url: str
    folder: Path
    people: dict[str, str]  # username -> first-login password; the first one is the instructor
    proxy: str
    prefix: str = field(default_factory=lambda: f"wbhub{secrets.token_hex(3)}_")
    settings: dict[str, str] = field(default_factory=dict)  # more CLASSROOM_* for the hub
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    port: int = field(default_factory=free_port)
    hub_port: int = field(default_factory=free_port)
    template_seconds: float = 0.0

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(self.admin_url, connect_timeout=5)
        conn.autocommit = True
        return conn

    def start(self, timeout: float = 120) -> None:
        """The template, then the hub answering on `base` (its log in `folder`/hub.log)."""
        import sys

        import requests

        self.folder.mkdir(parents=True, exist_ok=True)
        class_list = self.folder / "class.csv"
        class_list.write_text(
            "username,password,role\n"
            + "".join(
                f"{user},{password},{'instructor' if user == self.instructor else 'student'}\n"
                for user, password in self.people.items()
            )
        )
        config = self.folder / "jupyterhub_test_config.py"
        config.write_text(
            tester_config(
                str(CLASSROOM / "jupyterhub_config.py"),
                self.token,
                f"c.ConfigurableHTTPProxy.command = [{self.proxy!r}]\n",
            )
        )
        hub_db = f"{self.prefix}jupyterhub"
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{hub_db}"')
        finally:
            conn.close()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_DB_NAME", "DATABASE_URL", "PYTEST_CURRENT_TEST")
        }
        env.update(
            CLASSROOM_DB_PREFIX=self.prefix,
            ADMIN_DATABASE_URL=self.admin_url,
            CLASSROOM_CLASS_LIST=str(class_list),
            # SQLAlchemy 2.1 reads postgresql:// as psycopg 3; the workbook has psycopg2.
            HUB_DATABASE_URL=self.admin_url.rsplit("/", 1)[0].replace("postgres://", "postgresql+psycopg2://")
            + f"/{hub_db}",
            CLASSROOM_SPAWNER="local",
            CLASSROOM_ROOT=str(self.folder),
            CLASSROOM_PORT=str(self.port),
            CLASSROOM_HUB_PORT=str(self.hub_port),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.settings,
        )
        started = time.perf_counter()
        made = subprocess.run(
            [sys.executable, str(CLASSROOM / "make_template.py")], env=env, capture_output=True, text=True
        )
        self.template_seconds = time.perf_counter() - started
        if made.returncode != 0:
            raise RuntimeError("make_template.py failed: " + made.stderr[-2000:])
        self._log = open(self.folder / "hub.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            env=env,
            cwd=self.folder,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/hub/api", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError("the hub did not answer: " + self.logs()[-3000:])

    def logs(self) -> str:
        path = self.folder / "hub.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def lab_processes(self, username: str) -> list:
        """The student's lab server and its kernels: the processes JupyterHub started as theirs."""
        import psutil

        found = []
        for process in psutil.process_iter():
            try:
                environ = process.environ()
                if environ.get("JUPYTERHUB_USER") == username and f":{self.hub_port}/" in environ.get(
                    "JUPYTERHUB_API_URL", ""
                ):
                    found.append(process)
            except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
        return found

    def memory_mib(self, username: str) -> tuple[float, float]:
        """(RSS, PSS) of the student's lab server and kernels together, MiB. PSS shares the pages
        the labs have in common (Python, the libraries) among them: what each adds to the machine."""
        import psutil

        rss = pss = 0.0
        for process in self.lab_processes(username):
            try:
                info = process.memory_full_info()
            except (psutil.AccessDenied, psutil.NoSuchProcess):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        return rss / 2**20, pss / 2**20

    def stop(self) -> None:
        """The hub and its labs stopped; every database and role under the prefix dropped."""
        process = getattr(self, "process", None)
        if process is not None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
            self._log.close()
        # Labs the hub left behind (it stops them on shutdown; a killed hub may not).
        for username in self.people:
            for lab in self.lab_processes(username):
                lab.kill()
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                like = self.prefix.replace("_", r"\_") + "%"
                cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
                for (name,) in cur.fetchall():
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cur.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [like])
                for (name,) in cur.fetchall():
                    cur.execute(f'DROP ROLE IF EXISTS "{name}"')
        finally:
            conn.close()


# ---------------------------------------------------------------------------------------------
# The Docker hub


def _run(command: list[str], *, env=None, timeout: float = 1800, check: bool = True):
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        text = (result.stderr or result.stdout).strip().splitlines()
        raise RuntimeError(f"`{' '.join(command[:6])} …` failed: " + "\n".join(text[-15:]))
    return result


@dataclass
class DockerHub(_HubAddress):
    """A class hub of its own on this Docker Engine, every name starting with `name`."""

    name: str
    folder: Path
    people: dict[str, str]  # username -> first-login password; the first one is the instructor
    lab_memory: str = "1G"
    lab_cpus: str = "1"
    settings: dict[str, str] = field(default_factory=dict)  # more CLASSROOM_* for the hub
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    port: int = field(default_factory=free_port)

    def _env(self) -> dict[str, str]:
        sock = "/var/run/docker.sock"
        host = os.environ.get("DOCKER_HOST", "")
        if host.startswith("unix://"):
            sock = host.removeprefix("unix://")
        return dict(
            os.environ,
            CLASSROOM_NAME=self.name,
            CLASSROOM_DB_PASSWORD=self.db_password,
            CLASSROOM_CLASS_CSV=str(self.folder / "class.csv"),
            HUB_BIND="127.0.0.1",
            HUB_PORT=str(self.port),
            DOCKER_GID=str(os.stat(sock).st_gid),
            CLASSROOM_LAB_MEMORY=self.lab_memory,
            CLASSROOM_LAB_CPUS=self.lab_cpus,
            **self.settings,
        )

    def compose(self, *args: str, timeout: float = 1800, check: bool = True):
        files = ["-f", str(COMPOSE_FILE), "-f", str(self.folder / "test-override.yml")]
        return _run(["docker", "compose", *files, *args], env=self._env(), timeout=timeout, check=check)

    def write_files(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db_password = secrets.token_hex(16)
        rows = "".join(
            f"{user},{password},{'instructor' if user == self.instructor else 'student'}\n"
            for user, password in self.people.items()
        )
        (self.folder / "class.csv").write_text("username,password,role\n" + rows)
        (self.folder / "test_config.py").write_text(
            tester_config("/srv/classroom/jupyterhub_config.py", self.token)
        )
        for path in ("class.csv", "test_config.py"):
            os.chmod(self.folder / path, 0o644)  # read by the hub's user in its container
        (self.folder / "test-override.yml").write_text(
            "services:\n  hub:\n    volumes:\n"
            f"      - {self.folder / 'test_config.py'}:/srv/test/config.py:ro\n"
            '    command: ["jupyterhub", "-f", "/srv/test/config.py"]\n'
        )

    def build(self) -> float:
        """The hub, lab-base and lab images; seconds taken."""
        started = time.perf_counter()
        self.compose("build", "--quiet", "lab-base", timeout=3600)
        self.compose("build", "--quiet", "template", "hub", timeout=3600)
        return time.perf_counter() - started

    def up(self, timeout: float = 600) -> float:
        """db, the template database, the hub answering; seconds taken (after the build)."""
        started = time.perf_counter()
        self.compose("up", "--detach", "--no-build", "db", "template", "hub", timeout=timeout)
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/hub/api", timeout=5).ok:
                    return time.perf_counter() - started
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError("the hub did not answer: " + self.logs()[-3000:])

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "80", check=False).stdout

    def lab_container(self, username: str) -> str:
        return f"{self.name}-lab-{username}"

    def health(self, container: str) -> str:
        """The engine's verdict from the image's HEALTHCHECK: starting, healthy, unhealthy (or none)."""
        status = "{{if .State.Health}}{{.State.Health.Status}}{{end}}"
        out = _run(["docker", "inspect", "--format", status, container], check=False).stdout.strip()
        return out or "none"

    def wait_healthy(self, container: str, timeout: float = 240) -> str:
        """Waits while the health check is still starting; its verdict then (or 'starting' at the timeout)."""
        deadline = time.monotonic() + timeout
        state = self.health(container)
        while state == "starting" and time.monotonic() < deadline:
            time.sleep(2)
            state = self.health(container)
        return state

    def memory_mib(self, container: str) -> float:
        """The container's memory use now (the engine's cgroup figure, as `docker stats` shows it)."""
        out = (
            _run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container], timeout=120)
            .stdout.split("/")[0]
            .strip()
        )
        number = float("".join(ch for ch in out if ch.isdigit() or ch == "."))
        unit = out.lstrip("0123456789. ")
        return number * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "B": 1 / 2**20}.get(unit, 1)

    def psql(self, sql: str) -> str:
        return self.compose(
            "exec", "-T", "db", "psql", "-U", "classroom", "-d", "postgres", "-At", "-c", sql
        ).stdout

    def down(self) -> None:
        """Every container, volume, network and image this hub made, as CLASSROOM.md's teardown
        command removes them (classroom/teardown.py), students' workspace volumes included."""
        from classroom import teardown

        teardown.remove(self.name)

    def leftovers(self) -> dict[str, list[str]]:
        """What of this hub is still on the engine (after `down`: nothing)."""
        from classroom import teardown

        return teardown.what_remains(self.name)
