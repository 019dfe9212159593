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

import json
import os
import random
import subprocess

import pytest

from classroom import classhub, fake_class
from workbook import rehearsal
from workbook.authoring import asyncrun
from workbook.paths import NOTEBOOKS_DIR

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
        # The hub's last lines stay in the test's temporary folder: a lab that failed to start
        # is explained there after the class is gone.
        (stack.folder / "hub.log").write_text(stack.logs(), encoding="utf-8")
        stack.down()
    # What CLASSROOM.md's teardown command removes: all of it, the workspace volumes included.
    assert stack.leftovers() == {"containers": [], "volumes": [], "networks": [], "images": []}


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


def in_lab(container: str, *command: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "exec", "--workdir", "/app", container, *command],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.docker
def test_a_students_lab_reads_no_solved_notebook_and_lists_no_classmates_database(hub):
    for name in ("alice", "bob"):
        assert classhub.login(hub.base, name, PASSWORDS[name])
        classhub.start_lab(hub.base, hub.token, name)
    container = hub.lab_container("alice")
    solved = in_lab(container, "cat", "/app/notebooks/05-orm-exercises.ipynb")
    assert solved.returncode != 0 and "Permission denied" in solved.stderr
    assert in_lab(container, "ls", "/app/notebooks").returncode != 0
    # Her workspace holds the student copies the image carries instead.
    assert (
        in_lab(container, "ls", "/app/classroom/copies").stdout.split()
        == in_lab(container, "sh", "-c", "ls /app/my-notebooks | grep '^[0-9][0-9]-.*ipynb$'").stdout.split()
    )
    assert in_lab(container, "ls", "/home/lab/class.csv").returncode != 0  # the instructor's only
    # Nor can it sandbox: Docker's defaults hold for students' labs; grade says so, and how.
    refused = in_lab(container, "python", "-c", "from classroom.sandbox import try_one; try_one()")
    assert "which this machine refuses (bwrap: " in refused.stderr, refused.stderr[-1500:]
    catalog = (
        "import os, psycopg2\nconn = psycopg2.connect(os.environ['DATABASE_URL'])\n"
        "cur = conn.cursor()\n"
        "try:\n    cur.execute('SELECT datname FROM pg_database')\n    print(cur.fetchall())\n"
        "except psycopg2.Error as exc:\n    print(str(exc).splitlines()[0])"
    )
    results = asyncrun.run(
        classhub.run_cells(hub.base, hub.token, "alice", [catalog, classhub.reach_probe("postgres")])
    )
    assert "permission denied for table pg_database" in results[0]["text"]
    assert "permission denied for database" in results[1]["text"]


PROBE = r"""
import json, os, socket
from urllib.parse import urlsplit
import psycopg2

seen = {}
for path in ("/app/notebooks/05-orm-exercises.ipynb", "/home/lab/class.csv",
             "/home/lab/workspaces/alice/05-orm-exercises.ipynb", "/app/my-notebooks"):
    try:
        with open(path, "rb") as f:
            seen[path] = "read %d bytes" % len(f.read(100))
    except OSError as exc:
        seen[path] = type(exc).__name__
mine = urlsplit(os.environ["DATABASE_URL"])
own = mine.path.lstrip("/")
tries = {
    "own": own,
    "postgres": "postgres",
    "other": own.rsplit("_", 1)[0] + ("_0001" if own.endswith("_0000") else "_0000"),
}
for name, dbname in tries.items():
    try:
        psycopg2.connect(dbname=dbname, user=mine.username, password=mine.password, connect_timeout=3).close()
        seen[name] = "connected"
    except psycopg2.Error as exc:
        seen[name] = str(exc).strip().splitlines()[0]
try:
    socket.create_connection(("db", 5432), timeout=3).close()
    seen["the class's server"] = "connected"
except OSError as exc:
    seen["the class's server"] = type(exc).__name__
print("PROBE " + json.dumps(seen))
"""


@pytest.mark.docker
def test_the_instructor_grades_the_class_from_their_lab_with_one_command(hub):
    """alice and bob each save a different mix of right, wrong and unanswered exercises; the
    instructor grades both workspaces' 05 in the sandbox, in their lab, and gets the known grades.
    bob's notebook also tries to read outside its sandbox and reach other databases."""
    maker = fake_class.Maker(NOTEBOOKS_DIR / "05-orm-exercises.ipynb")
    plans = {"alice": maker.plan(random.Random(21)), "bob": maker.plan(random.Random(5))}
    truth = {name: maker.truth(plan) for name, plan in plans.items()}
    assert truth["alice"] != truth["bob"] and len(set(truth["alice"].values())) == 3
    for name, plan in plans.items():
        assert classhub.login(hub.base, name, PASSWORDS[name])
        classhub.start_lab(hub.base, hub.token, name)
        nb = maker.build(plan)
        if name == "bob":
            nb.cells.append(fake_class._new_cell(PROBE, "probe"))
        classhub.save_notebook(hub.base, hub.token, name, "05-orm-exercises.ipynb", nb)
    teacher = hub.instructor
    assert classhub.login(hub.base, teacher, PASSWORDS[teacher])
    classhub.start_lab(hub.base, hub.token, teacher)
    container = hub.lab_container(teacher)
    graded = in_lab(
        container,
        *("python", "-m", "workbook", "grade", "/home/lab/workspaces", "--notebook", "05"),
        *("--roster", "/home/lab/class.csv", "--out", "/tmp/grades", "--jobs", "2"),
        # Wall-clock limits for a shared machine (a submission took over 300 s at load 35); the
        # CPU-seconds limit per cell stays the grader's own.
        *("--notebook-timeout", "1800", "--cell-timeout", "600"),
        timeout=3600,
    )
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-3000:]
    report = json.loads(in_lab(container, "cat", "/tmp/grades/grades.json").stdout)
    students = {s["student"]: s for s in report["students"]}
    assert sorted(students) == ["alice", "bob"]  # the instructor is on no row
    for name in ("alice", "bob"):
        assert students[name]["on_class_list"] is True
        assert students[name]["submissions"] == [f"workspaces/{name}/05-orm-exercises.ipynb"]
        got = {q: outcome["status"] for q, outcome in students[name]["exercises"].items()}
        assert got == truth[name], (name, students[name]["problems"])
    # bob's probe, as it ran in the sandbox (the graded copy keeps its output).
    copy = json.loads(in_lab(container, "cat", "/tmp/grades/graded/bob/05-orm-exercises.ipynb").stdout)
    printed = "".join(
        "".join(o.get("text", ""))
        for c in copy["cells"]
        if c.get("id") == "probe"
        for o in c.get("outputs", [])
    )
    seen = json.loads(printed.split("PROBE ", 1)[1])
    assert {path: seen[path] for path in seen if path.startswith("/")} == {
        "/app/notebooks/05-orm-exercises.ipynb": "FileNotFoundError",
        "/home/lab/class.csv": "FileNotFoundError",
        "/home/lab/workspaces/alice/05-orm-exercises.ipynb": "FileNotFoundError",
        "/app/my-notebooks": "FileNotFoundError",
    }
    assert seen["own"] == "connected"
    assert "permission denied for database" in seen["postgres"]
    assert "permission denied for database" in seen["other"] or "does not exist" in seen["other"]
    assert seen["the class's server"] in ("gaierror", "OSError", "ConnectionRefusedError")
