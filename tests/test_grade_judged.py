"""Where each exercise is judged is said by its check, in one place, and the grader reads it there.

An exercise is judged by the judge (workbook/authoring/judge.py, a process that never runs the
submission's code) unless its check declares `@judged_in_kernel(why)`: then the kernel's own check
gives the verdict, which a determined forger can fake. So a new check whose answer cannot leave
the kernel as data (code the notebook defines) fails here until it says so and why, and a check
that says nothing is never judged in the kernel.
"""

import importlib
import pkgutil
import re

import pytest

import workbook.checks
from classroom import grade
from workbook.checks._base import judged_in_kernel, kernel_reason


@pytest.fixture(scope="module")
def originals():
    return grade.load_originals()


def exercise_cell_source(original, exercise) -> str:
    return next(c.source for c in original.nb.cells if c.get("id") == exercise.exercise_id)


def test_every_exercise_is_judged_outside_the_kernel_or_its_check_says_why_not(originals):
    assert {o.key[:2] for o in originals} >= {"00", "01", "02", "03", "04", "05", "06", "07"}
    for original in originals:
        for exercise in original.exercises:
            check = getattr(importlib.import_module(f"workbook.checks.{exercise.module}"), exercise.name)
            declared = kernel_reason(check)
            where = f"{original.key} {exercise.module}.{exercise.name}"
            assert exercise.in_kernel == bool(declared), where
            assert exercise.why_in_kernel == declared, where
            if grade.answers_with_code(exercise.check_source, exercise_cell_source(original, exercise)):
                on_returns = getattr(check, "judged_on_returns", False)
                assert declared or on_returns, (
                    f"{where}: its answer is code the notebook defines; declare why"
                )
                assert not (declared and on_returns), (
                    f"{where}: judged in the kernel or on its returns, not both"
                )


def test_a_function_judged_on_its_returns_is_a_function_of_plain_data(originals):
    """`@judged_on_returns` is for a function the exercise cell defines and hands to the check, whose
    check calls it with plain data and judges what comes back (01's two and 02-cicd's run_order), or
    what its observer reports the function did (03-2's transfer, the balances it leaves); or for a
    model class, whose observer reports what the class is and which rows were saved (04's q1)."""
    import ast

    on_returns = {}
    for original in originals:
        for exercise in original.exercises:
            check = getattr(importlib.import_module(f"workbook.checks.{exercise.module}"), exercise.name)
            if getattr(check, "judged_on_returns", False):
                tree = ast.parse(exercise_cell_source(original, exercise))
                defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
                assert exercise.arguments.split(",")[0] in defined, (original.key, exercise.name)
                on_returns[(original.key, exercise.name)] = exercise.arguments
    assert on_returns == {
        ("01-docker-2-project", "q1"): "parse_image_name",
        ("01-docker-2-project", "q3"): "waits_for",
        ("02-cicd", "q2"): "run_order",
        ("03-postgresql-2-engine", "transfer"): "transfer",
        ("04-data-modeling", "q1"): "Bookmark, saved",
    }
    in_kernel = {(o.key, e.name) for o in originals for e in o.exercises if e.in_kernel}
    assert in_kernel == set()


def test_a_declaration_says_something(originals):
    with pytest.raises(ValueError):
        judged_in_kernel(" ")
    for info in pkgutil.iter_modules(workbook.checks.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"workbook.checks.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "judged_in_kernel"):
                assert len(value.judged_in_kernel.split()) >= 8, (info.name, name)


def test_the_grader_reads_the_declaration_on_the_check(monkeypatch, originals):
    """The check's own attribute decides: taken away, the exercise goes to the judge; given, it
    comes back to the kernel with that reason."""
    orm = importlib.import_module("workbook.checks.orm")
    path = next(o.path for o in originals if o.key == "05-orm-exercises")

    def declared():
        return {e.name: e.why_in_kernel for e in grade.load_original(path).exercises if e.in_kernel}

    assert declared() == {}  # 05's q2, a proxy model's QuerySet, is judged outside too
    reason = "a reason given for this test only, in eight words"
    monkeypatch.setattr(orm.q3, "judged_in_kernel", reason, raising=False)
    assert declared() == {"q3": reason}
    monkeypatch.delattr(orm.q3, "judged_in_kernel")
    assert declared() == {}


def test_a_check_that_needs_the_kernel_for_part_of_its_judgement_says_so(originals):
    """06's q4 is judged by the judge, and the kernel's ✗ (its rerun of the exercise cell) may take
    the ✓ away: declared on the check (`@kernel_also_judges`), read by the grader."""
    from workbook.checks._base import kernel_also_judges

    with pytest.raises(ValueError):
        kernel_also_judges("")
    marked = {(o.key, e.name): e.kernel_may_fail for o in originals for e in o.exercises if e.kernel_may_fail}
    assert set(marked) == {("06-rest-api", "q4")} and "exercise cell" in marked[("06-rest-api", "q4")]
    assert not any(e.in_kernel for o in originals for e in o.exercises if e.kernel_may_fail)


def test_answers_with_code_tells_code_from_values():
    check = "check.q1(parse_image_name)\n"
    assert grade.answers_with_code(check, "def parse_image_name(name):\n    return name\n")
    assert grade.answers_with_code("check.q2(answer, new_posts)", "class ReadablePost(Post):\n    pass\n")
    # A proxy model's rows leave the kernel as a QuerySet (the project's query, the names its
    # __str__ gave): data. The class itself handed to the check, or a model that is no proxy, is code.
    proxy = "class ReadablePost(Post):\n    class Meta:\n        proxy = True\n{more}"
    answer = "answer = ReadablePost.objects.all()\n"
    assert not grade.answers_with_code("check.q2(answer, new_posts)", proxy.format(more="") + answer)
    assert grade.answers_with_code("check.q2(ReadablePost)", proxy.format(more=""))
    assert grade.answers_with_code("check.q2(answer)", proxy.format(more="class Other(Post):\n    pass\n"))
    not_a_proxy = proxy.replace("True", "False").format(more="")
    assert grade.answers_with_code("check.q2(answer)", not_a_proxy + answer)
    assert not grade.answers_with_code(check, "parse_image_name = 'nginx'\n")
    # A helper function the cell uses, not handed to the check, leaves the answer a value.
    assert not grade.answers_with_code("check.q3(rows)", "def helper():\n    return 3\nrows = helper()\n")


def test_the_solved_notebooks_hand_every_check_its_arguments_plainly(originals):
    """A check call with keywords or no arguments cannot be taken out of the kernel: none is written so."""
    for original in originals:
        for exercise in original.exercises:
            assert exercise.arguments and not re.search(r"\w=", exercise.arguments), (
                original.key,
                exercise.name,
            )
