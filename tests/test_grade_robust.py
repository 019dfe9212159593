"""A class's run never stops on one submission: every file is graded or is a row with its reason.

Any nbformat 4.x (4.0 has no cell ids), the Korean edition's copy, broken JSON, another notebook,
a kernel that ends itself, 50 MB of output, a deleted exercise cell, a cell that ignores SIGINT:
each one gets a grade or a true reason, the reports are written as the run goes, the graded copies
keep a bounded output, and the feedback pages name paths from the submissions folder only.
"""

import json
import shutil

import pytest

from classroom import grade
from classroom.fake_class import RIGHT, UNANSWERED, Maker
from workbook.paths import NOTEBOOKS_DIR

ORM = NOTEBOOKS_DIR / "05-orm-exercises.ipynb"


@pytest.fixture(scope="module")
def server_config():
    from workbook.authoring.scratch import django_config

    return django_config()


@pytest.fixture(scope="module")
def maker():
    return Maker(ORM)


def as_v40(nb) -> dict:
    """The notebook as nbformat 4.0 writes it: no cell ids."""
    document = json.loads(json.dumps(nb))
    document["nbformat_minor"] = 0
    for cell in document["cells"]:
        cell.pop("id", None)
    return document


def students(tmp_path) -> dict:
    return {
        s["student"]: s for s in json.loads((tmp_path / "grades" / "grades.json").read_text())["students"]
    }


def test_every_kind_of_file_is_graded_or_a_row_with_its_reason(tmp_path, maker, server_config):
    names = maker.names
    right = maker.build(dict.fromkeys(names, RIGHT))
    unanswered = maker.build(dict.fromkeys(names, UNANSWERED))
    folder = tmp_path / "class"
    for student in ("v40", "korean", "broken", "other", "exits", "loud", "deleted"):
        (folder / student).mkdir(parents=True)
    (folder / "v40" / ORM.name).write_text(json.dumps(as_v40(right)), encoding="utf-8")
    shutil.copy(NOTEBOOKS_DIR / "ko" / ORM.name, folder / "korean" / ORM.name)
    (folder / "broken" / ORM.name).write_text(json.dumps(right)[:5000], encoding="utf-8")
    shutil.copy(NOTEBOOKS_DIR / "00-start-here.ipynb", folder / "other" / ORM.name)
    exits = json.loads(json.dumps(right))
    exits["cells"].insert(3, {**exits["cells"][1], "id": "mine", "source": "import os\nos._exit(3)"})
    exits["cells"][3].update(cell_type="code", outputs=[], execution_count=None, metadata={})
    (folder / "exits" / ORM.name).write_text(json.dumps(exits), encoding="utf-8")
    loud = json.loads(json.dumps(unanswered))
    loud["cells"].insert(
        3,
        {
            "cell_type": "code",
            "id": "loud",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "for _ in range(50):\n    print('x' * 1_000_000)",
        },
    )
    (folder / "loud" / ORM.name).write_text(json.dumps(loud), encoding="utf-8")
    q3 = maker.original.exercises[2]
    deleted = json.loads(json.dumps(right))
    deleted["cells"] = [c for c in deleted["cells"] if c.get("id") != q3.exercise_id]
    (folder / "deleted" / ORM.name).write_text(json.dumps(deleted), encoding="utf-8")

    run = grade.grade(
        [folder],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=2,
        cell_timeout=60,
        notebook_timeout=240,
        config=server_config,
        progress=lambda result: None,
    )
    graded = students(tmp_path)
    assert sorted(graded) == ["broken", "deleted", "exits", "korean", "loud", "other", "v40"]
    assert graded["v40"]["passed"] == 21, graded["v40"]
    assert graded["korean"]["passed"] == 21, graded["korean"]
    assert graded["broken"]["problems"][0].startswith(f"{ORM.name}: not a notebook: ")
    assert graded["broken"]["passed"] == 0
    assert graded["other"]["passed"] == 0 and len(graded["other"]["exercises"]) == 21
    assert graded["exits"]["passed"] == 0
    assert "the notebook ended the kernel's own process (exit code 3" in graded["exits"]["problems"][0]
    q3_said = graded["deleted"]["exercises"]["q3"]
    assert q3_said["status"] == grade.ERROR
    assert q3_said["message"] == (
        "there is no variable 'carol_posts': the exercise cell that sets it was deleted, renamed or "
        "stopped before it"
    )
    assert graded["deleted"]["passed"] == 20
    loud_copy = tmp_path / "grades" / "graded" / "loud" / ORM.name
    assert loud_copy.stat().st_size < 1_000_000
    assert "more characters of output left out" in loud_copy.read_text()
    for page in (tmp_path / "grades" / "feedback").iterdir():
        text = page.read_text()
        assert str(tmp_path) not in text
    assert f"Graded: class/v40/{ORM.name}" in (tmp_path / "grades" / "feedback" / "v40.html").read_text()
    assert run.prefix


