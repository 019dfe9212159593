"""01-docker's client: patient with a busy engine, so a loaded laptop gives the same notebook."""

import pytest

docker = pytest.importorskip("docker")

from workbook import dockerlab  # noqa: E402


def test_the_client_waits_and_retries_reads(monkeypatch):
    monkeypatch.setattr(docker.DockerClient, "ping", lambda self: True)
    client = dockerlab.engine()
    assert client is not None
    assert client.api.timeout >= dockerlab.READ_TIMEOUT >= 30
    adapters = list(client.api.adapters.values())
    assert adapters
    for adapter in adapters:
        retries = adapter.max_retries
        assert retries.read >= 2 and retries.connect >= 2, retries
        assert "GET" in retries.allowed_methods and "POST" not in retries.allowed_methods
    client.close()


def test_no_engine_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert dockerlab.engine() is None
    assert capsys.readouterr().out.startswith("No Docker Engine answers here")
