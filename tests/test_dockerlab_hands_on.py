"""01-docker-1-hands-on's helpers: the build log read for CACHED, the scratch folder outside the
repository, and no live cell where the engine answers but the docker command is missing."""

import re
from pathlib import Path

from workbook import dockerlab
from workbook.paths import REPO_ROOT

DOCKERFILE = 'FROM python:3.13-slim\nWORKDIR /app\nCOPY app.py .\nUSER nobody\nCMD ["python", "app.py"]\n'

BUILDKIT = """\
#4 [1/3] FROM docker.io/library/python:3.13-slim
#5 [internal] load build context
#6 [2/3] WORKDIR /app
#6 CACHED

#7 [3/3] COPY app.py .
#7 DONE 0.3s

#8 exporting to image
#8 writing image sha256:b511b15c2d20 0.1s done
#8 naming to docker.io/library/hello 0.0s done"""

CLASSIC = """\
Step 1/5 : FROM python:3.13-slim
 ---> 0123456789ab
Step 2/5 : WORKDIR /app
 ---> Using cache
 ---> 1123456789ab
Step 3/5 : COPY app.py .
 ---> 2123456789ab
Step 4/5 : USER nobody
 ---> Running in 3123456789ab
Successfully tagged hello:latest"""


def steps(log: str, tmp_path: Path, capsys) -> list[str]:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    dockerlab.build_steps(log.splitlines(), tmp_path / "Dockerfile")
    return capsys.readouterr().out.splitlines()


def test_buildkit_and_the_classic_builder_are_read_alike(tmp_path, capsys):
    expected = ["image built: True", "  WORKDIR /app           CACHED", "  COPY app.py .          ran"]
    assert steps(BUILDKIT, tmp_path, capsys) == expected
    assert steps(CLASSIC, tmp_path, capsys) == expected


def test_a_failed_build_says_so_and_shows_the_log_end(tmp_path, capsys):
    out = steps("#6 [2/3] WORKDIR /app\nERROR: failed to solve: no space left", tmp_path, capsys)
    assert out[0] == "image built: False"
    assert "ERROR: failed to solve: no space left" in out


def test_the_app_goes_to_a_scratch_folder_outside_the_repository_and_cleanup_removes_it(capsys):
    hello, other = dockerlab.hello_app(), dockerlab.hello_app()
    try:
        assert (hello.folder / "app.py").read_text() == dockerlab.hello_app_text()
        assert REPO_ROOT not in hello.folder.resolve().parents
        names = {hello.image, hello.container, hello.server, hello.network, hello.volume}
        assert len(names) == 5 and all(hello.image in name for name in names)
        assert other.image != hello.image and other.folder != hello.folder  # another run, other names
    finally:
        dockerlab.hello_cleanup(None, hello)
        dockerlab.hello_cleanup(None, other)
    assert not hello.folder.exists() and not other.folder.exists()


def test_an_engine_without_the_docker_command_runs_no_live_cell(monkeypatch, capsys):
    monkeypatch.setattr(dockerlab, "engine", lambda timeout=5: "a client")
    monkeypatch.setattr(dockerlab.shutil, "which", lambda name: None)
    assert dockerlab.engine_with_cli() is None
    assert "docker command" in capsys.readouterr().out
    monkeypatch.setattr(dockerlab.shutil, "which", lambda name: "/usr/bin/docker")
    assert dockerlab.engine_with_cli() == "a client"


def test_the_app_greets_in_the_learners_language_and_keeps_the_version_the_cells_replace(monkeypatch):
    monkeypatch.setenv("WORKBOOK_LANG", "en")
    assert 'GREETING = "Hello from a container, version 1"\n' in dockerlab.hello_app_text()
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    [greeting] = re.findall(r'^GREETING = "(.*)"$', dockerlab.hello_app_text(), re.MULTILINE)
    assert re.search(r"[\uac00-\ud7a3]", greeting) and greeting.endswith(", version 1"), greeting
