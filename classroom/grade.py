"""Grading a class: each submission runs in a fresh kernel on a database of its own, its checks put back.

`python -m workbook grade SUBMISSIONS...` (notebooks, folders of them, the workspaces of a hub):

1. Once per run, a PostgreSQL server of the run's own is started (sandbox.py: a Unix socket, every
   login by password) and a template database is made there (migrated and seeded), its tables
   owned by a role of the run's own. (`sandbox=False`: on the server the settings name.)
2. Per submission: a role and a database of its own, copied from the template
   (`CREATE DATABASE ... TEMPLATE`, milliseconds); only that role may connect to it. The tables'
   ownership passes to that role, so the notebook's `workbook.reset()` works and nothing else does.
3. The submission's check cells are replaced by the original ones (matched by cell id, else by
   their place after each exercise cell, as nbgrader puts back its locked cells), and the
   notebook runs in a fresh kernel (nbclient), in a sandbox of its own (sandbox.py: no file of the
   instructor's, no network but its database's socket, its processes dying with it), with limits
   per cell (CPU-seconds of the kernel, and wall-clock time), per notebook and on the kernel's
   memory. The kernel is killed when done. Without the sandbox (`sandbox=False`, trusted notebooks
   only) there is no judge either: the kernel's checks give every verdict.
4. The result of an exercise comes from outside the kernel (judge.py): right before each check
   cell, the grader takes the check's arguments out of the kernel as data, stops every process of
   the submission, and a judge process that never runs the submission's code (a sandbox and a
   database role of its own, no function of the submission's executable) rebuilds the answers
   and runs the workbook's own check on them. The kernel's check still runs, for the student's
   copy; its verdict would count only for an exercise whose check declares
   `@judged_in_kernel(why)`, and none does: a function of plain data (`@judged_on_returns`) leaves
   the kernel as the calls the check made to it, a class or a function whose effect is the answer
   as what the check's observer reported, and a test file (`@judged_on_runs`, 02-cicd's own_test)
   as its text, which the grader runs in sandboxes of its own (`FileRuns`) for the judge.
   The kernel's own verdicts are recorded by a hidden first cell that wraps every `qN` function.
   Text outputs are never read as a verdict.
5. The database and the role are dropped after each submission, the template after the run.

Out (in --out, default grades/): grades.csv (student × exercise, totals), grades.json (with the
check messages), report.html (heat map and pass rate per exercise), feedback/<student>.html, and
graded/<student>/<notebook>.ipynb (the notebook as it ran).

This is the instructor's tool, in the classroom package: no kernel imports it, and only the judge
(workbook/authoring/judge.py) runs inside the sandbox.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import html
import json
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from workbook.authoring import asyncrun
from workbook.authoring.conventions import (
    BACKUP_PATTERN,
    BACKUPS,
    NAME_PATTERN,
    check_cells,
    exercise_name,
    is_exercise,
    notebook_paths,
)
from workbook.authoring.judge import MARKER as ANSWER_MARKER
from workbook.authoring.judge import extraction_source
from workbook.i18n import DEFAULT, LANGUAGES
from workbook.i18n import MARKER as LANGUAGE_MARKER
from workbook.paths import NOTEBOOKS_DIR, PROJECT_DIR

from .sandbox import (
    JUDGE,
    KERNEL,
    RUNS,
    UIDS_PER_SUBMISSION,
    GradingServer,
    Sandbox,
    as_root,
    bwrap,
    compile_venv,
    kernel_environment,
    kernel_manager_class,
    try_one,
    uid_block,
)

log = logging.getLogger(__name__)

PASSED, FAILED, NOT_ANSWERED, ERROR, NOT_SUBMITTED = (
    "passed",
    "failed",
    "not answered",
    "error",
    "not submitted",
)
STATUSES = (PASSED, FAILED, NOT_ANSWERED, ERROR, NOT_SUBMITTED)
CHECK_IMPORT = re.compile(r"^from workbook\.checks import (\w+) as (\w+)\s*$", re.MULTILINE)
PREFIX = "wbgrade"  # every database and role the grader makes starts with it

DEFAULT_CELL_TIMEOUT = 30
# CPU-seconds the kernel may spend on one cell. Unlike the wall-clock limit it does not stretch
# with the machine's load: an endless loop is stopped after as much work on a busy machine as on a
# quiet one, and a slow cell on a busy machine is not taken for a loop. 05's heaviest cell (the
# select_related demo) takes well under 1 s of CPU.
DEFAULT_CELL_CPU = 10
DEFAULT_NOTEBOOK_TIMEOUT = 300
DEFAULT_MEMORY_MB = 2048


# --- the originals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    name: str  # the check function: q3
    module: str  # the checks module: orm
    alias: str  # what the notebook calls it: check
    exercise_id: str
    check_id: str
    check_source: str
    position: int  # 0, 1, ... among the notebook's exercises
    arguments: str = ""  # the check call's arguments as written ("new_posts, why_no_file")
    # Judged by the kernel's own check (forgeable), because the check declares so and why
    # (`@judged_in_kernel`): its answer is code the notebook defines. Every other exercise is
    # judged by the judge (judge.py), and an answer it cannot rebuild earns nothing.
    in_kernel: bool = False
    why_in_kernel: str = ""
    # Judged by the judge, but the kernel's own ✗ (after it) takes the ✓ away: the check declares
    # `@kernel_also_judges(why)` (06's q4 runs the exercise cell again on changed data).
    kernel_may_fail: str = ""


@dataclass
class Original:
    path: Path
    nb: object
    exercises: list[Exercise]

    @property
    def key(self) -> str:
        return self.path.stem

    @property
    def number(self) -> str:
        return self.path.stem.split("-", 1)[0]


def load_original(path: Path) -> Original:
    from workbook.authoring.conventions import read

    nb = read(path)
    imports = CHECK_IMPORT.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    module, alias = imports[-1] if imports else ("", "check")
    checks = check_cells(nb)
    exercises = []
    for index, cell in enumerate(nb.cells):
        if not is_exercise(cell):
            continue
        following = next(
            (i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None
        )
        if following not in checks:
            continue
        arguments = _check_arguments(nb.cells[following].source)
        name = exercise_name(nb, index)
        why = kernel_reason(module, name) or (
            "" if arguments else "the check cell's call hands the check no plain arguments to take out"
        )
        exercises.append(
            Exercise(
                arguments=arguments or "",
                in_kernel=bool(why),
                why_in_kernel=why,
                kernel_may_fail=kernel_reason(module, name, "kernel_also_judges"),
                name=name,
                module=module,
                alias=alias,
                exercise_id=cell.get("id", ""),
                check_id=nb.cells[following].get("id", ""),
                check_source=nb.cells[following].source,
                position=len(exercises),
            )
        )
    return Original(path=path, nb=nb, exercises=exercises)


def kernel_reason(module: str, name: str, declaration: str = "judged_in_kernel") -> str:
    """Why the check `module.name` is judged in the kernel, as the check itself declares it
    (`@judged_in_kernel(why)`, workbook/checks/_base.py); "" for a check the judge judges.
    (`declaration="kernel_also_judges"`: why the kernel's ✗ may take the judge's ✓ away.)"""
    import importlib

    if not module:
        return ""
    try:
        checks = importlib.import_module(f"workbook.checks.{module}")
    except ImportError:
        return ""
    return getattr(getattr(checks, name, None), declaration, "") or ""


def _check_arguments(check_source: str) -> str | None:
    """The check call's arguments as written ("new_posts, why_no_file"); None when the call passes
    keywords or nothing, which the hidden cell cannot take out as they are."""
    import ast

    try:
        call = ast.parse(check_source).body[0].value
        arguments = ", ".join(ast.unparse(a) for a in call.args)
    except (SyntaxError, IndexError, AttributeError):
        return None
    if call.keywords or not call.args:
        return None
    return arguments


def answers_with_code(check_source: str, exercise_source: str) -> bool:
    """Whether the exercise's answer is code its cell defines (a class, or a function handed to the
    check): such an answer cannot leave the kernel as data, so its check must declare
    `@judged_in_kernel`, or `@judged_on_returns` for a function of plain data, which leaves it as
    its calls (tests/test_grade_judged.py holds every check to that). A proxy model
    (`class Meta: proxy = True`) that is not itself handed to the check is data: its rows reach the
    check as a QuerySet, which leaves the kernel as the project's model's query and the names the
    proxy's `__str__` gave (workbook/authoring/judge.py, `proxy_model`)."""
    import ast

    from workbook.answers import BEGIN_SOLUTION, END_SOLUTION

    try:
        call = ast.parse(check_source).body[0].value
        tree = ast.parse(exercise_source.replace(BEGIN_SOLUTION, "").replace(END_SOLUTION, ""))
    except (SyntaxError, IndexError, AttributeError):
        return False
    names = {n.id for a in getattr(call, "args", []) for n in ast.walk(a) if isinstance(n, ast.Name)}
    proxies = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and _proxy_model(n)]
    metas = {id(m) for p in proxies for m in p.body if isinstance(m, ast.ClassDef) and m.name == "Meta"}
    return any(
        (isinstance(n, ast.ClassDef) and id(n) not in metas and (n.name in names or not _proxy_model(n)))
        or (isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name in names)
        for n in ast.walk(tree)
    )


