"""Schemathesis against gunicorn on a free loopback port: every operation, every check, a fixed
seed, bounded in examples and time.

Zero failures means no 5xx, no status or body the schema does not document, no valid request
refused and no invalid one accepted.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from demo.factories import make_post, make_user
from posts.models import Comment, Like

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20240601
EXAMPLES = 10  # per operation and phase: about 1,200 requests, well under a minute
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(transactional_db):
    alice, bob = make_user("alice", "Alice Kim"), make_user("bob", "Bob Park")
    posts = [make_post(alice, "Sunset"), make_post(bob, "Morning run")]
    Comment.objects.create(user=bob, post=posts[0], content="What a sky!")
    Like.objects.create(user=bob, post=posts[0])
    return Token.objects.create(user=alice).key


@pytest.fixture
def server(seeded):
    """gunicorn on the test database (the seeded rows are committed, so its workers see them)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(
        os.environ,
        DJANGO_DB_NAME=connection.settings_dict["NAME"],
        DJANGO_SETTINGS_MODULE="config.settings.local",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--chdir",
            str(PROJECT),
            # No cap on the request line: the fuzzer's long query strings reach Django, which
            # owns the answer. In the stack, nginx answers a line over 8 KB itself (414).
            "--limit-request-line",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/health/", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout} s")


def test_schemathesis_finds_no_failure(server, seeded, tmp_path):
    report = tmp_path / "report.ndjson"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{server}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {seeded}",
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(EXAMPLES),
        # One worker: the order of requests, and so the run, is the same every time; and
        # Python 3.11's ast module (which Hypothesis uses) is not safe across threads.
        "--workers",
        "1",
        "--no-shrink",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    env = dict(os.environ, NO_COLOR="1", SCHEMATHESIS_TELEMETRY="false")
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    statuses = _response_statuses(report)
    print(f"schemathesis: {len(statuses)} requests, {sum(s >= 500 for s in statuses)} answered 5xx")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert statuses and not any(status >= 500 for status in statuses)


def _response_statuses(report: Path) -> list[int]:
    """Every response status the run recorded, from its ndjson events."""
    statuses: list[int] = []
    if not report.exists():
        return statuses

    def walk(node):
        if isinstance(node, dict):
            response = node.get("response")
            if isinstance(response, dict) and isinstance(response.get("status_code"), int):
                statuses.append(response["status_code"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for line in report.read_text().splitlines():
        walk(json.loads(line))
    return statuses
