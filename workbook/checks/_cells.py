"""A value answer checked by how it was made: the learner's exercise cell, run again on changed data.

A number or a name copied from the output looks the same as one a query gave. In a kernel the
runner can read the cells' source (`_runner.cell_sources`), so a check can run the newest cell that
assigns the answer's variable again, in a copy of the notebook's namespace, inside a transaction
that is always rolled back, after changing the data so the right answer changes too: an answer
that follows the data is made by code; a literal stays what it was.
Top-level `check.*(...)` calls in that cell are left out, and what it prints is not shown.
Outside a kernel (the tests, a script) there is no cell to run: `rerun` says so and checks nothing.
"""

from __future__ import annotations

import ast
import contextlib
import io

from ..i18n import _
from ._base import CheckFailed
from ._probe import rolled_back, shown


def _stores(tree: ast.AST, variable: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == variable and isinstance(node.ctx, ast.Store)
        for node in ast.walk(tree)
    )


def _without_checks(tree: ast.Module) -> ast.Module:
    def is_check(statement) -> bool:
        call = statement.value if isinstance(statement, ast.Expr) else None
        return (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "check"
        )

    tree.body = [statement for statement in tree.body if not is_check(statement)]
    return tree


def exercise_cell(variable: str) -> ast.Module | None:
    """The newest cell that assigns `variable`, parsed (IPython syntax turned into Python first)."""
    from . import _runner

    for source in _runner.cell_sources():
        try:
            tree = ast.parse(_runner.as_python(source))
        except SyntaxError:
            continue
        if _stores(tree, variable):
            return _without_checks(tree)
    return None


def rerun(exercise: str, variable: str, change, judge) -> bool:
    """Run the cell that assigns `variable` again after `change()`, inside a rolled-back transaction,
    and hand its new value to `judge(value)`, which raises CheckFailed when the value does not
    follow the data. `change()` may return a function that undoes what the rollback cannot (a
    patched view). False when there is no kernel or no such cell: nothing was checked."""
    from . import _runner

    tree = exercise_cell(variable)
    namespace = _runner.user_namespace()
    if tree is None or namespace is None:
        return False
    space = dict(namespace)
    with rolled_back():
        undo = change()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(tree, "<exercise cell>", "exec"), space)  # the learner's own cell
        except CheckFailed:
            raise
        except Exception as exc:
            text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise CheckFailed(
                exercise,
                _(
                    "your exercise cell, run again on changed data (rolled back), raised {kind}: {text}"
                ).format(kind=type(exc).__name__, text=text),
                hint=_("compute the answer from the data, so the same cell is right on other data too"),
            ) from None
        finally:
            if callable(undo):
                undo()
        judge(space.get(variable))
    return True


def did_not_follow(exercise: str, *, change: str, expected, got, hint: str) -> CheckFailed:
    """The ✗ for an answer that stayed the same when the data changed."""
    return CheckFailed(
        exercise,
        _("your exercise cell, run again {change}, does not give the new answer").format(change=change),
        expected=shown(expected),
        got=shown(got),
        hint=hint,
    )