def _proxy_model(node) -> bool:
    """A class whose `class Meta` says `proxy = True`: a Django proxy model."""
    import ast

    return any(
        isinstance(meta, ast.ClassDef)
        and meta.name == "Meta"
        and any(
            isinstance(a, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "proxy" for t in a.targets)
            and isinstance(a.value, ast.Constant)
            and a.value.value is True
            for a in meta.body
        )
        for meta in node.body
    )


def load_originals(directory: Path = NOTEBOOKS_DIR, names: Sequence[str] | None = None) -> list[Original]:
    originals = [load_original(p) for p in notebook_paths(names or None, directory=directory)]
    return [o for o in originals if o.exercises]


# --- submissions --------------------------------------------------------------------------------


@dataclass
class Submission:
    path: Path
    student: str  # as found (folder or file name)
    shown: str = ""  # its path from the submissions folder given (never the instructor's own path)
    label: str = ""  # unique in the report: "kim", "kim (2)"
    original: Original | None = None
    problem: str = ""  # why it cannot run (not a notebook, truncated JSON, ...)
    nb: object = None
    in_folder: bool = False  # found in a folder given (a workspace), not named on the command line
    notes: list[str] = field(default_factory=list)  # said in the report beside its grades


def is_edition_folder(folder: Path) -> bool:
    """A workspace's folder of another edition (my-notebooks/ko/, as `workbook lab --lang ko`
    makes it): named after the edition and marked so (.workbook-lang), in a folder that holds
    workbook notebooks of its own. A hub's workspaces/ko/ (a student named ko) is no such folder:
    workspaces/ holds the students' folders, no notebook."""
    folder = Path(folder)
    if folder.name not in LANGUAGES or folder.name == DEFAULT:
        return False
    marker = folder / LANGUAGE_MARKER
    try:
        if marker.read_text(encoding="utf-8").strip() != folder.name:
            return False
    except (OSError, UnicodeDecodeError):
        return False
    return any(NAME_PATTERN.match(p.name) for p in folder.parent.glob("*.ipynb"))


def is_backup(path: Path) -> bool:
    """An older copy `workspace --refresh` kept (backups/05-orm-exercises.20261207-120000.ipynb):
    no submission of the workspace's."""
    return path.parent.name == BACKUPS and bool(BACKUP_PATTERN.match(path.name))


def _student_for(path: Path, given: Path) -> str:
    if path == given:  # a file named on the command line
        return path.parent.name if NAME_PATTERN.match(path.name) and path.parent.name else path.stem
    rel = path.relative_to(given)
    folders = rel.parts[:-1]
    if folders and NAME_PATTERN.match(path.name) and is_edition_folder(path.parent):
        folders = folders[:-1]  # my-notebooks/ko/05-...: the workspace's, as my-notebooks/05-...
    if folders:
        return folders[0]
    if not NAME_PATTERN.match(path.name):
        return path.stem
    if is_edition_folder(given):  # `grade my-notebooks/ko`: the workspace's name, not the edition's
        return given.resolve().parent.name
    return given.name


def find_submissions(arguments: Iterable[str | Path]) -> list[Submission]:
    """Every notebook under the arguments (files are taken as they are, whatever they hold). In a
    folder, hidden ones (.ipynb_checkpoints/) and the backups a workspace keeps are left out."""
    found: list[Submission] = []
    seen: set[Path] = set()
    for argument in arguments:
        given = Path(argument)
        if given.is_dir():
            files = sorted(
                p
                for p in given.rglob("*.ipynb")
                if not any(part.startswith(".") for part in p.relative_to(given).parts) and not is_backup(p)
            )
        else:
            files = [given]
        for path in files:
            resolved = path.resolve() if path.exists() else path
            if resolved in seen:
                continue
            seen.add(resolved)
            shown = str(Path(given.name or ".", path.relative_to(given))) if given.is_dir() else path.name
            student = _student_for(path, given)
            found.append(Submission(path=path, student=student, shown=shown, in_folder=given.is_dir()))
    return found


def nothing_to_grade(arguments: Sequence[str | Path], submissions: list[Submission]) -> None:
    """A path that is not there (a typo), or nothing to grade at all, stops the run before it
    starts, in one sentence: nothing is cleared and no server started for an empty class."""
    for argument in arguments:
        if not Path(argument).exists():
            raise ValueError(f"Nothing graded: {argument} does not exist.")
    if not submissions:
        shown = ", ".join(str(a) for a in arguments)
        raise ValueError(f"Nothing graded: no notebook (.ipynb) in {shown}.")


def notebook_named(path: Path, keys: Sequence[str]) -> str | None:
    """The workbook notebook a file's name says it is: its whole name (03-postgresql-2-engine), else
    its number where only one notebook has it (02-cicd and 02-deploy share theirs); None: neither."""
    if path.stem in keys:
        return path.stem
    numbered = [k for k in keys if k.split("-", 1)[0] == path.name.split("-", 1)[0]]
    return numbered[0] if len(numbered) == 1 else None


def only_the_named(
    submissions: list[Submission], named: Sequence[Original], directory: Path = NOTEBOOKS_DIR
) -> list[Submission]:
    """With --notebook, the notebooks found in folders (a hub's workspaces hold every notebook of the
    workbook) that are named as another of the workbook's notebooks are left out: `--notebook 05`
    grades each workspace's 05-orm-exercises.ipynb, not its 04 or 06. A file named on the command
    line, or whose name is not a workbook notebook's (alice.ipynb), is still taken as the one named."""
    keys = [p.stem for p in notebook_paths(None, directory=directory)]
    wanted = {o.key for o in named}
    kept = []
    for sub in submissions:
        if sub.in_folder and NAME_PATTERN.match(sub.path.name):
            said = notebook_named(sub.path, keys)
            if said is not None and said not in wanted:
                continue
        kept.append(sub)
    return kept


def identify(submission: Submission, originals: list[Original]) -> None:
    """Read the submission and decide which original it answers; a problem is kept as its grade."""
    import nbformat

    if len(originals) == 1:  # named with --notebook: whatever the file holds, it answers this one
        submission.original = originals[0]
    if not submission.path.is_file():
        submission.problem = "no such file"
        return
    try:
        text = submission.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        submission.problem = f"not a notebook: cannot read it as text ({type(exc).__name__})"
        return
    try:
        submission.nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # JSON errors, a notebook of no known format
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        submission.problem = f"not a notebook: {reason[:200]}"
        return
    if not isinstance(submission.nb.get("cells"), list):
        submission.problem = "not a notebook: it has no cells"
        return
    _give_ids(submission.nb)
    if len(originals) == 1:
        return
    # By name: the whole name first (03-postgresql-2-engine), then its number where only one
    # original has it (02-cicd and 02-deploy share theirs).
    by_name = [o for o in originals if submission.path.stem == o.key] or [
        o for o in originals if submission.path.name.split("-", 1)[0] == o.number
    ]
    if len(by_name) == 1:
        submission.original = by_name[0]
        return
    ids = {c.get("id") for c in submission.nb.cells}
    overlap = sorted(((len(ids & {c.get("id") for c in o.nb.cells}), o.key) for o in originals), reverse=True)
    if overlap and overlap[0][0] > 0:
        submission.original = next(o for o in originals if o.key == overlap[0][1])
    else:
        submission.problem = "not one of the workbook's notebooks with exercises (name it with --notebook NN)"


def one_copy_per_workspace(submissions: list[Submission]) -> list[Submission]:
    """A workspace that holds the same notebook twice, in its own folder and in its edition's
    (my-notebooks/05-orm-exercises.ipynb and my-notebooks/ko/05-orm-exercises.ipynb), is one
    student's: the copy changed last is graded (on a tie, the first by path: the workspace's own
    folder), and its report names the other, not graded. Copies under other names (05-...-final)
    are submissions of their own, as before."""
    groups: dict[tuple[Path, str], list[Submission]] = {}
    for sub in submissions:
        if sub.in_folder and sub.original is not None and sub.path.name == sub.original.path.name:
            groups.setdefault((_owner_root(sub), sub.original.key), []).append(sub)
    left_out: set[int] = set()
    for copies in groups.values():
        if len(copies) < 2:
            continue
        changed = {id(sub): _changed(sub.path) for sub in copies}
        # max() keeps the first of equals: by path, the workspace's own folder before ko/.
        kept = max(sorted(copies, key=lambda sub: str(sub.path)), key=lambda sub: changed[id(sub)])
        for other in copies:
            if other is kept:
                continue
            left_out.add(id(other))
            kept.notes.append(
                f"not graded: {other.shown or other.path.name}, the same notebook in this workspace "
                f"(changed {_when(changed[id(other)])}); this copy was changed last "
                f"({_when(changed[id(kept)])})"
            )
    return [sub for sub in submissions if id(sub) not in left_out]


