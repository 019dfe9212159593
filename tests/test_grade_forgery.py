"""Nothing a submission does in its kernel passes an exercise except answering it.

Each submission is 05 with every answer blank (or wrong), plus one cell that forges in a way a
student could think of: rebinding every name the grader puts in the kernel's namespace, patching
the checks, Django or the grader, writing "passed" into every file it can reach, a forked child
that goes on doing so, reading the solved notebook to run its solutions, ending the kernel after
forging, 50 MB of "✓" lines, sleeping past the limits, ignoring SIGINT. Each gets no exercise, and
the messages say what is true ("no answer yet", the check's own ✗, the time limit). Each was
carried out, as its graded copy shows (the line its cell prints once the attack is done, or the
sandbox's refusal), so a cell that raised before its attack cannot pass for a forgery that failed.

Every exercise of 05 is judged outside the kernel, q2 included (a QuerySet of the notebook's proxy
model, handed out as the project's query and the names its `__str__` gave): none is left out here,
and the solved notebook, graded in the same run, earns every one.
"""

import json

import nbformat
import pytest
from grading_helpers import CARRIED_OUT, cell_said, common_forgeries, not_carried_out, with_forgery

from classroom import grade
from classroom.fake_class import RIGHT, UNANSWERED, WRONG, Maker
from workbook.paths import NOTEBOOKS_DIR

ORM = NOTEBOOKS_DIR / "05-orm-exercises.ipynb"

ORM_NAMES = tuple(f"q{n}" for n in range(1, 22))
COMMON = common_forgeries("orm", ORM_NAMES, ORM.name)

FORGERIES = {
    "rebind": COMMON["rebind"],
    "patch-checks": r"""
import workbook.checks._base as _b
import workbook.checks._probe as _p
import workbook.checks._runner as _r
import workbook.checks.orm as _o

for _module in (_o, _p):
    for _name in ("judge", "compare_rows", "compare_values", "expect_queryset", "expect_objects",
                  "recorded_statement", "in_general"):
        if hasattr(_module, _name):
            setattr(_module, _name, lambda *args, **kwargs: [])
_checks = [n for n in dir(_o) if n[:1] == "q" and n[1:].isdigit()]
for _name in _checks:
    setattr(_o, _name, lambda *args, **kwargs: None)
_p.evaluate = lambda exercise, queryset, **kwargs: list(queryset)
_b.CheckFailed.__init__ = lambda self, *args, **kwargs: None
_r.run = lambda module, name, arguments: print(f"✓ {name}: right")
print("forgery carried out: patch-checks,", len(_checks), "checks")
""",
    "patch-django": r"""
from django.db import models
from django.db.models import query

models.Model.__eq__ = lambda self, other: True
models.Model.__hash__ = lambda self: 0
query.QuerySet.__eq__ = lambda self, other: True
query.QuerySet.exists = lambda self: True
query.QuerySet.count = lambda self: 3
print("forgery carried out: patch-django")
""",
    "patch-grader": r"""
import workbook.authoring.judge as _j

_j.judge = lambda *args, **kwargs: {"status": "passed", "message": ""}
_j.AnswerUnpickler.find_class = lambda self, module, name: object
_j.MARKER = "nothing"
try:  # the grader itself: importable without the sandbox; the sandbox never shows classroom/
    import classroom.grade as _g
except ImportError:
    print("forgery carried out: patch-grader, the judge's module (no classroom here)")
else:
    _g.PASSED = "failed"
    _g._status = lambda status, message="": {"status": "passed", "message": ""}
    print("forgery carried out: patch-grader, the judge's module and the grader")
""",
    "write-files": COMMON["write-files"],
    "forked-child": COMMON["forked-child"],
    "read-solution": COMMON["read-solution"] + "for _n in range(1, 22):\n    check.solution(f'q{_n}')\n",
    # Ends the kernel only once files were written: its exit code is the proof the forgery ran.
    "exit-after-forging": COMMON["write-files"] + "import os\nif _written:\n    os._exit(0)\n",
    "loud": "for _ in range(50):\n    print('✓ q1: right\\n' * 80_000)\n",
    # An answer whose SQL calls a function of the submission's that gives every post to carol,
    # so that the check's own reference, evaluated after it, agrees with "every post".
    "sql-function": r"""
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

with connection.cursor() as cursor:
    cursor.execute(
        "CREATE FUNCTION only_carol() RETURNS boolean LANGUAGE sql VOLATILE AS $$ "
        "UPDATE posts_post SET author_id = (SELECT id FROM auth_user WHERE username = 'carol'); "
        "SELECT true $$"
    )
    cursor.execute("GRANT EXECUTE ON FUNCTION only_carol() TO PUBLIC")
carol_posts = Post.objects.filter(RawSQL("only_carol()", [], output_field=BooleanField()))
print("forgery carried out: sql-function")
""",
}
# Appended to that exercise's cell, after its stub.
IN_EXERCISE = {"sql-function": "q3"}
# Forgeries that need answers to work with: the answers are wrong, the checks told they are right.
WITH_WRONG_ANSWERS = {"patch-checks", "patch-django", "patch-grader"}
SLOW = {
    "sleeping": "import time\nprint('forgery carried out: sleeping', flush=True)\ntime.sleep(10**6)\n",
    "ignores-sigint": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "print('forgery carried out: ignores-sigint', flush=True)\nwhile True:\n    pass\n",
}
# The line each forging cell prints once its attack is carried out (CARRIED_OUT in
# tests/grading_helpers.py says why), or the sandbox's refusal where it is to refuse it. Not here:
# exit-after-forging (its proof is the exit code of a kernel that ends only after writing), loud
# (its 50 MB are cut from the graded copy: the grader's count of what it left out) and
# sql-function (in q3's exercise cell).
CARRIED_OUT_HERE = {
    **CARRIED_OUT,
    "patch-checks": f"forgery carried out: patch-checks, {len(ORM_NAMES)} checks",
    "patch-django": "forgery carried out: patch-django",
    "patch-grader": "forgery carried out: patch-grader, the judge's module (no classroom here)",
}


