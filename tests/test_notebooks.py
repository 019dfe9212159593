"""The notebooks follow the workbook's conventions, and the tooling that copies and regenerates them works."""

import difflib
import os
import re
import shutil
import subprocess
import sys
from configparser import ConfigParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbook import database
from workbook.authoring import conventions, scratch, student
from workbook.authoring import regenerate as regen
from workbook.checks.hints import skeleton
from workbook.paths import NOTEBOOKS_DIR

PATHS = conventions.notebook_paths()
IDS = [p.stem for p in PATHS]


def test_the_course_notebooks_are_there():
    stems = [p.stem for p in PATHS]
    for stem in ("00-start-here", "04-data-modeling", "05-orm-exercises"):
        assert stem in stems


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_follows_the_conventions(path):
    """Bootstrap first, what you will learn, summary then exercises, every exercise checked."""
    assert conventions.problems(conventions.read(path)) == []


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_is_committed_with_the_outputs_of_one_clean_run(path):
    """Execution counts 1, 2, 3 ... top to bottom: outputs from one run, as regenerate writes them."""
    nb = conventions.read(path)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run `python -m workbook regenerate`"
    assert nb.cells[[c.cell_type for c in nb.cells].index("code")].outputs, "the bootstrap printed nothing"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_check_passes_in_the_committed_notebook(path):
    """In a notebook a failing check prints ✗ and goes on, so a ✗ saved by regenerate is caught here."""
    nb = conventions.read(path)
    for index in sorted(conventions.check_cells(nb)):
        text = "".join(o.get("text", "") for o in nb.cells[index].outputs if o.output_type == "stream")
        assert text.startswith("✓"), f"{path.name} cell {index} ({nb.cells[index].source}):\n{text}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_has_no_volatile_metadata(path):
    nb = conventions.read(path)
    assert "version" not in nb.metadata.get("language_info", {})
    for cell in nb.cells:
        assert "execution" not in cell.metadata, f"{path.name}: timing metadata in cell {cell.get('id')}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_student_copy_has_no_solution_and_no_exercise_output(path):
    nb = conventions.read(path)
    copy = student.student_copy(nb)
    check_cells = conventions.check_cells(nb)
    assert len(copy.cells) == len(nb.cells)
    for index, (cell, original) in enumerate(zip(copy.cells, nb.cells, strict=True)):
        if conventions.is_exercise(original):
            assert conventions.BEGIN_SOLUTION not in cell.source
            assert conventions.END_SOLUTION not in cell.source
            solution = conventions._solution_text(original.source).splitlines()
            outside = [line for line in original.source.splitlines() if line not in solution]
            # A skeleton (hints SKELETONS) gives the shape on purpose: its lines are not a leak.
            name = conventions.exercise_name(nb, index)
            outside += skeleton(conventions.check_module(nb), name).splitlines()
            # A dict answer's stub keeps its keys (they are the question): its first line is given.
            outside += [f"{n} = {{" for n in conventions.dict_keys("\n".join(solution))]
            for line in solution:
                if len(line.strip()) > 8 and line not in outside:
                    assert line not in cell.source.splitlines(), f"solution line left in cell {index}: {line}"
            assert f"Exercise {conventions.exercise_name(nb, index)} is yours" in cell.source
            assert cell.outputs == [] and cell.execution_count is None
        elif index in check_cells:
            assert cell.source == original.source
            assert cell.outputs == [] and cell.execution_count is None
        elif cell.cell_type == "code" and not cell.outputs and original.outputs:
            # Where the authors' run shows its machine (the first cell's status line): blank.
            assert cell.source == original.source and cell.execution_count is None
            assert conventions.is_bootstrap(original) or "database" in str(original.outputs), index
        else:
            assert cell == original, f"cell {index} changed in the student copy"
    # The original is left alone.
    assert conventions.read(path) == nb


KO_PATHS = conventions.notebook_paths(directory=NOTEBOOKS_DIR / "ko")


@pytest.mark.parametrize("path", KO_PATHS, ids=[p.stem for p in KO_PATHS])
def test_a_korean_copy_s_stubs_speak_korean_and_are_recognised(path):
    """Every stub in a Korean copy is in Korean (no English on the learner's path), and a function
    left as its stub is still "not answered" for answered(), the runner and the grader."""
    from workbook.answers import is_stub

    nb = conventions.read(path)
    copy = student.student_copy(nb)
    stubs = 0
    for index, cell in enumerate(copy.cells):
        if not conventions.is_exercise(nb.cells[index]):
            continue
        name = conventions.exercise_name(nb, index)
        assert "is yours" not in cell.source and "runs once your answer is in" not in cell.source
        assert f"연습 문제 {name}" in cell.source and "여러분이 풀 차례입니다" in cell.source
        stubs += 1
        if "raise NotImplementedError(" in cell.source:
            namespace: dict = {}
            body = [line for line in cell.source.splitlines() if "raise NotImplementedError(" in line]
            exec(f"def stub():\n{body[0]}", namespace)  # noqa: S102 (the project's own text)
            assert is_stub(namespace["stub"])
    assert stubs == len([c for c in nb.cells if conventions.is_exercise(c)])


