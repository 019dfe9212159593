"""Where 01's live cells find the Docker Engine on a student's laptop: DOCKER_HOST, the docker
command's current context (Colima, OrbStack, rootless Docker), Docker Desktop's named pipe on
Windows, and on a Mac without /var/run/docker.sock Desktop's ~/.docker/run/docker.sock.

Each case is a made-up home folder; the last one talks to this machine's engine through it.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from workbook.dockerlab import base_url

ABSENT = "/nonexistent/docker.sock"


def context(home: Path, name: str, host: str, *, current: bool = True) -> None:
    meta = home / ".docker" / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Endpoints": {"docker": {"Host": host}}}))
    if current:
        (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": name}))


def test_docker_host_is_the_sdks_to_read(tmp_path):
    context(tmp_path, "colima", "unix:///colima.sock")
    assert base_url({"DOCKER_HOST": "tcp://127.0.0.1:2375"}, tmp_path, "Darwin", ABSENT) is None


def test_the_current_context_is_used_as_the_docker_command_would(tmp_path):
    context(tmp_path, "colima", "unix:///Users/kim/.colima/default/docker.sock")
    assert base_url({}, tmp_path, "Darwin", ABSENT) == "unix:///Users/kim/.colima/default/docker.sock"
    context(tmp_path, "other", "unix:///other.sock", current=False)
    assert base_url({"DOCKER_CONTEXT": "other"}, tmp_path, "Darwin", ABSENT) == "unix:///other.sock"
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert base_url({}, tmp_path, "Linux", ABSENT) is None, "default: the SDK's own choice"


def test_windows_is_docker_desktops_named_pipe(tmp_path):
    assert base_url({}, tmp_path, "Windows", ABSENT) is None  # the SDK's npipe:////./pipe/docker_engine


def test_a_mac_without_the_default_socket_finds_docker_desktops_own(tmp_path):
    assert base_url({}, tmp_path, "Darwin", ABSENT) is None, "nothing there: the SDK says so in one line"
    socket = tmp_path / ".docker" / "run" / "docker.sock"
    socket.parent.mkdir(parents=True)
    socket.touch()
    assert base_url({}, tmp_path, "Darwin", ABSENT) == f"unix://{socket}"
    present = tmp_path / "var-run-docker.sock"
    present.touch()
    assert base_url({}, tmp_path, "Darwin", str(present)) is None, "/var/run/docker.sock first"


def test_rootless_docker_on_linux(tmp_path):
    (tmp_path / "docker.sock").touch()
    assert (
        base_url({"XDG_RUNTIME_DIR": str(tmp_path)}, tmp_path, "Linux", ABSENT)
        == f"unix://{tmp_path}/docker.sock"
    )


@pytest.mark.docker
def test_the_engine_answers_through_a_macs_desktop_socket(tmp_path):
    if not os.path.exists("/var/run/docker.sock"):
        pytest.skip("no Docker Engine at /var/run/docker.sock here")
    import docker

    socket = tmp_path / ".docker" / "run" / "docker.sock"
    socket.parent.mkdir(parents=True)
    socket.symlink_to("/var/run/docker.sock")
    url = base_url({}, tmp_path, "Darwin", ABSENT)
    client = docker.DockerClient(base_url=url, timeout=10)
    try:
        assert client.ping()
    finally:
        client.close()
