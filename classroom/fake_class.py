"""A made-up class of submissions of one notebook, with the grade each one must get.

For the grader's test and benchmark: right, wrong and unanswered exercises in a seeded mix, and the
submissions a grader must survive (a never-ending loop, memory exhaustion, `sys.exit`, a cell that
drops tables, a printed fake ✓, a check cell edited or rebound, cell ids changed, a file that is
not a notebook, truncated JSON). The truth is worked out from how each submission was made, never
by running it.

- right: the solution as written. wrong: the solution runs (its side effects stay), then the
  answer variables are rebound to a string, which no check accepts. unanswered: the student
  copy's stub (`x = ...` then NotImplementedError).
- An exercise that reads another's answer variables (05's q2 reads q1's `new_posts`), or the rows
  another one changed (q15 restores what q14 deleted), is unanswered when that one is not right;
  an exercise whose answer others read is never made wrong.
"""

from __future__ import annotations

import ast
import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path

from workbook.authoring.conventions import assigned_names, read, strip_solution, write
from workbook.paths import NOTEBOOKS_DIR

from .grade import ERROR, FAILED, NOT_ANSWERED, PASSED, load_original

RIGHT, WRONG, UNANSWERED = "right", "wrong", "unanswered"
# Rows one exercise changes and a later one expects changed: not visible from the variables.
STATE_DEPENDENCIES = {"05-orm-exercises": {"q14": ["q15"]}}
KINDS = (
    "mixed",
    "all-right",
    "student-copy",
    "fake-tick",
    "loop",
    "memory",
    "sys-exit",
    "drop-tables",
    "rebound-check",
    "edited-check",
    "new-ids",
    "not-a-notebook",
    "truncated",
)


@dataclass
class Made:
    path: Path
    kind: str
    truth: dict[str, str]  # exercise -> passed / failed / not answered / error


