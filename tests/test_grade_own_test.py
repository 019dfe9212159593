"""02-cicd's own_test, a test file the learner writes, judged outside the kernel (`@judged_on_runs`).

The kernel hands the file's text out; the judge reads it as the check does and asks the grader to
run it; the grader runs it on a copy of the site and on each broken copy, each run in a sandbox of
its own with a role and two empty databases made for it alone, while the kernel is stopped and its
role may not log in (classroom/grade.py, `FileRuns`). A test's exit status is then its own
answer: it can only pass the exercise by passing on the site and failing on each broken copy.

Graded here in the sandbox: the solved copy earns own_test; a file that passes the first time it
runs and fails every time after (it leaves a mark in every folder it can write, and in its own and
the kernel's database, whose URL it was written with) earns nothing, nor does a file that ends its
process with status 0 before any test runs. Judged in the kernel, as it was before, the first one
passed: its three runs shared a folder and a server.
"""

import json

from classroom import grade
from classroom.fake_class import RIGHT, Maker
from workbook.paths import NOTEBOOKS_DIR

KEY = "02-cicd"

# Written by the exercise cell with the kernel's own DATABASE_URL in it. It remembers a run in
# every place it might find again: the working folder, /tmp, HOME, the copy's parent folders, the
# server's socket folder, a table in its own database and one in the kernel's.
REMEMBERS = r"""
import os
import pathlib

import psycopg2

KERNEL_URL = "@KERNEL_URL@"


def _places():
    here = pathlib.Path(__file__).resolve()
    found = [os.getcwd(), "/tmp", os.path.expanduser("~"), os.environ.get("PGHOST", "/tmp")]
    return list(dict.fromkeys(found + [str(p) for p in here.parents][:6]))


def _ran_before():
    seen = False
    for place in _places():
        mark = os.path.join(place, ".ran-before")
        if os.path.exists(mark):
            seen = True
        try:
            open(mark, "a").close()
        except OSError:
            pass
    for url in dict.fromkeys((KERNEL_URL, os.environ.get("DATABASE_URL", ""))):  # once each
        if not url:
            continue
        try:
            conn = psycopg2.connect(url, connect_timeout=3)
        except Exception:
            continue
        conn.autocommit = True
        with conn.cursor() as cursor:
            try:
                cursor.execute("CREATE TABLE IF NOT EXISTS ran_before (n int)")
                cursor.execute("SELECT count(*) FROM ran_before")
                seen = seen or cursor.fetchone()[0] > 0
                cursor.execute("INSERT INTO ran_before VALUES (1)")
            except Exception:
                pass
        conn.close()
    return seen


def test_passes_only_the_first_time():
    assert not _ran_before()
"""

EXITS = r"""
import os

os._exit(0)


def test_never_runs():
    assert False
"""


def _with_file(nb, maker, text: str) -> dict:
    """The exercise cell writes `text` (with the kernel's DATABASE_URL put in) to OWN_TEST."""
    exercise = next(e for e in maker.original.exercises if e.name == "own_test")
    cell = next(c for c in nb["cells"] if c.get("id") == exercise.exercise_id)
    cell["source"] = (
        f"import os\n_text = {text!r}\n"
        "OWN_TEST.write_text(_text.replace('@KERNEL_URL@', os.environ.get('DATABASE_URL', '')))\n"
    )
    return nb


def test_own_test_is_judged_on_runs_nothing_can_carry_between(tmp_path):
    maker = Maker(NOTEBOOKS_DIR / f"{KEY}.ipynb")
    assert not any(e.in_kernel for e in maker.original.exercises)
    copies = {
        "solved": maker.build(dict.fromkeys(maker.names, RIGHT)),
        "remembers": _with_file(maker.build(dict.fromkeys(maker.names, RIGHT)), maker, REMEMBERS),
        "exits": _with_file(maker.build(dict.fromkeys(maker.names, RIGHT)), maker, EXITS),
    }
    for student, nb in copies.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        (tmp_path / "class" / student / f"{KEY}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=[KEY],
        jobs=2,
        cell_timeout=60,
        notebook_timeout=240,
        progress=lambda result: None,
    )
    students = {
        s["student"]: s["exercises"]["own_test"]
        for s in json.loads((tmp_path / "grades" / "grades.json").read_text())["students"]
    }
    assert students["solved"]["status"] == grade.PASSED, students["solved"]
    assert "judged_in_kernel" not in students["solved"]
    for student in ("remembers", "exits"):
        outcome = students[student]
        assert outcome["status"] == grade.FAILED, (student, outcome)
        assert "your test still passes when" in outcome["message"], (student, outcome)
    graded = (tmp_path / "grades" / "graded" / "remembers" / f"{KEY}.ipynb").read_text(encoding="utf-8")
    assert "the grader runs your test file outside this notebook" in graded


def test_in_a_kernel_the_remembering_file_fools_the_check(tmp_path, capsys, db):
    """Why the grade does not come from the kernel: there the check runs the file itself, its three
    runs share a copy of the site, /tmp and a server, and the file that remembers passes."""
    import os

    from workbook.checks import cicd

    path = tmp_path / "test_my_own.py"
    url = os.environ.get("DATABASE_URL", "")
    path.write_text(REMEMBERS.replace("@KERNEL_URL@", url), encoding="utf-8")

    def forget() -> None:
        for place in ("/", "/tmp", os.path.expanduser("~"), os.environ.get("PGHOST", "/tmp")):
            try:
                os.remove(os.path.join(place, ".ran-before"))
            except OSError:
                pass
        if url:
            import psycopg2

            conn = psycopg2.connect(url)
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS ran_before")
            conn.close()

    forget()
    try:
        cicd.own_test(str(path))
        assert capsys.readouterr().out.startswith("✓ own_test")
    finally:
        forget()
