"""Help beside every exercise: hints in two or three steps, one "why it works" line after a ✓, and
the skeleton 02's workflow exercise starts from (workbook/checks/hints/)."""

import ast
import importlib

import pytest

from workbook.authoring import conventions, student
from workbook.checks import _runner, hints
from workbook.records import exercises

EXERCISES = [(stem, module, name) for stem, module, names in exercises() for name in names]


@pytest.mark.parametrize(("stem", "module", "name"), EXERCISES, ids=[f"{s}-{n}" for s, _, n in EXERCISES])
def test_every_exercise_has_hints_in_steps_and_a_why_line(stem, module, name):
    steps = hints.steps(module, name)
    assert 2 <= len(steps) <= 3, f"{stem} {name}: {len(steps)} hint steps"
    assert len(set(steps)) == len(steps) and all(s.strip() for s in steps), steps
    why = hints.why(module, name)
    assert why.strip() and "\n" not in why and len(why) <= 240, f"{stem} {name}: {why!r}"


def test_no_help_for_an_exercise_that_is_not_there():
    """A misspelt key would be help no learner ever sees."""
    known: dict[str, set[str]] = {}
    for _, module, name in EXERCISES:
        known.setdefault(module, set()).add(name)
    for module, names in known.items():
        found = importlib.import_module(f"workbook.checks.hints.{module}")
        for kind in ("HINTS", "WHY", "SKELETONS"):
            extra = set(getattr(found, kind, {})) - names
            assert not extra, f"hints/{module}.py {kind} has {sorted(extra)}, which no notebook checks"


def test_each_call_of_hint_goes_one_step_further(capsys):
    hints._shown.pop(("cicd", "needs_and_matrix"), None)
    steps = hints.steps("cicd", "needs_and_matrix")
    said = []
    for _ in range(len(steps) + 1):
        hints.hint("cicd", "needs_and_matrix")
        said.append(capsys.readouterr().out)
    for shown, text in enumerate(said[: len(steps)], start=1):
        assert text.count("hint ") == shown, text
    assert "again for a more specific one" in said[0]
    assert "the last hint" in said[-1] and said[-1] == said[-2], "past the last step it stays there"


def test_hint_for_an_unknown_exercise_says_where_to_look(capsys):
    hints.hint("cicd", "q42")
    assert capsys.readouterr().out.startswith("No hints for 'q42'")


def test_the_workflow_skeleton_is_what_02s_student_copy_starts_from(capsys):
    skeleton = hints.skeleton("cicd", "q1")
    namespace: dict = {}
    exec(compile(skeleton, "skeleton", "exec"), namespace)  # noqa: S102 (the project's own text)
    draft = namespace["workflow_yaml"]
    assert isinstance(draft, str) and draft.count("TODO") >= 5
    assigned = [t.id for s in ast.parse(skeleton).body if isinstance(s, ast.Assign) for t in s.targets]
    assert assigned == ["workflow_yaml"], "the skeleton sets the answer only"

    nb = student.student_copy(conventions.read(conventions.NOTEBOOKS_DIR / "02-cicd.ipynb"))
    [cell] = [c for c in nb.cells if c.cell_type == "code" and "workflow_yaml = " in c.source]
    assert skeleton.strip() in cell.source and conventions.BEGIN_SOLUTION not in cell.source

    # Run unchanged, the check says "no answer yet", as for an empty stub.
    from workbook.checks import cicd

    _runner.run(cicd, "q1", lambda: ((draft,), {}))
    out = capsys.readouterr().out
    assert out.startswith("✗ q1: no answer yet") and out.count("\n") == 1, out


def test_the_korean_copy_starts_from_the_korean_skeleton_and_it_counts_as_no_answer(capsys, monkeypatch):
    """The Korean copy's skeleton has Korean TODOs, the same YAML, and is still "no answer yet"."""
    korean = hints.skeleton("cicd", "q1", "ko")
    english = hints.skeleton("cicd", "q1")
    strip = lambda text: [line.split("#")[0].rstrip() for line in text.splitlines()]  # noqa: E731
    assert korean != english and strip(korean) == strip(english)
    assert "TODO: 프로젝트 설치" in korean

    nb = student.student_copy(conventions.read(conventions.NOTEBOOKS_DIR / "ko" / "02-cicd.ipynb"))
    [cell] = [c for c in nb.cells if c.cell_type == "code" and "workflow_yaml = " in c.source]
    assert korean.strip() in cell.source and "여러분이 풀 차례입니다" in cell.source
    assert "is yours" not in cell.source

    namespace: dict = {}
    exec(compile(korean, "skeleton", "exec"), namespace)  # noqa: S102 (the project's own text)
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    from workbook.checks import cicd

    _runner.run(cicd, "q1", lambda: ((namespace["workflow_yaml"],), {}))
    out = capsys.readouterr().out
    assert out.startswith("✗ q1: 아직 답이 없습니다") and out.count("\n") == 1, out
