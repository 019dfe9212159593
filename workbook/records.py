"""The learner's progress: every check's result, kept in a table that `reset()` leaves alone.

The checks' runner (workbook/checks/_runner.py) records each check run in a notebook:
passed, or tried (a wrong answer). "No answer yet" is not a try. The table, workbook_progress,
lives in the learner's own database beside the service's tables, but belongs to no model, so
`workbook.reset()` (which empties the seed's tables) and the tests' databases never touch it.
`workbook.progress()` in a notebook and `python -m workbook progress` show it per notebook.
"""

from __future__ import annotations

import json
import re

from .i18n import _, display_width
from .paths import NOTEBOOKS_DIR

TABLE = "workbook_progress"
CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    module text NOT NULL,
    exercise text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    first_tried timestamptz NOT NULL DEFAULT now(),
    last_tried timestamptz NOT NULL DEFAULT now(),
    passed_at timestamptz,
    last_passed boolean NOT NULL,
    last_message text NOT NULL DEFAULT '',
    PRIMARY KEY (module, exercise)
)
"""
UPSERT = f"""
INSERT INTO {TABLE} (module, exercise, attempts, passed_at, last_passed, last_message)
VALUES (%s, %s, 1, CASE WHEN %s THEN now() END, %s, %s)
ON CONFLICT (module, exercise) DO UPDATE SET
    attempts = {TABLE}.attempts + 1,
    last_tried = now(),
    passed_at = COALESCE({TABLE}.passed_at, EXCLUDED.passed_at),
    last_passed = EXCLUDED.last_passed,
    last_message = EXCLUDED.last_message
"""
PASSED, TRIED, NOT_STARTED = "passed", "tried", "not started"
MARKS = {PASSED: "✓", TRIED: "✗", NOT_STARTED: "·"}
_IMPORT = re.compile(r"^from workbook\.checks import (\w+) as check$", re.MULTILINE)
_CALL = re.compile(r"^check\.(\w+)\(", re.MULTILINE)


def record(module: str, exercise: str, *, passed: bool, message: str = "") -> bool:
    """Store one check's result; False (and nothing said) where the database cannot take it now."""
    try:
        from django.db import connection

        if connection.in_atomic_block:  # the learner's own transaction: stay out of it
            return False
        with connection.cursor() as cursor:
            cursor.execute(CREATE)
            cursor.execute(UPSERT, [module, exercise, passed, passed, message[:2000]])
        return True
    except Exception:  # progress is a convenience: it never breaks a check
        return False


def results() -> dict[tuple[str, str], str]:
    """{(module, exercise): passed | tried} for every exercise checked at least once."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute(f"SELECT module, exercise, passed_at IS NOT NULL FROM {TABLE}")
        return {(m, e): PASSED if passed else TRIED for m, e, passed in cursor.fetchall()}


def status(module: str, exercise: str) -> str:
    try:
        return results().get((module, exercise), NOT_STARTED)
    except Exception:
        return NOT_STARTED


def exercises(directory=NOTEBOOKS_DIR) -> list[tuple[str, str, list[str]]]:
    """[(notebook stem, checks module, [exercise names in order])] from the solved notebooks."""
    found = []
    for path in sorted(directory.glob("[0-9][0-9]-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        module = next((m.group(1) for s in code if (m := _IMPORT.search(s))), None)
        names: list[str] = []
        for index, source in enumerate(code[:-1]):
            if "### BEGIN SOLUTION" in source:
                names += [n for n in _CALL.findall(code[index + 1])[:1] if n not in names]
        if module and names:
            found.append((path.stem, module, names))
    return found


def table(done: dict[tuple[str, str], str] | None = None) -> str:
    """One line per notebook: how many passed and tried, then each exercise with its mark."""
    done = results() if done is None else done
    rows = []
    for stem, module, names in exercises():
        marks = [done.get((module, n), NOT_STARTED) for n in names]
        counts = _("{passed}/{total} passed, {tried} tried").format(
            passed=marks.count(PASSED), total=len(names), tried=marks.count(TRIED)
        )
        rows.append((stem, counts, "  ".join(f"{MARKS[m]} {n}" for m, n in zip(marks, names, strict=True))))
    width = max(len(r[0]) for r in rows)
    counts_width = max(display_width(r[1]) for r in rows)
    lines = [
        f"{stem:<{width}}  {counts}{' ' * (counts_width - display_width(counts))}  {marks}"
        for stem, counts, marks in rows
    ]
    lines.append(_("✓ passed  ✗ tried, not passed yet  · not started"))
    return "\n".join(lines)


def show() -> None:
    print(table())