def _loads(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _solution(source: str) -> str:
    inside, lines = False, []
    for line in source.splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


class Maker:
    def __init__(self, original_path: Path):
        self.original = load_original(original_path)
        self.nb = read(original_path)
        self.cell_of = {c.get("id"): c for c in self.nb.cells}
        self.names = [e.name for e in self.original.exercises]
        answers = {
            e.name: assigned_names(_solution(self.cell_of[e.exercise_id].source))
            for e in self.original.exercises
        }
        self.answers = answers
        # Who reads whose answer variables (in the exercise cell, not the check cell).
        self.dependents: dict[str, list[str]] = {name: [] for name in self.names}
        for later in self.original.exercises:
            reads = _loads(self.cell_of[later.exercise_id].source) - set(answers[later.name])
            for earlier in self.original.exercises[: later.position]:
                if reads & set(answers[earlier.name]):
                    self.dependents[earlier.name].append(later.name)
        for earlier, later in STATE_DEPENDENCIES.get(self.original.key, {}).items():
            self.dependents[earlier].extend(later)
        # An answer variable no other cell assigns: a cell that never finishes leaves it unbound,
        # so its check cannot run (NameError), whatever came before.
        assigned_elsewhere: dict[str, int] = {}
        for cell in self.nb.cells:
            if cell.cell_type == "code":
                for name in assigned_names(cell.source):
                    assigned_elsewhere[name] = assigned_elsewhere.get(name, 0) + 1
        self.unique = [
            e.name
            for e in self.original.exercises
            if answers[e.name]
            and all(assigned_elsewhere.get(v, 0) == 1 for v in answers[e.name])
            and not self.dependents[e.name]
        ]

    def plan(self, rng: random.Random, weights=(0.6, 0.2, 0.2)) -> dict[str, str]:
        choice: dict[str, str] = {}
        for name in self.names:
            kinds = [RIGHT, WRONG, UNANSWERED]
            pick = rng.choices(kinds, weights=weights)[0]
            # A wrong answer only where rebinding the answer's variables reaches the check.
            if pick == WRONG and (self.dependents[name] or name not in self.unique):
                pick = RIGHT
            choice[name] = pick
        for name in self.names:  # in order: a chain of dependents follows the first break
            if choice[name] != RIGHT:
                for later in self.dependents[name]:
                    choice[later] = UNANSWERED
        return choice

    def build(self, choice: dict[str, str]):
        nb = copy.deepcopy(self.nb)
        cells = {c.get("id"): c for c in nb.cells}
        for exercise in self.original.exercises:
            cell = cells[exercise.exercise_id]
            cell.outputs, cell.execution_count = [], None
            cells[exercise.check_id].outputs = []
            cells[exercise.check_id].execution_count = None
            how = choice[exercise.name]
            if how == UNANSWERED:
                cell.source = strip_solution(cell.source, exercise.name)
            elif how == WRONG:
                rebind = "\n".join(f'{v} = "my answer"' for v in self.answers[exercise.name])
                cell.source = _after_solution(cell.source, rebind)
        return nb

    @staticmethod
    def truth(choice: dict[str, str]) -> dict[str, str]:
        return {
            name: {RIGHT: PASSED, WRONG: FAILED, UNANSWERED: NOT_ANSWERED}[how]
            for name, how in choice.items()
        }


def _after_solution(source: str, extra: str) -> str:
    lines = source.splitlines()
    end = max(i for i, line in enumerate(lines) if line.strip() == "### END SOLUTION")
    indent = lines[end][: len(lines[end]) - len(lines[end].lstrip())]
    return "\n".join([*lines[:end], *(indent + x for x in extra.splitlines()), *lines[end:]])


def _new_cell(source: str, cell_id: str):
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    return cell


def make_class(
    out_dir: Path,
    n: int = 100,
    *,
    seed: int = 15,
    original: Path = NOTEBOOKS_DIR / "05-orm-exercises.ipynb",
    kinds: tuple[str, ...] = KINDS,
) -> list[Made]:
    """`n` submissions in out_dir, one per kind in turn (mixed ones fill the rest); their truth."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    maker = Maker(original)
    rng = random.Random(seed)
    made: list[Made] = []
    order = list(kinds) + ["mixed"] * max(0, n - len(kinds))
    for number, kind in enumerate(order[:n], start=1):
        path = out_dir / f"s{number:03d}-{kind}.ipynb"
        made.append(_make_one(maker, kind, rng, path))
    (out_dir / "truth.json").write_text(
        json.dumps({m.path.stem: {"kind": m.kind, "truth": m.truth} for m in made}, indent=1) + "\n"
    )
    return made


def _make_one(maker: Maker, kind: str, rng: random.Random, path: Path) -> Made:
    names = maker.names
    if kind == "not-a-notebook":
        path.write_text("My answers are in the PDF I mailed you.\n", encoding="utf-8")
        return Made(path, kind, dict.fromkeys(names, ERROR))
    if kind == "truncated":
        text = json.dumps(maker.build({n: RIGHT for n in names}), indent=1)
        path.write_text(text[: len(text) // 2], encoding="utf-8")
        return Made(path, kind, dict.fromkeys(names, ERROR))
    if kind == "all-right":
        choice = dict.fromkeys(names, RIGHT)
    elif kind in ("student-copy", "fake-tick"):
        choice = dict.fromkeys(names, UNANSWERED)
    else:
        choice = maker.plan(rng)
    truth = maker.truth(choice)
    by_name = {e.name: e for e in maker.original.exercises}

    if kind in ("loop", "memory"):
        # In an exercise whose answer nothing else assigns: the cell never gets to the solution.
        target = maker.unique[0] if kind == "loop" else maker.unique[-1]
        choice[target] = RIGHT
        for later in maker.dependents[target]:
            choice[later] = UNANSWERED
        truth = maker.truth(choice)
        truth[target] = ERROR
    if kind == "drop-tables":  # the last three answered right, so that only the lost tables fail them
        for exercise in maker.original.exercises[-3:]:
            choice[exercise.name] = RIGHT
        truth = maker.truth(choice)
    if kind in ("rebound-check", "edited-check"):
        target = next(n for n in maker.unique if choice[n] == RIGHT)
        choice[target] = WRONG
        truth = maker.truth(choice)
    nb = maker.build(choice)
    cells = {c.get("id"): c for c in nb.cells}

    if kind == "fake-tick":
        for exercise in maker.original.exercises:
            tick = f'print("✓ {exercise.name}: right")'
            cells[exercise.exercise_id].source += f"\n{tick}"
            cells[exercise.check_id].source = tick
    elif kind == "loop":
        cell = cells[by_name[target].exercise_id]
        cell.source = "while True:  # thinking\n    pass\n" + cell.source
    elif kind == "memory":
        cell = cells[by_name[target].exercise_id]
        # Held by the comprehension only: freed when MemoryError ends it, as a runaway list would be.
        cell.source = "[bytearray(50_000_000) for _ in range(1_000_000)]\n" + cell.source
    elif kind == "sys-exit":
        at = nb.cells.index(cells[maker.original.exercises[len(names) // 3].check_id]) + 1
        nb.cells.insert(at, _new_cell("import sys\n\nsys.exit(0)", "student-exit"))
    elif kind == "drop-tables":
        # After the check of the last-but-three exercise: the last three find no tables.
        cut = maker.original.exercises[-4]
        at = nb.cells.index(cells[cut.check_id]) + 1
        nb.cells.insert(
            at,
            _new_cell(
                "from django.db import connection\n\nwith connection.cursor() as cursor:\n"
                '    cursor.execute("DROP TABLE posts_like, posts_comment, posts_file, posts_post, '
                'accounts_profile CASCADE")',
                "student-drop",
            ),
        )
        for exercise in maker.original.exercises[-3:]:
            truth[exercise.name] = ERROR
    elif kind == "rebound-check":
        exercise = by_name[target]
        cells[
            exercise.exercise_id
        ].source += f'\ncheck.{target} = lambda *args, **kwargs: print("✓ {target}: right")'
    elif kind == "edited-check":
        exercise = by_name[target]
        cells[exercise.check_id].source = f'print("✓ {target}: right")'
    elif kind == "new-ids":
        for index, cell in enumerate(nb.cells):
            cell.id = f"renamed-{index}"
    write(nb, path)
    return Made(path, kind, truth)
