"""The notebooks' conventions, as code: finding notebooks, exercise and check cells, solutions.

Every notebook in notebooks/ follows these (tests/test_notebooks.py holds them; AUTHORING.md
says the same as checklists):

- Name: ``NN-topic.ipynb``, numbered in learning order.
- The first code cell is exactly ``import workbook`` / ``workbook.setup()`` (BOOTSTRAP; the blank
  line ``ruff format`` puts between them is fine): it prints one status line, which
  notebooks/sanitize.cfg replaces for nbval. A notebook that writes data, or whose outputs show
  rows another notebook may change, calls ``workbook.reset()`` in the next code cell
  (TRUNCATE ... RESTART IDENTITY, then the seed), so ids and outputs are the same on every run
  and do not depend on which notebook ran before.
- It starts with a Markdown cell saying what you will learn, and ends with a ``## Summary``
  Markdown cell followed by a ``## Exercises`` section (headings at level 2).
- Exercises: the exercise cell holds the solution between a line ``### BEGIN SOLUTION`` and a
  line ``### END SOLUTION`` (the nbgrader convention; code outside the markers is kept in student
  copies). The solution assigns the answer to a variable; the next code cell is the check cell,
  which calls ``check.<name>(<answer variables>)`` at its top level (not indented) after
  ``from workbook.checks import <module> as check`` ran in an earlier cell. Every exercise cell
  is followed by its check cell; nothing else in the notebook may use an exercise's variables
  (in a student copy they hold ``...``), so every other cell runs in a student copy too.
- Student copies (``python -m workbook student``; the lab's workspace is made of them) replace
  each solution block with a stub: at the top level, the line ``# Exercise <name> is yours: ...``
  and ``<answer> = None`` for each variable the check cell hands to its check (no other name of
  the solution; where the solution writes the answer as a dict with its keys spelled out, the
  stub keeps the keys, each with None, since the keys are part of the question); inside a
  function, ``raise NotImplementedError("Exercise <name> is yours: ...")`` as its body, so the
  ``def`` line, docstring and example around it stay. Where the author wrote
  a skeleton (``SKELETONS`` in workbook/checks/hints/<module>.py) it stands in for the stub.
  Code after the solution runs only once the answer is in (``if workbook.answered(...):``).
  Outputs of exercise and check cells are cleared. So Run All goes to the end: each check says
  "no answer yet" in one ✗ line (workbook/checks/_runner.py) and every other cell runs.
- Outputs are committed and compared by nbval (no --nbval-lax). Regenerate them with
  ``DJANGO_DB_NAME=<yours> python -m workbook regenerate [NN ...]``: it drops and recreates
  that database (never the learner's), executes the notebooks in order in place,
  and strips volatile metadata (execution timing, Python version), so running it twice writes
  the same bytes. What must vary goes in notebooks/sanitize.cfg; a cell whose output depends on
  the machine (a Docker Engine present or not) gets the tag ``nbval-ignore-output``, a cell
  meant to raise gets ``raises-exception``.
- Paths: never relative to the notebook (student copies live in another folder); use
  ``workbook.paths`` (REPO_ROOT and the rest).
- Helper plumbing stays out of the lesson: no code cell outside the exercises has more than
  PLUMBING_LIMIT (15) lines inside functions, classes or try statements it defines
  (``plumbing_problems``); a longer helper goes into a workbook module kernels import
  (dockerlab, pipeline, pglab, apilab, files) and the notebook calls it in a line.
- Helpers for notebooks live in ``workbook.display``: ``count_queries()`` (how many SQL queries a
  block ran), ``er_diagram("accounts", "posts")`` (Mermaid ER diagram from the models' ``_meta``)
  and ``mermaid(source)`` (any Mermaid diagram; JupyterLab 4 and GitHub render the fence).
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

from ..answers import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    GUARD_COMMENTS,
    STUB_MESSAGE,  # noqa: F401 (the English stub, for the tests)
    stub_message,
)
from ..paths import NOTEBOOKS_DIR

BOOTSTRAP = "import workbook\nworkbook.setup()"

NAME_PATTERN = re.compile(r"^\d\d-[a-z0-9-]+\.ipynb$")
# `workspace --refresh NN` keeps the copy it replaces as backups/<name>.<date>-<time>[-n].ipynb.
BACKUPS = "backups"
BACKUP_PATTERN = re.compile(r"^\d\d-[a-z0-9-]+\.\d{8}-\d+(?:-\d+)?\.ipynb$")
CHECK_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)  # at the top level of a cell
CHECK_IMPORT = re.compile(r"^from workbook\.checks import (\w+) as check$", re.MULTILINE)


def notebook_paths(names: Iterable[str] | None = None, *, directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks in learning order; `names` picks some ("05", "05-orm-exercises", a path)."""
    every = sorted(p for p in directory.glob("*.ipynb") if NAME_PATTERN.match(p.name))
    if not names:
        return every
    chosen = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        matches = [p for p in every if p.stem == stem or p.stem.split("-", 1)[0] == stem]
        if not matches:
            known = ", ".join(p.stem for p in every) or "none"
            raise ValueError(f"no notebook {name!r} in {directory} (there are: {known})")
        chosen.extend(m for m in matches if m not in chosen)
    return sorted(chosen)


