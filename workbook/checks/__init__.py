"""Exercise checks, one module per notebook: `from workbook.checks import orm as check`.

A check prints one line starting with ✓ when the answer is right. When it is wrong it raises
CheckFailed, whose message says what was expected, what came back and what to look at.
"""

from ._base import CheckFailed, NotAnswered, ok

__all__ = ["CheckFailed", "NotAnswered", "ok"]
