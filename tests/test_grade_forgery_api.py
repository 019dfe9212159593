"""06-rest-api is judged outside the kernel: no forgery earns one of its exercises; right answers do.

06's answers include HTTP responses. The hidden cell hands a response out as data (its status, its
body, the request's method, path and user: `workbook.checks.api.response_fields`), and the judge
judges those fields as an answer. The submissions here are 06 with every answer blank (or wrong)
plus one forging cell (the kinds of tests/test_grade_forgery.py, aimed at 06's checks), and one
submission with every answer right, graded in the same run.
"""

import json

import pytest

from classroom import grade
from classroom.fake_class import RIGHT, UNANSWERED, WRONG, Maker
from workbook.paths import NOTEBOOKS_DIR

API = NOTEBOOKS_DIR / "06-rest-api.ipynb"
# "passed" for every exercise of 06, written into every file the kernel can reach.
RECORDS = r"""
import glob, json, os

def _forged_lines(names=tuple(f"q{n}" for n in range(1, 6))):
    for place in [os.getcwd(), "/tmp", os.path.expanduser("~")]:
        for path in glob.glob(os.path.join(place, "*")) + glob.glob(os.path.join(place, ".*")) + [
            os.path.join(place, ".grader-results.jsonl")
        ]:
            if os.path.isdir(path):
                continue
            try:
                with open(path, "a") as f:
                    for name in names:
                        f.write(json.dumps({"module": "api", "exercise": name, "status": "passed",
                                            "message": ""}) + "\n")
            except OSError:
                pass
"""

FORGERIES = {
    "rebind": RECORDS
    + r"""
class _Passes:
    def __getattr__(self, name):
        def passed(*args, **kwargs):
            _forged_lines((name,))
            print(f"✓ {name}: right")
        return passed

def _arm(*args, **kwargs):
    return _Passes()

def _runner(module, name, arguments):
    _forged_lines((name,))
    print(f"✓ {name}: right")

for _key in list(globals()):
    if _key.startswith("_workbook") or _key.startswith("__workbook"):
        globals()[_key] = _arm if "arm" in _key else _runner
_workbook_grader_arm = _arm
__workbook_check__ = _runner
check = _Passes()
""",
    "patch-checks": r"""
import workbook.checks._base as _b
import workbook.checks._runner as _r
import workbook.checks.api as _a

for _name in ("q1", "q2", "q3", "q4", "q5", "require_answer"):
    setattr(_a, _name, lambda *args, **kwargs: None)
_a.scenario_statuses = lambda: {"anything": 0}
_a.list_query_count = lambda size: 0
_a.restores_through_admin = lambda codenames: True
_a.response_fields = lambda response: {"status_code": 200, "data": {}, "method": "GET",
                                       "path": "/", "username": "carol"}
_b.CheckFailed.__init__ = lambda self, *args, **kwargs: None
_r.run = lambda module, name, arguments: print(f"✓ {name}: right")
""",
    "patch-django": r"""
from django.http import HttpResponseBase
from rest_framework.response import Response

HttpResponseBase.status_code = 201
Response.data = {"results": [], "id": 1}
""",
    "patch-grader": r"""
import workbook.authoring.judge as _j

_j.judge = lambda *args, **kwargs: {"status": "passed", "message": ""}
_j.rebuild = lambda packed: packed
_j.MARKER = "nothing"
try:
    import classroom.grade as _g
except ImportError:
    _g = None
else:
    _g._status = lambda status, message="": {"status": "passed", "message": ""}
""",
    "write-files": RECORDS + "\n_forged_lines()\n",
    "forked-child": RECORDS
    + r"""
import os, time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            _forged_lines()
            time.sleep(0.1)
    os._exit(0)
time.sleep(0.3)
""",
    "read-solution": r"""
import json
from pathlib import Path

import workbook

_solved = Path(workbook.__file__).resolve().parent.parent / "notebooks" / "06-rest-api.ipynb"
try:
    for _cell in json.loads(_solved.read_text())["cells"]:
        _source = "".join(_cell["source"])
        if "### BEGIN SOLUTION" in _source:
            exec(_source)
except OSError as _exc:
    print("no solved notebook here:", type(_exc).__name__)
""",
}
WITH_WRONG_ANSWERS = {"patch-checks", "patch-django", "patch-grader"}


@pytest.fixture(scope="module")
def maker():
    return Maker(API)


def write(folder, kind: str, nb) -> None:
    (folder / kind).mkdir(parents=True)
    (folder / kind / API.name).write_text(json.dumps(nb), encoding="utf-8")


def test_no_forgery_earns_an_exercise_of_06_and_right_answers_do(tmp_path, maker):
    assert maker.names == ["q1", "q2", "q3", "q4", "q5"]
    assert not [e.name for e in maker.original.exercises if e.in_kernel]
    folder = tmp_path / "class"
    for kind, source in FORGERIES.items():
        nb = maker.build(dict.fromkeys(maker.names, WRONG if kind in WITH_WRONG_ANSWERS else UNANSWERED))
        at = next(
            i
            for i, c in enumerate(nb.cells)
            if "from workbook.checks import api as check" in c.get("source", "")
        )
        nb.cells.insert(
            at + 1,
            {
                "cell_type": "code",
                "id": "forgery",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": source,
            },
        )
        write(folder, kind, nb)
    write(folder, "right", maker.build(dict.fromkeys(maker.names, RIGHT)))
    grade.grade(
        [folder],
        out=tmp_path / "grades",
        notebooks=["06"],
        jobs=2,
        cell_timeout=60,
        notebook_timeout=300,
        progress=lambda result: None,
    )
    students = {
        s["student"]: s for s in json.loads((tmp_path / "grades" / "grades.json").read_text())["students"]
    }
    assert sorted(students) == sorted([*FORGERIES, "right"])
    assert {n: o["status"] for n, o in students["right"]["exercises"].items()} == dict.fromkeys(
        maker.names, grade.PASSED
    ), students["right"]
    earned = {
        kind: [
            name for name, outcome in students[kind]["exercises"].items() if outcome["status"] == grade.PASSED
        ]
        for kind in FORGERIES
    }
    assert earned == dict.fromkeys(FORGERIES, [])
    assert not any(o.get("judged_in_kernel") for s in students.values() for o in s["exercises"].values())
    for kind in ("rebind", "write-files", "forked-child", "read-solution"):
        said = {o["status"] for o in students[kind]["exercises"].values()}
        assert said == {grade.NOT_ANSWERED}, (kind, students[kind]["exercises"])
    for kind in WITH_WRONG_ANSWERS:
        for name, outcome in students[kind]["exercises"].items():
            assert outcome["status"] == grade.FAILED, (kind, name, outcome)
            assert outcome["message"].startswith(f"✗ {name}: "), (kind, name, outcome)
