"""06-rest-api and 04's q2 are judged outside the kernel: no forgery earns them; right answers do.

06's answers include HTTP responses. The hidden cell hands a response out as data (its status, its
body, the request's method, path and user: `workbook.checks.api.response_fields`), and the judge
judges those fields as an answer. 04's q2 (a CREATE UNIQUE INDEX) is tried by the judge on a
temporary copy of the file table. The submissions here are the notebook with every answer blank
(or wrong) plus one forging cell (the kinds of tests/test_grade_forgery.py, aimed at the
notebook's checks), and one submission with every answer right, graded in the same run. 04's q1
(a model class) leaves the kernel as its observer's report, which the judge holds to the tables
PostgreSQL has: patching the observer to report a table of the project's earns nothing. Each
forging cell's graded copy shows it was carried out (or refused by the sandbox).
"""

import json

import pytest
from grading_helpers import CARRIED_OUT, common_forgeries, not_carried_out, with_forgery

from classroom import grade
from classroom.fake_class import RIGHT, UNANSWERED, WRONG, Maker
from workbook.paths import NOTEBOOKS_DIR

# Aimed at the checks module's exercises (q1 to q5 in both notebooks) and its solved notebook.
NAMES = tuple(f"q{n}" for n in range(1, 6))

SPECIFIC = {
    "patch-checks": r"""
import workbook.checks._base as _b
import workbook.checks._runner as _r
import workbook.checks.api as _a
import workbook.checks.modeling as _m

for _module in (_a, _m):
    for _name in ("q1", "q2", "q3", "q4", "q5", "require_answer"):
        setattr(_module, _name, lambda *args, **kwargs: None)
_a.scenario_statuses = lambda: {"anything": 0}
_a.list_query_count = lambda size: 0
_a.restores_through_admin = lambda codenames: True
_a.response_fields = lambda response: {"status_code": 200, "data": {}, "method": "GET",
                                       "path": "/", "username": "carol"}
_m._q2_trials = lambda: {"same post, same position, both live": False,
                         "same post, same position, one deleted": True,
                         "two posts, same position": True, "same post, two positions": True}
_m._on_a_copy = lambda statement, table: ("SELECT 1", table)
_m._model_facts = lambda model, saved: {  # posts_like: two foreign keys, soft delete, a partial index
    "model": True, "name": "Bookmark", "soft_delete": True, "bases": ["SoftDeleteModel"],
    "keys": ["user", "post"], "table": "posts_like", "pk": "id", "saved": ["1", "2"],
    "saved_shown": "[...]", "names": [("str", "one"), ("str", "two")]}
_b.CheckFailed.__init__ = lambda self, *args, **kwargs: None
_r.run = lambda module, name, arguments: print(f"✓ {name}: right")
print("forgery carried out: patch-checks")
""",
    "patch-django": r"""
from django.http import HttpResponseBase
from rest_framework.response import Response

HttpResponseBase.status_code = 201
Response.data = {"results": [], "id": 1}
print("forgery carried out: patch-django")
""",
    "patch-grader": r"""
import workbook.authoring.judge as _j

_j.judge = lambda *args, **kwargs: {"status": "passed", "message": ""}
_j.rebuild = lambda packed: packed
_j.MARKER = "nothing"
try:
    import classroom.grade as _g
except ImportError:
    print("forgery carried out: patch-grader, the judge's module (no classroom here)")
else:
    _g._status = lambda status, message="": {"status": "passed", "message": ""}
    print("forgery carried out: patch-grader, the judge's module and the grader")
""",
}
KINDS = ("rebind", *SPECIFIC, "write-files", "forked-child", "read-solution")
# The line each forging cell prints once its attack is carried out, or the sandbox's refusal
# (CARRIED_OUT in tests/grading_helpers.py says why).
CARRIED_OUT_HERE = {
    **CARRIED_OUT,
    "patch-checks": "forgery carried out: patch-checks",
    "patch-django": "forgery carried out: patch-django",
    "patch-grader": "forgery carried out: patch-grader, the judge's module (no classroom here)",
}
WITH_WRONG_ANSWERS = {"patch-checks", "patch-django", "patch-grader"}