@pytest.fixture(scope="module")
def maker():
    return Maker(ORM)


def in_kernel(maker) -> set[str]:
    return {e.name for e in maker.original.exercises if e.in_kernel}


def forged(maker, folder, forgeries: dict) -> None:
    for kind, source in forgeries.items():
        choice = dict.fromkeys(maker.names, WRONG if kind in WITH_WRONG_ANSWERS else UNANSWERED)
        nb = maker.build(choice)
        if kind in IN_EXERCISE:
            exercise = next(e for e in maker.original.exercises if e.name == IN_EXERCISE[kind])
            cell = next(c for c in nb.cells if c.get("id") == exercise.exercise_id)
            cell["source"] += "\n" + source
            (folder / kind).mkdir(parents=True)
            (folder / kind / ORM.name).write_text(json.dumps(nb), encoding="utf-8")
            continue
        with_forgery(nb, "orm", source)
        (folder / kind).mkdir(parents=True)
        (folder / kind / ORM.name).write_text(json.dumps(nb), encoding="utf-8")


def graded(out) -> dict:
    return {s["student"]: s for s in json.loads((out / "grades.json").read_text())["students"]}


def graded_cell(out, kind: str, cell_id: str = "forgery") -> tuple[list[str], list[str]]:
    """What cell `cell_id` of `kind`'s graded copy printed, and its errors."""
    return cell_said(nbformat.read(out / "graded" / kind / ORM.name, as_version=4), cell_id)


