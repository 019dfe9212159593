"""Check cells in a notebook: one line per result, never a traceback, so Run All goes to the end.

In an IPython kernel, importing a checks module installs an AST transformer: a top-level
`check.q3(answer)` in a cell runs as `__workbook_check__(check, "q3", lambda: ((answer,), {}))`.
The runner then evaluates the arguments itself, so a variable that is not there (a deleted or
unrun exercise cell, a renamed variable) is named in one ✗ line; an answer still the stub's
gets "no answer yet"; a wrong answer shows the check's message; and whatever else goes wrong
inside the check is one ✗ line too. Each result is recorded (workbook/records.py), and a ✓ is
followed by the line that says why it works. Called outside a kernel (the tests), the checks
raise CheckFailed as before.
"""

from __future__ import annotations

import ast
import types

from ..answers import is_stub
from ..i18n import _
from . import hints

RUNNER = "__workbook_check__"
HELPERS = {"hint", "solution"}  # check.hint("q3") and check.solution("q3") are not checks


def module_name(module) -> str:
    return getattr(module, "__name__", str(module)).rsplit(".", 1)[-1]


def _no_answer(name: str, detail: str = "") -> None:
    where = detail or _("write it in the exercise cell above, run that cell, then this one")
    print(_('✗ {name}: no answer yet: {where} (stuck? check.hint("{name}"))').format(name=name, where=where))


_last_module: list[str] = []  # the checks module this kernel last ran a check from


def is_checks_module(module) -> bool:
    return isinstance(module, types.ModuleType) and module.__name__.startswith(f"{__package__}.")


def _rebound(name: str, module) -> None:
    """`check` no longer names a checks module: the learner gave the name another value."""
    again = (
        f"from workbook.checks import {_last_module[-1]} as check"
        if _last_module
        else _("the notebook's first code cell, which imports check")
    )
    print(
        _(
            "✗ {name}: the name check now holds {kind}, not this notebook's checks: a cell gave "
            "the name check another value. Run {again} again, and give your own value another name"
        ).format(name=name, kind=type(module).__name__, again=again)
    )


def run(module, name: str, arguments) -> None:
    """Run one check as a notebook cell asked for it; print, record, never raise."""
    from ..records import record
    from ._base import CheckFailed, NotAnswered

    if not is_checks_module(module):
        _rebound(name, module)
        return
    short = module_name(module)
    _last_module[:] = [short]
    try:
        args, kwargs = arguments()
    except NameError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        print(
            _(
                "✗ {name}: there is no variable {missing!r} yet: run the exercise cell above "
                "(it sets {missing}), then this check; if you renamed it, give it this name again"
            ).format(name=name, missing=missing)
        )
        return
    except Exception as exc:  # evaluating the learner's own expression
        print(
            _("✗ {name}: the value handed to the check raised {kind}: {exc}").format(
                name=name, kind=type(exc).__name__, exc=exc
            )
        )
        return
    values = [*args, *kwargs.values()]
    skeletons = hints.skeletons(short, name)
    if values and all(is_stub(v) or (isinstance(v, str) and any(v in s for s in skeletons)) for v in values):
        _no_answer(name)
        return
    check = getattr(module, name, None)
    if not callable(check):
        print(
            _("✗ {name}: this notebook has no check {name!r}: check.{name}(...) is misspelt?").format(
                name=name
            )
        )
        return
    try:
        check(*args, **kwargs)
    except NotAnswered as exc:
        _no_answer(name, exc.hint)
        return
    except CheckFailed as exc:
        print(str(exc))
        print(_('  more help: check.hint("{name}")').format(name=name))
        record(short, name, passed=False, message=exc.problem)
        return
    except Exception as exc:  # the answer is of a shape the check did not foresee
        from ._probe import cannot_use, kind_of

        asks_for = getattr(check, "asks_for", ())
        if values and asks_for and all(isinstance(v, asks_for) for v in values):
            # the kind the check declares it asks for: never told to be another kind
            failure = cannot_use(name, exc, values, asks_for)
            print(str(failure))
            print(_('  more help: check.hint("{name}")').format(name=name))
            record(short, name, passed=False, message=failure.problem)
            return
        text = str(exc).splitlines()[0] if str(exc) else ""
        kinds = ", ".join(kind_of(v) for v in values) or _("nothing")
        print(
            _(
                "✗ {name}: the answer is {kinds}, which this check cannot use ({kind}: {text}): "
                "give it the kind of value the exercise asks for"
            ).format(name=name, kinds=kinds, kind=type(exc).__name__, text=text)
        )
        print(_('  more help: check.hint("{name}")').format(name=name))
        record(short, name, passed=False, message=f"{type(exc).__name__}: {text}")
        return
    record(short, name, passed=True)
    because = hints.why(short, name)
    if because:
        print(_("  why it works: {because}").format(because=because))


def cell_sources() -> list[str]:
    """The source of the cells this kernel ran, newest first; [] outside a kernel.

    For checks whose exercise text asks for a shape of code the answer's value cannot show (an
    exception caught outside a block, not inside it)."""
    shell = _shell()
    if shell is None:
        return []
    return [source for source in reversed(shell.history_manager.input_hist_raw) if source]


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def user_namespace() -> dict | None:
    """The notebook's variables; None outside a kernel."""
    shell = _shell()
    return shell.user_ns if shell is not None else None


def as_python(source: str) -> str:
    """A cell's source as plain Python (IPython's magics and ! lines turned into calls)."""
    shell = _shell()
    return shell.transform_cell(source) if shell is not None else source


class CheckCalls(ast.NodeTransformer):
    """Top-level `check.<name>(...)` statements become calls of the runner."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        node.body = [self._wrap(statement) for statement in node.body]
        return ast.fix_missing_locations(node)

    def _wrap(self, statement):
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "check"
            and call.func.attr not in HELPERS
            and not call.func.attr.startswith("_")
        ):
            return statement
        kwargs = ast.Dict(
            keys=[ast.Constant(k.arg) if k.arg else None for k in call.keywords],
            values=[k.value for k in call.keywords],
        )
        arguments = ast.Lambda(
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=ast.Tuple(elts=[ast.Tuple(elts=call.args, ctx=ast.Load()), kwargs], ctx=ast.Load()),
        )
        runner = ast.Call(
            func=ast.Name(RUNNER, ast.Load()),
            args=[ast.Name("check", ast.Load()), ast.Constant(call.func.attr), arguments],
            keywords=[],
        )
        return ast.copy_location(ast.Expr(runner), statement)


def install() -> bool:
    """In an IPython kernel, route check cells through the runner (once); elsewhere nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.user_ns[RUNNER] = run
    if not any(isinstance(t, CheckCalls) for t in shell.ast_transformers):
        shell.ast_transformers.append(CheckCalls())
    return True
