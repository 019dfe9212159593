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


@pytest.mark.docker
def test_a_round_trip_leaves_the_image_another_one_has_built():
    """The English and the Korean 01-docker-2 run side by side in the test command: both build the
    same small image, and one's clean-up must not remove what the other is about to tag and push
    (it did: `ImageNotFound` in the other's cell)."""
    from workbook import rehearsal

    problem = rehearsal.engine_problem()
    if problem:
        pytest.skip(f"no Docker Engine answers ({problem})")
    client = dockerlab.engine()
    if client is None or not client.images.list(name="registry"):
        pytest.skip("no registry:2 image on this engine")
    other = dockerlab.small_image(client)  # the other notebook's build, before its tag and push
    try:
        dockerlab.registry_round_trip(client)  # this one's whole round trip and clean-up
        assert client.images.get(other).tags, f"{other} was removed by another round trip"
    finally:
        try:
            client.images.remove(other)
        except docker.errors.ImageNotFound:
            pass
        client.close()