def _changed(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else "never"


def _give_ids(nb) -> None:
    """Cells without an id (nbformat 4.0 to 4.4 has none) get one, so every cell can be named."""
    taken = {c.get("id") for c in nb.cells if isinstance(c, dict) and c.get("id")}
    for index, cell in enumerate(nb.cells):
        if isinstance(cell, dict) and not cell.get("id"):
            new = f"cell-{index}"
            while new in taken:
                new += "-"
            cell["id"] = new
            taken.add(new)
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        nb["nbformat"], nb["nbformat_minor"] = 4, 5


def label_students(submissions: list[Submission]) -> None:
    """Unique labels: two students of the same name stay two rows ("kim", "kim (2)")."""
    owners: dict[str, list[Path]] = {}
    for sub in submissions:
        root = _owner_root(sub)
        owners.setdefault(sub.student, [])
        if root not in owners[sub.student]:
            owners[sub.student].append(root)
    for sub in submissions:
        roots = owners[sub.student]
        index = roots.index(_owner_root(sub))
        sub.label = sub.student if index == 0 else f"{sub.student} ({index + 1})"
    # The same student with two submissions of one notebook: both kept, the later ones numbered.
    seen: dict[tuple[str, str], int] = {}
    for sub in submissions:
        key = (sub.label, sub.original.key if sub.original else str(sub.path))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            sub.label = f"{sub.label} ({seen[key]})"


def _owner_root(sub: Submission) -> Path:
    """What tells two students apart: the folder that holds one student's work (a workspace, its
    edition's folder included), or the file itself."""
    path = sub.path.resolve() if sub.path.exists() else sub.path
    if NAME_PATTERN.match(path.name):
        return path.parent.parent if is_edition_folder(path.parent) else path.parent
    return path


# --- putting the checks back --------------------------------------------------------------------


@dataclass
class Prepared:
    nb: object
    checks: dict[int, Exercise]  # cell index in nb -> the exercise its (original) check grades
    notes: list[str]


def restore_checks(nb, original: Original) -> Prepared:
    """The submission with the original check cells in place; outputs cleared."""
    import nbformat

    nb = copy.deepcopy(nb)
    nb.cells = [
        c for c in nb.cells if isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw")
    ]
    for cell in nb.cells:
        cell.setdefault("metadata", {})
        cell.setdefault("source", "")
        if isinstance(cell.source, list):
            cell.source = "".join(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    _give_ids(nb)
    notes: list[str] = []
    claimed: dict[str, Exercise] = {}  # cell id -> exercise
    index_of = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}

    def make_check(exercise: Exercise):
        cell = nbformat.v4.new_code_cell(exercise.check_source)
        cell.id = f"{exercise.check_id or 'check'}-restored-{secrets.token_hex(3)}"
        return cell

    for exercise in original.exercises:
        where = index_of.get(exercise.check_id) if exercise.check_id else None
        if where is not None and nb.cells[where].cell_type == "code":
            if nb.cells[where].source.strip() != exercise.check_source.strip():
                notes.append(f"{exercise.name}: the check cell was changed; the original was put back")
            nb.cells[where].source = exercise.check_source
            claimed[nb.cells[where].id] = exercise
            continue
        # By place: the code cell after the exercise cell, if it calls a check; else a new cell there.
        after = index_of.get(exercise.exercise_id)
        if after is None:
            calls = re.compile(rf"^\s*\w+\.{re.escape(exercise.name)}\(", re.MULTILINE)
            after_candidates = [
                i for i, c in enumerate(nb.cells) if c.cell_type == "code" and calls.search(c.source)
            ]
            if after_candidates and nb.cells[after_candidates[0]].get("id") not in claimed:
                target = nb.cells[after_candidates[0]]
                target.source = exercise.check_source
                claimed[target.id] = exercise
                notes.append(f"{exercise.name}: check cell found by its call; the original was put back")
                continue
            cell = make_check(exercise)
            nb.cells.append(cell)
            claimed[cell.id] = exercise
            notes.append(f"{exercise.name}: no exercise cell found; its check runs at the end")
        else:
            following = next(
                (i for i in range(after + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None
            )
            if (
                following is not None
                and nb.cells[following].get("id") not in claimed
                and re.search(r"^\s*\w+\.q\w*\(", nb.cells[following].source, re.MULTILINE)
            ):
                nb.cells[following].source = exercise.check_source
                claimed[nb.cells[following].id] = exercise
                notes.append(f"{exercise.name}: the check cell had another id; the original was put back")
            else:
                cell = make_check(exercise)
                nb.cells.insert(after + 1, cell)
                claimed[cell.id] = exercise
                notes.append(f"{exercise.name}: the check cell was missing; the original was put back")
        index_of = {c.get("id"): i for i, c in enumerate(nb.cells) if c.get("id")}
    checks = {i: claimed[c.id] for i, c in enumerate(nb.cells) if c.get("id") in claimed}
    return Prepared(nb=nb, checks=checks, notes=notes)


# --- the kernel side ----------------------------------------------------------------------------

# Runs first in every kernel, unseen. It limits the kernel's memory, then wraps the checks: the
# grader reads what they did from `results`, never from the notebook's output.
KERNEL_SETUP = r"""
def _workbook_grader(results, memory_bytes, names):
    import functools, importlib, io, json, pkgutil, re, resource, sys

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import workbook.checks
    from workbook.checks._base import CheckFailed, NotAnswered

    sink = open(results, "a", encoding="utf-8", buffering=1)

    class Tee(io.TextIOBase):
        def __init__(self, *streams):
            self.streams = streams

        def write(self, text):
            for stream in self.streams:
                stream.write(text)
            return len(text)

        def flush(self):
            for stream in self.streams:
                stream.flush()

    def wrap(module, name, check):
        @functools.wraps(check)
        def recorded(*args, **kwargs):
            shown, real = io.StringIO(), sys.stdout
            sys.stdout = Tee(real, shown)
            status, message = "passed", ""
            try:
                return check(*args, **kwargs)
            except NotAnswered as exc:
                status, message = "not answered", str(exc)
                raise
            except CheckFailed as exc:
                # A check that could not reach the database (tables dropped, connection gone)
                # judged nothing: an error, not a wrong answer.
                cause = exc.__cause__ or exc.__context__
                broken = cause is not None and type(cause).__name__ in (
                    "ProgrammingError", "OperationalError", "InterfaceError")
                status, message = ("error" if broken else "failed"), str(exc)
                raise
            except BaseException as exc:
                status, message = "error", f"{type(exc).__name__}: {exc}"
                raise
            finally:
                sys.stdout = real
                message = message or shown.getvalue().strip()
                sink.write(json.dumps({"module": module, "exercise": name, "status": status,
                                       "message": message[:2000]}) + "\n")

        return recorded

    wrapped, modules = {}, {}
    for info in pkgutil.iter_modules(workbook.checks.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"workbook.checks.{info.name}")
        except Exception:
            continue
        modules[info.name] = module
        for attr, value in list(vars(module).items()):
            if (re.fullmatch(r"q\d+", attr) or attr in names) and callable(value):
                wrapped[(info.name, attr)] = wrap(info.name, attr, value)

    # In a kernel, check cells go through the runner (workbook/checks/_runner.py), which answers
    # "no answer yet" for a stub without calling the check: record that as not answered.
    from workbook.checks import _runner

    real_run, real_no_answer, current = _runner.run, _runner._no_answer, {}

    def no_answer(name, detail=""):
        sink.write(json.dumps({"module": current.get("module", ""), "exercise": name,
                               "status": "not answered", "message": "no answer yet"}) + "\n")
        return real_no_answer(name, detail)

    def run(module, name, arguments):
        current["module"] = _runner.module_name(module)
        return real_run(module, name, arguments)

    def arm(module_name):
        # Before every check cell: the wrapped checks and the runner back in place, whatever a
        # cell did to them.
        for (name, attr), function in wrapped.items():
            setattr(modules[name], attr, function)
        _runner._no_answer = no_answer
        get_ipython().user_ns[_runner.RUNNER] = run
        return modules[module_name]

    return arm


_workbook_grader_arm = _workbook_grader({results!r}, {memory_bytes!r}, {names!r})
del _workbook_grader
"""


def _arm_source(exercise: Exercise) -> str:
    return f"{exercise.alias} = _workbook_grader_arm({exercise.module!r})"


# --- databases ----------------------------------------------------------------------------------


class Server:
    """The PostgreSQL the settings name, as its administrator: makes and drops the grader's databases."""

    def __init__(self, config: dict, run_id: str):
        self.config = config
        self.run = f"{PREFIX}_{run_id}"
        self.template = f"{self.run}_template"
        self.owner = f"{self.run}_owner"
        self.owner_password = secrets.token_urlsafe(18)
        self.judges: dict[str, str] = {}  # database -> the judge's URL

    def _connect(self, dbname: str = "postgres"):
        from workbook.database import connect

        return connect(self.config, dbname)

    def hold(self, cur, role: str) -> None:
        """As an instructor's role that is no superuser (grading in the hub's lab, --no-sandbox): the
        grader must hold each role it makes to give it a database and its tables. PostgreSQL 16+
        grants it with SET and INHERIT where createrole_self_grant says so (the hub's spawn hook
        sets it, classroom/studentdb.py); elsewhere (15, or a server set up by hand) the grader
        grants it to itself, which CREATEROLE allows on 15 and the creator's ADMIN OPTION on 16+."""
        from psycopg2 import sql

        cur.execute(
            "SELECT rolsuper OR pg_has_role(current_user, %s, 'USAGE') FROM pg_roles "
            "WHERE rolname = current_user",
            [role],
        )
        if not cur.fetchone()[0]:
            cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))

    def url(self, role: str, password: str, dbname: str) -> str:
        host = self.config.get("HOST") or "127.0.0.1"
        port = self.config.get("PORT") or "5432"
        if host.startswith("/"):  # a Unix socket's folder: libpq finds it in PGHOST (see _clean_env)
            return f"postgres://{role}:{quote(password, safe='')}@/{dbname}"
        return f"postgres://{role}:{quote(password, safe='')}@{host}:{port}/{dbname}"

    def make_template(self, python: str = sys.executable) -> float:
        """The template: created, migrated and seeded as the run's owner role; returns seconds."""
        import subprocess

        from psycopg2 import sql

        started = time.perf_counter()
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(self.owner)),
                    [self.owner_password],
                )
                self.hold(cur, self.owner)
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
                cur.execute(
                    sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(self.template))
                )
                cur.execute(
                    sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                        sql.Identifier(self.template), sql.Identifier(self.owner)
                    )
                )
        finally:
            conn.close()
        conn = self._connect(self.template)
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(self.owner)))
        finally:
            conn.close()
        env = _clean_env(self.url(self.owner, self.owner_password, self.template), self.config)
        # Read as it is written: a console's code page (PYTHONIOENCODING=cp949 on a Korean Windows)
        # would otherwise reach the child, and its ✓ lines would not decode here.
        result = subprocess.run(
            [python, "-c", "import workbook; workbook.setup()"],
            env={**env, "PYTHONIOENCODING": "utf-8"},
            cwd=PROJECT_DIR,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
        )
        if result.returncode != 0:
            raise RuntimeError(f"the template database could not be prepared:\n{result.stderr[-2000:]}")
        return time.perf_counter() - started

    def make_database(self, n: int) -> tuple[str, str, str]:
        """A role and a database of its own from the template: (database, role, url)."""
        from psycopg2 import sql

        name = f"{self.run}_{n:04d}"
        password = self._role_with_databases(name, [name], template=self.template)
        self.judge_url(name)
        conn = self._connect(name)
        try:
            with conn.cursor() as cur:
                # In this copy only (the owner role owns no database, so nothing shared moves).
                cur.execute(
                    sql.SQL("REASSIGN OWNED BY {} TO {}").format(
                        sql.Identifier(self.owner), sql.Identifier(name)
                    )
                )
                cur.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM {}").format(sql.Identifier(self.owner)))
                # The judge's role: the tables' rows, and no function of the submission's (see
                # before_judging): a function that changes rows while its answer is evaluated
                # could make the check's own reference agree with it.
                judge = sql.Identifier(f"{name}_judge")
                cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(judge))
                for kind in ("TABLES", "SEQUENCES"):
                    cur.execute(sql.SQL(f"GRANT ALL ON ALL {kind} IN SCHEMA public TO {{}}").format(judge))
                    cur.execute(
                        sql.SQL(f"ALTER DEFAULT PRIVILEGES FOR ROLE {{}} GRANT ALL ON {kind} TO {{}}").format(
                            sql.Identifier(name), judge
                        )
                    )
        finally:
            conn.close()
        return name, name, self.url(name, password, name)

    def judge_url(self, name: str) -> str:
        """The judge's role on submission `name`'s database (made on first use)."""
        from psycopg2 import sql

        if name not in self.judges:
            password = secrets.token_urlsafe(18)
            conn = self._connect()
            try:
                with conn.cursor() as cur:
                    cur.execute(
                        sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(f"{name}_judge")),
                        [password],
                    )
                    cur.execute(
                        sql.SQL("GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {} TO {}").format(
                            sql.Identifier(name), sql.Identifier(f"{name}_judge")
                        )
                    )
            finally:
                conn.close()
            self.judges[name] = self.url(f"{name}_judge", password, name)
        return self.judges[name]

    def before_judging(self, conn, name: str) -> None:
        """No function in the submission's database may run as the judge: EXECUTE taken back from
        everyone but their owner (the submission's processes are stopped meanwhile)."""
        with conn.cursor() as cur:
            cur.execute(
                """
                SELECT p.oid::regprocedure::text FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                """
            )
            for (signature,) in cur.fetchall():
                cur.execute(f'REVOKE ALL ON FUNCTION {signature} FROM PUBLIC, "{name}_judge"')

    def scratch(self, name: str) -> str:
        """A role and two empty databases of its own for one run of a learner's test file: `name`
        (where Django connects first) and `test_<name>` (pytest-django's, used as it is with
        --reuse-db, since the role may create no database); the role's URL."""
        password = self._role_with_databases(name, [name, f"test_{name}"])
        return self.url(name, password, name)

    def _role_with_databases(self, role: str, databases: list[str], template: str = "") -> str:
        """A login role with a new password, owning `databases` (copies of `template`, or empty),
        which no one else may connect to; returns the password."""
        from psycopg2 import sql

        password = secrets.token_urlsafe(18)
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)), [password]
                )
                self.hold(cur, role)
                for database in databases:
                    made = sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(role)
                    )
                    if template:
                        made = sql.SQL("{} TEMPLATE {}").format(made, sql.Identifier(template))
                    cur.execute(made)
                    cur.execute(
                        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
                    )
        finally:
            conn.close()
        return password

    def let_in(self, role: str, login: bool) -> None:
        """The submission's role may log in, or (`login=False`, while its test file runs) may not:
        a run that knows the kernel's password (a file written with it) finds no way in."""
        from psycopg2 import sql

        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    sql.SQL(f"ALTER ROLE {{}} {'LOGIN' if login else 'NOLOGIN'}").format(sql.Identifier(role))
                )
        finally:
            conn.close()

    def drop_scratch(self, name: str) -> None:
        """What `scratch(name)` made."""
        self._drop([f"test_{name}", name], [name])

    def drop(self, name: str, role: str | None = None) -> None:
        self._drop([name], [role, f"{name}_judge"] if role else [])
        self.judges.pop(name, None)

    def _drop(self, databases: list[str], roles: list[str]) -> None:
        """The databases (their connections ended), then the roles, where they exist."""
        from psycopg2 import sql

        conn = self._connect()
        try:
            with conn.cursor() as cur:
                for database in databases:
                    cur.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
                    )
                for role in roles:
                    cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        finally:
            conn.close()

    def drop_everything(self) -> None:
        """Whatever this run made and still exists (after a crash too)."""
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                like = self.run.replace("_", r"\_") + r"\_%"
                cur.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s OR datname LIKE %s",
                    [like, "test\\_" + like],
                )
                databases = [name for (name,) in cur.fetchall()]
                cur.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [like])
                roles = [role for (role,) in cur.fetchall()]
        finally:
            conn.close()
        self._drop(databases, roles)


