"""Exercise checks, one module per notebook: `from workbook.checks import orm as check`.

A check prints one line starting with ✓ when the answer is right. When it is wrong it raises
CheckFailed, whose message says what was expected, what came back and what to look at; in a
notebook the runner (_runner.py) shows that message instead of a traceback and goes on.
Every checks module also answers `check.hint("q3")` and `check.solution("q3")` (hints/).
"""

import functools
import importlib
import pkgutil

from . import _runner
from ._base import CheckFailed, NotAnswered, hint, ok, solution

_runner.install()  # in a kernel: check cells go through the runner

__all__ = ["CheckFailed", "NotAnswered", "ok"]


def _give_helpers() -> None:
    """check.hint and check.solution on every checks module, bound to its name."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for helper in (hint, solution):
            if not hasattr(module, helper.__name__):
                bound = functools.partial(helper, info.name)
                functools.update_wrapper(bound, helper)
                setattr(module, helper.__name__, bound)


_give_helpers()
