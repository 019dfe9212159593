"""Run All in a fresh student copy reaches the end: no error anywhere, one ✗ line per exercise.

Each copy runs in a kernel of its own on a database of its own (made here, dropped after), so the
learner's data and the other tests' databases are never touched.
"""

import os

import pytest

from workbook import database
from workbook.authoring import conventions, scratch, student
from workbook.authoring import regenerate as regen

PATHS = conventions.notebook_paths()


@pytest.fixture
def throwaway_database(request):
    """A database name of this test's own, dropped before and after."""
    base = os.environ.get("DJANGO_DB_NAME") or "workbook_tests"
    name = f"{base}_student_{request.node.callspec.id.split('-')[0]}"
    config = dict(scratch.django_config(), NAME=name)
    scratch.fresh_database(config, name)
    yield name
    database.drop_database(config, name)


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_student_copy_runs_with_only_exercises_failing(path, tmp_path, throwaway_database):
    [copy_path] = student.write_student_copies(tmp_path, [path.stem], directory=path.parent)
    copy = conventions.read(copy_path)
    # 02-deploy's live rehearsal runs in its nbval run; here Run All only has to reach the end.
    env = dict(os.environ, DJANGO_DB_NAME=throwaway_database, WORKBOOK_REHEARSAL_LIVE="0")
    regen.execute(copy, cwd=tmp_path, env=env, allow_errors=True)

    original = conventions.read(path)
    check_cells = conventions.check_cells(original)
    exercises = checks = 0
    for index, cell in enumerate(copy.cells):
        if cell.cell_type != "code":
            continue
        errors = _errors(cell)
        where = f"{path.name} cell {index}:\n{cell.source}"
        detail = "\n".join(f"{e.ename}: {e.evalue}" for e in errors)
        if "raises-exception" in cell.metadata.get("tags", []):
            assert errors, f"{where}\nis tagged raises-exception but raised nothing"
            continue
        assert not errors, f"{where}\nfailed in the student copy:\n{detail}"
        if conventions.is_exercise(original.cells[index]):
            exercises += 1
            assert cell.execution_count is not None, f"{where}\ndid not run"
        elif index in check_cells:
            checks += 1
            [name, *_] = conventions.check_names(original.cells[index])
            text = _text(cell)
            assert text.count("\n") == 1, f"{where}\nshould say one line, said:\n{text}"
            assert text.startswith(f"✗ {name}: no answer yet"), f"{where}\nsaid:\n{text}"
    last = [c for c in copy.cells if c.cell_type == "code"][-1]
    assert last.execution_count is not None, f"{path.name}: Run All stopped before the last cell"
    assert exercises >= 1 and checks >= exercises, f"{path.name}: {exercises} exercises, {checks} checks"


def _text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


@pytest.mark.parametrize("stem", ["00-start-here", "05-orm-exercises"])
def test_a_copy_shows_nothing_of_the_machine_the_authors_ran_it_on(stem):
    """No Django version, server or database name of the authors' run before the learner runs a
    cell; the other outputs (what a cell shows, to compare with) stay."""
    import re

    [path] = [p for p in PATHS if p.stem == stem]
    original = conventions.read(path)
    first = next(c for c in original.cells if c.cell_type == "code")
    name = re.search(r"database '([^']+)'", _text(first)).group(1)
    copy = student.student_copy(original)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert code[0].outputs == [] and code[0].execution_count is None
    for cell in code:
        assert name not in _text(cell), cell.source
    assert any(c.outputs for c in code), "outputs that only show what a cell prints stay"


@pytest.mark.parametrize(
    "path",
    [
        folder / f"{stem}.ipynb"
        for folder in (conventions.NOTEBOOKS_DIR, conventions.NOTEBOOKS_DIR / "ko")
        for stem in ("00-start-here", "05-orm-exercises")
    ],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_a_copys_introduction_describes_the_copy(path):
    """The learner reads the copy: the exercise cell it describes is the one the copy holds, and the
    solution markers are mentioned only as what the solved notebooks in notebooks/ hold."""
    from workbook.answers import _STUB_MARKS

    copy = student.student_copy(conventions.read(path))
    stubs = [
        c.source for c in copy.cells if c.cell_type == "code" and any(m in c.source for m in _STUB_MARKS)
    ]
    assert stubs
    for cell in copy.cells:
        if cell.cell_type != "markdown":
            continue
        assert "solutions are gone" not in cell.source
        for paragraph in cell.source.split("\n\n"):
            if "BEGIN SOLUTION" in paragraph:
                assert "notebooks/" in paragraph, paragraph
        # A stub quoted in the text is the one the copy holds, word for word, in either edition.
        for line in cell.source.splitlines():
            if line.startswith("# ") and any(m in line for m in _STUB_MARKS):
                assert any(line in stub for stub in stubs), line


def test_a_workspace_copy_opens_as_the_lab_would_save_it(tmp_path):
    """JupyterLab writes the kernel's spec and language_info into a notebook it opens, and its Vega
    renderer adds a PNG to a chart's output: a copy that differs shows as edited (●) at once. The
    browser test looks at the tab itself."""
    import platform

    from jupyter_client.kernelspec import KernelSpecManager

    student.ensure_workspace(tmp_path)
    spec = KernelSpecManager().get_kernel_spec("python3")
    for path in sorted(tmp_path.glob("*.ipynb")):
        nb = conventions.read(path)
        assert nb.metadata["kernelspec"]["display_name"] == spec.display_name, path.name
        assert nb.metadata["language_info"]["version"] == platform.python_version(), path.name
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                assert not any(k.startswith(student.REWRITTEN_ON_DISPLAY) for k in output.get("data", {}))