def read(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def write(nb, path: Path) -> None:
    import nbformat

    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        nbformat.write(nb, f)


def is_bootstrap(cell) -> bool:
    """The two bootstrap lines; `ruff format` puts a blank line between them, which is fine."""
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    return cell.cell_type == "code" and lines == BOOTSTRAP.splitlines()


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and any(
        line.strip() == BEGIN_SOLUTION for line in cell.source.splitlines()
    )


def is_check(cell) -> bool:
    return cell.cell_type == "code" and not is_exercise(cell) and bool(CHECK_CALL.search(cell.source))


def check_cells(nb) -> set[int]:
    """Indices of the check cells: the code cell right after each exercise cell."""
    found = set()
    for index, cell in enumerate(nb.cells):
        if is_exercise(cell):
            following = next(
                (i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None
            )
            if following is not None and is_check(nb.cells[following]):
                found.add(following)
    return found


def check_module(nb) -> str | None:
    """The checks module a notebook imports as `check` (orm for 05, modeling for 04)."""
    for cell in nb.cells:
        found = CHECK_IMPORT.search(cell.source) if cell.cell_type == "code" else None
        if found:
            return found.group(1)
    return None


def check_names(cell) -> list[str]:
    return CHECK_CALL.findall(cell.source)


def exercise_name(nb, index: int) -> str:
    """The exercise's name: the check function its check cell calls (q3), else its position."""
    for cell in nb.cells[index + 1 :]:
        if cell.cell_type != "code":
            continue
        names = check_names(cell)
        if names:
            return names[0]
        break
    number = sum(1 for cell in nb.cells[: index + 1] if is_exercise(cell))
    return f"#{number}"


def assigned_names(code: str) -> list[str]:
    """Variables a solution binds at its top level (assignments, with/except/for targets, classes
    and functions), in order of appearance; names local to a function or class are left out."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return []
    found: list[tuple[int, int, str]] = []

    def add_target(target) -> None:
        if isinstance(target, ast.Name):
            found.append((target.lineno, target.col_offset, target.id))
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                add_target(element)
        elif isinstance(target, ast.Starred):
            add_target(target.value)

    def visit(node) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.lineno, node.col_offset, node.name))
            return  # what the body binds is local to it
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add_target(target)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.NamedExpr):
            add_target(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            add_target(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.append((node.lineno, node.col_offset, node.name))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    names: list[str] = []
    for *_, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


def answer_names(check_source: str) -> list[str]:
    """The variables a check cell hands to its check: `check.q2(answer, new_posts)` gives both."""
    try:
        tree = ast.parse(check_source)
    except SyntaxError:
        return []
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "check"
        ):
            return [a.id for a in [*call.args, *(k.value for k in call.keywords)] if isinstance(a, ast.Name)]
    return []


def stub_lines(
    solution: list[str], name: str, indent: str, answers: list[str] | None = None, lang: str = "en"
) -> list[str]:
    """What replaces a solution: inside a function, a body that raises (calling it says "not yet");
    at the top level, the message as a comment and each answer variable set to None, so Run All
    goes on and the check says "no answer yet". Never the names of the solution's other variables.
    The message is in the edition's language `lang`."""
    message = stub_message(name, lang)
    if indent:
        return [f"{indent}raise NotImplementedError({message!r})"]
    bound = assigned_names("\n".join(solution))
    names = [n for n in answers if n in bound] if answers is not None else bound
    shapes = dict_keys("\n".join(solution))
    lines = [f"# {message}"]
    for n in names:
        if n in shapes:  # the keys are part of the question: the learner fills in the values
            lines += [f"{n} = {{", *(f"    {key!r}: None," for key in shapes[n]), "}"]
        else:
            lines.append(f"{n} = None")
    return lines


def dict_keys(code: str) -> dict[str, list]:
    """{variable: keys} for each top-level `variable = {...}` whose keys are all written out."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Dict)
            and node.value.keys
            and all(isinstance(k, ast.Constant) for k in node.value.keys)
        ):
            found[node.targets[0].id] = [k.value for k in node.value.keys]
    return found


def _shows_only_names(code: str) -> bool:
    """True when the code only displays variables (`answer`, `a, b`): harmless while they are None."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False

    def names_only(node) -> bool:
        if isinstance(node, ast.Name):
            return True
        return isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts)

    return all(isinstance(s, ast.Expr) and names_only(s.value) for s in tree.body)


def guard_lines(tail: list[str], answers: list[str], lang: str = "en") -> list[str]:
    """The code after a solution, run only once the answers are there (else Run All would stop on
    it): `if workbook.answered(...):`, its last expression shown with workbook.show() as a cell's
    last expression would be."""
    code = "\n".join(tail).strip("\n")
    if not code.strip() or _shows_only_names(code) or not answers:
        return tail
    tree = ast.parse(code)
    lines = code.splitlines()
    last = tree.body[-1]
    prints = (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Name)
        and last.value.func.id in ("print", "display")
    )
    if isinstance(last, ast.Expr) and not prints:
        first, end = last.lineno - 1, last.end_lineno - 1
        start_col, end_col = last.col_offset, last.end_col_offset
        segment = ast.get_source_segment(code, last.value)
        if isinstance(last.value, ast.Tuple) and not segment.startswith("("):
            segment = f"({segment})"
        shown = lines[first][:start_col] + f"workbook.show({segment})" + lines[end][end_col:]
        lines[first : end + 1] = shown.splitlines()
    comment = GUARD_COMMENTS.get(lang, GUARD_COMMENTS["en"])
    guard = f"if workbook.answered({', '.join(answers)}):  # {comment}"
    return [guard, *("    " + line if line.strip() else line for line in lines)]


