"""`python3 run.py lab` and `serve` as a new user meets them: Ctrl-C and SIGTERM stop the lab in a
line, a taken port is handled, the Host header is checked, no news pop-up, no shared control socket,
and the student path in a fresh clone whose folder is named with a space and Hangul.

The lab runs on the tests' database (DJANGO_DB_NAME is inherited), a free port of 127.0.0.1 and a
workspace of its own (never the learner's my-notebooks/); each test ends every process it started.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from workbook.authoring.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "a-long-token-for-the-lab-tests"
VENV = Path(sys.executable).parent.parent


def get(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    if host:
        request.add_unredirected_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def lab_env(home: Path, **env: str) -> dict:
    """The environment a lab of a test runs in: the tests' token, this venv, and JupyterLab's own
    user folders (settings, workspaces, runtime files) in `home`, not the user's."""
    return {
        **os.environ,
        "JUPYTER_TOKEN": TOKEN,
        "WORKBOOK_VENV": str(VENV),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        **env,
    }


def start_lab(
    *args: str, env: dict, root: Path = ROOT, port: int | None = None, seconds: float = 120
) -> tuple[subprocess.Popen, int]:
    """`python3 run.py lab` in `root`, as a terminal runs it: its own process group, which Ctrl-C
    signals as a whole. Returns once the lab answers; stop it with stop_all()."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, str(root / "run.py"), "lab", "--no-browser", "--port", str(port), *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            get(f"http://127.0.0.1:{port}/api/status")  # any answer (403 without the token)
            return process, port
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            raise RuntimeError(process.communicate()[1][-3000:])
    stop_all(process)
    raise RuntimeError(f"the lab did not answer within {seconds:.0f} s")


def process_tree(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        return [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_all(process: subprocess.Popen, seen: list[psutil.Process] = ()) -> None:
    """run.py and every process under it (now, or `seen` earlier), JupyterLab in its own session
    and its kernels included: SIGTERM to run.py (which passes it on, and stops an embedded server
    the lab started), then SIGKILL to whatever of them is left a minute later."""
    tree = [*seen, *process_tree(process)]
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    for child in tree:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(tree, timeout=10)
    process.wait()


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def lab(tmp_path):
    process, port = start_lab("--workspace", str(tmp_path / "workspace"), env=lab_env(tmp_path))
    seen = process_tree(process)
    yield process, port
    stop_all(process, seen)


def stopped_cleanly(process: subprocess.Popen, port: int) -> str:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in out + err
    assert "(y/[n])" not in out + err
    assert "JupyterLab stopped." in out
    assert port_closed(port), "JupyterLab still listens: orphaned"
    return out


def test_ctrl_c_stops_the_lab_cleanly_in_one_line(lab):
    process, port = lab
    os.killpg(process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    stopped_cleanly(process, port)


def test_sigterm_to_run_py_stops_the_lab_too(lab):
    process, port = lab
    process.send_signal(signal.SIGTERM)  # to run.py alone, as a process manager would
    stopped_cleanly(process, port)


def test_the_lab_refuses_a_foreign_host_header_but_serves_the_local_ones(lab):
    _process, port = lab
    url = f"http://127.0.0.1:{port}/api/contents"
    # A page that rebinds its own name to 127.0.0.1 still sends that name; a request that came
    # through Docker's bridge to a published port names the bridge's address.
    assert get(url, host=f"rebind.example:{port}")[0] == 403
    assert get(url, host=f"172.17.0.1:{port}")[0] == 403
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert get(url, host=host)[0] == 200, host


def test_the_link_comes_last_and_the_log_holds_no_false_alarm(tmp_path):
    """The link with its token after JupyterLab's own start-up lines; a kernel started and the page's
    question for the (switched-off) language servers leave no warning a newcomer would worry about."""
    env = lab_env(tmp_path)
    del env["JUPYTER_TOKEN"]  # the lab makes one and prints it whole
    workspace = tmp_path / "workspace"
    process, port = start_lab("--workspace", str(workspace), env=env)
    seen = process_tree(process)
    try:
        session = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/sessions",
            data=json.dumps(
                {"path": "00-start-here.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
            ).encode(),
            method="POST",
        )
        deadline = time.monotonic() + 60
        out = ""
        while "JupyterLab is ready" not in out and time.monotonic() < deadline:
            out += process.stdout.readline()
        link = next(line for line in out.splitlines() if "JupyterLab is ready" in line)
        token = link.split("token=")[1].split()[0]
        session.add_header("Authorization", f"token {token}")
        session.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(session, timeout=60) as answer:
            assert answer.status == 201
        status_request = urllib.request.Request(
            f"http://127.0.0.1:{port}/lsp/status", headers={"Authorization": f"token {token}"}
        )
        try:
            urllib.request.urlopen(status_request, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
        time.sleep(5)  # the kernel's start-up log
        seen += process_tree(process)
        os.killpg(process.pid, signal.SIGINT)
        rest, err = process.communicate(timeout=60)
    finally:
        stop_all(process, seen)
    assert "Kernel started" in err, err[-2000:]
    assert "without encryption" not in err and "/lsp/status" not in err, err[-3000:]
    assert "Jupyter Server" in err and "is running at" in err, "JupyterLab's own lines come through"
    assert f"token={token}" in link and "..." not in link
    assert "Applying " not in out, "migrate's lines are one"


def test_the_news_question_is_answered_never(lab):
    _process, port = lab
    status, body = get(
        f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification"
    )
    assert status == 200
    # The overrides become the schema's defaults, which the page reads for its composite settings.
    properties = json.loads(body)["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False


def test_a_taken_port_asked_for_is_said_to_be_taken(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args, env, source in (
            (["--port", str(port)], {}, "--port"),
            ([], {"JUPYTER_PORT": str(port)}, "JUPYTER_PORT"),
        ):
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "workbook",
                    "lab",
                    "--no-browser",
                    "--workspace",
                    str(tmp_path),
                    *args,
                ],
                cwd=ROOT,
                env=lab_env(tmp_path, **env),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 2
            assert result.stderr.startswith(f"Port {port} ({source}) is taken"), result.stderr


def test_jupyter_port_is_honoured(tmp_path):
    port = free_port()
    env = lab_env(tmp_path, JUPYTER_PORT=str(port))
    del env["JUPYTER_TOKEN"]  # the lab makes one and prints the link with it
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "lab", "--no-browser", "--workspace", str(tmp_path / "ws")],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        first = process.stdout.readline()
        while first and "JupyterLab is ready" not in first:
            first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/lab?token=" in first
    finally:
        stop_all(process)


def test_the_default_port_taken_means_the_next_free_one(monkeypatch, capsys):
    from workbook import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        monkeypatch.setattr(cli, "DEFAULT_LAB_PORT", taken)
        args = cli.build_parser().parse_args(["lab"])
        port = cli._lab_port(args)
    assert port != taken and taken < port < taken + cli.PORTS_TRIED
    assert f"Port {taken} is taken; JupyterLab uses {port}." in capsys.readouterr().out


def test_serve_opens_no_shared_control_socket(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env.update(HOME=str(tmp_path), DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while port_closed(port) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not port_closed(port)
        assert not list(tmp_path.glob(".gunicorn/*")), "gunicorn made its per-user control socket"
    finally:
        stop_all(process)


def test_ctrl_c_then_an_immediate_restart_on_the_same_port(tmp_path):
    """The connections the lab closed stay in TIME-WAIT for a minute; the port is free all the same."""
    args, env = ("--workspace", str(tmp_path / "workspace")), lab_env(tmp_path)
    process, port = start_lab(*args, env=env)
    seen = process_tree(process)
    try:
        for _ in range(3):  # urllib asks the server to close: the server's side waits
            assert get(f"http://127.0.0.1:{port}/api/status")[0] == 200
        os.killpg(process.pid, signal.SIGINT)
        stopped_cleanly(process, port)
        again, _ = start_lab(*args, env=env, port=port)
        seen += process_tree(again)
        os.killpg(again.pid, signal.SIGINT)
        stopped_cleanly(again, port)
    finally:
        stop_all(process, seen)


def clone_here(target: Path) -> None:
    """A git clone of this checkout in `target`, with the working tree's changes (modified and new
    files that git does not ignore) laid over it: the code as it is now, as a learner's clone."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=300)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--modified", "--deleted", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source, copy = ROOT / name, target / name
        if source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
        elif copy.is_file():
            copy.unlink()


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="DATABASE_URL is set: the student path runs on the embedded server (the embedded run covers it)",
)
def test_the_student_path_in_a_clone_whose_folder_has_a_space_and_hangul(server_tmp_path):
    """`python3 run.py lab` in a fresh clone in "Django 강의 노트/": its own embedded server in its
    .pgdata, the workspace made, a kernel of the lab's environment runs 00's and 05's copies to
    the end, Ctrl-C stops the lab and the server; nothing of it is left running."""
    from workbook.authoring import conventions
    from workbook.authoring import regenerate as regen

    clone = server_tmp_path / "Django 강의 노트" / "workbook"
    clone_here(clone)
    # The learner's environment: no test database, no DATABASE_URL, this venv (installing one takes
    # minutes; ci.yml's student-laptop job installs it as the README says), and the clone's code
    # ahead of the venv's editable install of this checkout.
    env = {
        k: v
        for k, v in lab_env(server_tmp_path).items()
        if k not in ("DATABASE_URL", "DJANGO_DB_NAME", "EMBEDDED_POSTGRES_DATA", "WORKBOOK_HOME")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(clone), str(clone / "project")])
    pgdata = clone / ".pgdata"
    process = None
    seen = []
    try:
        process, port = start_lab(env=env, root=clone, seconds=300)
        seen = process_tree(process)
        assert (pgdata / "PG_VERSION").is_file(), "the clone's own embedded server"
        workspace = clone / "my-notebooks"
        for stem in ("00-start-here", "05-orm-exercises"):
            copy = conventions.read(workspace / f"{stem}.ipynb")
            kernel_env = dict(env, DJANGO_SETTINGS_MODULE="config.settings.local")
            regen.execute(copy, cwd=workspace, env=kernel_env, allow_errors=True)
            code = [c for c in copy.cells if c.cell_type == "code"]
            assert code[-1].execution_count is not None, f"{stem}: Run All stopped before the end"
            for cell in code:
                errors = [o for o in cell.outputs if o.output_type == "error"]
                if "raises-exception" not in cell.metadata.get("tags", []):
                    assert not errors, f"{stem}:\n{cell.source}\n{errors}"
            first = "".join(o.get("text", "") for o in code[0].outputs)
            assert "'instagram'" in first or "instagram" in first, first
        os.killpg(process.pid, signal.SIGINT)
        out = stopped_cleanly(process, port)
        assert "The embedded PostgreSQL this lab started is stopped too." in out
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if process is not None:
            stop_all(process, seen)
        if (pgdata / "postmaster.pid").exists():
            subprocess.run(
                [sys.executable, "-c", "from config import embedded; embedded.stop()"],
                cwd=clone / "project",
                env={**env, "EMBEDDED_POSTGRES_DATA": str(pgdata)},
                timeout=120,
            )
    assert not [p for p in seen if p.is_running()], "a process of the lab is still running"


def test_on_windows_ctrl_c_lets_jupyterlab_stop_its_kernels_itself():
    """There the console's Ctrl-C reaches JupyterLab as well, which shuts its kernels down; a
    terminate at once (TerminateProcess) would orphan them. SIGTERM, and elsewhere, at once."""
    from workbook.cli import _grace

    assert _grace(signal.SIGINT, "nt") > 5
    assert _grace(signal.SIGTERM, "nt") == 0
    assert _grace(signal.SIGINT, "posix") == 0 and _grace(signal.SIGTERM, "posix") == 0
