"""workbook.forks: a command forked from the helper answers as the same command in a new Python does
(its output, exit status, folder, environment and path), imports the modules it finds on disk as
they are now, is killed at its time limit, and leaves no helper behind the process that used it."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workbook import forks

pytestmark = pytest.mark.skipif(not forks.FORKS, reason="the helper forks: Linux only")

SCRIPT = """
import os, sys
import shown
print("argv", sys.argv[1:], "cwd", os.getcwd(), "first on path", sys.path[0] == os.path.dirname(__file__))
print("from the environment", os.environ.get("WORKBOOK_FORK_TEST"), "module", shown.VALUE)
print("오류 ✗", file=sys.stderr)
how = sys.argv[1]
if how == "status":
    sys.exit(3)
if how == "text":
    sys.exit("a sentence instead of a status")
if how == "raise":
    raise ValueError("raised at the top")
if how == "exit":
    sys.stdout.flush()
    os._exit(7)
if how == "signal":
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGTERM)
if how == "interrupt":
    raise KeyboardInterrupt
if how == "atexit":
    import atexit
    atexit.register(lambda: print("at exit"))
if how == "thread":
    import threading, time
    threading.Thread(target=lambda: (time.sleep(0.3), print("the thread's last line"))).start()
if how == "newlines":
    print("a line\\r\\nprogress 50%\\rprogress 100%")
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "script.py").write_text("import signal\n" + SCRIPT, encoding="utf-8")
    (tmp_path / "code" / "shown.py").write_text("VALUE = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "as_module.py").write_text(
        "import os, sys\nprint('module', sys.argv[1:], os.getcwd(), sys.path[0] == os.getcwd())\n"
    )
    yield tmp_path
    forks.close()


def gone_within(pid: int, seconds: float = 5) -> bool:
    """Whether process `pid` ends within `seconds`; killed if it does not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return False


def both(argv, **kwargs):
    """The same command forked and in a new Python: (forked, new)."""
    forked = forks.run(argv, timeout=30, **kwargs)
    assert forks._current is not None and forks._current.alive(), "the helper did not answer"
    new = subprocess.run(argv, capture_output=True, text=True, timeout=30, **kwargs)
    return forked, new


@pytest.mark.parametrize(
    "how", ["fine", "status", "text", "raise", "exit", "signal", "interrupt", "atexit", "thread", "newlines"]
)
def test_a_forked_command_answers_as_a_new_python_does(folder, how):
    env = dict(os.environ, WORKBOOK_FORK_TEST="given ✓")
    argv = [sys.executable, str(folder / "code" / "script.py"), how, "two words"]
    forked, new = both(argv, cwd=folder, env=env)
    assert forked.returncode == new.returncode
    assert forked.stdout == new.stdout
    assert forked.stdout.startswith(f"argv ['{how}', 'two words'] cwd {folder} first on path True\n")
    assert "from the environment given ✓ module 1" in forked.stdout
    # A traceback names its frames differently (runpy's); its first and last lines are the same.
    assert forked.stderr.splitlines()[:1] == new.stderr.splitlines()[:1] == ["오류 ✗"]
    assert forked.stderr.splitlines()[-1:] == new.stderr.splitlines()[-1:]


def test_a_module_run_with_m_finds_its_pythonpath_and_the_folder_first(folder):
    env = dict(os.environ, PYTHONPATH=str(folder / "lib"))
    forked, new = both([sys.executable, "-m", "as_module", "x"], cwd=folder / "code", env=env)
    assert forked.returncode == new.returncode == 0
    assert forked.stdout == new.stdout == f"module ['x'] {folder / 'code'} True\n"


def test_a_module_changed_on_disk_is_imported_as_it_is_now(folder):
    """The helper never imports what a command imports from its folder: each run sees the file."""
    argv = [sys.executable, str(folder / "code" / "script.py"), "fine"]
    assert "module 1" in forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).stdout
    helper = forks._current.process.pid
    (folder / "code" / "shown.py").write_text("VALUE = 2\n")
    assert "module 2" in forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).stdout
    assert forks._current.process.pid == helper and forks._current.alive()


def test_a_command_past_its_time_limit_is_killed(folder):
    pid_file = folder / "pid"
    (folder / "code" / "forever.py").write_text(
        textwrap.dedent(f"""
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        print("started", flush=True)
        while True:
            time.sleep(0.05)
        """)
    )
    argv = [sys.executable, str(folder / "code" / "forever.py")]
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        forks.run(argv, cwd=folder, env=dict(os.environ), timeout=1)
    assert time.monotonic() - started < 10
    assert caught.value.stdout == "started\n"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
    # and the helper answers the next command
    assert (
        forks.run(
            [sys.executable, str(folder / "code" / "script.py"), "fine"],
            cwd=folder,
            env=dict(os.environ),
            timeout=30,
        ).returncode
        == 0
    )


def test_the_helper_is_started_again_when_it_has_gone(folder):
    argv = [sys.executable, str(folder / "code" / "script.py"), "status"]
    assert forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).returncode == 3
    first = forks._current.process
    first.kill()
    first.wait()
    assert forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).returncode == 3
    assert forks._current.process.pid != first.pid


def test_a_command_interrupted_in_the_kernel_ends_and_leaves_no_answer_for_the_next(folder, monkeypatch):
    """Interrupted while it waits (a kernel's stop button), the helper goes and the command with it,
    as subprocess.run kills its child: the next command's answer is its own."""
    pid_file = folder / "pid"
    (folder / "code" / "forever.py").write_text(
        "import os, signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)  # a command that does not stop on ^C\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "while True:\n    time.sleep(0.05)\n"
    )
    forks.start()
    helper = forks._current
    real = helper.process.stdout

    class Interrupted:
        def readline(self):
            for _ in range(400):  # the command is running
                if pid_file.exists() and pid_file.read_text():
                    break
                time.sleep(0.05)
            raise KeyboardInterrupt

        def close(self):
            real.close()

    monkeypatch.setattr(helper.process, "stdout", Interrupted())
    with pytest.raises(KeyboardInterrupt):
        forks.run(
            [sys.executable, str(folder / "code" / "forever.py")],
            cwd=folder,
            env=dict(os.environ),
            timeout=60,
        )
    assert helper.process.wait(timeout=10) is not None
    if not gone_within(int(pid_file.read_text())):
        pytest.fail("the interrupted command outlived its helper")
    answer = forks.run(
        [sys.executable, str(folder / "code" / "script.py"), "fine"],
        cwd=folder,
        env=dict(os.environ),
        timeout=30,
    )
    assert answer.returncode == 0 and "argv ['fine']" in answer.stdout


def test_the_helper_ends_with_the_process_that_started_it(folder):
    """A kernel that dies without closing it (os._exit): the helper's input ends, and so does it."""
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(forks.__file__).parent.parent)!r})
        from workbook import forks
        script = {str(folder / "code" / "script.py")!r}
        forks.run([sys.executable, script, "fine"], cwd="/", env=dict(os.environ), timeout=30)
        print(forks._current.process.pid, flush=True)
        os._exit(0)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if not gone_within(int(out.stdout.split()[-1])):
        pytest.fail("the helper outlived the process that started it")


