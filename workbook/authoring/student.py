"""Student copies: every solution replaced by a stub, the outputs of exercise and check cells cleared."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path

from ..checks.hints import skeleton
from ..paths import NOTEBOOKS_DIR, STUDENT_DIR
from .conventions import (
    answer_names,
    check_cells,
    check_module,
    clear_outputs,
    exercise_name,
    is_exercise,
    notebook_paths,
    read,
    strip_solution,
    write,
)


def student_copy(nb):
    """A copy with the solutions replaced by stubs and exercise and check outputs cleared."""
    nb = copy.deepcopy(nb)
    checks = check_cells(nb)
    module = check_module(nb)
    for index, cell in enumerate(nb.cells):
        if is_exercise(cell):
            name = exercise_name(nb, index)
            following = next((i for i in sorted(checks) if i > index), None)
            answers = answer_names(nb.cells[following].source) if following is not None else None
            cell.source = strip_solution(cell.source, name, answers, skeleton(module, name))
            clear_outputs(cell)
        elif index in checks:
            clear_outputs(cell)
    return nb


def write_student_copies(
    out_dir: Path = STUDENT_DIR, names: Iterable[str] | None = None, *, directory: Path = NOTEBOOKS_DIR
) -> list[Path]:
    written = []
    for path in notebook_paths(names, directory=directory):
        target = Path(out_dir) / path.name
        write(student_copy(read(path)), target)
        written.append(target)
    return written
