#!/usr/bin/env python3
"""The README's first command, headless, as ci.yml's student-laptop job runs it on each system:

    python .ci/first-command.py python run.py lab --no-browser

runs the command given (in the current folder: the clone), echoes its output, waits for the line
with the lab's link (the first run installs .venv: minutes), asks the lab for the workspace it
opened, then stops it as Ctrl-C would and checks that the lab and its embedded PostgreSQL are gone.
Exit 0 when all of that held. Stdlib only: it runs before the venv exists.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

READY = re.compile(r"(http://127\.0\.0\.1:(\d+)/lab)\?token=([\w-]+)")
FIRST_START_SECONDS = 40 * 60  # a first install on a slow runner


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C as the terminal sends it: to the whole process group (POSIX), or to every process of
    the console (Windows; this script ignores it meanwhile)."""
    if os.name == "nt":
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            os.kill(0, signal.CTRL_C_EVENT)
            process.wait(timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"first-command: Ctrl-C did not stop it ({exc}); ending the process tree", flush=True)
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], check=False)
        finally:
            time.sleep(2)
            signal.signal(signal.SIGINT, previous)
    else:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=120)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main(command: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_TOKEN", "DATABASE_URL")}
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=os.name == "posix",
    )
    lines: list[str] = []
    found = threading.Event()

    def echo():
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode(errors="replace")
            print(line, end="", flush=True)
            lines.append(line)
            if READY.search(line):
                found.set()

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    deadline = time.monotonic() + FIRST_START_SECONDS
    while not found.wait(timeout=5):
        if process.poll() is not None or time.monotonic() > deadline:
            print(f"first-command: no link from {' '.join(command)} (exit {process.poll()})", flush=True)
            if process.poll() is None:
                stop(process)
            return 1
    url, port, token = READY.search(next(line for line in lines if READY.search(line))).groups()
    request = urllib.request.Request(
        url.replace("/lab", "/api/contents"), headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        names = sorted(item["name"] for item in json.load(answer)["content"])
    print(f"first-command: the lab at {url} opens {names}", flush=True)
    if "00-start-here.ipynb" not in names:
        stop(process)
        return 1
    stop(process)
    reader.join(timeout=10)
    problems = []
    if port_open(int(port)):
        problems.append(f"JupyterLab still listens on {port}")
    pid_file = Path(".pgdata") / "postmaster.pid"
    if pid_file.exists():
        problems.append(f"the embedded PostgreSQL still runs ({pid_file})")
    print(f"first-command: {'; '.join(problems) or 'stopped, nothing left running'}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
