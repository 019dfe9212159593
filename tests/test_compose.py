"""The compose stack, end to end, and the first-start command its web container runs.

The tests marked `docker` build the images, start db, web, proxy and lab, use the site through
nginx as a browser would, run the notebooks with nbval inside the lab container against db,
restart db, restart the whole stack, and tear everything down (volumes too), also on failure.
They are skipped, with the reason, where no Docker Engine answers. The stack runs under a
compose project name and free ports of its own, so a learner's stack and its data, and ports
5432, 8000 and 8888, are never touched. Works with `docker compose` (v2) and `docker-compose` (v1).

The other tests run `manage.py bootstrap` on the test database, without Docker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from demo import seed
from workbook.authoring.stack import compose_cli, compose_env, free_port, throwaway_env, untag_project_images

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("db", "web", "proxy", "lab")
HEALTH_TIMEOUT = 300  # seconds; a cold first start on a slow laptop stays well under it
NBVAL_DB_NAME = "compose_nbval"  # the notebooks' own database on db, never the learner's


# ---------------------------------------------------------------------------------------------
# manage.py bootstrap, without Docker


ADMIN_ENV = {
    "DJANGO_SUPERUSER_USERNAME": "boss",
    "DJANGO_SUPERUSER_EMAIL": "boss@example.com",
    "DJANGO_SUPERUSER_PASSWORD": "first-password-1",
}


@pytest.mark.django_db(transaction=True)
def test_bootstrap_seeds_an_empty_database_once_and_creates_the_admin_once(monkeypatch, capsys):
    from posts.models import Post

    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)
    User = get_user_model()

    call_command("bootstrap", verbosity=0)
    first = capsys.readouterr().out
    assert "Demo data written" in first
    assert "'boss' created" in first
    seeded_posts = Post.all_objects.count()
    assert seeded_posts == len(seed.POSTS)
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.is_staff and boss.check_password("first-password-1")
    assert boss.profile.name == "boss"

    # The admin changes the password; .env still holds the old one: a restart must not reset it.
    boss.set_password("changed-in-the-admin")
    boss.save()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-password-1")
    call_command("bootstrap", verbosity=0)
    second = capsys.readouterr().out
    assert "already has users" in second
    assert "'boss' exists" in second
    assert Post.all_objects.count() == seeded_posts
    assert User.objects.count() == len(seed.USERS) + 1
    assert User.objects.get(username="boss").check_password("changed-in-the-admin")


@pytest.mark.django_db(transaction=True)
def test_bootstrap_never_seeds_a_database_that_has_users(monkeypatch, capsys):
    from posts.models import Post

    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    get_user_model().objects.create_user(username="someone")
    call_command("bootstrap", verbosity=0)
    out = capsys.readouterr().out
    assert Post.all_objects.count() == 0
    assert "none created" in out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("missing", ["DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD"])
def test_bootstrap_refuses_an_admin_without_email_or_password(monkeypatch, missing):
    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(missing, "")
    with pytest.raises(CommandError, match=missing):
        call_command("bootstrap", verbosity=0)
    assert not get_user_model().objects.filter(username="boss").exists()


@pytest.mark.django_db(transaction=True)
def test_bootstrap_waits_for_a_database_that_does_not_answer_yet_then_says_which(monkeypatch):
    """--wait tries again until its deadline (web starts beside db), then fails with one line."""
    from django.db import connections

    connection = connections["default"]
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens on port 1
    connection.close()
    start = time.monotonic()
    with pytest.raises(CommandError, match=r"No PostgreSQL answers at .*:1 "):
        call_command("bootstrap", wait=1, verbosity=0)
    assert 1 <= time.monotonic() - start < 10, "it waited about the second it was given"
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_labs_start_waits_for_the_start_lock_web_holds_then_finds_the_seed_written():
    """In compose the lab starts beside web: while web's bootstrap holds the start lock, the lab's
    migrate-and-seed waits for it instead of racing, and seeds nothing twice."""
    import threading

    import psycopg2
    from django.db import connection, connections

    import workbook
    from demo.startlock import LOCK_KEY
    from posts.models import Post

    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key in ("dbname", "user", "password", "host", "port") and value
    }
    web = psycopg2.connect(**params)  # stands in for web's bootstrap, on a session of its own
    web.autocommit = True
    results = []

    def lab_start():
        try:
            results.append(workbook.ready_database(seed=True))
        finally:
            connections.close_all()

    try:
        with web.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        lab = threading.Thread(target=lab_start)
        lab.start()
        lab.join(timeout=1.5)
        assert lab.is_alive() and not results, "the lab's start went on while the lock was held"
        assert Post.all_objects.count() == 0
        with web.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        lab.join(timeout=60)
        assert results == [(False, True)], results
        assert Post.all_objects.count() == len(seed.POSTS)
        # Started again (web's bootstrap after it, or a restart): nothing to do, no lock taken.
        assert workbook.ready_database(seed=True) == (False, False)
    finally:
        web.close()


# ---------------------------------------------------------------------------------------------
# The stack


@dataclass
class Stack:
    """One compose project: commands, its ports and secrets, and timings to print at the end."""

    cli: list[str]
    project: str
    env_file: Path
    values: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    volumes: set[str] = field(default_factory=set)

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.values['WEB_PORT']}"

    @property
    def lab(self) -> str:
        return f"http://127.0.0.1:{self.values['LAB_PORT']}"

    def compose(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
        env = compose_env(self.values)
        command = [
            *self.cli,
            "--env-file",
            str(self.env_file),
            "-p",
            self.project,
            "-f",
            "docker-compose.yml",
        ]
        result = subprocess.run(
            [*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"`compose {' '.join(args)}` exited {result.returncode}:\n"
                + _tail(result.stdout + result.stderr)
            )
        return result

    def exec(self, service: str, *args: str, env: dict[str, str] | None = None, check: bool = True):
        flags = [item for name, value in (env or {}).items() for item in ("-e", f"{name}={value}")]
        return self.compose("exec", "-T", *flags, service, *args, check=check)

    def container(self, service: str) -> dict:
        ids = self.compose("ps", "-q", service).stdout.split()
        assert ids, f"no container for {service}"
        return json.loads(
            subprocess.run(["docker", "inspect", ids[0]], capture_output=True, check=True).stdout
        )[0]

    def anonymous_volumes(self) -> set[str]:
        """The volumes the project's containers mount that compose does not name (an image's own
        VOLUME: the postgres images before 18 declare /var/lib/postgresql/data); each is recorded,
        and the teardown checks that none is left."""
        mine = f"label=com.docker.compose.project={self.project}"
        ids = subprocess.run(
            ["docker", "ps", "--all", "--quiet", "--filter", mine], capture_output=True, text=True, check=True
        ).stdout.split()
        found = set()
        if ids:
            for info in json.loads(
                subprocess.run(["docker", "inspect", *ids], capture_output=True, check=True).stdout
            ):
                found |= {
                    mount["Name"]
                    for mount in info["Mounts"]
                    if mount["Type"] == "volume" and not mount["Name"].startswith(f"{self.project}_")
                }
        self.volumes |= found
        return found

    def left_volumes(self) -> list[str]:
        """The recorded anonymous volumes that are still on the engine."""
        listing = subprocess.run(["docker", "volume", "ls", "--quiet"], capture_output=True, text=True)
        return sorted(self.volumes & set(listing.stdout.split()))

    def health(self, service: str) -> str:
        state = self.container(service)["State"]
        return state.get("Health", {}).get("Status", state["Status"])

    def wait_healthy(self, services=SERVICES, timeout: float = HEALTH_TIMEOUT) -> float:
        start = time.monotonic()
        while True:
            states = {s: self.health(s) for s in services}
            if all(v == "healthy" for v in states.values()):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                logs = self.compose("logs", "--no-color", "--tail", "40", check=False).stdout
                raise AssertionError(f"not healthy after {timeout} s: {states}\n{logs}")
            time.sleep(1)

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", service).stdout

    def token(self, username: str) -> str:
        # DRF's own command in the site's image ("Generated token <key> for user <name>").
        out = self.exec("web", "python", "project/manage.py", "drf_create_token", username).stdout
        return re.search(r"Generated token (\w+) for user", out).group(1)

    def timed(self, name: str, seconds: float) -> None:
        self.timings[name] = seconds


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _engine_or_skip() -> list[str]:
    docker = pytest.importorskip("docker", reason="the Docker SDK (docker) is not installed")
    try:
        docker.from_env().ping()
    except Exception as exc:  # DockerException, or a socket error the SDK passes on
        pytest.skip(f"no Docker Engine answers ({exc.__class__.__name__}: {str(exc)[:120]})")
    cli = compose_cli()
    if cli is None:
        pytest.skip("a Docker Engine answers but neither `docker compose` nor `docker-compose` is installed")
    return cli


def _lab_ids() -> tuple[str, str]:
    """The uid:gid that owns the checkout, so the lab can write the bind mount (1000 if root's)."""
    stat = (ROOT / "notebooks").stat()
    if stat.st_uid == 0:
        return "1000", "1000"
    return str(stat.st_uid), str(stat.st_gid)


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    cli = _engine_or_skip()
    lab_uid, lab_gid = _lab_ids()
    # A workspace of the test's own: the lab makes its exercise copies there, not in my-notebooks/.
    workspace = tmp_path_factory.mktemp("workspace")
    workspace.chmod(0o777)
    values = throwaway_env(LAB_UID=lab_uid, LAB_GID=lab_gid, LAB_WORKSPACE=str(workspace))
    env_file = tmp_path_factory.mktemp("compose") / "smoke.env"
    # The file the containers read their secrets from, mode 600 as `run.py env` writes it.
    values["WORKBOOK_ENV_FILE"] = str(env_file)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    if os.getuid() == 0:  # as a learner's: owned by the uid web and lab run as, not root
        os.chown(env_file, int(lab_uid), int(lab_gid))
    project = f"wbsmoke{os.getpid()}{secrets.token_hex(2)}"
    stack = Stack(cli=cli, project=project, env_file=env_file, values=values)
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def teardown():
        start = time.monotonic()
        stack.anonymous_volumes()
        stack.compose("down", "-v", "--remove-orphans", "--timeout", "10", check=False)
        untag_project_images(project)
        stack.timed("down -v", time.monotonic() - start)
        lines = [f"\ncompose smoke test ({' '.join(cli)}, project {project}), timings:"]
        lines += [f"  {name:<36} {seconds:6.1f} s" for name, seconds in stack.timings.items()]
        with capture.global_and_fixture_disabled():
            print("\n".join(lines), flush=True)
        left = stack.left_volumes()
        if left:
            subprocess.run(["docker", "volume", "rm", *left], capture_output=True)
        assert not left, f"the stack's containers left {len(left)} anonymous volumes: {left}"

    request.addfinalizer(teardown)

    start = time.monotonic()
    stack.compose("build")
    stack.timed("build (3 images)", time.monotonic() - start)
    start = time.monotonic()
    stack.compose("up", "-d")
    stack.wait_healthy()
    stack.timed("up to all 4 healthy", time.monotonic() - start)
    return stack


@pytest.fixture(scope="module")
def api(stack):
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Token {stack.token('alice')}"
    return session


@pytest.mark.docker
def test_every_service_runs_as_a_non_root_user_and_publishes_on_loopback_only(stack):
    for service in SERVICES:
        status = stack.exec(service, "cat", "/proc/1/status").stdout
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M).group(1)
        assert uid != "0", f"{service}'s main process runs as root"
        bindings = [
            binding
            for port_bindings in (stack.container(service)["NetworkSettings"]["Ports"] or {}).values()
            for binding in (port_bindings or [])
        ]
        assert all(b["HostIp"] == "127.0.0.1" for b in bindings), (service, bindings)
        assert all(b["HostPort"] != "5432" for b in bindings), (service, bindings)
    assert not any((stack.container("db")["NetworkSettings"]["Ports"] or {}).values()), (
        "PostgreSQL must not be published on the host"
    )


