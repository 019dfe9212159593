"""The grader's command line: `python3 run.py grade`, `python -m classroom grade`, and the old
`python -m workbook grade` that hands over to it.

Nothing to grade (a folder that does not exist, or holds no notebook) is one clear sentence and
exit status 2, before any server starts and without touching the reports of an earlier run; the
summary counts "1 submission", "2 submissions". And `workbook/` and `project/` never import the
classroom (DESIGN.md §3: the classroom builds on the workbook, never the other way).
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.paths import REPO_ROOT

PYTHON = sys.executable


def run(*argv, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBOOK_VENV": str(Path(PYTHON).parent.parent)}
    env.pop("WORKBOOK_PROG", None)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


COMMANDS = {
    "run.py": [PYTHON, str(REPO_ROOT / "run.py"), "grade"],
    "python -m classroom": [PYTHON, "-m", "classroom", "grade"],
    "python -m workbook": [PYTHON, "-m", "workbook", "grade"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_that_does_not_exist_is_one_sentence_and_status_2(tmp_path, command):
    out = tmp_path / "grades"
    out.mkdir()
    (out / "grades.csv").write_text("an earlier run's grades\n")
    missing = tmp_path / "submisions"
    result = run(*COMMANDS[command], str(missing), "--notebook", "05", "--out", str(out))
    assert result.returncode == 2, result
    assert result.stderr.strip() == f"Nothing graded: {missing} does not exist.", result.stderr
    assert "graded in" not in result.stdout
    assert (out / "grades.csv").read_text() == "an earlier run's grades\n"  # nothing lost


@pytest.mark.parametrize("command", ["run.py", "python -m workbook"])
def test_an_empty_folder_is_one_sentence_and_status_2(tmp_path, command):
    empty = tmp_path / "submissions"
    (empty / "kim").mkdir(parents=True)
    (empty / "kim" / "notes.txt").write_text("not a notebook")
    (empty / ".hidden").mkdir()
    (empty / ".hidden" / "05-orm-exercises.ipynb").write_text("{}")  # hidden folders are skipped
    result = run(*COMMANDS[command], str(empty), "--out", str(tmp_path / "grades"))
    assert result.returncode == 2, result
    assert result.stderr.strip() == f"Nothing graded: no notebook (.ipynb) in {empty}.", result.stderr
    assert not (tmp_path / "grades").exists()


def test_a_missing_folder_among_others_is_named(tmp_path):
    there = tmp_path / "monday"
    there.mkdir()
    (there / "05-orm-exercises.ipynb").write_text("{}")
    result = run(*COMMANDS["python -m classroom"], str(there), str(tmp_path / "tuesday"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"Nothing graded: {tmp_path / 'tuesday'} does not exist."


def test_the_summary_counts_one_submission_and_several_submissions(tmp_path):
    from classroom.__main__ import summary

    assert summary(1, 3.2, tmp_path).startswith("1 submission graded in 3 s: ")
    assert summary(2, 61, tmp_path).startswith("2 submissions graded in 61 s: ")
    assert summary(100, 101.5, tmp_path).startswith("100 submissions graded in 102 s: ")
    assert str(tmp_path / "grades.csv") in summary(1, 1, tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_help_is_the_graders_under_every_name(command):
    result = run(*COMMANDS[command], "--help")
    assert result.returncode == 0, result.stderr
    assert "--notebook" in result.stdout and "--no-sandbox" in result.stdout


def _imports_of_classroom(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [
            f"{path.name}:{node.lineno}: {name}"
            for name in names
            if name == "classroom" or name.startswith("classroom.")
        ]
    return found


def test_the_checker_finds_every_way_of_importing_the_classroom(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import classroom\nfrom classroom.grade import grade\nimport classroom.sandbox as s\n"
        "import importlib\nimportlib.import_module('classroom.grade')\n__import__('classroom')\n"
        "def later():\n    from classroom import sandbox\n"
        "import classroomish\nfrom . import classroom\nx = 'python -m classroom'\n"
    )
    assert [line.split(": ", 1)[1] for line in _imports_of_classroom(sample)] == [
        "classroom",
        "classroom.grade",
        "classroom.sandbox",
        "classroom.grade",
        "classroom",
        "classroom",
    ]


def test_no_module_of_the_workbook_or_the_site_imports_the_classroom():
    found = []
    for folder in ("workbook", "project"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            found += [f"{path.relative_to(REPO_ROOT).parent}/{line}" for line in _imports_of_classroom(path)]
    assert found == []
