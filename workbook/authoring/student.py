"""Student copies (every solution replaced by a stub, exercise and check outputs cleared), the
learner's workspace made of them, and the copy of the solved notebooks `lab --solutions` opens."""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ..checks.hints import skeleton
from ..i18n import DEFAULT, MARKER
from ..paths import NOTEBOOKS_DIR, STUDENT_DIR, WORKSPACE_DIR
from .conventions import (
    BACKUPS,
    answer_names,
    check_cells,
    check_module,
    clear_outputs,
    exercise_name,
    is_bootstrap,
    is_exercise,
    notebook_paths,
    read,
    strip_solution,
    write,
)


def student_copy(nb):
    """A copy with the solutions replaced by stubs and exercise and check outputs cleared; the
    stubs speak the edition's language (the notebook's metadata: workbook.language)."""
    nb = copy.deepcopy(nb)
    lang = nb.metadata.get("workbook", {}).get("language", DEFAULT)
    checks = check_cells(nb)
    module = check_module(nb)
    for index, cell in enumerate(nb.cells):
        if is_exercise(cell):
            name = exercise_name(nb, index)
            following = next((i for i in sorted(checks) if i > index), None)
            answers = answer_names(nb.cells[following].source) if following is not None else None
            cell.source = strip_solution(cell.source, name, answers, skeleton(module, name, lang), lang)
            clear_outputs(cell)
        elif index in checks:
            clear_outputs(cell)
    _clear_the_authors_machine(nb)
    return nb


def _output_text(cell) -> str:
    return "".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
    )


def _clear_the_authors_machine(nb) -> None:
    """Outputs that describe where the authors ran the notebook (its first cell's Django and
    PostgreSQL versions and database name, a cell that prints the database) are not the learner's:
    a copy opens with those cells blank, as their own kernel will fill them."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not code or not is_bootstrap(code[0]):
        return
    found = re.search(r"(?:database|데이터베이스) '([^']+)'", _output_text(code[0]))  # status_line()
    clear_outputs(code[0])
    if found:
        name = re.compile(rf"\b{re.escape(found.group(1))}\b")
        for cell in code[1:]:
            if name.search(_output_text(cell)):
                clear_outputs(cell)


def as_this_kernel_reports(nb):
    """`nb` with the kernel metadata this environment's kernel sends when it starts (its spec's
    display name, its language_info with this Python's version): JupyterLab writes those into a
    notebook it opens, and one that differs shows as edited (●) before the learner typed a thing.
    The workspace is made by the venv that runs its kernels, so they agree."""
    try:
        from ipykernel.ipkernel import IPythonKernel
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:  # no kernel here (a grader's tools only): nothing to agree with
        return nb
    name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return nb
    nb.metadata["kernelspec"] = {"display_name": spec.display_name, "language": spec.language, "name": name}
    nb.metadata["language_info"] = copy.deepcopy(IPythonKernel.language_info)
    return nb


# Outputs JupyterLab rewrites as it shows them: its Vega renderer adds a PNG of the chart to the
# output, which marks the notebook edited. A workspace copy shows the chart once the learner runs it.
REWRITTEN_ON_DISPLAY = ("application/vnd.vegalite.", "application/vnd.vega.")


def as_the_lab_shows_it(nb):
    """A workspace copy that opens unedited: the kernel metadata as this environment's kernel
    reports it, and no output that JupyterLab would rewrite while showing it."""
    for cell in nb.cells:
        outputs = cell.get("outputs") or []
        if any(key.startswith(REWRITTEN_ON_DISPLAY) for o in outputs for key in o.get("data", {})):
            clear_outputs(cell)
    return as_this_kernel_reports(nb)


def language_of(directory: Path) -> str:
    """The edition a folder of notebooks holds: its own .workbook-lang, else English."""
    marker = Path(directory) / MARKER
    return marker.read_text(encoding="utf-8").strip() if marker.is_file() else DEFAULT


def mark_language(folder: Path, lang: str) -> None:
    """A copy of an edition speaks its language: kernels started in `folder` read the marker."""
    marker = Path(folder) / MARKER
    if lang == DEFAULT:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if not marker.is_file() or marker.read_text(encoding="utf-8").strip() != lang:
        marker.write_text(f"{lang}\n", encoding="utf-8")


def write_student_copies(
    out_dir: Path = STUDENT_DIR, names: Iterable[str] | None = None, *, directory: Path = NOTEBOOKS_DIR
) -> list[Path]:
    written = []
    for path in notebook_paths(names, directory=directory):
        target = Path(out_dir) / path.name
        write(student_copy(read(path)), target)
        written.append(target)
    mark_language(Path(out_dir), language_of(directory))
    return written


# Notebooks that became others. A workspace copy under the old name holds the learner's work: it
# stays as it is, and the new notebooks' copies are added beside it (`superseded` says so once).
SPLIT = {"01-docker.ipynb": ("01-docker-1-hands-on.ipynb", "01-docker-2-project.ipynb")}


def superseded(workspace: Path, added: Iterable[Path]) -> list[tuple[Path, tuple[str, ...]]]:
    """(old copy, its new notebooks) for each old copy in `workspace` whose new notebooks were just
    added: the moment to tell the learner, which comes once, as a copy is added only once."""
    added_names = {Path(p).name for p in added}
    found = []
    for old, new in SPLIT.items():
        copy_path = Path(workspace) / old
        if copy_path.is_file() and added_names & set(new):
            found.append((copy_path, tuple(Path(n).stem for n in new)))
    return found


def ensure_workspace(workspace: Path = WORKSPACE_DIR, *, directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The learner's workspace: a student copy of each notebook it does not hold yet.

    Never overwrites: a notebook already there (edited or not) is the learner's and stays as it is.
    Returns the copies it added (all of them on the first start, new notebooks later).
    """
    added = []
    for path in notebook_paths(directory=directory):
        target = Path(workspace) / path.name
        if not target.exists():
            write(as_the_lab_shows_it(student_copy(read(path))), target)
            added.append(target)
    mark_language(Path(workspace), language_of(directory))
    return added


def refresh(
    names: Iterable[str], workspace: Path = WORKSPACE_DIR, *, directory: Path = NOTEBOOKS_DIR
) -> list[tuple[Path, Path | None]]:
    """A fresh student copy of each named notebook; the old one moves to backups/ first.

    Returns (fresh copy, backup or None) pairs: nothing the learner wrote is lost.
    """
    done = []
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for path in notebook_paths(list(names), directory=directory):
        target = Path(workspace) / path.name
        backup = None
        if target.exists():
            backups = Path(workspace) / BACKUPS
            backups.mkdir(parents=True, exist_ok=True)
            backup = backups / f"{path.stem}.{stamp}.ipynb"
            number = 1
            while backup.exists():
                number += 1
                backup = backups / f"{path.stem}.{stamp}-{number}.ipynb"
            shutil.copy2(target, backup)
        write(as_the_lab_shows_it(student_copy(read(path))), target)
        done.append((target, backup))
    mark_language(Path(workspace), language_of(directory))
    return done


def copy_solutions(target: Path, *, directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The solved notebooks, copied afresh into `target` (the lab never opens notebooks/ itself)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in notebook_paths(directory=directory):
        write(as_this_kernel_reports(read(path)), target / path.name)
        copied.append(target / path.name)
    mark_language(target, language_of(directory))
    return copied
