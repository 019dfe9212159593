"""What the API benchmarks share: a seeded scratch database on the embedded server, the site under
gunicorn on a free loopback port, timed requests, and the CPU the site and PostgreSQL spent.

The scratch database (BENCH_DB) is made anew by each run and is never the learner's.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from workbook.authoring.stack import free_port
from workbook.cli import _gunicorn_has_control_socket

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "project"
BENCH_DB = "workbook_bench_api"
os.environ["DJANGO_DB_NAME"] = BENCH_DB


def prepare() -> str:
    """The scratch database, migrated and seeded; returns alice's API token."""
    import workbook
    from workbook.authoring import scratch

    scratch.fresh_database(scratch.django_config())
    workbook.prepare_database()
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from demo.seed import seed_if_empty

    seed_if_empty()
    from django.contrib.auth import get_user_model

    token = Token.objects.get_or_create(user=get_user_model().objects.get(username="alice"))[0].key
    connections.close_all()
    return token


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int = 2, timeout: float = 30):
    """The site under gunicorn (sync workers, as in the web image) with `env` added; yields
    (host, port, process)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--chdir",
            str(PROJECT),
            *(["--no-control-socket"] if _gunicorn_has_control_socket() else []),
        ],
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if request("127.0.0.1", port, "GET", "/api/health/")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield "127.0.0.1", port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(host: str, port: int, method: str, path: str, body=None, token: str | None = None):
    """One request on a fresh connection (gunicorn's sync workers close each): (status, seconds)."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    return response.status, time.perf_counter() - start


def postgres_root() -> psutil.Process:
    """The embedded server's postmaster (its first line of postmaster.pid)."""
    from config import embedded

    pid = int((embedded.data_dir() / "postmaster.pid").read_text().splitlines()[0])
    return psutil.Process(pid)


def cpu_seconds(*roots: psutil.Process) -> float:
    """CPU (user + system) of these processes and their children, the finished ones included
    (a finished child's time is added to its parent's children_* once the parent reaps it)."""
    total = 0.0
    for root in roots:
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
    return total