def _clean_env(database_url: str, config: dict) -> dict:
    env = dict(os.environ)
    for name in ("DJANGO_DB_NAME", "JPY_PARENT_PID", "PYTEST_CURRENT_TEST", "PGHOST", "PGPORT"):
        env.pop(name, None)
    env["DATABASE_URL"] = database_url
    host = config.get("HOST") or ""
    if host.startswith("/"):  # the URL cannot carry a socket's folder that Django reads back
        env["PGHOST"] = host
        if config.get("PORT"):
            env["PGPORT"] = str(config["PORT"])
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_DIR.parent), str(PROJECT_DIR), env.get("PYTHONPATH", "")) if p
    )
    return env


class Sandboxes:
    """The run's sandboxes: uids of their own for each submission (as root), one grading server."""

    def __init__(self, socket_dir: Path):
        self.socket_dir = socket_dir
        self.first_uid = uid_block() if as_root() else None

    def make(self, workdir: Path, n: int, role: int = KERNEL) -> Sandbox:
        """Submission `n`'s kernel's sandbox, or its judge's (`JUDGE`), or a run of its test file's
        (`RUNS + i`): each another uid, so none can signal another."""
        uid = None if self.first_uid is None else self.first_uid + UIDS_PER_SUBMISSION * n + role
        sandbox = Sandbox(workdir=workdir, socket_dir=self.socket_dir, uid=uid)
        sandbox.prepare()
        return sandbox


