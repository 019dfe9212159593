"""01-docker-1-hands-on's run_command: one `docker run` line, read as Docker reads it."""

import pytest

from workbook.checks import CheckFailed
from workbook.checks import docker as check
from workbook.checks._probe import HOSTILE

REFERENCE = "docker run -d --name web -p 127.0.0.1:8081:8000 -v visits:/data hello"


@pytest.mark.parametrize(
    "answer",
    [
        REFERENCE,
        "docker container run --detach --name=web --publish 127.0.0.1:8081:8000/tcp "
        "--mount type=volume,source=visits,target=/data hello:latest",
        "!docker run -dp 127.0.0.1:8081:8000 --rm -v visits:/data:rw --name web hello",
        "docker run -v=visits:/data -itd -p127.0.0.1:8081:8000 --name web docker.io/library/hello",
        "docker run \\\n  -d --name web \\\n  -p 127.0.0.1:8081:8000 -e MODE=dev \\\n"
        "  -v visits:/data hello sleep 1",
        "sudo docker run --cap-add NET_BIND_SERVICE -d --name web -p 127.0.0.1:8081:8000 "
        "-v visits:/data/ hello",
    ],
    ids=[
        "reference",
        "long options, --mount",
        "flags together",
        "= and attached values",
        "lines continued",
        "sudo, other options, a slash",
    ],
)
def test_right_answers_written_several_ways_pass(answer, capsys):
    check.run_command(answer)
    assert capsys.readouterr().out.startswith("✓ run_command: hello runs in the background as web")


@pytest.mark.parametrize(
    "answer, says, teaches",
    [
        (
            "docker run -d --name web -p 127.0.0.1:8000:8081 -v visits:/data hello",
            "not published on 127.0.0.1:8081",
            "the host's port comes first",
        ),
        (
            "docker run -d --name web -p 8081:8000 -v visits:/data hello",
            "not published on 127.0.0.1:8081",
            "every address of the host",
        ),
        (
            "docker run -d --name web -p 127.0.0.1:8081:8000 -v ./visits:/data hello",
            "visits is not mounted at /data",
            "bind mount",
        ),
        (
            "docker run -d --name web -p 127.0.0.1:8081:8000 "
            "--mount type=bind,source=/srv/visits,target=/data hello",
            "visits is not mounted at /data",
            "bind mount",
        ),
        ("docker run --name web -p 127.0.0.1:8081:8000 -v visits:/data hello", "foreground", "-d"),
        ("docker run -d -p 127.0.0.1:8081:8000 -v visits:/data hello", "name", "--name web"),
        ("docker run -d --name web -p 127.0.0.1:8081:8000 -v visits:/data hello-web", "image", "options"),
        ("docker run -d --name web hello -p 127.0.0.1:8081:8000 -v visits:/data", "not published", "-p"),
        ("docker build -t hello .", "not a docker run command", "start with docker run"),
        ('docker run -d --name "web -p 127.0.0.1:8081:8000 hello', "not a docker run command", "docker run"),
    ],
    ids=[
        "ports reversed",
        "published on every address",
        "a bind mount for the volume",
        "a bind --mount",
        "not detached",
        "no name",
        "another image",
        "options after the image are its command's",
        "not a run",
        "a quote left open",
    ],
)
def test_each_mistake_fails_with_its_hint(answer, says, teaches):
    with pytest.raises(CheckFailed, match=says) as failure:
        check.run_command(answer)
    assert teaches in str(failure.value)


def test_no_answer_and_hostile_values_get_a_cross():
    with pytest.raises(CheckFailed, match="no answer yet"):
        check.run_command(None)
    for value in HOSTILE:
        with pytest.raises(CheckFailed):
            check.run_command(value)
