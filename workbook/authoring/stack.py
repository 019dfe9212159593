"""The compose stack from Python: which compose client answers, free ports, and a .env of fresh secrets.

The compose smoke test (tests/test_compose.py) and the compose benchmark share these.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterable

from ..paths import REPO_ROOT

# Ports a learner's own stack or this machine's PostgreSQL may hold.
RESERVED_PORTS = (5432, 8000, 8888)


def compose_cli() -> list[str] | None:
    """`docker compose` (v2, GitHub's runners) when it answers, else `docker-compose` (v1)."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return command
    return None


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def env_example() -> dict[str, str]:
    """The variables .env.example sets, with its values."""
    values = {}
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def throwaway_env(**overrides: str) -> dict[str, str]:
    """.env.example's values with free ports and fresh secrets, for a stack that is torn down after."""
    values = env_example()
    values.update(
        WEB_PORT=str(free_port()),
        LAB_PORT=str(free_port()),
        JUPYTER_TOKEN=secrets.token_urlsafe(24),
        POSTGRES_PASSWORD=secrets.token_hex(16),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16),
        **overrides,
    )
    return values


def compose_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without what the env file sets: compose lets the environment
    win over the file, so a value a shell exported (or a learner's settings) would leak in."""
    return {k: v for k, v in os.environ.items() if k not in values and not k.startswith("COMPOSE_")}


def untag_project_images(project: str, extra: Iterable[str] = ()) -> None:
    """Remove the tags of a compose project's images (and `extra` tags), keeping their layers.

    By name, not id: an image identical to a learner's has the same id and must stay theirs.
    --no-prune keeps the parent layers, the build cache of the next build.
    """
    listing = subprocess.run(
        ["docker", "images", "--filter", f"reference={project}*", "--format", "{{.Repository}}:{{.Tag}}"],
        capture_output=True,
        text=True,
    )
    tags = set(listing.stdout.split()) | set(extra)
    if tags:
        subprocess.run(["docker", "rmi", "--no-prune", *sorted(tags)], capture_output=True)