# ---------------------------------------------------------------- the stub, on small cells


def test_stub_sets_only_the_checked_answers_to_none_and_goes_on():
    source = "\n".join(
        [
            "before = 1",
            "### BEGIN SOLUTION",
            "try:",
            "    with transaction.atomic() as block:",
            "        draft = make()",
            "except IntegrityError as exc:",
            "    error = exc",
            "like, created = Like.objects.get_or_create()",
            "### END SOLUTION",
            "draft",
        ]
    )
    stub = conventions.strip_solution(source, "q16", answers=["draft", "error"])
    assert stub.splitlines() == [
        "before = 1",
        f"# {conventions.STUB_MESSAGE.format(name='q16')}",
        "draft = None",
        "error = None",
        "draft",
    ]
    namespace = {}
    exec(stub, namespace)  # runs: Run All goes on
    assert namespace["draft"] is None and "block" not in namespace and "like" not in namespace


def test_function_stub_keeps_the_def_and_docstring_and_never_the_local_names():
    source = "\n".join(
        [
            "def parse(text):",
            '    """Split "a=1" into ("a", 1)."""',
            "    ### BEGIN SOLUTION",
            '    key, _, value = text.partition("=")',
            "    return key, int(value)",
            "    ### END SOLUTION",
            "",
            "",
            'parse("a=1")',
        ]
    )
    stub = conventions.strip_solution(source, "q1", answers=["parse"])
    assert "key" not in stub and "value" not in stub
    assert stub.splitlines()[:3] == [
        "def parse(text):",
        '    """Split "a=1" into ("a", 1)."""',
        f"    raise NotImplementedError({conventions.STUB_MESSAGE.format(name='q1')!r})",
    ]
    assert stub.splitlines()[-2:] == [
        "if workbook.answered(parse):  # runs once your answer is in",
        '    workbook.show(parse("a=1"))',
    ]
    import workbook

    namespace = {"workbook": workbook}
    exec(stub, namespace)  # the call after the def is skipped while the body is the stub
    assert not workbook.answered(namespace["parse"])


def test_code_after_a_top_level_solution_waits_for_the_answer():
    source = "### BEGIN SOLUTION\nrestored = find()\n### END SOLUTION\nrestored, restored.likes.count()"
    stub = conventions.strip_solution(source, "q15", answers=["restored"])
    assert stub.splitlines()[-2:] == [
        "if workbook.answered(restored):  # runs once your answer is in",
        "    workbook.show((restored, restored.likes.count()))",
    ]
    # A line that only shows the answer needs no guard: None shows nothing.
    plain = conventions.strip_solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nx", "q1", ["x"])
    assert plain.splitlines()[-2:] == ["x = None", "x"]


def test_stub_keeps_the_indentation_of_the_markers():
    source = "if True:\n    ### BEGIN SOLUTION\n    answer = 42\n    ### END SOLUTION\n"
    assert conventions.strip_solution(source, "q1").splitlines()[1:] == [
        f"    raise NotImplementedError({conventions.STUB_MESSAGE.format(name='q1')!r})",
    ]


@pytest.mark.parametrize(
    "source, says",
    [
        ("### BEGIN SOLUTION\nx = 1\n", "without ### END SOLUTION"),
        ("x = 1\n### END SOLUTION\n", "without ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a solution"),
    ],
)
def test_unbalanced_markers_are_refused(source, says):
    with pytest.raises(ValueError, match=says):
        conventions.strip_solution(source, "q1")


def _toy(cells):
    return new_notebook(cells=cells)


def test_problems_names_each_broken_convention():
    nb = _toy(
        [
            new_markdown_cell("# Toy"),
            new_code_cell("print('no bootstrap')"),
            new_markdown_cell("## Summary"),
            new_code_cell("### BEGIN SOLUTION\nprint('no answer')\n### END SOLUTION"),
            new_code_cell("print('no check')"),
        ]
    )
    found = "\n".join(conventions.problems(nb))
    for expected in (
        "not the bootstrap",
        "what you will learn",
        "no '## Exercises' heading",
        "not followed by a check cell",
        "assigns no answer variable",
    ):
        assert expected in found


def test_problems_is_empty_for_a_notebook_that_follows_them():
    nb = _toy(
        [
            new_markdown_cell("# Toy\n\nWhat you will learn: nothing much."),
            new_code_cell("import workbook\n\nworkbook.setup()"),
            new_markdown_cell("## Summary\n\nDone.\n\n## Exercises"),
            new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"),
            new_code_cell("check.q1(answer)"),
        ]
    )
    assert conventions.problems(nb) == []
    assert conventions.exercise_name(nb, 3) == "q1"


