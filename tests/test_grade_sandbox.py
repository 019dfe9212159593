"""A graded submission runs in a sandbox: it reads no file outside it and reaches no database but its own.

One submission tries what a curious student would, and prints what it got: the solved notebook,
the instructor's files, another student's submission, the instructor's database server, the
grading server as its superuser or as itself on the template and on another submission's
database, the grader's environment; and it leaves a child process behind. The test reads those
lines in the graded copy (a test may; the grader never does) and checks that no process of the
submission is left.
"""

import os
from pathlib import Path

import nbformat
import pytest
from grading_helpers import LOCAL_SERVER, probe_source, seen_by_probe, write_class_list

from classroom import grade
from classroom.sandbox import UID_BASE
from classroom.sandbox import uid_block as sandbox_uid_block
from workbook.paths import NOTEBOOKS_DIR

MARKER = "3617.25"  # the child's sleep: found in /proc if it outlived the run

# Every attempt on the grading server the probe knows (tests/grading_helpers.py).
TRIES = (
    "own database",
    "as superuser, no password",
    "as postgres, no password",
    "postgres database",
    "template1",
    "the template",
    "another submission",
)


def probe_notebook(path: Path, paths: dict, instructor: dict) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(probe_source(paths, TRIES, instructor, leave_behind=MARKER))]
    nbformat.write(nb, str(path))


def leftover_processes(first_uids=None) -> list[str]:
    """Processes of the sandboxes' uids (only this run's blocks where given: another test's grading
    may run beside this one) or carrying the probe's marker, left after the run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            uid = entry.stat().st_uid
        except OSError:
            continue
        ours = uid >= UID_BASE if first_uids is None else any(0 <= uid - b < 65536 for b in first_uids)
        if MARKER in cmdline or ours:
            found.append(f"{entry.name} (uid {uid}): {cmdline}")
    return found


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the uid of its own needs root")
def test_a_graded_submission_reads_nothing_outside_its_sandbox_and_reaches_only_its_database(
    tmp_path, monkeypatch
):
    from workbook.authoring.scratch import django_config

    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "the-instructors-token")
    instructor_config = django_config()  # the server the instructor's own databases are on
    instructor = {
        "the instructor's server": dict(
            dbname=instructor_config["NAME"],
            user=instructor_config.get("USER") or "postgres",
            host=instructor_config.get("HOST") or "127.0.0.1",
            port=instructor_config.get("PORT") or 5432,
        ),
        "the server at 127.0.0.1:5432": LOCAL_SERVER,
    }
    classmate = tmp_path / "class" / "lee" / "05-orm-exercises.ipynb"
    classmate.parent.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()  # still running (its database there) while kim's runs
    nb.cells = [nbformat.v4.new_code_cell("answer = 'lee'\nimport time\ntime.sleep(20)")]
    nbformat.write(nb, str(classmate))
    roster = write_class_list(tmp_path / "class.csv")
    paths = {
        "the solved notebook": str(NOTEBOOKS_DIR / "05-orm-exercises.ipynb"),
        "the class list": str(roster),
        "a classmate's submission": str(classmate),
        "the repository's README": str(NOTEBOOKS_DIR.parent / "README.md"),
        # classroom/ holds the grader and can hold the instructor's class list (class.csv)
        "the classroom's folder": str(NOTEBOOKS_DIR.parent / "classroom" / "class.example.csv"),
        "the grader": str(NOTEBOOKS_DIR.parent / "classroom" / "grade.py"),
        "root's home": "/root/.bashrc",
        "a password file": "/etc/shadow",
    }
    mine = tmp_path / "class" / "kim" / "05-orm-exercises.ipynb"
    mine.parent.mkdir(parents=True)
    probe_notebook(mine, paths, instructor)

    blocks = []  # this run's uids: the check below must not count another test's sandboxes

    def recorded_uid_block():
        blocks.append(sandbox_uid_block())
        return blocks[-1]

    monkeypatch.setattr(grade, "uid_block", recorded_uid_block)
    run = grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=2,
        progress=lambda result: None,
    )
    result = next(r for r in run.results if r.submission.student == "kim")
    seen = seen_by_probe(result.graded_nb)
    assert {name: seen[name] for name in paths} == {
        "the solved notebook": "FileNotFoundError",
        "the class list": "FileNotFoundError",
        "a classmate's submission": "FileNotFoundError",
        "the repository's README": "FileNotFoundError",
        "the classroom's folder": "FileNotFoundError",
        "the grader": "FileNotFoundError",
        "root's home": "FileNotFoundError",
        "a password file": "PermissionError",
    }
    assert seen["own database"] == "connected"
    refused = {
        name: seen[name] for name in seen if name not in paths and name not in ("own database", "environment")
    }
    assert len(refused) == 8 and all(why.startswith("OperationalError: ") for why in refused.values()), (
        refused
    )
    for name in ("postgres database", "template1", "the template", "another submission"):
        assert "permission denied for database" in refused[name], refused
    for name in ("as superuser, no password", "as postgres, no password"):
        assert "no password supplied" in refused[name], refused
    for name in ("the instructor's server", "the server at 127.0.0.1:5432"):
        assert "password" not in refused[name] and "permission" not in refused[name], refused
    assert "JUPYTERHUB_API_TOKEN" not in seen["environment"]
    assert "DATABASE_URL" in seen["environment"]
    assert blocks
    assert leftover_processes(blocks) == []
