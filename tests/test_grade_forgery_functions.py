"""Functions judged on what they return or do earn nothing forged (01-docker-2, 02-cicd, 03-2).

01-docker-2's `parse_image_name` (q1) and `waits_for` (q3) and 02-cicd's `run_order` (q2) leave the
kernel as the calls their checks made to them there, 03-2's `transfer` as what the check's
observer saw each transfer leave in the database (`@judged_on_returns`, workbook/authoring/
judge.py). Graded in the sandbox as any other notebook: the solved copies earn every exercise
judged outside the kernel (the sandbox shows the site's Dockerfile, compose, workflow and deploy
files, which 01 and 02 read), while a blank copy that rebinds the grader's names, and a copy with
functions that do nothing that patches the checks and their helpers to say yes, earn none of them.
Judged in the kernel, as they were before, the rebinding copy of 01-docker-2 got q1 and q3.
"""

import json

import pytest
from grading_helpers import CARRIED_OUT, common_forgeries, not_carried_out, with_forgery

from classroom import grade
from classroom.fake_class import RIGHT, UNANSWERED, WRONG, Maker
from workbook.paths import NOTEBOOKS_DIR

NOTEBOOKS = {
    "01-docker-2-project": ("docker", ("q1", "q3")),
    "02-cicd": ("cicd", ("q2",)),
    "03-postgresql-2-engine": ("postgresql", ("transfer",)),
}

# Every check of the module made to print ✓ and call nothing (the grader puts the checks back before
# each check cell), the helpers the checks call made to say yes, the kernel's runner made to record
# a pass: the exercise cells hold functions that return None.
PATCH_CHECKS = r"""
import workbook.checks._base as _b
import workbook.checks._runner as _r
import workbook.checks.{module} as _m

_checks = [n for n in dir(_m) if callable(getattr(_m, n)) and hasattr(getattr(_m, n), "judged_on_returns")]
for _name in _checks:
    setattr(_m, _name, lambda *args, _name=_name, **kwargs: print(f"✓ {{_name}}: right"))
_b.call_answer = lambda exercise, function, *args, **kwargs: None
_b.expect_function = lambda *args, **kwargs: None
_b.CheckFailed.__init__ = lambda self, *args, **kwargs: None
_r.run = lambda module, name, arguments: print(f"✓ {{name}}: right")
print("forgery carried out: patch-checks,", len(_checks), "checks")
"""


@pytest.fixture(scope="module")
def makers():
    return {key: Maker(NOTEBOOKS_DIR / f"{key}.ipynb") for key in NOTEBOOKS}


def test_a_forged_function_answer_earns_nothing_and_a_solved_one_everything(tmp_path, makers):
    for key, (module, on_returns) in NOTEBOOKS.items():
        maker = makers[key]
        assert set(on_returns) <= set(maker.names)
        assert not {e.name for e in maker.original.exercises if e.in_kernel} & set(on_returns)
        path = f"{key}.ipynb"
        copies = {
            "solved": maker.build(dict.fromkeys(maker.names, RIGHT)),
            "rebind": with_forgery(
                maker.build(dict.fromkeys(maker.names, UNANSWERED)),
                module,
                common_forgeries(module, maker.names, path)["rebind"],
            ),
            "patch-checks": with_forgery(
                maker.build({n: WRONG if n in maker.unique else UNANSWERED for n in maker.names}),
                module,
                PATCH_CHECKS.format(module=module),
            ),
        }
        for exercise in maker.original.exercises:  # a function that answers nothing, not a stub
            if exercise.name in on_returns:
                cell = next(c for c in copies["patch-checks"]["cells"] if c.get("id") == exercise.exercise_id)
                cell["source"] = f"def {exercise.arguments}(*args):\n    return None\n"
        for student, nb in copies.items():
            (tmp_path / "class" / key / student).mkdir(parents=True)
            (tmp_path / "class" / key / student / path).write_text(json.dumps(nb), encoding="utf-8")
    for key in NOTEBOOKS:
        grade.grade(
            [tmp_path / "class" / key],
            out=tmp_path / "grades" / key,
            notebooks=[key],
            jobs=2,
            cell_timeout=60,
            notebook_timeout=240,
            progress=lambda result: None,
        )
    for key, (_module, on_returns) in NOTEBOOKS.items():
        maker = makers[key]
        out = tmp_path / "grades" / key
        students = {s["student"]: s for s in json.loads((out / "grades.json").read_text())["students"]}
        assert sorted(students) == ["patch-checks", "rebind", "solved"], key
        solved = students["solved"]["exercises"]
        outside = [e.name for e in maker.original.exercises if not e.in_kernel]
        assert {n: solved[n]["status"] for n in outside} == dict.fromkeys(outside, grade.PASSED), key
        for name in on_returns:
            assert "judged_in_kernel" not in solved[name], (key, name)
            rebind = students["rebind"]["exercises"][name]
            assert rebind["status"] == grade.NOT_ANSWERED, (key, name, rebind)
            patched = students["patch-checks"]["exercises"][name]
            # the grader puts the checks back before each check cell: the kernel's run of the
            # check called the function, and the judge's ✗ is the check's own
            assert patched["status"] == grade.FAILED, (key, name, patched)
            assert patched["message"].startswith(f"✗ {name}: "), (key, name, patched)
        assert {students["rebind"]["exercises"][n]["status"] for n in outside} == {grade.NOT_ANSWERED}, key
        carried_out = {
            "rebind": CARRIED_OUT["rebind"],
            "patch-checks": f"forgery carried out: patch-checks, {len(on_returns)} checks",
        }
        assert not_carried_out(out / "graded", f"{key}.ipynb", carried_out) == {}, key


def test_a_function_that_never_returns_is_stopped_by_the_cpu_limit_in_both_cells(tmp_path, makers):
    """The extraction cell runs the learner's function too: it is held to a cell's CPU limit as the
    check cell is, so a never-ending function costs two CPU limits, not the wall-clock limit of a
    cell (here longer than the whole notebook's: without the CPU limit the notebook runs out)."""
    maker = makers["01-docker-2-project"]
    nb = maker.build(dict.fromkeys(maker.names, RIGHT))
    q1 = next(e for e in maker.original.exercises if e.name == "q1")
    cell = next(c for c in nb["cells"] if c.get("id") == q1.exercise_id)
    cell["source"] = "def parse_image_name(name):\n    while True:\n        pass\n"
    (tmp_path / "class" / "loops").mkdir(parents=True)
    (tmp_path / "class" / "loops" / "01-docker-2-project.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    grade.grade(
        [tmp_path / "class"],
        out=tmp_path / "grades",
        notebooks=["01-docker-2-project"],
        jobs=1,
        cell_cpu=2,
        cell_timeout=200,
        notebook_timeout=100,
        progress=lambda result: None,
    )
    [student] = json.loads((tmp_path / "grades" / "grades.json").read_text())["students"]
    assert student["problems"] == [], student["problems"]
    assert student["exercises"]["q1"]["status"] == grade.FAILED, student["exercises"]["q1"]
    assert "KeyboardInterrupt" in student["exercises"]["q1"]["message"], student["exercises"]["q1"]
    others = {n: o["status"] for n, o in student["exercises"].items() if n != "q1"}
    assert others == dict.fromkeys(others, grade.PASSED), others