NOTEBOOKS = {"06": ("06-rest-api", "api"), "04": ("04-data-modeling", "modeling")}


def forgeries(module: str, stem: str) -> dict[str, str]:
    """Every kind, in the order of tests/test_grade_forgery.py, aimed at `module` and `stem`."""
    every = {**common_forgeries(module, NAMES, f"{stem}.ipynb"), **SPECIFIC}
    return {kind: every[kind] for kind in KINDS}


def write(folder, kind: str, nb, path) -> None:
    (folder / kind).mkdir(parents=True)
    (folder / kind / path.name).write_text(json.dumps(nb), encoding="utf-8")


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_no_forgery_earns_an_exercise_judged_outside_and_right_answers_do(tmp_path, number):
    stem, module = NOTEBOOKS[number]
    path = NOTEBOOKS_DIR / f"{stem}.ipynb"
    maker = Maker(path)
    assert not any(e.in_kernel for e in maker.original.exercises)
    judged = list(maker.names)
    folder = tmp_path / "class"
    kinds = forgeries(module, stem)
    for kind, source in kinds.items():
        nb = maker.build(dict.fromkeys(maker.names, WRONG if kind in WITH_WRONG_ANSWERS else UNANSWERED))
        with_forgery(nb, module, source)
        write(folder, kind, nb, path)
    write(folder, "right", maker.build(dict.fromkeys(maker.names, RIGHT)), path)
    if module == "api":  # q4's count kept from the first run: a number that does not follow the data
        nb = maker.build(dict.fromkeys(maker.names, RIGHT))
        cell = next(c for c in nb.cells if c.get("id") == maker.original.exercises[3].exercise_id)
        cell["source"] += "\n_kept = globals().get('_kept', list_queries)\nlist_queries = _kept\n"
        write(folder, "kept-count", nb, path)
    grade.grade(
        [folder],
        out=tmp_path / "grades",
        notebooks=[number],
        jobs=2,
        cell_timeout=60,
        notebook_timeout=300,
        progress=lambda result: None,
    )
    report = json.loads((tmp_path / "grades" / "grades.json").read_text())
    students = {s["student"]: s for s in report["students"]}
    assert sorted(students) == sorted([*kinds, "right", *(["kept-count"] if module == "api" else [])])
    if module == "api":  # the judge's ✓ for the right number, taken away by the kernel's rerun
        kept = {n: o["status"] for n, o in students["kept-count"]["exercises"].items()}
        assert kept == {**dict.fromkeys(maker.names, grade.PASSED), "q4": grade.FAILED}, kept
        assert "does not give the new answer" in students["kept-count"]["exercises"]["q4"]["message"]
    assert {n: o["status"] for n, o in students["right"]["exercises"].items()} == dict.fromkeys(
        maker.names, grade.PASSED
    ), students["right"]
    earned = {
        kind: [name for name in judged if students[kind]["exercises"][name]["status"] == grade.PASSED]
        for kind in kinds
    }
    assert earned == dict.fromkeys(kinds, [])
    assert not any(s["exercises"][name].get("judged_in_kernel") for s in students.values() for name in judged)
    for kind in ("rebind", "write-files", "forked-child", "read-solution"):
        said = {students[kind]["exercises"][name]["status"] for name in judged}
        assert said == {grade.NOT_ANSWERED}, (kind, students[kind]["exercises"])
    for kind in WITH_WRONG_ANSWERS:
        for name in judged:
            outcome = students[kind]["exercises"][name]
            assert outcome["status"] == grade.FAILED, (kind, name, outcome)
            assert outcome["message"].startswith(f"✗ {name}: "), (kind, name, outcome)
    # Each forgery was carried out (or refused by the sandbox, where it is to be), as its graded
    # copy shows: none earned nothing by raising before its attack.
    assert not_carried_out(tmp_path / "grades" / "graded", path.name, CARRIED_OUT_HERE) == {}