def test_notebook_names_are_picked_by_number_or_stem():
    assert [p.stem for p in conventions.notebook_paths(["02"])] == ["02-cicd", "02-deploy"]
    assert [p.stem for p in conventions.notebook_paths(["07-sql"])] == ["07-sql"]
    assert [p.stem for p in conventions.notebook_paths(["notebooks/04-data-modeling.ipynb", "00"])] == [
        "00-start-here",
        "04-data-modeling",
    ]
    with pytest.raises(ValueError, match="no notebook '99'"):
        conventions.notebook_paths(["99"])


# ---------------------------------------------------------------- the command line


def _cli(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "workbook", *args],
        capture_output=True,
        text=True,
        cwd=database.REPO_ROOT,
        env=dict(os.environ, **env),
        timeout=120,
    )


def test_student_command_writes_copies_into_the_folder_given(tmp_path):
    result = _cli("student", "--out", str(tmp_path / "handout"), "05-orm-exercises", "04")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "handout").iterdir())
    assert written == ["04-data-modeling.ipynb", "05-orm-exercises.ipynb"]
    copy = nbformat.read(tmp_path / "handout" / "05-orm-exercises.ipynb", as_version=4)
    assert not any(conventions.is_exercise(c) for c in copy.cells)
    assert "2 student copies" in result.stdout


def test_student_command_refuses_an_unknown_notebook(tmp_path):
    result = _cli("student", "--out", str(tmp_path), "42")
    assert result.returncode == 2 and "no notebook '42'" in result.stderr


def test_student_folder_is_gitignored():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "student/05-orm-exercises.ipynb"], cwd=database.REPO_ROOT
    )
    assert ignored.returncode == 0


def test_regenerate_refuses_the_learners_database():
    result = _cli("regenerate", "00", DJANGO_DB_NAME=database.DEFAULT_DB_NAME)
    assert result.returncode == 2 and "DJANGO_DB_NAME" in result.stderr


# ---------------------------------------------------------------- regeneration


def _sanitizer():
    """nbval's replacements from notebooks/sanitize.cfg, applied to a whole file's text."""
    config = ConfigParser()
    config.read(NOTEBOOKS_DIR / "sanitize.cfg")
    pairs = [(config[s]["regex"], config[s]["replace"]) for s in config.sections()]

    def sanitize(text: str) -> str:
        for regex, replace in pairs:
            text = re.sub(regex, replace, text)
        return text

    return sanitize


@pytest.fixture
def regenerate_database(monkeypatch):
    name = f"{os.environ.get('DJANGO_DB_NAME') or 'workbook_tests'}_regenerate"
    monkeypatch.setenv("DJANGO_DB_NAME", name)
    yield name
    database.drop_database(scratch.django_config(), name)


def test_regenerate_is_idempotent_and_matches_the_committed_outputs(tmp_path, regenerate_database):
    """Two runs write the same bytes, and the same outputs as committed (up to sanitize.cfg)."""
    names = ["04-data-modeling", "05-orm-exercises"]
    for name in names:
        shutil.copy(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path)
    regen.regenerate(names, directory=tmp_path, report=lambda line: None)
    first = {n: (tmp_path / f"{n}.ipynb").read_text(encoding="utf-8") for n in names}
    regen.regenerate(names, directory=tmp_path, report=lambda line: None)
    second = {n: (tmp_path / f"{n}.ipynb").read_text(encoding="utf-8") for n in names}
    for name in names:
        difference = "".join(
            list(difflib.unified_diff(first[name].splitlines(True), second[name].splitlines(True), n=1))[:40]
        )
        assert first[name] == second[name], f"{name} changed between two runs:\n{difference}"
    sanitize = _sanitizer()
    for name in names:
        committed = (NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8")
        # The plot's PNG is not compared (nbval skips images too); everything else is.
        strip_png = re.compile(r'"image/png": "[^"]*"')
        fresh, stored = strip_png.sub("", sanitize(first[name])), strip_png.sub("", sanitize(committed))
        difference = "".join(
            list(difflib.unified_diff(stored.splitlines(True), fresh.splitlines(True), n=1))[:40]
        )
        assert fresh == stored, f"{name}: regenerated outputs differ from the committed ones:\n{difference}"


def test_regenerate_leaves_a_failing_notebook_untouched(tmp_path, regenerate_database):
    nb = _toy(
        [
            new_markdown_cell("What you will learn"),
            new_code_cell("import workbook\nworkbook.setup()"),
            new_code_cell("1 / 0"),
        ]
    )
    path = tmp_path / "01-broken.ipynb"
    conventions.write(nb, path)
    before = path.read_bytes()
    lines = []
    with pytest.raises(regen.RegenerateError, match="01-broken.ipynb"):
        regen.regenerate(directory=tmp_path, report=lines.append)
    assert path.read_bytes() == before
    assert lines and "ZeroDivisionError" in lines[0]
