"""Week 2's deploy, rehearsed on this machine: a registry, a "server" over SSH, and cd.yml's own script.

`python3 run.py rehearse up` starts two containers and writes the secrets they need:

- a registry, the official `registry:2` image with a password (htpasswd), on 127.0.0.1 only, in
  the place of GitHub's container registry (ghcr.io);
- a server, `deploy/rehearsal/server.Dockerfile`: Debian with sshd running as the user `deploy`,
  the Docker CLI and compose, in the place of the EC2 instance. Its host key is made when it
  starts; the deploy key is made here at `up`, in a folder outside the repository
  (`~/.workbook-rehearsal`, or WORKBOOK_REHEARSAL_HOME), and never enters an image or a log.

Its containers, compose project and folder are named `workbook-rehearsal`, or
WORKBOOK_REHEARSAL_NAME: the tests and `regenerate` set a name and a folder of their own per run,
so they never deploy to a rehearsal the learner has up, nor two runs to the same one.

`rehearse deploy` then does what cd.yml does: builds the web and proxy images, tags them with the
commit, pushes them, and runs `deploy/deploy.sh` (the file cd.yml runs) with the key, the pinned
host key, `.env.prod` and the registry's password, while requests go to the site every 100 ms.
`rehearse deploy --broken` deploys a web image that listens on the wrong port: its health check
fails and the script removes it while the running version goes on answering.
`rehearse down` removes the containers, the site's database volume, the images and the secrets.
It keeps one thing for the next rehearsal: the image layers its registry received, in the Docker
volume `workbook-rehearsal-layers` (`docker volume rm workbook-rehearsal-layers` frees the space).
Each registry stores in a folder of its own in that volume, which starts with hard links to the
layers kept there: the next rehearsal's first push sends only the layers that changed, where a new
registry would take the whole images again (a minute of compression on a busy laptop). The tags
(which image a release is) stay each rehearsal's own, so two rehearsals never pull each other's.

The server has no Docker Engine of its own: it gets this machine's Docker socket, and the site it
deploys runs on this machine's engine. RISK: the socket is root on this machine; whoever logs in
to the server (only the key made at `up` can) can do anything here. That is also true of the
real server's `docker` group (DEPLOY.md). The server shares this machine's network (host
networking) so that its 127.0.0.1 is this machine's: sshd, the registry and the site listen on
127.0.0.1 only. Linux, and Docker Desktop with host networking turned on (4.34 or later).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import _
from .paths import REPO_ROOT

DEPLOY_SCRIPT = REPO_ROOT / "deploy" / "deploy.sh"
SERVER_DIR = REPO_ROOT / "deploy" / "rehearsal"
PROD_COMPOSE = REPO_ROOT / "docker-compose.prod.yml"
ENV_PROD_EXAMPLE = REPO_ROOT / ".env.prod.example"
SERVER_IMAGE = "workbook-rehearsal-server"
DEFAULT_NAME = "workbook-rehearsal"
SSH_USER = "deploy"
REGISTRY_USER = "deploy"
PROBE_INTERVAL = 0.1  # seconds between two requests to the site during a deploy
PROBE_TIMEOUT = 5.0  # seconds a request may take before it counts as failed
LABEL = "workbook.rehearsal"
# The Docker volume that keeps the registries' layers from one rehearsal to the next, labelled as
# a cache (a test run's leftovers check lists it apart).
LAYERS_VOLUME = "workbook-rehearsal-layers"
CACHE_LABEL = "workbook.cache"
# In the registry, where the volume is mounted (the image's /tmp: the volume starts with its mode,
# writable by the registry's user) and the kept layers' folder in it.
LAYERS_MOUNT = "/tmp"
KEPT = "layers"
# The server's .env lines that make docker-compose.prod.yml's health checks quick (see `up`).
REHEARSAL_HEALTH = "REHEARSAL_HEALTHCHECK_INTERVAL=1s REHEARSAL_WEB_START_PERIOD=20s"


class RehearsalError(RuntimeError):
    """Something the rehearsal needs is missing; the message is one line that says what."""


NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def default_name() -> str:
    """WORKBOOK_REHEARSAL_NAME, else `workbook-rehearsal`."""
    return os.environ.get("WORKBOOK_REHEARSAL_NAME") or DEFAULT_NAME


def home(name: str | None = None) -> Path:
    base = os.environ.get("WORKBOOK_REHEARSAL_HOME")
    root = Path(base) if base else Path.home() / ".workbook-rehearsal"
    return root / (name or default_name())


def _run(
    command: list[str], *, check: bool = True, timeout: float = 900, **kwargs
) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        text = (result.stderr or result.stdout).strip().splitlines()
        raise RehearsalError(f"`{' '.join(command[:4])} …` failed: {text[-1] if text else result.returncode}")
    return result


def engine_problem() -> str | None:
    """None when a Docker Engine answers the docker CLI, else one line saying why not."""
    if shutil.which("docker") is None:
        return _("no docker command here")
    try:
        probe = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        return _("the Docker Engine did not answer within 20 s")
    if probe.returncode != 0:
        return (probe.stderr.strip().splitlines() or [_("no Docker Engine answers")])[-1]
    return None


def live_problem() -> str | None:
    """None when a rehearsal can run here (a Docker Engine and OpenSSH's client), else why not.

    WORKBOOK_REHEARSAL_LIVE=0 turns it off (a test that runs 02-deploy only to see it reach the end).
    """
    if os.environ.get("WORKBOOK_REHEARSAL_LIVE", "").strip().lower() in ("0", "no", "off", "false"):
        return _("WORKBOOK_REHEARSAL_LIVE=0 turns it off")
    missing = [tool for tool in ("ssh", "ssh-keygen") if shutil.which(tool) is None]
    if missing:
        return _("no OpenSSH client here ({missing})").format(missing=", ".join(missing))
    return engine_problem()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"


def commit() -> str:
    """The commit the images are built from (12 characters), `-dirty` when files differ from it."""
    head = _run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO_ROOT, check=False).stdout.strip()
    if not head:
        return "nogit"
    dirty = _run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, check=False
    ).stdout.strip()
    return f"{head}-dirty" if dirty else head


@dataclass
class Probe:
    """One request to the site every PROBE_INTERVAL, each in its own thread, while a deploy runs.

    A request counts as failed when it gets no 200 within PROBE_TIMEOUT seconds; slower answers
    still count as answers, and the slowest shows in `slowest`.
    """

    url: str
    results: list[tuple[float, int | str, float]] = field(default_factory=list)

    def __post_init__(self):
        from concurrent.futures import ThreadPoolExecutor

        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=int(PROBE_TIMEOUT / PROBE_INTERVAL) + 10)
        self._futures = []
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _request(self, sent: float) -> tuple[float, int | str, float]:
        import urllib.error
        import urllib.request

        began = time.monotonic()
        try:
            with urllib.request.urlopen(self.url, timeout=PROBE_TIMEOUT) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            status = type(getattr(exc, "reason", exc)).__name__
        return sent, status, time.monotonic() - began

    def _loop(self) -> None:
        start = time.monotonic()
        while not self._stop.is_set():
            self._futures.append(self._pool.submit(self._request, time.monotonic() - start))
            self._stop.wait(PROBE_INTERVAL)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.results = sorted(f.result() for f in self._futures)
        self._pool.shutdown()

    @property
    def failed(self) -> int:
        return sum(1 for _, status, _ in self.results if status != 200)

    @property
    def slowest(self) -> float:
        return max((took for *_, took in self.results), default=0.0)

    def outages(self) -> list[float]:
        """Each run of failed requests: seconds from its first failure to the next success."""
        runs, began = [], None
        for at, status, _took in self.results:
            if status != 200 and began is None:
                began = at
            elif status == 200 and began is not None:
                runs.append(at - began)
                began = None
        if began is not None:
            runs.append(self.results[-1][0] - began + PROBE_INTERVAL)
        return runs

    def downtime(self) -> float:
        """Seconds the site did not answer, all outages together."""
        return sum(self.outages())

    def longest_outage(self) -> float:
        """Seconds from the first failed request of the longest failing run to the next success."""
        return max(self.outages(), default=0.0)

    def failures(self) -> list[str]:
        return [f"{at:6.1f} s  {status}" for at, status, _ in self.results if status != 200]

    def summary(self) -> str:
        text = _("{count} requests, one every {interval:.0f} ms: {failed} failed").format(
            count=len(self.results), interval=PROBE_INTERVAL * 1000, failed=self.failed
        )
        if self.failed:
            text += _(", longest outage {seconds:.1f} s").format(seconds=self.longest_outage())
        return text + _("; slowest answer {seconds:.1f} s").format(seconds=self.slowest)


@dataclass
class DeployResult:
    tag: str
    returncode: int
    output: str
    probe: Probe | None = None

    @property
    def lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.strip()]


class Rehearsal:
    """One rehearsal environment: its containers are named after `name`, its secrets live in home(name)."""

    def __init__(self, name: str | None = None):
        name = name or default_name()
        if not NAME_PATTERN.fullmatch(name):
            raise RehearsalError(
                f"rehearsal name {name!r}: use 1 to 40 lowercase letters, digits, - and _ "
                "(it names containers and a compose project)"
            )
        self.name = name
        self.home = home(name)
        self.registry_container = f"{name}-registry"
        self.server_container = f"{name}-server"

    # ---- state

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _save(self, **values) -> None:
        data = self.state() | values
        self.state_file.write_text(json.dumps(data, indent=1) + "\n")

    def _running(self, container: str) -> bool:
        result = _run(["docker", "inspect", "--format", "{{.State.Running}}", container], check=False)
        return result.stdout.strip() == "true"

    def is_up(self) -> bool:
        return (
            bool(self.state())
            and self._running(self.registry_container)
            and self._running(self.server_container)
        )

    @property
    def registry(self) -> str:
        return f"127.0.0.1:{self.state()['registry_port']}"

    @property
    def image_prefix(self) -> str:
        return f"{self.registry}/workbook"

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.state()['web_port']}"

    # ---- up

    @property
    def server_dir(self) -> Path:
        """The site's folder on the rehearsal server (deploy.sh's DEPLOY_DIR). The server runs its
        containers on this machine's engine, which reads the Compose secret (a bind mount of
        .env.prod) from its own filesystem: the folder has the same path here and in the server."""
        return Path("/tmp") / f"{self.name}-server"

    def up(self, say=print) -> None:
        problem = engine_problem()
        if problem:
            raise RehearsalError(
                _("No Docker Engine answers here ({problem}): the rehearsal needs one.").format(
                    problem=problem
                )
            )
        if self.is_up():
            say(
                _("The rehearsal {name} is already up: registry {registry}, server ssh port {port}.").format(
                    name=self.name, registry=self.registry, port=self.state()["ssh_port"]
                )
            )
            return
        self.down(say=lambda *_: None)
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.server_dir.mkdir(exist_ok=True, mode=0o700)
        os.chmod(self.home, 0o700)
        key = self.home / "deploy_key"
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{self.name}-deploy", "-f", str(key)])
        password = secrets.token_urlsafe(24)
        self._write_secret("registry-password", password)
        ports = {"registry_port": _free_port(), "ssh_port": _free_port(), "web_port": _free_port()}
        self._save(**ports, commit=commit(), deploys=0)

        say(_("Building the server image (Debian, sshd, Docker CLI and compose) …"))
        _run(
            [
                "docker",
                "build",
                "--quiet",
                "-t",
                SERVER_IMAGE,
                "-f",
                str(SERVER_DIR / "server.Dockerfile"),
                str(SERVER_DIR),
            ]
        )
        htpasswd = _run(
            ["docker", "run", "--rm", "-i", "--entrypoint", "htpasswd", SERVER_IMAGE, "-iBn", REGISTRY_USER],
            input=password,
        ).stdout.strip()
        (self.home / "htpasswd").write_text(htpasswd + "\n")
        os.chmod(self.home / "htpasswd", 0o644)  # a bcrypt hash, read by the registry's user

        say(_("Starting the registry (registry:2) on {address} …").format(address=self.registry))
        # Not root: the registry runs as nobody and stores in a folder of its own in the layers
        # volume, which starts with the layers earlier rehearsals kept (see the module's docstring).
        _run(["docker", "volume", "create", "--label", f"{CACHE_LABEL}=rehearsal-layers", LAYERS_VOLUME])
        _run(
            [
                "docker", "run", "--detach", "--name", self.registry_container,
                "--label", f"{LABEL}={self.name}",
                "--user", "65534:65534", "--publish", f"{self.registry}:5000",
                "--volume", f"{LAYERS_VOLUME}:{LAYERS_MOUNT}",
                "--env", f"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY={self._storage}",
                "--volume", f"{self.home / 'htpasswd'}:/auth/htpasswd:ro",
                "--env", "REGISTRY_AUTH=htpasswd", "--env", "REGISTRY_AUTH_HTPASSWD_REALM=rehearsal",
                "--env", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd",
                "--env", "REGISTRY_STORAGE_DELETE_ENABLED=true",
                "registry:2",
            ]
        )  # fmt: skip
        self._layers(self._kept, self._storage)

        say(
            _("Starting the server: sshd on 127.0.0.1:{port}, user {user} …").format(
                port=self.state()["ssh_port"], user=SSH_USER
            )
        )
        sock = _socket_path()
        group = os.stat(sock).st_gid if os.path.exists(sock) else 0
        _run(
            [
                "docker", "run", "--detach", "--name", self.server_container,
                "--label", f"{LABEL}={self.name}",
                "--network", "host", "--volume", f"{sock}:/var/run/docker.sock", "--group-add", str(group),
                "--volume", f"{self.server_dir}:{self.server_dir}",
                "--env", f"SSH_PORT={self.state()['ssh_port']}",
                "--env", f"AUTHORIZED_KEY={(self.home / 'deploy_key.pub').read_text().strip()}",
                SERVER_IMAGE,
            ]
        )  # fmt: skip
        host_key = ""
        for _attempt in range(50):
            host_key = _run(
                ["docker", "exec", self.server_container, "cat", ".sshd/host_ed25519_key.pub"], check=False
            ).stdout
            if (
                host_key
                and "Server listening" in _run(["docker", "logs", self.server_container], check=False).stderr
            ):
                break
            time.sleep(0.2)
        if not host_key:
            raise RehearsalError(
                "the server's sshd did not start: `docker logs " + self.server_container + "` says why"
            )
        # Read through Docker, not over the network: the way to trust a host key is to see it on the host.
        key_type, key_text = host_key.split()[:2]
        (self.home / "known_hosts").write_text(
            f"[127.0.0.1]:{self.state()['ssh_port']} {key_type} {key_text}\n"
        )
        # The site's folder, the deploy user's (the mount made it root's).
        _run(
            [
                "docker",
                "exec",
                "--user",
                "0",
                self.server_container,
                "chown",
                f"{SSH_USER}:",
                str(self.server_dir),
            ]
        )
        # What a person does once on a new server: say which port the site listens on. A practice
        # server also checks health every second, and gives a new web 20 s (not 60) to answer
        # before failed checks count: a good deploy waits about a second for each health check,
        # not five, and a broken release is rolled back after about 25 s, not 75.
        self.server_shell(
            f"printf '%s\\n' WEB_PORT={self.state()['web_port']} {REHEARSAL_HEALTH} > {self.server_dir}/.env"
        )
        self._write_secret("env.prod", self._env_prod())
        fingerprint = _run(["ssh-keygen", "-lf", str(self.home / "known_hosts")]).stdout.split()[1]
        say(
            _(
                "Up. The server's host key is {fingerprint}; the site will answer at {site}/ after a deploy."
            ).format(fingerprint=fingerprint, site=self.site)
        )

    @property
    def _storage(self) -> str:
        """The registry's own folder in the layers volume."""
        return f"{LAYERS_MOUNT}/{self.name}"

    @property
    def _kept(self) -> str:
        return f"{LAYERS_MOUNT}/{KEPT}"

    def _layers(self, source: str, target: str, *, keep_existing: bool = False) -> bool:
        """Hard links, in the registry, from one storage folder's layers to another's: the blobs and
        each repository's list of its layers, never its tags (`_manifests`) nor unfinished uploads.
        No file is copied or changed: the registry writes a new file beside an old one and renames."""
        v2, cp = "docker/registry/v2", "cp -aln" if keep_existing else "cp -al"
        script = (
            f'src={source}/{v2}; dst={target}/{v2}; [ -d "$src/blobs" ] || exit 0; '
            f'mkdir -p "$dst/repositories" && {cp} "$src/blobs" "$dst/" && '
            'for repo in "$src"/repositories/*/; do name=$(basename "$repo"); '
            '[ -d "$repo/_layers" ] || continue; mkdir -p "$dst/repositories/$name" && '
            f'{cp} "$repo/_layers" "$dst/repositories/$name/"; done'
        )
        linked = _run(["docker", "exec", self.registry_container, "sh", "-c", script], check=False)
        return linked.returncode == 0

    def _forget_storage(self) -> None:
        """The registry's own folder in the layers volume, removed (from a throwaway container when
        the registry no longer runs and the rehearsal had been up; as nobody, the folder's owner)."""
        remove = ["sh", "-c", f"rm -rf {self._storage}"]
        if self._running(self.registry_container):
            _run(["docker", "exec", self.registry_container, *remove], check=False)
        elif self.state() and _run(["docker", "volume", "inspect", LAYERS_VOLUME], check=False).stdout:
            _run(
                ["docker", "run", "--rm", "--user", "65534:65534", "--entrypoint", "sh",
                 "--volume", f"{LAYERS_VOLUME}:{LAYERS_MOUNT}", "registry:2", "-c", remove[2]],
                check=False,
            )  # fmt: skip

    def _write_secret(self, name: str, text: str) -> None:
        path = self.home / name
        path.touch(mode=0o600)
        os.chmod(path, 0o600)
        path.write_text(text)

    def _env_prod(self) -> str:
        """.env.prod.example with every blank secret filled in and this machine's addresses."""
        password = secrets.token_hex(16)
        values = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.site,
            "POSTGRES_PASSWORD": password,
            "DATABASE_URL": f"postgres://workbook:{password}@db:5432/workbook",
            "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16),
            # plain http on 127.0.0.1, no TLS front: DEPLOY.md's plain-http set-up
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
        }
        lines = []
        for line in ENV_PROD_EXAMPLE.read_text().splitlines():
            name = line.partition("=")[0]
            lines.append(
                f"{name}={values[name]}"
                if "=" in line and not line.startswith("#") and name in values
                else line
            )
        return "\n".join(lines) + "\n"

    def server_shell(self, command: str, check: bool = True) -> subprocess.CompletedProcess:
        """A command on the server as the deploy user, through Docker (not over SSH)."""
        return _run(["docker", "exec", self.server_container, "bash", "-c", command], check=check)

    # ---- deploy

    def _require_up(self) -> None:
        if not self.is_up():
            raise RehearsalError(
                _("The rehearsal {name} is not up: `python3 run.py rehearse up` starts it.").format(
                    name=self.name
                )
            )

    def _docker_config(self) -> dict:
        """An environment whose docker login lands in the rehearsal's folder, not the learner's ~/.docker."""
        config = self.home / "docker-config"
        config.mkdir(exist_ok=True, mode=0o700)
        return dict(os.environ, DOCKER_CONFIG=str(config))

    def build_and_push(self, *, broken: bool = False, say=print) -> str:
        """The images of this commit, tagged `<commit>.<n>`, pushed to the rehearsal's registry."""
        self._require_up()
        number = self.state().get("deploys", 0) + 1
        tag = f"{commit()}.{number}"
        self._save(deploys=number)
        prefix = self.image_prefix
        say(_("Building web and proxy from this repository (Dockerfile targets web, proxy) …"))
        # One layer on top names the release, so the site can say which one answers
        # (/static/release.txt through nginx); the broken release's gunicorn listens on 8001, where
        # neither nginx nor the image's health check looks.
        context = self.home / "release"
        context.mkdir(exist_ok=True)
        (context / "release.txt").write_text(f"{tag}\n")
        files = {
            "web": f"FROM {prefix}-web:build\nCOPY release.txt /app/staticfiles/release.txt\n"
            + ('CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8001"]\n' if broken else ""),
            "proxy": f"FROM {prefix}-proxy:build\nCOPY release.txt /usr/share/nginx/static/release.txt\n",
        }

        def build(target: str) -> None:
            _run(
                [
                    "docker",
                    "build",
                    "--quiet",
                    "--target",
                    target,
                    "-t",
                    f"{prefix}-{target}:build",
                    str(REPO_ROOT),
                ],
                timeout=1800,
            )
            labelled = files[target] + f'LABEL org.opencontainers.image.revision="{tag}"\n'
            _run(
                ["docker", "build", "--quiet", "-t", f"{prefix}-{target}:{tag}", "-f", "-", str(context)],
                input=labelled,
            )

        # web and proxy side by side: each build, and then each push, mostly waits on the engine.
        self._both(build)
        env = self._docker_config()
        _run(
            ["docker", "login", self.registry, "--username", REGISTRY_USER, "--password-stdin"],
            input=self._password(),
            env=env,
        )
        try:
            for target in ("web", "proxy"):
                say(_("Pushing {image} …").format(image=f"{prefix}-{target}:{tag}"))
            self._both(
                lambda target: _run(["docker", "push", "--quiet", f"{prefix}-{target}:{tag}"], env=env)
            )
        finally:
            _run(["docker", "logout", self.registry], env=env, check=False)
        return tag

    @staticmethod
    def _both(work) -> None:
        """work("web") and work("proxy") at once; the first failure is raised once both ended."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(work, target) for target in ("web", "proxy")]
        for future in futures:
            future.result()

    def _password(self) -> str:
        return (self.home / "registry-password").read_text()

    def script_env(self, tag: str, **overrides: str) -> dict[str, str]:
        """What deploy/deploy.sh reads, as cd.yml's deploy step passes it from the secrets."""
        state = self.state()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(Path.home())),
            "SSH_HOST": "127.0.0.1",
            "SSH_PORT": str(state["ssh_port"]),
            "SSH_USER": SSH_USER,
            "SSH_KEY_FILE": str(self.home / "deploy_key"),
            "SSH_KNOWN_HOSTS_FILE": str(self.home / "known_hosts"),
            "ENV_PROD_FILE": str(self.home / "env.prod"),
            "IMAGE_PREFIX": self.image_prefix,
            "IMAGE_TAG": tag,
            "REGISTRY_USER": REGISTRY_USER,
            "REGISTRY_PASSWORD": self._password(),
            "DEPLOY_DIR": str(self.server_dir),
            "DEPLOY_PROJECT": self.name,
        }
        env.update(overrides)
        return env

    def run_script(self, tag: str, *, probe: bool = True, **overrides: str) -> DeployResult:
        """deploy/deploy.sh, the file cd.yml runs, with requests to the site every 100 ms meanwhile."""
        self._require_up()
        command = ["bash", str(DEPLOY_SCRIPT)]
        env = self.script_env(tag, **overrides)
        if not probe:
            result = _run(command, env=env, check=False)
            return DeployResult(tag, result.returncode, result.stdout + result.stderr)
        with Probe(f"{self.site}/api/health/") as watching:
            result = subprocess.run(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200
            )
        return DeployResult(tag, result.returncode, result.stdout, watching)

    def deploy(self, *, broken: bool = False, say=print) -> DeployResult:
        tag = self.build_and_push(broken=broken, say=say)
        say(
            _(
                "Running deploy/deploy.sh for {tag} over SSH (requests to {site}/api/health/ every 100 ms) …"
            ).format(tag=tag, site=self.site)
        )
        result = self.run_script(tag)
        for line in result.lines:
            say(line)
        if result.probe is not None:
            say(_("During the deploy: {summary}.").format(summary=result.probe.summary()))
        return result

    # ---- what runs

    def serving(self) -> str | None:
        """The release nginx answers with (/static/release.txt), or None when the site does not answer."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.site}/static/release.txt", timeout=5) as answer:
                return answer.read().decode().strip()
        except (OSError, KeyError):
            return None

    def health(self) -> tuple[int | None, str]:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.site}/api/health/", timeout=5) as answer:
                return answer.status, answer.read().decode().strip()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode().strip()
        except (OSError, KeyError) as exc:
            return None, str(exc)

    def history(self) -> list[str]:
        result = self.server_shell(
            f"cat {self.server_dir}/deploy-history.log 2>/dev/null || true", check=False
        )
        return result.stdout.split("\n")[:-1] if result.stdout else []

    def containers(self) -> list[str]:
        """The site's containers on the engine: name, image, state."""
        result = _run(
            ["docker", "ps", "--all", "--filter", f"label=com.docker.compose.project={self.name}",
             "--format", "{{.Names}}\t{{.Image}}\t{{.Status}}"],
            check=False,
        )  # fmt: skip
        return sorted(result.stdout.splitlines())

    # ---- down

    def down(self, say=print) -> None:
        """Every container, volume, network and image the rehearsal made, and its secrets; the
        layers its registry received join the layers volume's kept ones."""
        if engine_problem() is None:
            project = f"label=com.docker.compose.project={self.name}"
            mine = f"label={LABEL}={self.name}"
            # The server's files are its deploy user's: emptied from inside, the folder given back.
            folder = self.server_dir
            empty = f"rm -rf {folder}/* {folder}/.[!.]* && chown {os.getuid()} {folder}"
            _run(["docker", "exec", "--user", "0", self.server_container, "sh", "-c", empty], check=False)
            # The layers this registry received join the kept ones; its own folder (tags) goes.
            if self._running(self.registry_container):
                self._layers(self._storage, self._kept, keep_existing=True)
            self._forget_storage()
            for listing in (
                ["docker", "ps", "--all", "--quiet", "--filter", project],
                ["docker", "ps", "--all", "--quiet", "--filter", mine],
            ):
                ids = _run(listing, check=False).stdout.split()
                if ids:
                    _run(["docker", "rm", "--force", "--volumes", *ids], check=False)
            for listing, remove in (
                (["docker", "volume", "ls", "--quiet", "--filter", project], ["docker", "volume", "rm"]),
                (
                    ["docker", "volume", "ls", "--quiet", "--filter", f"label={LABEL}={self.name}"],
                    ["docker", "volume", "rm"],
                ),
                (["docker", "network", "ls", "--quiet", "--filter", project], ["docker", "network", "rm"]),
            ):
                ids = _run(listing, check=False).stdout.split()
                if ids:
                    _run([*remove, *ids], check=False)
            state = self.state()
            if state.get("registry_port"):
                images = _run(
                    ["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
                     f"reference=127.0.0.1:{state['registry_port']}/workbook-*"],
                    check=False,
                ).stdout.split()  # fmt: skip
                if images:
                    _run(["docker", "rmi", "--no-prune", *images], check=False)
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.server_dir, ignore_errors=True)
        say(
            _(
                "The rehearsal {name} is down: containers, volumes, images and keys removed; "
                "the image layers stay in the volume {volume} for the next one."
            ).format(name=self.name, volume=LAYERS_VOLUME)
        )