@pytest.mark.docker
def test_docker_inspect_shows_no_secret_and_each_service_only_its_capabilities(stack):
    secrets = {
        name: stack.values[name]
        for name in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD", "JUPYTER_TOKEN")
    }
    allowed = {"db": {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"}}
    for service in SERVICES:
        inspected = stack.container(service)
        shown = json.dumps(inspected)
        for name, value in secrets.items():
            assert value not in shown, f"`docker inspect` of {service} shows {name}"
        host = inspected["HostConfig"]
        assert host["CapDrop"] == ["ALL"], (service, host["CapDrop"])
        assert {cap.removeprefix("CAP_") for cap in host["CapAdd"] or ()} <= allowed.get(service, set())
        assert "no-new-privileges:true" in host["SecurityOpt"], service
        assert host["Memory"] > 0 and host["PidsLimit"] > 0, service
    # What each main process may really do: no capability at all, but db's root entrypoint had
    # its five and left them behind when it became postgres.
    for service in SERVICES:
        status = stack.exec(service, "cat", "/proc/1/status").stdout
        effective = int(re.search(r"^CapEff:\s+([0-9a-f]+)", status, re.M).group(1), 16)
        assert effective == 0, f"{service}'s main process keeps capabilities {effective:#x}"


@pytest.mark.docker
def test_static_files_come_from_nginx_and_never_reach_gunicorn(stack):
    import requests

    marker = secrets.token_hex(8)
    static = requests.get(
        f"{stack.site}/static/admin/css/base.css?smoke={marker}", headers={"Accept-Encoding": "gzip"}
    )
    assert static.status_code == 200
    assert static.headers["Content-Type"].startswith("text/css")
    assert static.headers.get("Content-Encoding") == "gzip"
    assert "max-age=" in static.headers.get("Cache-Control", "")
    assert static.headers.get("X-Content-Type-Options") == "nosniff"
    assert "body" in static.text

    dynamic = requests.get(f"{stack.site}/api/health/?smoke={marker}")
    assert dynamic.status_code == 200
    assert dynamic.json() == {"status": "ok", "database": "up"}
    assert dynamic.headers.get("X-Frame-Options") == "DENY"  # one copy, nginx's

    # gunicorn logs every request it answers: the API call is there, the static file is not.
    web_log = stack.logs("web")
    assert f"/api/health/?smoke={marker}" in web_log
    assert "/static/" not in web_log
    assert f"/static/admin/css/base.css?smoke={marker}" in stack.logs("proxy")


@pytest.mark.docker
def test_api_through_nginx_lists_the_seed_posts_and_forwards_scheme_and_host(stack, api):
    import requests

    assert requests.get(f"{stack.site}/api/posts/").status_code in (401, 403)
    alive = sorted(content for _author, content, _files, deleted in seed.POSTS if not deleted)
    listing = api.get(f"{stack.site}/api/posts/", params={"page_size": 100}).json()
    assert listing["count"] == len(alive)
    assert sorted(post["content"] for post in listing["results"]) == alive

    # A client claiming https through X-Forwarded-Proto is overruled by nginx, and Django builds
    # its links from the host and port the browser used.
    page = api.get(
        f"{stack.site}/api/posts/", params={"page_size": 2}, headers={"X-Forwarded-Proto": "https"}
    ).json()
    assert page["next"].startswith(f"{stack.site}/api/posts/?")


@pytest.mark.docker
def test_session_login_and_csrf_protected_post_work_through_nginx(stack):
    import requests

    session = requests.Session()
    login_form = session.get(f"{stack.site}/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_form.text).group(1)
    logged_in = session.post(
        f"{stack.site}/admin/login/?next=/admin/",
        data={
            "username": stack.values["DJANGO_SUPERUSER_USERNAME"],
            "password": stack.values["DJANGO_SUPERUSER_PASSWORD"],
            "csrfmiddlewaretoken": csrf,
        },
        headers={"Origin": stack.site, "Referer": f"{stack.site}/admin/login/"},
        allow_redirects=False,
    )
    assert logged_in.status_code == 302, logged_in.text[:500]
    assert "sessionid" in session.cookies

    post = {
        "content": "Posted through nginx",
        "files": [{"type": "image", "url": "https://example.com/a.jpg"}],
    }
    token = session.cookies["csrftoken"]
    without_token = session.post(f"{stack.site}/api/posts/", json=post, headers={"Origin": stack.site})
    assert without_token.status_code == 403 and "CSRF" in without_token.text
    foreign = session.post(
        f"{stack.site}/api/posts/", json=post, headers={"Origin": "http://evil.example", "X-CSRFToken": token}
    )
    assert foreign.status_code == 403 and "CSRF" in foreign.text
    created = session.post(
        f"{stack.site}/api/posts/", json=post, headers={"Origin": stack.site, "X-CSRFToken": token}
    )
    assert created.status_code == 201, created.text[:500]
    assert created.json()["content"] == "Posted through nginx"


@pytest.mark.docker
def test_nginx_rejects_an_oversized_upload_itself(stack):
    import requests

    too_big = requests.post(
        f"{stack.site}/api/posts/?smoke=oversized",
        data=b"x" * (26 * 1024 * 1024),
        headers={"Origin": stack.site},
    )
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "The request body is larger than this API accepts."}
    assert "smoke=oversized" not in stack.logs("web")


def _at_once(send, count: int = 25) -> list:
    """`count` requests sent together, as a guesser sends them; their answers in order. Sent one
    after another, each waits for its password hash, and on a busy machine that takes longer than
    the 3 s in which nginx's limit (20 a minute) gives one back: none would ever be refused."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


@pytest.mark.docker
def test_nginx_limits_the_login_rate_per_address_with_a_json_429(stack):
    import requests

    # A user name each: Django's own throttle (10 failures per name) stays out of the way.
    answers = _at_once(
        lambda n: requests.post(
            f"{stack.site}/api/auth/token/", json={"username": f"nobody-{n}", "password": "x"}
        )
    )
    statuses = [answer.status_code for answer in answers]
    assert 429 in statuses, statuses
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.json()["detail"].startswith("Too many login attempts")
    assert requests.get(f"{stack.site}/api/health/").status_code == 200  # other paths not limited


@pytest.mark.docker
def test_nginx_429_carries_retry_after_and_says_the_wait_once(stack):
    import requests

    answers = _at_once(
        lambda n: requests.post(
            f"{stack.site}/api-auth/login/", data={"username": f"form-{n}", "password": "x"}
        )
    )
    refused = [answer for answer in answers if answer.status_code == 429]
    assert refused, [answer.status_code for answer in answers]  # the browsable API's form is limited too
    assert refused[0].headers["Retry-After"] == "3"
    assert refused[0].json() == {"detail": "Too many login attempts from this address; try again in 3 s."}


def _raw(stack, request: bytes) -> tuple[int, dict, bytes]:
    """One request written byte for byte to nginx: (status, headers, body)."""
    import http.client
    import socket

    port = int(stack.site.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.mark.docker
@pytest.mark.parametrize(
    "name, request_bytes, status",
    [
        ("a URL over 8 KiB", b"GET /api/posts/?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (
            "a header over 8 KiB",
            b"GET /api/posts/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n",
            400,
        ),
        (
            "headers over gunicorn's count",
            b"GET /api/posts/ HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: 1\r\n" % n for n in range(150))
            + b"\r\n",
            None,
        ),
        (
            "a URL over gunicorn's 4 KiB",
            b"GET /api/posts/?q=" + b"x" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            None,
        ),
        ("TRACE", b"TRACE /api/posts/ HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ("a malformed request line", b"GET /api/posts/ HTTP/1.1 x\r\n\r\n", 400),
        ("an HTTP version nginx does not speak", b"GET /api/posts/ HTTP/9.0\r\n\r\n", 505),
    ],
)
def test_every_answer_under_api_is_json_from_nginx_and_gunicorn_alike(stack, name, request_bytes, status):
    answered, headers, body = _raw(stack, request_bytes)
    if status is not None:
        assert answered == status, (name, answered, body[:200])
    assert headers.get("content-type", "").startswith("application/json"), (
        name,
        answered,
        headers,
        body[:300],
    )
    json.loads(body)


@pytest.mark.docker
def test_a_chunked_body_through_nginx_is_read_whole(stack, api):
    body = json.dumps(
        {"content": "Sent in chunks", "files": [{"type": "image", "url": "https://example.com/a.jpg"}]}
    )
    created = api.post(
        f"{stack.site}/api/posts/",
        data=iter([body[:10].encode(), body[10:].encode()]),  # requests sends an iterator chunked
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text[:300]
    assert created.json()["content"] == "Sent in chunks"


@pytest.fixture
def front_proxy(stack):
    """A second proxy container from the stack's proxy image, set up as docker-compose.prod.yml
    sets it (NGINX_TRUSTED_PROXIES=gateway), on the stack's network and a port of its own: the host,
    where DEPLOY.md's Caddy runs, reaches it from the gateway; the lab container from elsewhere."""
    port = free_port()
    name = f"{stack.project}-front-proxy"
    proxy = stack.container("proxy")
    network = next(iter(proxy["NetworkSettings"]["Networks"]))
    subprocess.run(
        [
            "docker",
            "run",
            "--detach",
            "--name",
            name,
            "--network",
            network,
            "--network-alias",
            "front",
            "--env",
            "NGINX_TRUSTED_PROXIES=gateway",
            "--publish",
            f"127.0.0.1:{port}:8080",
            proxy["Image"],
        ],
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            import requests

            try:
                if requests.get(f"http://127.0.0.1:{port}/nginx-health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, subprocess.run(
                ["docker", "logs", name], capture_output=True, text=True
            ).stderr
            time.sleep(0.5)
        yield name, f"http://127.0.0.1:{port}"
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True)


def _seen_by_nginx(container: str, marker: str) -> str:
    """The client address nginx logged for the request whose URL holds `marker`. nginx writes its
    access log after the answer has gone out, and the Engine's log reaches `docker logs` later
    still: on a busy machine the line comes a moment after the client has its answer."""
    deadline = time.monotonic() + 15
    while True:
        log = subprocess.run(["docker", "logs", container], capture_output=True, text=True).stdout
        lines = [line for line in log.splitlines() if marker in line]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert lines, f"no request with {marker} in {container}'s log 15 s after its answer"
    return lines[-1].split(" ", 1)[0]


SPOOFED = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}


@pytest.mark.docker
def test_behind_a_tls_front_on_the_host_nginx_takes_its_client_and_scheme(stack, api, front_proxy):
    import requests

    name, site = front_proxy
    marker = secrets.token_hex(6)
    page = api.get(f"{site}/api/posts/?page_size=1&m={marker}", headers=SPOOFED).json()
    assert page["next"].startswith("https://"), page["next"]  # the scheme passed through
    assert _seen_by_nginx(name, marker) == "6.6.6.6"  # the client the front named

    # Its login limit counts that client, not the front: another client still logs in.
    def guess(n):
        body = {"username": f"n-{n}", "password": "x"}
        return requests.post(f"{site}/api/auth/token/", json=body, headers=SPOOFED).status_code

    statuses = _at_once(guess)
    assert 429 in statuses, statuses
    other = requests.post(
        f"{site}/api/auth/token/",
        json={"username": "nobody", "password": "x"},
        headers={"X-Forwarded-For": "7.7.7.7"},
    )
    assert other.status_code == 400


@pytest.mark.docker
def test_a_client_that_is_not_the_trusted_front_cannot_spoof_either_header(stack, front_proxy):
    name, _site = front_proxy
    marker = secrets.token_hex(6)
    # From the lab container: a client on the network, not the host.
    from_lab = stack.exec(
        "lab",
        "python",
        "-c",
        "import json, urllib.request as u; "
        f"headers = {SPOOFED!r}; headers['Host'] = 'proxy'; "  # a host the site serves
        f"r = u.Request('http://front:8080/api/health/?m={marker}', headers=headers); "
        "print(u.urlopen(r).status)",
    )
    assert from_lab.stdout.strip() == "200"
    lab_address = next(iter(stack.container("lab")["NetworkSettings"]["Networks"].values()))["IPAddress"]
    assert _seen_by_nginx(name, marker) == lab_address
    # And the stack's own proxy (docker-compose.yml: no trusted proxy) overrules a client on the host.
    marker = secrets.token_hex(6)
    import requests

    page = requests.get(f"{stack.site}/api/health/?m={marker}", headers=SPOOFED)
    assert page.status_code == 200
    assert _seen_by_nginx(stack.container("proxy")["Name"].lstrip("/"), marker) != "6.6.6.6"


@pytest.mark.docker
def test_jupyterlab_needs_its_token_and_reaches_the_api_through_nginx(stack):
    import requests

    assert requests.get(f"{stack.lab}/api/contents").status_code == 403
    contents = requests.get(
        f"{stack.lab}/api/contents", headers={"Authorization": f"token {stack.values['JUPYTER_TOKEN']}"}
    )
    assert contents.status_code == 200

    from_lab = stack.exec(
        "lab",
        "python",
        "-c",
        "import os, urllib.request; "
        "print(urllib.request.urlopen(os.environ['WORKBOOK_API_URL'] + '/api/health/').read().decode())",
    )
    assert json.loads(from_lab.stdout) == {"status": "ok", "database": "up"}

    # A page that rebinds its own host name to 127.0.0.1 sends its name in Host: refused.
    token = {"Authorization": f"token {stack.values['JUPYTER_TOKEN']}"}
    forged = requests.get(f"{stack.lab}/api/contents", headers={**token, "Host": "rebind.example:8888"})
    assert forged.status_code == 403
    for host in ("127.0.0.1", "localhost"):
        port = stack.lab.rsplit(":", 1)[1]
        local = requests.get(f"{stack.lab}/api/contents", headers={**token, "Host": f"{host}:{port}"})
        assert local.status_code == 200, host

    refused = stack.compose(
        "run",
        "--rm",
        "-T",
        "--no-deps",
        "-e",
        "JUPYTER_TOKEN=workbook-dev-token-change-me",
        "lab",
        check=False,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "an example file published" in refused.stdout + refused.stderr


@pytest.mark.docker
def test_notebooks_pass_nbval_inside_the_lab_container_against_db(stack):
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    start = time.monotonic()
    result = stack.exec(
        "lab",
        "python",
        "-m",
        "pytest",
        "notebooks/",
        "-q",
        "-p",
        "no:cacheprovider",
        env={"DJANGO_DB_NAME": NBVAL_DB_NAME},
        check=False,
    )
    stack.timed(f"nbval in lab ({len(notebooks)} notebooks)", time.monotonic() - start)
    if not notebooks:
        assert result.returncode == 5, _tail(result.stdout + result.stderr)  # pytest: nothing collected
        return
    assert result.returncode == 0, _tail(result.stdout + result.stderr, 80)
    # The notebooks ran on a database of their own: the learner's still has exactly the seed's
    # users and the admin.
    users = stack.exec(
        "db",
        "psql",
        "-U",
        stack.values["POSTGRES_USER"],
        "-d",
        stack.values["POSTGRES_DB"],
        "-tAc",
        "SELECT count(*) FROM auth_user",
    )
    assert int(users.stdout.strip()) == len(seed.USERS) + 1


@pytest.mark.docker
def test_web_serves_again_after_db_restarts(stack):
    import requests

    start = time.monotonic()
    stack.compose("restart", "db")
    stack.wait_healthy(["db"])
    deadline = time.monotonic() + 60
    while True:
        try:
            status = requests.get(f"{stack.site}/api/health/", timeout=5).status_code
        except requests.RequestException:
            status = None
        if status == 200:
            break
        assert time.monotonic() < deadline, f"/api/health/ answers {status} 60 s after db restarted"
        time.sleep(1)
    stack.timed("db restart to health 200", time.monotonic() - start)


def _count(response) -> int:
    assert response.status_code == 200, f"{response.status_code} {response.text[:300]}"
    return response.json()["count"]


@pytest.mark.docker
def test_data_survives_down_and_up_and_is_not_seeded_again(stack, api):
    before = _count(api.get(f"{stack.site}/api/posts/"))
    start = time.monotonic()
    old = stack.anonymous_volumes()
    stack.compose("down", "--timeout", "10")
    # `down` keeps every volume; the named pgdata holds the data. An image's own anonymous volume
    # (postgres before 18: /var/lib/postgresql/data, empty here, PGDATA is elsewhere) would be left
    # behind for good: the next `up` makes a new one. `docker volume rm` it, as a learner would.
    if old:
        subprocess.run(["docker", "volume", "rm", *sorted(old)], check=True, capture_output=True)
    stack.compose("up", "-d")
    stack.wait_healthy()
    stack.timed("down, up to healthy again", time.monotonic() - start)
    assert _count(api.get(f"{stack.site}/api/posts/")) == before
    web_log = stack.logs("web")
    assert "already has users" in web_log
    assert "exists, left as it is" in web_log


WEAK_ADMIN_PASSWORDS = ["123", "workbook-admin-dev-password", "boss@example.com", "password123"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("password", WEAK_ADMIN_PASSWORDS)
def test_bootstrap_in_production_refuses_an_admin_password_the_validators_reject(
    monkeypatch, settings, password
):
    settings.PRODUCTION = True
    for name, value in {**ADMIN_ENV, "DJANGO_SUPERUSER_PASSWORD": password}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CommandError, match="^DJANGO_SUPERUSER_PASSWORD ") as refused:
        call_command("bootstrap", verbosity=0)
    assert "\n" not in str(refused.value)
    assert not get_user_model().objects.filter(username="boss").exists()


@pytest.mark.django_db(transaction=True)
def test_bootstrap_in_production_creates_an_admin_with_a_strong_password(monkeypatch, settings):
    settings.PRODUCTION = True
    for name, value in {**ADMIN_ENV, "DJANGO_SUPERUSER_PASSWORD": "Kq7-vT2m-Lp9x-Rw4z"}.items():
        monkeypatch.setenv(name, value)
    call_command("bootstrap", verbosity=0)
    assert get_user_model().objects.get(username="boss").check_password("Kq7-vT2m-Lp9x-Rw4z")
