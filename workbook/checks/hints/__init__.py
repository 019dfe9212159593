"""Help beside the checks: hints in steps, the "why it works" line, skeletons, reference solutions.

One module here per checks module (orm.py for workbook/checks/orm.py), each with up to three dicts
keyed by exercise name: HINTS (two or three steps, each more specific), WHY (one line shown after
a ✓) and SKELETONS (the start a student copy gets instead of an empty stub). The reference
solution is read from the solved notebook in notebooks/, the one place it is written.
Hints and WHY lines are marked with N_() and translated when shown (workbook/i18n); a step that is
only code is left unmarked, as it reads the same in every language.
"""

from __future__ import annotations

import importlib
import json
import re

from ...answers import BEGIN_SOLUTION, END_SOLUTION
from ...i18n import _
from ...paths import NOTEBOOKS_DIR

_shown: dict[tuple[str, str], int] = {}  # hint steps already shown in this kernel


def _data(module: str | None, kind: str) -> dict:
    if not module:
        return {}
    try:
        found = importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError:
        return {}
    return getattr(found, kind, {})


def steps(module: str, exercise: str) -> list[str]:
    return [_(step) for step in _data(module, "HINTS").get(exercise, [])]


def why(module: str, exercise: str) -> str:
    found = _data(module, "WHY").get(exercise, "")
    return _(found) if found else ""


def skeleton(module: str | None, exercise: str, lang: str = "en") -> str:
    """The start a student copy gets instead of an empty stub: SKELETONS, or in Korean
    SKELETONS_KO where the module has one (its comments translated, its code the same)."""
    if lang != "en" and exercise in _data(module, f"SKELETONS_{lang.upper()}"):
        return _data(module, f"SKELETONS_{lang.upper()}")[exercise]
    return _data(module, "SKELETONS").get(exercise, "")


def skeletons(module: str | None, exercise: str) -> list[str]:
    """The exercise's skeleton in every language: an answer still one of them is no answer yet."""
    found = [_data(module, "SKELETONS").get(exercise, ""), _data(module, "SKELETONS_KO").get(exercise, "")]
    return [text for text in found if text]


def hint(module: str, exercise: str, step: int | None = None) -> None:
    """Print the hints up to the next step (or up to `step`); each call goes one step further."""
    found = steps(module, exercise)
    if not found:
        print(
            _(
                "No hints for {exercise!r}: the exercise's text and its check's message say where to look."
            ).format(exercise=exercise)
        )
        return
    key = (module, exercise)
    upto = min(len(found), step if step else _shown.get(key, 0) + 1)
    _shown[key] = max(upto, 1)
    for number, text in enumerate(found[:upto], start=1):
        print(
            _("hint {number}/{count} for {exercise}: {text}").format(
                number=number, count=len(found), exercise=exercise, text=text
            )
        )
    if upto < len(found):
        print(_('(run check.hint("{exercise}") again for a more specific one)').format(exercise=exercise))
    else:
        print(
            _(
                '(the last hint; once you have tried, check.solution("{exercise}") shows a reference answer)'
            ).format(exercise=exercise)
        )


def reference_solution(module: str, exercise: str) -> str | None:
    """The solution block of the exercise in the solved notebook that uses this checks module."""
    imports = f"from workbook.checks import {module} as check"
    call = re.compile(rf"^check\.{re.escape(exercise)}\(", re.MULTILINE)
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        if not any(imports in source for source in code):
            continue
        for index, source in enumerate(code[:-1]):
            if BEGIN_SOLUTION in source and call.search(code[index + 1]):
                markers = (BEGIN_SOLUTION, END_SOLUTION)
                return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
    return None