def test_a_command_of_another_shape_runs_in_a_new_python(folder, monkeypatch):
    monkeypatch.setattr(forks, "_helper", lambda: pytest.fail("the helper was asked"))
    answer = forks.run([sys.executable, "-c", "print('c')"], cwd=folder, env=dict(os.environ), timeout=30)
    assert answer.stdout == "c\n"
    monkeypatch.setattr(forks, "FORKS", False)  # Windows, macOS
    answer = forks.run(
        [sys.executable, str(folder / "code" / "script.py"), "status"],
        cwd=folder,
        env=dict(os.environ),
        timeout=30,
    )
    assert answer.returncode == 3


def test_an_idle_helper_ends_and_the_next_command_starts_another(folder, monkeypatch):
    monkeypatch.setenv("WORKBOOK_FORKS_IDLE", "0.5")
    argv = [sys.executable, str(folder / "code" / "script.py"), "status"]
    assert forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).returncode == 3
    first = forks._current.process
    assert first.wait(timeout=20) == 0
    assert forks.run(argv, cwd=folder, env=dict(os.environ), timeout=30).returncode == 3
    assert forks._current.process.pid != first.pid


def test_pytest_forked_reports_as_pytest_in_a_new_python(folder):
    """02's runs: the same report, asserts rewritten, no warning about a plugin imported before
    pytest could rewrite it."""
    from workbook.pipeline import pytest_command

    (folder / "test_two.py").write_text(
        "def test_passes():\n    assert 1\n\n\ndef test_fails():\n    assert [1] == [2]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    forked, new = both(pytest_command("test_two.py"), cwd=folder, env=env)
    timing = re.compile(r" in [0-9.]+s")
    assert forked.returncode == new.returncode == 1
    assert timing.sub("", forked.stdout) == timing.sub("", new.stdout)
    assert "At index 0 diff: 1 != 2" in forked.stdout and "warning" not in forked.stdout


def test_without_pidfd_the_time_limit_still_holds(monkeypatch):
    """Linux before 5.3, or a seccomp profile that refuses pidfd_open: the helper polls instead."""

    def refused(pid):
        raise OSError("refused")

    monkeypatch.setattr(os, "pidfd_open", refused)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    quick = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        started = time.monotonic()
        assert forks._ended(sleeper.pid, 0.5) is False
        assert 0.5 <= time.monotonic() - started < 5
        assert forks._ended(quick.pid, 20) is True
        assert quick.wait(timeout=5) == 0  # left to be reaped
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_missing_folder_or_script_is_reported_as_a_new_python_reports_it(folder):
    with pytest.raises(FileNotFoundError):
        forks.run(
            [sys.executable, str(folder / "code" / "script.py")],
            cwd=folder / "gone",
            env=dict(os.environ),
            timeout=30,
        )
    forked, new = (
        forks.run([sys.executable, "absent.py"], cwd=folder, env=dict(os.environ), timeout=30),
        subprocess.run([sys.executable, "absent.py"], cwd=folder, capture_output=True, text=True, timeout=30),
    )
    assert forked.returncode == new.returncode == 2
    assert forked.stderr == new.stderr and "can't open file" in forked.stderr