def test_no_forgery_earns_an_exercise(tmp_path, maker):
    assert in_kernel(maker) == set()
    forged(maker, tmp_path / "class", FORGERIES)
    (tmp_path / "class" / "solved").mkdir()
    solved = maker.build(dict.fromkeys(maker.names, RIGHT))
    (tmp_path / "class" / "solved" / ORM.name).write_text(json.dumps(solved), encoding="utf-8")
    grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=2,
        cell_timeout=60,
        notebook_timeout=240,
        progress=lambda result: None,
    )
    students = graded(tmp_path / "grades")
    assert sorted(students) == sorted([*FORGERIES, "solved"])
    judged = maker.names
    earned = {
        kind: [name for name in judged if student["exercises"][name]["status"] == grade.PASSED]
        for kind, student in students.items()
    }
    assert earned == {**dict.fromkeys(FORGERIES, []), "solved": judged}
    assert not any(s["exercises"][name].get("judged_in_kernel") for s in students.values() for name in judged)
    blank = ("rebind", "write-files", "forked-child", "read-solution", "loud")
    assert {students["sql-function"]["exercises"][n]["status"] for n in judged if n != "q3"} == {
        grade.NOT_ANSWERED
    }
    for kind in blank:
        said = {students[kind]["exercises"][name]["status"] for name in judged}
        assert said == {grade.NOT_ANSWERED}, (kind, said)
    # q2's cell reads q1's new_posts: with q1's answer wrong (a str), q2's own cell stops there.
    reads_another = {later for laters in maker.dependents.values() for later in laters}
    for kind in WITH_WRONG_ANSWERS:
        for name in judged:
            outcome = students[kind]["exercises"][name]
            if name in reads_another and outcome["status"] == grade.ERROR:
                assert "the exercise cell" in outcome["message"], (kind, name, outcome)
                continue
            assert outcome["status"] in (grade.FAILED, grade.NOT_ANSWERED), (kind, name, outcome)
            assert outcome["message"], (kind, name)
    q3 = students["sql-function"]["exercises"]["q3"]
    assert q3["status"] == grade.ERROR and "permission denied for function only_carol" in q3["message"], q3
    q3 = students["patch-checks"]["exercises"]["q3"]
    assert q3["status"] == grade.FAILED and q3["message"].startswith("✗ q3: "), q3
    assert students["exit-after-forging"]["problems"] == [
        f"{ORM.name}: the notebook ended the kernel's own process "
        "(exit code 0: sys.exit, os._exit or a crash)"
    ]
    # Each forgery was carried out (or refused by the sandbox, where it is to be), as its graded
    # copy shows: none earned nothing by raising before its attack.
    expected = {kind: line for kind, line in CARRIED_OUT_HERE.items() if kind in FORGERIES}
    assert not_carried_out(tmp_path / "grades" / "graded", ORM.name, expected) == {}
    assert graded_cell(tmp_path / "grades", "exit-after-forging")[1] == []
    q3_cell = next(e.exercise_id for e in maker.original.exercises if e.name == IN_EXERCISE["sql-function"])
    lines, errors = graded_cell(tmp_path / "grades", "sql-function", q3_cell)
    assert "forgery carried out: sql-function" in lines and errors == [], (lines, errors)
    # Every "✓" of loud printed: the graded copy counts what it cut.
    lines, errors = graded_cell(tmp_path / "grades", "loud")
    printed = 50 * 80_000 * len("✓ q1: right\n")
    cut = [int(line[9:].split()[0].replace(",", "")) for line in lines if line.startswith("[grader: ")]
    assert errors == [] and cut and cut[0] >= printed - grade.OUTPUT_LIMIT, (lines[-3:], errors)


def test_sleeping_or_ignoring_sigint_earns_nothing_and_says_why(tmp_path, maker):
    forged(maker, tmp_path / "class", SLOW)
    grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=2,
        cell_timeout=5,
        cell_cpu=2,
        notebook_timeout=40,
        progress=lambda result: None,
    )
    students = graded(tmp_path / "grades")
    assert all(s["passed"] == 0 for s in students.values())
    # The sleep is interrupted at the cell's limit and the notebook goes on (its answers are blank).
    assert students["sleeping"]["problems"] == []
    assert {e["status"] for e in students["sleeping"]["exercises"].values()} == {grade.NOT_ANSWERED}
    assert students["ignores-sigint"]["problems"] == [f"{ORM.name}: the notebook's time limit (40 s) ran out"]
    # Both were carried out: asleep until interrupted; SIGINT ignored, then looping until killed.
    lines, errors = graded_cell(tmp_path / "grades", "sleeping")
    assert "forgery carried out: sleeping" in lines, lines
    assert [e.split(":")[0] for e in errors] == ["KeyboardInterrupt"], errors
    lines, errors = graded_cell(tmp_path / "grades", "ignores-sigint")
    assert "forgery carried out: ignores-sigint" in lines and errors == [], (lines, errors)
