"""The class hub with Docker: classroom/docker-compose.yml built and started, two students in it.

A class of its own (every container, network, image and volume named wbcls<pid>…, the class list
in a temporary folder) is built and brought up: db, the template database, JupyterHub with
DockerSpawner. An instructor and two students are on the class list; the students log in with their
first-login passwords (and a stranger and a wrong password cannot), each gets a lab container of the
classroom lab image with a workspace volume of their own, runs 05 through the kernel API against the
database the spawn hook made for them from the template, and cannot connect to the other's. Then
everything is removed. Skipped, with the reason, where no Docker Engine answers.

It costs about six minutes on this shared 2-core machine when the images' layers are cached (the
first build of the lab image installs JupyterLab and takes longer); most of it is two JupyterLab
starts and two runs of 05.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from classroom import classhub
from workbook import rehearsal
from workbook.authoring import asyncrun

PASSWORDS = {"teacher": "teach-the-class", "alice": "alice-first-pw", "bob": "bob-first-pw"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    problem = rehearsal.engine_problem()
    if problem:
        pytest.skip(f"no Docker Engine answers ({problem})")
    pytest.importorskip("requests")
    pytest.importorskip("tornado")
    stack = classhub.DockerHub(
        name=f"wbcls{os.getpid()}", folder=tmp_path_factory.mktemp("classhub"), people=PASSWORDS
    )
    stack.write_files()
    try:
        stack.build()
        stack.up()
        yield stack
    finally:
        stack.down()


def database_of(hub: classhub.DockerHub, username: str) -> str:
    """The name the spawn hook gives the student's role and database (classroom/studentdb.py)."""
    return f"student_{username}"


@pytest.mark.docker
def test_only_the_class_list_logs_in_with_its_first_passwords(hub):
    assert classhub.login(hub.base, "alice", PASSWORDS["alice"])
    assert not classhub.login(hub.base, "bob", "not-bobs-password")
    assert not classhub.login(hub.base, "mallory", "mallory-first-pw")
    assert classhub.login(hub.base, "bob", PASSWORDS["bob"])


@pytest.mark.docker
def test_two_students_each_run_05_in_their_own_lab_on_their_own_database(hub):
    code = classhub.notebook_code()
    for name in ("alice", "bob"):
        assert classhub.login(hub.base, name, PASSWORDS[name])
        classhub.request_lab(hub.base, hub.token, name)
    for name in ("alice", "bob"):
        classhub.start_lab(hub.base, hub.token, name)
    for name, other in (("alice", "bob"), ("bob", "alice")):
        container = hub.lab_container(name)
        inspected = subprocess.run(
            ["docker", "inspect", "--format", "{{.Config.Image}} {{.Config.User}} {{json .Mounts}}"]
            + [container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert inspected.startswith(f"{hub.name}-lab 1000:1000 ")
        assert f'"Name":"{hub.name}-ws-{name}"' in inspected and '"/app/my-notebooks"' in inspected
        # The image's health check asks the lab under the hub's prefix (/user/<name>/api).
        assert hub.wait_healthy(container) == "healthy"
        probe = classhub.reach_probe(database_of(hub, other))
        results = asyncrun.run(classhub.run_cells(hub.base, hub.token, name, [*code, probe]))
        failed = [r["text"][-300:] for r in results if r["status"] != "ok"]
        assert failed == []
        assert sum(r["text"].count("✓ q") for r in results) == 21
        assert "permission denied for database" in results[-1]["text"]
        assert results[-1]["text"].strip().endswith(database_of(hub, name))
        # The workspace volume holds the student's exercise copies, made on the lab's first start.
        listing = subprocess.run(
            ["docker", "exec", container, "ls", "/app/my-notebooks"], capture_output=True, text=True
        ).stdout.split()
        assert "05-orm-exercises.ipynb" in listing
    owners = hub.psql(
        "SELECT datname || ' ' || pg_get_userbyid(datdba) FROM pg_database "
        "WHERE datname LIKE 'student\\_%' ORDER BY 1"
    ).split("\n")
    assert [line for line in owners if line] == ["student_alice student_alice", "student_bob student_bob"]