def strip_solution(
    source: str, name: str, answers: list[str] | None = None, skeleton: str = "", lang: str = "en"
) -> str:
    """The cell with every BEGIN/END SOLUTION block replaced by its stub (a top-level one by
    `skeleton` instead where the author wrote one: a start with TODOs), and the code after the
    last solution guarded so it runs only once the answers are in (guard_lines)."""
    out: list[str] = []
    solution: list[str] | None = None
    indent = ""
    tail_from: int | None = None
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if solution is not None:
                raise ValueError(f"exercise {name}: {BEGIN_SOLUTION} inside a solution")
            solution, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == END_SOLUTION:
            if solution is None:
                raise ValueError(f"exercise {name}: {END_SOLUTION} without {BEGIN_SOLUTION}")
            if skeleton and not indent:
                out.extend([f"# {stub_message(name, lang)}", *skeleton.rstrip("\n").splitlines()])
                skeleton = ""
            else:
                earlier = set(assigned_names("\n".join(out))) if answers else set()
                fresh = [a for a in answers if a not in earlier] if answers is not None else None
                out.extend(stub_lines(solution, name, indent, fresh, lang))
            solution = None
            tail_from = len(out)
        elif solution is not None:
            solution.append(line)
        else:
            out.append(line)
    if solution is not None:
        raise ValueError(f"exercise {name}: {BEGIN_SOLUTION} without {END_SOLUTION}")
    if tail_from is not None and answers:
        tail = out[tail_from:]
        blank = 0
        while blank < len(tail) and not tail[blank].strip():
            blank += 1
        out[tail_from + blank :] = guard_lines(tail[blank:], answers, lang)
    return "\n".join(out)


