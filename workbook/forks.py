"""Python commands a cell runs (`python manage.py ...`, pytest), started without a new Python each time.

04's migration cells run the project's manage.py, and 02's CI cells run pytest, each in a new
Python process, as a learner would in a terminal. Most of each run was that new Python importing
Django (and pytest) again before the command did anything: about half a second of the 0.7-1 s a
`manage.py migrate` takes here, more on a slow laptop.

`run()` keeps one helper process per kernel. It imports those libraries once, and never the
project's own modules or the notebook's app: a cell may change them between runs, and each run
must see them as they are on disk. Each command is a fork of the helper. The child takes the
command's working folder, environment and `sys.argv`, builds `sys.path` as a new Python would,
and runs the script (`python FILE ...`) or module (`python -m NAME ...`) as `__main__`. Its output
goes to files that the helper reads back once it has ended. A child still running at the time
limit is killed, as `subprocess.run(timeout=...)` would kill it. The helper ends with the process
that started it (its input closes), or after IDLE seconds without a command.

The answer has subprocess.run's shape: a CompletedProcess with the exit status (negative for a
signal) and the two outputs as text. Where fork() is missing or unsafe (Windows; macOS, where a
forked process that has loaded system frameworks may crash), for a command of another shape, or
when the helper cannot be started, the command runs in a new Python as before.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

FORKS = sys.platform.startswith("linux")
# Seconds the helper waits for a command before it ends, giving its memory back (56 MiB here);
# the next command starts it again. WORKBOOK_FORKS_IDLE sets another.
IDLE = float(os.environ.get("WORKBOOK_FORKS_IDLE") or 600)
# Imported once by the helper: libraries only (never the project's modules, which a cell may
# change, nor anything that reads Django's settings or needs its app registry at import).
LIBRARIES = (
    "django.core.management",
    "django.db.models",
    "django.db.migrations.autodetector",
    "django.db.migrations.executor",
    "django.db.migrations.writer",
    "django.db.migrations.questioner",
    "django.db.backends.postgresql.base",
    "django.db.backends.postgresql.schema",
    "django.db.backends.postgresql.introspection",
    "django.forms",
    "django.template.loader",
    "django.urls",
    "django.views.generic",
    "django.test",
    "rest_framework",
    "environ",
    "pytest",
)
# Not pytest-django: a plugin pytest is given with -p must be imported by pytest itself, which
# rewrites its asserts ("Module already imported so cannot be rewritten" otherwise).


def run(
    argv: list[str], *, cwd: str | Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess:
    """`subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)`,
    forked from the helper where it can be (see the module's text)."""
    if FORKS and _forkable(argv, cwd):
        helper = _helper()
        if helper is not None:
            answer = helper.ask({"argv": list(argv), "cwd": str(cwd), "env": dict(env), "timeout": timeout})
            if answer is not None:
                # as text=True reads them: universal newlines
                out, err = (
                    answer[key].replace("\r\n", "\n").replace("\r", "\n") for key in ("stdout", "stderr")
                )
                if answer["timed_out"]:
                    raise subprocess.TimeoutExpired(argv, timeout, out, err)
                return subprocess.CompletedProcess(argv, answer["returncode"], out, err)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _forkable(argv: list[str], cwd: str | Path) -> bool:
    """`python FILE ...` (a file that exists) or `python -m NAME ...`, with this kernel's Python, in a
    folder that exists: anything else runs in a new Python, which reports it as it does."""
    if len(argv) < 2 or argv[0] != sys.executable or not os.path.isdir(cwd):
        return False
    if argv[1] == "-m":
        return len(argv) >= 3 and not argv[2].startswith("-")
    return not argv[1].startswith("-") and os.path.isfile(os.path.join(cwd, argv[1]))


HELPER = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__helper__')"


class _Helper:
    def __init__(self) -> None:
        env = dict(os.environ)
        # Each command brings its own; the libraries are imported without a settings module.
        for name in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-c", HELPER, __file__, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd="/",  # `python -c` puts its folder first on the path: one that holds no module
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lock = threading.Lock()

    def ask(self, request: dict) -> dict | None:
        """The helper's answer, None when it has gone (the caller then runs the command itself)."""
        with self.lock:
            try:
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
                line = self.process.stdout.readline()
            except (OSError, ValueError):
                line = ""
            except BaseException:
                # Interrupted while the command ran: its answer would be read by the next one.
                self.process.kill()
                self.close()
                raise
            if not line:
                self.close()
                return None
            return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the helper ends at the end of its input
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


_current: _Helper | None = None


def _helper() -> _Helper | None:
    """The kernel's helper, started (again, if it has gone) when a command needs it."""
    global _current
    if _current is None or not _current.alive():
        if _current is not None:
            _current.close()
        try:
            _current = _Helper()
        except OSError:
            _current = None
    return _current


def start() -> None:
    """Start the helper now, where it would be used, so that it imports while the cell goes on."""
    if FORKS:
        _helper()


def close() -> None:
    """End the helper (it also ends by itself when this process does: its input closes)."""
    global _current
    if _current is not None:
        _current.close()
        _current = None


if __name__ != "__helper__":
    atexit.register(close)


# The helper's side: `python -c` in the root folder, with nothing of the project on its path; it
# uses the standard library only, and imports LIBRARIES.


def _serve() -> None:
    import importlib
    import select
    import signal
    import tempfile

    # An interrupt of the kernel reaches its whole process group: the running command stops, as a
    # subprocess would, and the helper carries on for the next one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # It also ends with the process that started it even while it imports, before its input could
    # tell it so.
    if not _dies_with_parent(signal.SIGTERM, int(sys.argv[2])):
        return
    sys.path[:] = base = [entry for entry in sys.path if entry not in ("", os.getcwd())]
    for name in LIBRARIES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a library missing here is imported by the command itself
            pass
    # The outputs: two files with no name (removed as soon as made), so a helper killed midway
    # leaves nothing on disk. The child writes into them from the start; the helper reads them back.
    outputs = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    helper = os.getpid()
    while select.select([sys.stdin], [], [], IDLE)[0]:
        line = sys.stdin.readline()
        if not line:
            break
        request = json.loads(line)
        for output in outputs:
            output.seek(0)
            output.truncate()
        pid = os.fork()
        if pid == 0:
            _child(request, base, [output.fileno() for output in outputs], helper)
        timed_out = not _ended(pid, request["timeout"])
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        answer = {"returncode": os.waitstatus_to_exitcode(status), "timed_out": timed_out}
        for key, output in zip(("stdout", "stderr"), outputs, strict=True):
            output.seek(0)
            answer[key] = output.read().decode("utf-8", errors="replace")
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def _dies_with_parent(sig: int, parent: int) -> bool:
    """Have Linux send this process `sig` when its parent ends (PR_SET_PDEATHSIG); False when the
    parent, `parent`, has ended already."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, sig)
    except (OSError, AttributeError):
        pass
    return os.getppid() == parent


def _ended(pid: int, timeout: float) -> bool:
    """Whether the child ended within `timeout` seconds (it is left to be reaped)."""
    import select
    import time

    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # Linux before 5.3, or a seccomp profile that refuses it
        handle = None
    if handle is not None:
        try:
            return bool(select.select([handle], [], [], timeout)[0])
        finally:
            os.close(handle)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.01)
    return False


def _child(request: dict, base: list[str], outputs: list[int], helper: int) -> None:
    """The command, in the forked child; never returns."""
    import io
    import runpy
    import signal
    import traceback

    code = 1
    try:
        # Killed with the helper (the kernel kills it when interrupted midway), as subprocess.run
        # kills its child: never a command left running with no time limit.
        if not _dies_with_parent(signal.SIGKILL, helper):
            os._exit(1)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, output in zip((1, 2), outputs, strict=True):
            os.dup2(output, fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace")
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
        )
        argv = request["argv"][1:]
        extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        if argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]  # runpy puts the module's file in argv[0]
            sys.path[:] = [os.getcwd(), *extra, *base]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            script = os.path.abspath(argv[0])
            sys.argv = list(argv)
            sys.path[:] = [os.path.dirname(script), *extra, *base]
            runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        traceback.print_exc()
        code = -signal.SIGINT
    except BaseException:  # noqa: BLE001 - reported as Python reports an uncaught exception
        traceback.print_exc()
        code = 1
    finally:
        try:
            # As a Python's exit: wait for the command's threads, then run what it registered.
            threading._shutdown()
            atexit._run_exitfuncs()
        except Exception:  # noqa: BLE001
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
    if code < 0:  # killed by a signal, as a new Python would be
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)


if __name__ == "__helper__":
    _serve()