@dataclass
class FileRuns:
    """A learner's test file (a check `@judged_on_runs`: 02-cicd's own_test) run as CI's test step
    runs it, on a copy of the site and on each copy with one of workbook.pipeline.BREAKS in it:
    `runs(name, text)` for submission `n`, whose database (and role) is `database`.

    Each run has a sandbox of its own (a new uid as root; a new user and PID namespace always), a
    copy of the site of its own, and a role with two empty databases made for it alone; all of it
    goes when the run ends, before the next begins. So nothing carries from one run to the next:
    the only thing a run's test decides is its own exit status, which is the answer (pass on the
    site, fail on each broken copy). The submission's kernel is stopped meanwhile, and its role
    may not log in: a file written with the kernel's password cannot use its database to tell one
    run from the next."""

    server: Server
    sandboxes: Sandboxes
    n: int
    database: str
    base: Path  # where the runs' folders are made
    timeout: int  # seconds of one run

    def __call__(self, name: str, text: str) -> dict:
        """{copy: [exit status, counts, pytest's FAILED and E lines]}."""
        from workbook.pipeline import BREAKS

        if name != Path(name).name or not name.startswith("test_") or not name.endswith(".py"):
            raise ValueError(f"not a test file's name: {name!r}")
        runs: dict[str, list] = {}
        self.server.let_in(self.database, login=False)
        try:
            for i, key in enumerate(("site", *BREAKS)):
                runs[key] = self.once(name, text, key, i)
        finally:
            self.server.let_in(self.database, login=True)
        return runs

    def once(self, name: str, text: str, key: str, i: int) -> list:
        """One run, on the copy `key` (the i-th): [exit status, counts, failures]."""
        import subprocess

        from workbook.pipeline import ProjectCopy, TestRun, pytest_command

        folder, scratch, sandbox = self.base / f"{self.database}-run{i}", f"{self.database}_run{i}", None
        try:
            copy = ProjectCopy(folder=folder)
            if key != "site":
                copy.put_in(key)
            target = folder / "project" / "posts" / "tests" / name
            target.write_text(text, encoding="utf-8")
            url = self.server.scratch(scratch)
            sandbox = self.sandboxes.make(folder, self.n, role=RUNS + i)
            env = kernel_environment(url, self.sandboxes.socket_dir, folder)
            env["PYTHONPATH"] = os.pathsep.join((str(folder), str(folder / "project")))
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
            command = sandbox.command(pytest_command(target.relative_to(folder).as_posix()), env)
            with tempfile.TemporaryFile() as output:
                process = subprocess.Popen(
                    command, cwd=folder, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
                )
                try:
                    status = process.wait(timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    return [-1, f"stopped after {self.timeout} s (the time limit of a run)", []]
                output.seek(0, os.SEEK_END)
                output.seek(max(0, output.tell() - 200_000))
                run = TestRun.read(status, output.read().decode("utf-8", "replace"))
            return [run.status, run.counts, run.failures]
        finally:
            if sandbox is not None:
                sandbox.kill_everything()
            self.server.drop_scratch(scratch)
            shutil.rmtree(folder, ignore_errors=True)


class JudgeProcess:
    """judge.py in a sandbox of its own, on the submission's database: one JSON line each way."""

    def __init__(self, sandbox: Sandbox, env: dict):
        self.sandbox = sandbox
        # A lock held by the stopped kernel makes the judge's statement fail, not wait forever.
        self.env = {**env, "HOME": str(sandbox.workdir), "PGOPTIONS": "-c lock_timeout=5000"}
        self.env.pop("WORKBOOK_GRADING_SANDBOX", None)  # a kernel's: the judge judges
        self.env["WORKBOOK_HOME"] = str(sandbox.workdir / ".workbook")
        self.process = None
        self.ready = False

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.sandbox.command([sys.executable, "-m", "workbook.authoring.judge"], self.env),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=16 * 1024 * 1024,
        )

    async def ask(self, request: dict, timeout: float) -> dict:
        try:
            if self.process is None:
                await self.start()
            if not self.ready:
                line = await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
                if not line:
                    raise RuntimeError("the judge did not start")
                self.ready = True
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            await self.process.stdin.drain()
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout=timeout)
            if not line:
                raise RuntimeError("the judge stopped")
            return json.loads(line)
        except (TimeoutError, RuntimeError, OSError, ValueError) as exc:
            await self.stop()
            return _status(ERROR, f"the answer could not be judged: {exc or type(exc).__name__}")

    def cpu(self) -> float:
        """CPU-seconds of the judge (and bubblewrap around it) so far."""
        if self.process is None:
            return 0.0
        try:
            import psutil

            root = psutil.Process(self.process.pid)
            total = 0.0
            for one in (root, *root.children(recursive=True)):
                times = one.cpu_times()
                total += times.user + times.system
            return total
        except Exception:
            return 0.0

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None
        self.ready = False


# --- running one submission ---------------------------------------------------------------------


@dataclass
class Result:
    submission: Submission
    exercises: dict[str, dict] = field(default_factory=dict)  # name -> {status, message}
    problem: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    graded_nb: object = None
    # CPU-seconds of the kernel and the judge (with what they started), measured on their processes
    # just before they are killed: a killed sandbox's processes are never waited for, so they are
    # missing from this process's RUSAGE_CHILDREN.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for e in self.exercises.values() if e["status"] == PASSED)