def clear_outputs(cell) -> None:
    cell.outputs = []
    cell.execution_count = None


def problems(nb, name: str = "") -> list[str]:
    """What breaks the conventions above; empty when the notebook follows them."""
    found = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or not is_bootstrap(code[0]):
        found.append(f"the first code cell is not the bootstrap {BOOTSTRAP!r}")
    if (
        not nb.cells
        or nb.cells[0].cell_type != "markdown"
        or "you will learn" not in nb.cells[0].source.lower()
    ):
        found.append("the first cell is not Markdown saying what you will learn")
    headings = [
        (i, line.strip().lower())
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    summary = [i for i, h in headings if h.startswith("## summary")]
    exercises = [i for i, h in headings if h.startswith("## exercises")]
    if not summary:
        found.append("no '## Summary' heading")
    elif not exercises or exercises[-1] < summary[-1]:
        found.append("no '## Exercises' heading after the summary")
    elif any(h for i, h in headings if i > exercises[-1] and not h.startswith("## exercises")):
        found.append("a section follows '## Exercises': the notebook must end with its exercises")
    if exercises and not any(is_exercise(c) for c in nb.cells[exercises[-1] :]):
        found.append("the closing exercises section has no exercise cell")
    for index, cell in enumerate(nb.cells):
        if not is_exercise(cell):
            continue
        label = f"exercise cell {index}"
        try:
            strip_solution(cell.source, label)
        except ValueError as exc:
            found.append(str(exc))
        following = next((c for c in nb.cells[index + 1 :] if c.cell_type == "code"), None)
        if following is None or not is_check(following):
            found.append(f"{label} is not followed by a check cell (check.<name>(...))")
        blocks = _solution_blocks(cell.source)
        if not any(indent or assigned_names("\n".join(lines)) for indent, lines in blocks):
            found.append(f"{label}: the solution assigns no answer variable")
    return found


def _solution_blocks(source: str) -> list[tuple[str, list[str]]]:
    """Each solution block as (indentation of its markers, its lines)."""
    blocks: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            blocks.append((line[: len(line) - len(line.lstrip())], []))
        elif line.strip() == END_SOLUTION:
            blocks.append(("", None))  # closed
        elif blocks and blocks[-1][1] is not None:
            blocks[-1][1].append(line)
    return [(indent, lines) for indent, lines in blocks if lines is not None]


def _solution_text(source: str) -> str:
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            inside = True
        elif line.strip() == END_SOLUTION:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------- helper plumbing stays in the package

PLUMBING_LIMIT = 15


def _code_of(source: str) -> str:
    """A cell's Python with IPython's magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def plumbing_lines(source: str) -> int:
    """Lines of a code cell that are helper plumbing: inside a function or class it defines, or a
    try statement (catching what may fail is a helper's work, not the lesson's). Nested ones count once."""
    try:
        tree = ast.parse(_code_of(source))
    except SyntaxError:
        return 0
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Try):
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            lines.update(range(first, node.end_lineno + 1))
    return len(lines)


def plumbing_problems(nb) -> list[str]:
    """Code cells (exercise cells aside: a learner's function is the lesson there) with more than
    PLUMBING_LIMIT lines of helper plumbing: such helpers belong in a workbook module kernels import,
    called from the notebook in a line."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_exercise(cell):
            continue
        count = plumbing_lines(cell.source)
        if count > PLUMBING_LIMIT:
            found.append(
                f"cell {index} ({cell.get('id')}) has {count} lines of helper plumbing "
                f"(at most {PLUMBING_LIMIT}): move the helper into a workbook module and call it"
            )
    return found
