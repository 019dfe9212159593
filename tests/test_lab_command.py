"""`python3 run.py lab` and `serve` as a new user meets them: Ctrl-C and SIGTERM stop the lab in a
line, a taken port is handled, the Host header is checked, no news pop-up, no shared control socket.

The lab runs on the tests' database (DJANGO_DB_NAME is inherited) and a free port.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from workbook.authoring.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "a-long-token-for-the-lab-tests"


def get(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    if host:
        request.add_unredirected_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_lab(*args: str, **env: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "lab", "--no-browser", "--port", str(port), *args],
        cwd=ROOT,
        env={
            **os.environ,
            "JUPYTER_TOKEN": TOKEN,
            "WORKBOOK_VENV": str(Path(sys.executable).parent.parent),
            **env,
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As a terminal runs it: its own process group, which Ctrl-C signals as a whole.
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if get(f"http://127.0.0.1:{port}/api/status")[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            raise RuntimeError(process.communicate()[1][-3000:])
    process.kill()
    raise RuntimeError("the lab did not answer within 120 s")


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def lab():
    process, port = start_lab("--ip", "0.0.0.0")
    yield process, port
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


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
    # A page that rebinds its own name to 127.0.0.1 still sends that name.
    assert get(url, host=f"rebind.example:{port}")[0] == 403
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert get(url, host=host)[0] == 200, host


def test_the_lab_arrives_from_another_address_with_a_local_host_header(lab):
    """Docker's port mapping: the request comes from the bridge, Host still says 127.0.0.1."""
    _process, port = lab
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only the route is looked up
            address = probe.getsockname()[0]
        except OSError:
            pytest.skip("no interface besides loopback")
    if address.startswith("127."):
        pytest.skip("no interface besides loopback")
    assert get(f"http://{address}:{port}/api/contents", host=f"127.0.0.1:{port}")[0] == 200
    assert get(f"http://{address}:{port}/api/contents")[0] == 403  # Host: that address


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


def test_a_taken_port_asked_for_is_said_to_be_taken():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args, env, source in (
            (["--port", str(port)], {}, "--port"),
            ([], {"JUPYTER_PORT": str(port)}, "JUPYTER_PORT"),
        ):
            result = subprocess.run(
                [sys.executable, "-m", "workbook", "lab", "--no-browser", *args],
                cwd=ROOT,
                env={**os.environ, "JUPYTER_TOKEN": TOKEN, **env},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 2
            assert result.stderr.startswith(f"Port {port} ({source}) is taken"), result.stderr


def test_jupyter_port_is_honoured():
    port = free_port()
    process, _ = None, None
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "lab", "--no-browser"],
        cwd=ROOT,
        env={**os.environ, "JUPYTER_PORT": str(port)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        first = process.stdout.readline()
        while first and "JupyterLab starts at" not in first:
            first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/lab?token=" in first
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)


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
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