def _error_text(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            value = re.sub(r"\x1b\[[0-9;]*m", "", str(output.get("evalue", ""))).strip()
            value = value.splitlines()[0] if value else ""
            name = output.get("ename", "Error")
            return (f"{name}: {value}" if value else name)[:300]
    return ""


async def _run_kernel(
    prepared: Prepared,
    *,
    env: dict,
    cwd: Path,
    results_file: Path,
    cell_timeout: int,
    notebook_timeout: int,
    memory_mb: int,
    cell_cpu: float = DEFAULT_CELL_CPU,
    sandbox: Sandbox | None = None,
    judge_sandbox: Sandbox | None = None,
    judge_url: str = "",
    before_judging: Callable[[], None] = lambda: None,
    run_file: Callable[[str, str], dict] | None = None,
    spent: dict[str, float] | None = None,
) -> tuple[dict[str, dict], list[str]]:
    """Execute the prepared notebook (in `sandbox` when given); returns (exercise results, problems met)."""
    import subprocess

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    km = None
    if sandbox is not None:
        km = kernel_manager_class()(kernel_name="python3", transport="ipc", ip=str(cwd / "zmq"))
        km.connection_file = str(cwd / "kernel.json")
        km.sandbox, km.sandbox_env = sandbox, env
    client = NotebookClient(
        prepared.nb,
        km=km,
        timeout=cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        # The kernel is thrown away: killed at once, not asked to shut down and waited for (a
        # graceful shutdown kept each submission's slot about a second longer).
        shutdown_kernel="immediate",
        # History in the kernel's memory: the user's IPython history file, shared by every kernel,
        # would let a submission read the code of those graded before it (%history -g).
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    results: dict[str, dict] = {}
    problems: list[str] = []
    stopped_cells: dict[int, str] = {}
    deadline = time.monotonic() + notebook_timeout
    setup = nbformat.v4.new_code_cell(
        KERNEL_SETUP.replace("{results!r}", repr(str(results_file)))
        .replace("{memory_bytes!r}", repr(memory_mb * 1024 * 1024 if memory_mb else 0))
        .replace("{names!r}", repr(sorted({e.name for e in prepared.checks.values()})))
    )

    def read_records(start: int) -> tuple[list[dict], int]:
        try:
            data = results_file.read_bytes()
        except FileNotFoundError:
            return [], start
        records = []
        for line in data[start:].decode("utf-8", "replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records, len(data)

    def kernel_cpu():
        """The kernel process's CPU-seconds so far, as a function (None where psutil is missing)."""
        try:
            import psutil

            process = psutil.Process(client.km.provisioner.pid)
        except Exception:
            return None

        def used() -> float:
            # The kernel and what it started (in a sandbox, the kernel is bubblewrap's child).
            total = 0.0
            for one in (process, *process.children(recursive=True)):
                try:
                    times = one.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
            return total

        return used

    async def execute(cell, index: int, cpu, *, own: bool = False) -> None:
        """The cell, interrupted once the kernel has spent `cell_cpu` CPU-seconds on it (`own`: the
        grader's own cell, kept out of the history, whose stop is not the student's cell's)."""
        kwargs = {"store_history": False} if own else {}
        try:
            start = cpu() if cpu is not None and cell_cpu else None
        except Exception:
            start = None
        if start is None:
            await client.async_execute_cell(cell, index, **kwargs)
            return

        async def watch() -> None:
            while True:
                await asyncio.sleep(0.2)
                try:
                    spent = cpu() - start
                except Exception:  # the kernel is gone (it died or exited): nbclient tells why
                    return
                if spent > cell_cpu:
                    if not own:
                        stopped_cells[index] = f"stopped after {cell_cpu:g} s of CPU (the limit of a cell)"
                    await _maybe_await(client.km.interrupt_kernel())
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await client.async_execute_cell(cell, index, **kwargs)
        finally:
            watcher.cancel()

    async def hidden(cell, index: int, cpu=None) -> None:
        """The grader's own cell, run where `index` is but kept out of the notebook (nbclient puts
        every executed cell at its index: it would take the student's cell's place); with `cpu`,
        held to a cell's CPU limit (the extraction runs the learner's function)."""
        student = client.nb.cells[index] if index < len(client.nb.cells) else None
        try:
            await execute(cell, index, cpu, own=True)
        finally:
            if student is not None:
                client.nb.cells[index] = student

    async def judged(exercise: Exercise, index: int, cpu) -> dict:
        """The answer taken out of the kernel as data and judged outside it (judge.py)."""
        cell = nbformat.v4.new_code_cell(
            extraction_source(exercise.arguments, exercise.module, exercise.name)
        )
        await hidden(cell, index, cpu)
        said = ""
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            said += "".join(text) if isinstance(text, list) else str(text)
        lines = [line for line in said.splitlines() if line.startswith(ANSWER_MARKER)]
        answer = lines[-1][len(ANSWER_MARKER) :] if lines else ""
        before = _exercise_cell_problem(prepared, index, stopped_cells)
        where = f" (the exercise cell: {before})" if before else ""
        if answer.startswith("missing "):
            return _status(
                ERROR,
                f"there is no variable {answer[8:]!r}: the exercise cell that sets it was deleted, "
                f"renamed or stopped before it{where}",
            )
        if not answer.startswith("answers "):
            reason = answer or _error_text(cell) or "nothing came out of the kernel"
            return _status(FAILED, f"the answer could not be taken out of the kernel: {reason[:200]}")
        request = {"module": exercise.module, "name": exercise.name, "answers": answer[8:]}
        frozen = sandbox.freeze() if sandbox is not None else []
        try:
            await asyncio.to_thread(before_judging)
            reply = await judge_process.ask(request, timeout=max(cell_timeout, 30))
            if reply.get("status") == "runs wanted":  # a file to run (`@judged_on_runs`), then judged
                if run_file is None:
                    reply = _status(ERROR, "this answer is a file to run, and no sandbox was there to run it")
                else:
                    runs = await asyncio.to_thread(run_file, str(reply.get("file")), str(reply.get("text")))
                    reply = await judge_process.ask({**request, "runs": runs}, timeout=max(cell_timeout, 30))
        finally:
            if sandbox is not None:
                sandbox.thaw(frozen)
        if reply["status"] == "unjudgeable":
            return _status(
                FAILED,
                f"this answer cannot be judged: it holds {reply['message']}, which is not a value, "
                "a QuerySet or one of the project's models",
            )
        return _status(reply["status"], reply["message"])

    async def run_all() -> None:
        # The kernel's own log lines (its TCP warning) would cut through the progress bar.
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if judge_process is not None:  # starts beside the kernel
            await judge_process.start()
        async with client.async_setup_kernel(env=env, cwd=str(cwd), **quiet):
            # Kept: the provisioner forgets its process once it has died, and its exit status
            # tells why.
            kernel_process.append(getattr(client.km.provisioner, "process", None))
            if sandbox is not None:
                sandbox.leader = getattr(client.km.provisioner, "pid", None)
            await hidden(setup, 0)
            if _error_text(setup):
                raise RuntimeError(f"the grader's own first cell failed: {_error_text(setup)}")
            cpu = kernel_cpu()
            try:
                await run_cells(cpu)
            finally:
                if cpu is not None:
                    try:
                        spent["kernel"] = cpu()
                    except Exception:
                        log.debug("the kernel's CPU time could not be read", exc_info=True)

    async def run_cells(cpu) -> None:
        for index, cell in enumerate(prepared.nb.cells):
            if cell.cell_type != "code":
                continue
            exercise = prepared.checks.get(index)
            verdict = None
            if exercise is not None and judge_process is not None and not exercise.in_kernel:
                verdict = await judged(exercise, index, cpu)
            if exercise is not None:
                arm = nbformat.v4.new_code_cell(_arm_source(exercise))
                await hidden(arm, index)
                if _error_text(arm):
                    results[exercise.name] = _status(ERROR, f"the check could not run: {_error_text(arm)}")
                    continue
                _, offset = read_records(0)
            started = time.monotonic()
            await execute(cell, index, cpu)
            if time.monotonic() - started >= cell_timeout and _error_text(cell).startswith(
                "KeyboardInterrupt"
            ):
                stopped_cells[index] = f"stopped after {cell_timeout} s (the time limit of a cell)"
            if verdict is not None:
                results[exercise.name] = verdict
                if verdict["status"] == PASSED and exercise.kernel_may_fail:
                    # The kernel's ✗ stands (it can only take a ✓ away): see kernel_also_judges.
                    records, _ = read_records(offset)
                    mine = [
                        r
                        for r in records
                        if r.get("exercise") == exercise.name and r.get("module") == exercise.module
                    ]
                    if mine and mine[-1].get("status") == FAILED:
                        results[exercise.name] = _status(FAILED, mine[-1].get("message", ""))
            elif exercise is not None:
                records, _ = read_records(offset)
                mine = [
                    r
                    for r in records
                    if r.get("exercise") == exercise.name and r.get("module") == exercise.module
                ]
                if mine:
                    results[exercise.name] = _status(mine[-1]["status"], mine[-1].get("message", ""))
                else:
                    why = _error_text(cell) or _did_not_run(cell)
                    before = _exercise_cell_problem(prepared, index, stopped_cells)
                    results[exercise.name] = _status(
                        ERROR, f"{why}" + (f" (the exercise cell: {before})" if before else "")
                    )
                if judge_process is not None:  # an exercise the judge cannot judge: said so, and why
                    results[exercise.name]["judged_in_kernel"] = exercise.why_in_kernel or True

    spent = {} if spent is None else spent
    judge_process = None
    if judge_sandbox is not None:
        judge_process = JudgeProcess(judge_sandbox, {**env, "DATABASE_URL": judge_url})
    kernel_process: list = []
    time_limit = f"the notebook's time limit ({notebook_timeout} s) ran out"
    try:
        await asyncio.wait_for(run_all(), timeout=notebook_timeout)
    except TimeoutError:
        problems.append(time_limit)
    except DeadKernelError:
        # Told apart by how the kernel's process ended: the time limit first (the kernel is killed
        # when it runs out, which nbclient may report as a death), then its exit status.
        problems.append(
            time_limit if time.monotonic() >= deadline else await _death(kernel_process, memory_mb)
        )
    except RuntimeError as exc:
        problems.append(str(exc))
    finally:
        await _kill_kernel(client)
        if sandbox is not None:
            sandbox.kill_everything()
        if judge_process is not None:
            spent["judge"] = judge_process.cpu()
            await judge_process.stop()
    if time.monotonic() > deadline and not problems:
        problems.append(time_limit)
    if not problems and any(_error_text(c).startswith("MemoryError") for c in prepared.nb.cells):
        problems.append(f"a cell ran out of memory (the limit is {memory_mb} MiB)")
    return results, problems


async def _death(kernel_process: list, memory_mb: int, sandboxed: bool = False) -> str:
    """Why the kernel's process ended, from its exit status."""
    import signal

    process = kernel_process[0] if kernel_process else None
    code = None
    for _ in range(20):  # the process may not be reaped yet
        code = process.poll() if process is not None else None
        if code is not None:
            break
        await asyncio.sleep(0.05)
    if code is None:
        return "the kernel stopped answering"
    if sandboxed and code > 128:  # bubblewrap exits with 128 + the signal that ended the kernel
        code = -(code - 128)
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        if -code == signal.SIGKILL:
            return (
                f"the kernel was killed ({name}): out of memory (the limit is {memory_mb} MiB), "
                "or killed from outside"
            )
        return f"the kernel was killed by a signal ({name})"
    return f"the notebook ended the kernel's own process (exit code {code}: sys.exit, os._exit or a crash)"


OUTPUT_LIMIT = 100_000  # characters of output a cell keeps in the graded copy


def cap_outputs(nb, limit: int = OUTPUT_LIMIT):
    """Each code cell's outputs cut to `limit` characters (a cell that printed 50 MB keeps 100 kB)."""
    import nbformat

    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        kept, used, cut = [], 0, 0
        for output in cell.outputs:
            size = len(json.dumps(output, default=str))
            if used + size <= limit:
                kept.append(output)
                used += size
                continue
            room = limit - used
            if output.get("output_type") == "stream" and room > 1000:
                text = output.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                cut += len(text) - (room - 500)
                kept.append(
                    nbformat.v4.new_output(
                        "stream", name=output.get("name", "stdout"), text=text[: room - 500]
                    )
                )
                used = limit
            else:
                cut += size
        if cut:
            kept.append(
                nbformat.v4.new_output(
                    "stream", name="stderr", text=f"\n[grader: {cut:,} more characters of output left out]\n"
                )
            )
            cell.outputs = kept
    return nb


def _did_not_run(cell) -> str:
    """Why a check cell recorded nothing, from its first line of output (only a reason, never a grade)."""
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        text = ("".join(text) if isinstance(text, list) else str(text)).strip()
        if text:
            return f"the check did not run; its cell printed: {text.splitlines()[0][:200]}"
    return "the check did not run: its cell ended without calling it"


def _exercise_cell_problem(prepared: Prepared, check_index: int, stopped: dict[int, str]) -> str:
    for index in range(check_index - 1, -1, -1):
        cell = prepared.nb.cells[index]
        if cell.cell_type != "code":
            continue
        return stopped.get(index) or _error_text(cell)
    return ""


async def _kill_kernel(client) -> None:
    km = getattr(client, "km", None)
    if km is None:
        return
    try:
        if await _maybe_await(km.is_alive()):
            await _maybe_await(km.shutdown_kernel(now=True))
    except Exception:
        try:
            await _maybe_await(km.kill_kernel())
        except Exception:
            pass
    try:
        await _maybe_await(km.cleanup_resources())
    except Exception:
        log.debug("the kernel's files could not be cleaned up", exc_info=True)


async def _maybe_await(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def _status(status: str, message: str = "") -> dict:
    return {"status": status, "message": message}


async def grade_submission(
    submission: Submission,
    server: Server,
    n: int,
    *,
    cell_timeout: int,
    notebook_timeout: int,
    memory_mb: int,
    cell_cpu: float = DEFAULT_CELL_CPU,
    dropping: list | None = None,
    sandboxes: Sandboxes | None = None,
) -> Result:
    """One submission graded. Its database and role are dropped after it, in `dropping` (tasks the
    run awaits before it ends) when given, so the next submission need not wait for the drop."""
    started = time.perf_counter()
    result = Result(submission=submission)
    original = submission.original
    if submission.problem or original is None:
        result.problem = submission.problem or "not one of the workbook's notebooks"
        result.notes = list(submission.notes)
        names = [e.name for e in original.exercises] if original else []
        result.exercises = {name: _status(ERROR, result.problem) for name in names}
        result.seconds = time.perf_counter() - started
        return result
    prepared = sandbox = judge_sandbox = None
    database = role = None
    workdir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    try:
        prepared = restore_checks(submission.nb, original)
        result.notes = [*submission.notes, *prepared.notes]
        database, role, url = await asyncio.to_thread(server.make_database, n)
        sandbox = env = judge_sandbox = None
        connections: list = []

        def admin():
            """One connection to the submission's database as the server's administrator."""
            if not connections:
                connections.append(server._connect(database))
            return connections[0]

        run_file = None
        if sandboxes is not None:
            sandbox = sandboxes.make(workdir, n)
            judge_sandbox = sandboxes.make(workdir.parent / f"{workdir.name}-judge", n, role=JUDGE)
            env = kernel_environment(url, sandboxes.socket_dir, workdir)
            run_file = FileRuns(server, sandboxes, n, database, workdir.parent, cell_timeout)
        records, problems = await _run_kernel(
            prepared,
            spent=result.cpu,
            sandbox=sandbox,
            judge_sandbox=judge_sandbox,
            judge_url=server.judges.get(database, ""),
            before_judging=lambda: server.before_judging(admin(), database),
            run_file=run_file,
            env=env or _clean_env(url, server.config),
            cwd=workdir,
            results_file=workdir / ".grader-results.jsonl",
            cell_timeout=cell_timeout,
            notebook_timeout=notebook_timeout,
            memory_mb=memory_mb,
            cell_cpu=cell_cpu,
        )
    except Exception as exc:  # the grader's own trouble with this one: recorded, the run goes on
        log.warning("grading %s failed", submission.path, exc_info=True)
        records, problems = {}, [f"the grader could not run it ({type(exc).__name__}: {exc})"]
    finally:
        if database:
            drop = asyncio.ensure_future(asyncio.to_thread(server.drop, database, role))
            if dropping is None:
                await drop
            else:
                dropping.append(drop)
        for conn in connections:
            conn.close()
        for one in (sandbox, judge_sandbox):
            if one is not None:
                one.kill_everything()
                shutil.rmtree(one.workdir, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    result.problem = "; ".join(problems)
    for exercise in original.exercises:
        result.exercises[exercise.name] = records.get(exercise.name) or _status(
            ERROR, f"not reached: {result.problem}" if result.problem else "the check did not run"
        )
    result.graded_nb = cap_outputs(prepared.nb) if prepared is not None else None
    result.seconds = time.perf_counter() - started
    return result


# --- the run ------------------------------------------------------------------------------------


class Progress:
    """One line that updates in a terminal; a line per submission elsewhere."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.started = time.perf_counter()
        self.tty = stream.isatty()

    def step(self, result: Result) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.started
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "█" * filled + "·" * (width - filled)
        left = elapsed / self.done * (self.total - self.done)
        line = (
            f"grading [{bar}] {self.done}/{self.total}  {elapsed:.0f} s, about {left:.0f} s left  "
            f"{result.submission.label}: {result.passed}/{len(result.exercises)}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class Run:
    results: list[Result]
    originals: list[Original]
    roster: list[str]
    template_seconds: float
    seconds: float
    out: Path
    prefix: str = ""  # of every database and role this run made (all dropped by its end)


def submissions_to_grade(
    arguments: Sequence[str | Path],
    originals: list[Original],
    *,
    named: bool,
    directory: Path = NOTEBOOKS_DIR,
) -> list[Submission]:
    """The submissions a run grades, identified and labelled: every notebook under the arguments
    (with `named`, a workspace's other workbook notebooks left out), one copy of a notebook per
    workspace. Stops in one sentence when there is nothing to grade."""
    submissions = find_submissions(arguments)
    nothing_to_grade(arguments, submissions)
    if named:
        submissions = only_the_named(submissions, originals, directory)
    for submission in submissions:
        identify(submission, originals)
    submissions = one_copy_per_workspace(submissions)
    label_students(submissions)
    return submissions


def grade(
    arguments: Sequence[str | Path],
    *,
    out: Path,
    notebooks: Sequence[str] | None = None,
    originals_dir: Path = NOTEBOOKS_DIR,
    roster: Sequence[str] = (),
    jobs: int | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    cell_cpu: float = DEFAULT_CELL_CPU,
    notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    config: dict | None = None,
    progress: Callable[[Result], None] | None = None,
    sandbox: bool = True,
) -> Run:
    """Grade every submission; writes the reports in `out` and returns the run.

    With `sandbox` (the default) each kernel runs in a sandbox of its own on a PostgreSQL server
    the run starts (sandbox.py); `config` then goes unused. Without it, kernels run as this user
    on `config`'s server (default: the settings'): for trusted notebooks only."""
    started = time.perf_counter()
    originals = load_originals(originals_dir, notebooks)
    if not originals:
        raise ValueError("no notebook with exercises to grade against")
    submissions = submissions_to_grade(arguments, originals, named=bool(notebooks), directory=originals_dir)
    grading_server = None
    if sandbox:
        bwrap()  # says what to install before anything starts
        try_one()  # and says so where no sandbox can be made (a container with Docker's defaults)
        compile_venv()  # the read-only venv's .pyc files, or every kernel compiles Django again
        grading_server = GradingServer()
        config = grading_server.start() if submissions else grading_server.config()
    elif config is None:
        from workbook.authoring.scratch import django_config

        config = django_config()
    server = Server(config, secrets.token_hex(4))
    sandboxes = Sandboxes(Path(config["HOST"])) if sandbox else None
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[Result] = []
    bar = Progress(len(submissions)) if progress is None else None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clear_reports(out)

    def so_far() -> Run:
        return Run(
            results=list(results),
            originals=originals,
            roster=list(roster),
            template_seconds=0.0,
            seconds=time.perf_counter() - started,
            out=out,
            prefix=server.run,
        )

    def finished(result: Result) -> None:
        """Written at once: a crash later loses nothing graded."""
        results.append(result)
        try:
            write_graded(out, result)
            write_reports(so_far(), students={result.submission.label})
        except Exception:  # a report that cannot be written now is written at the end
            log.warning("the reports could not be written after %s", result.submission.label, exc_info=True)
        (progress or bar.step)(result)

    try:
        template_seconds = server.make_template() if submissions else 0.0

        async def main() -> list[Result]:
            gate = asyncio.Semaphore(jobs)
            dropping: list = []

            async def one(n: int, submission: Submission) -> Result:
                async with gate:
                    result = await grade_submission(
                        submission,
                        server,
                        n,
                        cell_timeout=cell_timeout,
                        notebook_timeout=notebook_timeout,
                        memory_mb=memory_mb,
                        cell_cpu=cell_cpu,
                        dropping=dropping,
                        sandboxes=sandboxes,
                    )
                finished(result)
                return result

            try:
                return await asyncio.gather(*(one(n, s) for n, s in enumerate(submissions)))
            finally:
                await asyncio.gather(*dropping, return_exceptions=True)

        in_order = asyncrun.run(main()) if submissions else []
        results[:] = in_order
    finally:
        try:
            if not sandbox or submissions:
                server.drop_everything()
        finally:
            if grading_server is not None:
                grading_server.stop()
    run = Run(
        results=list(results),
        originals=originals,
        roster=list(roster),
        template_seconds=template_seconds if submissions else 0.0,
        seconds=time.perf_counter() - started,
        out=Path(out),
        prefix=server.run,
    )
    write_reports(run, graded=False)
    return run


def read_roster(path: Path) -> list[str]:
    """Usernames from the instructor's class list (a CSV with a `username` column). The hub's class
    list (classroom/class.csv) has a `role` column too: its instructors are no students, left out."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "username" not in [n.strip().lower() for n in reader.fieldnames]:
            raise ValueError(f"{path}: the class list needs a 'username' column")
        key = next(n for n in reader.fieldnames if n.strip().lower() == "username")
        role = next((n for n in reader.fieldnames if n.strip().lower() == "role"), None)
        return [
            row[key].strip()
            for row in reader
            if (row.get(key) or "").strip()
            and not (role and (row.get(role) or "").strip().lower() == "instructor")
        ]


# --- reports ------------------------------------------------------------------------------------


def columns(run: Run) -> list[tuple[str, str]]:
    """(original key, exercise name) in order; shown as q3, or 05:q3 when several notebooks."""
    return [(o.key, e.name) for o in run.originals for e in o.exercises]


def column_label(run: Run, key: str, name: str) -> str:
    if len(run.originals) == 1:
        return name
    number = next(o.number for o in run.originals if o.key == key)
    return f"{number}:{name}"


def rows(run: Run) -> list[dict]:
    """One row per student (label): their exercises across notebooks, where from, problems."""
    by_label: dict[str, dict] = {}
    for result in sorted(run.results, key=lambda r: r.submission.label):
        sub = result.submission
        row = by_label.setdefault(
            sub.label,
            {
                "student": sub.label,
                "username": sub.student,
                "sources": [],
                "cells": {},
                "problems": [],
                "notes": [],
            },
        )
        row["sources"].append(sub.shown or sub.path.name)
        key = sub.original.key if sub.original else None
        for name, outcome in result.exercises.items():
            row["cells"][(key, name)] = outcome
        if result.problem:
            row["problems"].append(f"{sub.path.name}: {result.problem}")
        row["notes"].extend(f"{sub.path.name}: {note}" for note in result.notes)
    for username in run.roster:
        if not any(r["username"] == username for r in by_label.values()):
            by_label[username] = {
                "student": username,
                "username": username,
                "sources": [],
                "cells": {},
                "problems": ["no submission"],
                "notes": [],
            }
    roster = set(run.roster)
    out = []
    for row in by_label.values():
        for column in columns(run):
            row["cells"].setdefault(column, _status(NOT_SUBMITTED, "no submission of this notebook"))
        row["passed"] = sum(1 for c in row["cells"].values() if c["status"] == PASSED)
        row["total"] = len(columns(run))
        row["on_roster"] = (row["username"] in roster) if roster else None
        out.append(row)
    return sorted(out, key=lambda r: (r["student"].lower(), r["student"]))


def write_reports(run: Run, students: set[str] | None = None, *, graded: bool = True) -> None:
    """Every report of the run; with `students`, as the run goes: the tables, and those students'
    feedback (the graded copies are written by `write_graded` as each one ends)."""
    out = run.out
    out.mkdir(parents=True, exist_ok=True)
    table = rows(run)
    cols = columns(run)
    labels = [column_label(run, *c) for c in cols]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *labels, "passed", "total", "score", "problems"])
        for row in table:
            writer.writerow(
                [
                    row["student"],
                    *(row["cells"][c]["status"] for c in cols),
                    row["passed"],
                    row["total"],
                    f"{100 * row['passed'] / row['total']:.0f}" if row["total"] else "0",
                    "; ".join(row["problems"]),
                ]
            )
    document = {
        "exercises": labels,
        "seconds": round(run.seconds, 2),
        "template_seconds": round(run.template_seconds, 3),
        "students": [
            {
                "student": row["student"],
                "username": row["username"],
                "on_class_list": row["on_roster"],
                "submissions": row["sources"],
                "passed": row["passed"],
                "total": row["total"],
                "problems": row["problems"],
                "notes": row["notes"],
                "exercises": {label: row["cells"][c] for label, c in zip(labels, cols, strict=True)},
            }
            for row in table
        ],
        "submissions": [
            {
                "path": r.submission.shown or r.submission.path.name,
                "student": r.submission.label,
                "seconds": round(r.seconds, 2),
            }
            for r in run.results
        ],
    }
    (out / "grades.json").write_text(
        json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "report.html").write_text(_report_html(run, table, cols, labels), encoding="utf-8")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for row in table:
        if students is None or row["student"] in students:
            (feedback / f"{slug(row['student'])}.html").write_text(
                _feedback_html(row, cols, labels), encoding="utf-8"
            )
    for result in run.results if students is None and graded else []:
        write_graded(out, result)


def clear_reports(out: Path) -> None:
    """The reports of an earlier run in `out` taken away, so that none is mixed with this run's."""
    for name in ("feedback", "graded"):
        if (out / name).exists():
            shutil.rmtree(out / name)
    for name in ("grades.csv", "grades.json", "report.html"):
        (out / name).unlink(missing_ok=True)


def write_graded(out: Path, result: Result) -> None:
    """The submission as it ran (outputs capped), in graded/<student>/."""
    import nbformat

    if result.graded_nb is None:
        return
    target = out / "graded" / slug(result.submission.label) / result.submission.path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(result.graded_nb, str(target))


def slug(text: str) -> str:
    cleaned = re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.")
    return cleaned or "student"


COLOURS = {
    PASSED: "#2e7d32",
    FAILED: "#e57373",
    NOT_ANSWERED: "#bdbdbd",
    ERROR: "#6a1b9a",
    NOT_SUBMITTED: "#ffffff",
}
BLANK = "color:#222;border:1px solid #999"
SYMBOLS = {PASSED: "✓", FAILED: "✗", NOT_ANSWERED: "·", ERROR: "!", NOT_SUBMITTED: ""}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: center; font-size: 13px; }
th.student, td.student { text-align: left; white-space: nowrap; }
td.cell { width: 22px; color: white; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; color: white; }
.bar { background: #2e7d32; height: 10px; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 6px; }
"""


def _report_html(run: Run, table: list[dict], cols, labels) -> str:
    e = html.escape
    rates = []
    for column, label in zip(cols, labels, strict=True):
        submitted = [r for r in table if r["cells"][column]["status"] != NOT_SUBMITTED]
        passed = sum(1 for r in submitted if r["cells"][column]["status"] == PASSED)
        rates.append((label, passed, len(submitted)))
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Grades</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Grades: {len(table)} students, {len(labels)} exercises</h1>",
        f"<p>{len(run.results)} submissions graded in {run.seconds:.0f} s.</p>",
        "<p class='legend'>"
        + "".join(
            f"<span style='background:{COLOURS[s]};{BLANK if s == NOT_SUBMITTED else ''}'>"
            f"{SYMBOLS[s]} {s}</span>"
            for s in STATUSES
        )
        + "</p>",
        "<h2>Hardest first</h2><table><tr><th>exercise</th><th>passed</th><th>pass rate</th></tr>",
    ]
    for label, passed, submitted in sorted(rates, key=lambda r: (r[1] / r[2] if r[2] else 0, r[0])):
        rate = passed / submitted if submitted else 0
        parts.append(
            f"<tr><td>{e(label)}</td><td>{passed}/{submitted}</td>"
            f"<td style='width:200px;text-align:left'><div class='bar' style='width:{rate * 100:.0f}%'></div>"
            f"{rate * 100:.0f}%</td></tr>"
        )
    parts.append("</table><h2>Students × exercises</h2><table><tr><th class='student'>student</th>")
    parts.extend(f"<th>{e(label)}</th>" for label in labels)
    parts.append("<th>passed</th><th>problems</th></tr>")
    for row in table:
        link = f"feedback/{quote(slug(row['student']))}.html"
        flag = " (not on the class list)" if row["on_roster"] is False else ""
        parts.append(f"<tr><td class='student'><a href='{link}'>{e(row['student'])}</a>{e(flag)}</td>")
        for column in cols:
            outcome = row["cells"][column]
            status = outcome["status"]
            title = e(f"{status}: {outcome['message']}"[:500], quote=True)
            colour = COLOURS[status]
            parts.append(
                f"<td class='cell' style='background:{colour}' title='{title}'>{SYMBOLS[status]}</td>"
            )
        parts.append(f"<td>{row['passed']}/{row['total']}</td><td>{e('; '.join(row['problems']))}</td></tr>")
    parts.append("<tr><th class='student'>pass rate</th>")
    parts.extend(f"<td>{(p / s * 100 if s else 0):.0f}%</td>" for _, p, s in rates)
    parts.append("<td></td><td></td></tr></table></body></html>\n")
    return "".join(parts)


def _feedback_html(row: dict, cols, labels) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(row['student'])}</title>",
        f"<style>{STYLE}</style></head><body><h1>{e(row['student'])}: {row['passed']} of {row['total']}</h1>",
    ]
    if row["sources"]:
        parts.append("<p>Graded: " + ", ".join(e(s) for s in row["sources"]) + "</p>")
    parts.extend(f"<p><strong>{e(p)}</strong></p>" for p in row["problems"])
    parts.extend(f"<p><em>{e(n)}</em></p>" for n in row["notes"])
    parts.append(
        "<table><tr><th>exercise</th><th>result</th><th class='student'>what the check said</th></tr>"
    )
    for column, label in zip(cols, labels, strict=True):
        outcome = row["cells"][column]
        status = outcome["status"]
        parts.append(
            f"<tr><td>{e(label)}</td><td style='background:{COLOURS[status]};color:"
            f"{'#222' if status == NOT_SUBMITTED else 'white'}'>{SYMBOLS[status]} {e(status)}</td>"
            f"<td class='student'><pre>{e(outcome['message'])}</pre></td></tr>"
        )
    parts.append("</table></body></html>\n")
    return "".join(parts)
