"""What a learner's answer looks like before it is written: the stub's marks, and `answered()`.

Student copies (workbook/authoring/student.py) replace each solution with a stub: answer
variables set to None, or a function whose body raises NotImplementedError with STUB_MESSAGE.
The code after a solution runs under `if workbook.answered(...):`, and the checks' runner says
"no answer yet" instead of checking, so Run All in a fresh copy goes to the end.
"""

from __future__ import annotations

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
STUB_MESSAGE = (
    "Exercise {name} is yours: write your code in place of these lines, run the cell, "
    "then run the check below."
)
_STUB_MARK = " is yours: write your code in place of these lines"


def is_stub(value) -> bool:
    """None, `...`, a dict whose every value is still None (a stub keeps a dict exercise's keys),
    or a function whose body is still the student copy's `raise NotImplementedError`."""
    if value is None or value is Ellipsis:
        return True
    if isinstance(value, dict) and value and all(v is None for v in value.values()):
        return True
    code = getattr(value, "__code__", None)
    return code is not None and any(isinstance(c, str) and _STUB_MARK in c for c in code.co_consts)


def answered(*values) -> bool:
    """True when every value is an answer, not a stub's placeholder."""
    return not any(is_stub(v) for v in values)


def show(value) -> None:
    """Show a value as a cell's last expression would (nothing for None); used in student copies."""
    import sys

    sys.displayhook(value)
