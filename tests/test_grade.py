"""`python3 run.py grade`: checks put back, results from the checks themselves, a class graded right.

The class test grades one submission of every kind the generator makes (right, wrong, unanswered,
a loop, memory exhaustion, sys.exit, dropped tables, a fake ✓, edited and rebound checks, new cell
ids, not a notebook, truncated JSON) and compares each exercise with the truth the generator knows.
WORKBOOK_GRADE_CLASS=100 grades the full class of 100 instead (about 4 minutes on 2 cores).
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import psycopg2
import pytest

from classroom import grade
from classroom.fake_class import KINDS, make_class
from workbook.authoring.conventions import read
from workbook.authoring.student import student_copy
from workbook.paths import NOTEBOOKS_DIR

ORM = NOTEBOOKS_DIR / "05-orm-exercises.ipynb"


@pytest.fixture(scope="module")
def original():
    return grade.load_original(ORM)


@pytest.fixture(scope="module")
def server_config():
    from workbook.authoring.scratch import django_config

    return django_config()


def leftovers(config, run: str) -> list[str]:
    from workbook.database import connect

    conn = connect(config, "postgres")
    try:
        with conn.cursor() as cur:
            like = run.replace("_", r"\_") + "%"
            cur.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s "
                "UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                [like, like],
            )
            return [name for (name,) in cur.fetchall()]
    finally:
        conn.close()


def test_every_exercise_of_05_is_found_with_its_check(original):
    assert [e.name for e in original.exercises] == [f"q{n}" for n in range(1, 22)]
    assert {e.module for e in original.exercises} == {"orm"}
    assert original.exercises[2].check_source == "check.q3(carol_posts)"


def test_an_edited_check_cell_is_put_back_by_id(original):
    nb = student_copy(read(ORM))
    q3 = next(c for c in nb.cells if c.get("id") == original.exercises[2].check_id)
    q3.source = 'print("✓ q3: carol\'s posts")'
    prepared = grade.restore_checks(nb, original)
    assert prepared.nb.cells[nb.cells.index(q3)].source == "check.q3(carol_posts)"
    assert sorted(e.name for e in prepared.checks.values()) == sorted(e.name for e in original.exercises)
    assert prepared.notes == ["q3: the check cell was changed; the original was put back"]


def test_a_deleted_check_cell_comes_back_after_its_exercise(original):
    nb = student_copy(read(ORM))
    exercise = original.exercises[3]
    nb.cells = [c for c in nb.cells if c.get("id") != exercise.check_id]
    prepared = grade.restore_checks(nb, original)
    ids = [c.get("id") for c in prepared.nb.cells]
    after = prepared.nb.cells[ids.index(exercise.exercise_id) + 1]
    assert after.source == exercise.check_source
    assert prepared.checks[ids.index(exercise.exercise_id) + 1].name == "q4"


def test_checks_are_found_by_their_call_when_every_id_changed(original):
    nb = student_copy(read(ORM))
    for index, cell in enumerate(nb.cells):
        cell.id = f"other-{index}"
    nb.cells[
        nb.cells.index(next(c for c in nb.cells if c.source == "check.q5(answer)"))
    ].source = "check.q5(answer)  # mine"
    prepared = grade.restore_checks(nb, original)
    sources = {e.name: prepared.nb.cells[i].source for i, e in prepared.checks.items()}
    assert sources == {e.name: e.check_source for e in original.exercises}
    assert len(prepared.nb.cells) == len(nb.cells)


def test_students_of_the_same_name_and_one_without_a_submission_are_all_in_the_report(tmp_path, original):
    for section in ("monday", "tuesday"):
        folder = tmp_path / section / "kim"
        folder.mkdir(parents=True)
        nbformat.write(student_copy(read(ORM)), str(folder / ORM.name))
    subs = grade.find_submissions([tmp_path / "monday", tmp_path / "tuesday"])
    for sub in subs:
        grade.identify(sub, [original])
    grade.label_students(subs)
    assert sorted(s.label for s in subs) == ["kim", "kim (2)"]
    results = [
        grade.Result(sub, exercises={e.name: grade._status(grade.NOT_ANSWERED) for e in original.exercises})
        for sub in subs
    ]
    run = grade.Run(results, [original], ["kim", "lee"], 0.0, 0.0, tmp_path / "out")
    grade.write_reports(run)
    lines = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["kim", "kim (2)", "lee"]
    assert lines[3].split(",")[1] == "not submitted" and lines[3].endswith("no submission")
    report = (tmp_path / "out" / "report.html").read_text()
    assert "kim (2)" in report and ">lee<" in report
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir()) == [
        "kim-2.html",
        "kim.html",
        "lee.html",
    ]


def test_the_class_list_needs_a_username_column(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("username,password\nkim,first-1\n lee ,first-2\n")
    assert grade.read_roster(roster) == ["kim", "lee"]
    roster.write_text("name\nkim\n")
    with pytest.raises(ValueError, match="username"):
        grade.read_roster(roster)


def test_a_submission_role_cannot_reach_another_submissions_database(server_config):
    server = grade.Server(server_config, "isotest")
    try:
        server.make_template()
        first, _, first_url = server.make_database(1)
        second, _, _ = server.make_database(2)
        base = dict(
            host=server_config.get("HOST") or None, port=server_config.get("PORT") or None, connect_timeout=5
        )
        mine = psycopg2.connect(dbname=first, user=first, password=urlsplit(first_url).password, **base)
        with mine.cursor() as cur:  # its own tables are its own: the notebook's reset() truncates them
            cur.execute("TRUNCATE posts_like")
            cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'posts_post'")
            assert cur.fetchone() == (first,)
        mine.close()
        with pytest.raises(psycopg2.OperationalError, match="permission denied"):
            psycopg2.connect(dbname=second, user=first, **base)
    finally:
        server.drop_everything()
    assert leftovers(server_config, server.run) == []


def test_a_submission_runs_as_written_and_sees_nothing_of_the_one_before(tmp_path, server_config):
    """The grader's hidden cells never take a student's cell's place (a first cell of code runs and
    stays in the graded notebook), and one kernel's code is not in the next one's IPython history."""
    sources = {
        "first": 'secret = "alpha-" + "1234"\nprint("first ran")',
        "second": 'print("second ran", get_ipython().history_manager.search("*alpha-*"))',
    }
    for name, source in sources.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))
    run = grade.grade(
        [tmp_path / "first.ipynb", tmp_path / "second.ipynb"],
        out=tmp_path / "grades",
        notebooks=["05-orm-exercises"],
        jobs=1,
        config=server_config,
        progress=lambda result: None,
    )
    shown = {}
    for result in run.results:
        cell = result.graded_nb.cells[0]
        assert "_workbook_grader" not in cell.source
        shown[result.submission.student] = "".join(o.get("text", "") for o in cell.outputs)
    assert shown["first"] == "first ran\n"
    assert shown["second"].startswith("second ran ")
    assert "1234" not in shown["second"]
    assert leftovers(server_config, run.prefix) == []


def test_a_class_is_graded_as_the_generator_knows_it_should_be(tmp_path, server_config):
    size = int(os.environ.get("WORKBOOK_GRADE_CLASS", len(KINDS)))
    made = make_class(tmp_path / "class", size)
    assert {m.kind for m in made} == set(KINDS)
    seen = []
    run = grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=["05-orm-exercises"],
        # The endless loop is stopped after 3 s of the kernel's CPU, however busy the machine; the
        # wall-clock limit is generous for a busy machine (a slow cell must not pass for a loop).
        cell_timeout=60,
        cell_cpu=3,
        notebook_timeout=240,
        jobs=2,
        progress=seen.append,
    )
    assert len(seen) == size
    graded = {
        s["student"]: s for s in json.loads((tmp_path / "grades" / "grades.json").read_text())["students"]
    }
    wrong = [
        (m.path.stem, name, truth, graded[m.path.stem]["exercises"][name])
        for m in made
        for name, truth in m.truth.items()
        if graded[m.path.stem]["exercises"][name]["status"] != truth
    ]
    assert wrong == []
    loop = graded[next(m.path.stem for m in made if m.kind == "loop")]
    stopped = [e["message"] for e in loop["exercises"].values() if "of CPU" in e["message"]]
    assert stopped and "stopped after 3 s of CPU (the limit of a cell)" in stopped[0]
    fake = graded[next(m.path.stem for m in made if m.kind == "fake-tick")]
    assert fake["passed"] == 0  # a printed ✓ earns nothing
    assert run.prefix and leftovers(server_config, run.prefix) == []
    out = Path(tmp_path / "grades")
    assert (out / "report.html").read_text().count("<td class='cell'") == size * 21
    assert len(list((out / "feedback").iterdir())) == size