def test_time_limits_are_told_from_a_kernels_death(tmp_path, server_config):
    """A cell that sleeps is stopped at the cell's limit and the run goes on; one that ignores
    SIGINT runs into the notebook's limit, and the message says so (not "out of memory")."""
    import nbformat

    sources = {
        "sleeper": ["import time\ntime.sleep(600)", "print('went on')"],
        "stubborn": ["import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(600)"],
    }
    for name, cells in sources.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))
    run = grade.grade(
        [tmp_path / "sleeper.ipynb", tmp_path / "stubborn.ipynb"],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=2,
        cell_timeout=3,
        notebook_timeout=12,
        config=server_config,
        progress=lambda result: None,
    )
    by_name = {r.submission.student: r for r in run.results}
    assert by_name["sleeper"].problem == ""
    assert by_name["sleeper"].graded_nb.cells[1].outputs[0]["text"] == "went on\n"
    assert by_name["stubborn"].problem == "the notebook's time limit (12 s) ran out"


def test_the_reports_are_written_as_the_run_goes(tmp_path, server_config):
    """A run stopped after its first submission still has that one's row and feedback."""
    for name in ("first", "second"):
        (tmp_path / f"{name}.ipynb").write_text("not json", encoding="utf-8")
    seen = []

    def stop_after_one(result):
        seen.append(result)
        raise OSError("the disk is full")

    with pytest.raises(OSError, match="the disk is full"):
        grade.grade(
            [tmp_path / "first.ipynb", tmp_path / "second.ipynb"],
            out=tmp_path / "grades",
            notebooks=["05"],
            jobs=1,
            config=server_config,
            progress=stop_after_one,
        )
    lines = (tmp_path / "grades" / "grades.csv").read_text().splitlines()
    assert len(lines) == 1 + len(seen) and lines[1].startswith(seen[0].submission.label + ",")
    assert (tmp_path / "grades" / "feedback" / f"{seen[0].submission.label}.html").exists()


def test_every_solved_notebook_that_needs_no_docker_earns_every_exercise(tmp_path):
    """Right answers of every kind the notebooks ask for (rows, values, responses, functions,
    classes) come out of the sandbox and are judged right; 03-postgresql-1 and -2, which share
    their number, are each graded against their own original."""
    names = [
        "00-start-here",
        "03-postgresql-1-types",
        "03-postgresql-2-engine",
        "04-data-modeling",
        "06-rest-api",
    ]
    for name in names:
        (tmp_path / "class" / name).mkdir(parents=True)
        shutil.copy(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path / "class" / name / f"{name}.ipynb")
    run = grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=sorted({name[:2] for name in names}),
        jobs=2,
        progress=lambda result: None,
    )
    assert {r.submission.student: r.submission.original.key for r in run.results} == {n: n for n in names}
    not_passed = {
        (r.submission.student, name): outcome
        for r in run.results
        for name, outcome in r.exercises.items()
        if outcome["status"] != grade.PASSED
    }
    assert not_passed == {}
    assert all(r.exercises for r in run.results)


def test_a_console_in_another_code_page_grades_as_any_other(tmp_path, monkeypatch):
    """An instructor's Korean Windows console (code page cp949, in PYTHONIOENCODING, which every
    Python the grader starts inherits): what the grader's own child processes print is still read
    (it failed with UnicodeDecodeError while preparing the template, before any submission)."""
    monkeypatch.setenv("PYTHONIOENCODING", "cp949")
    start = Maker(NOTEBOOKS_DIR / "00-start-here.ipynb")
    (tmp_path / "class" / "kim").mkdir(parents=True)
    solved = start.build(dict.fromkeys(start.names, RIGHT))
    (tmp_path / "class" / "kim" / "00-start-here.ipynb").write_text(json.dumps(solved), encoding="utf-8")
    grade.grade(
        [tmp_path / "class"], out=tmp_path / "grades", notebooks=["00"], jobs=1, progress=lambda result: None
    )
    [student] = json.loads((tmp_path / "grades" / "grades.json").read_text(encoding="utf-8"))["students"]
    assert student["problems"] == [] and {e["status"] for e in student["exercises"].values()} == {
        grade.PASSED
    }
