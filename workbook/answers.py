"""What a learner's answer looks like before it is written: the stub's marks, and `answered()`.

Student copies (workbook/authoring/student.py) replace each solution with a stub: answer
variables set to None, or a function whose body raises NotImplementedError with the stub's
message (STUB_MESSAGES, in the edition's language).
The code after a solution runs under `if workbook.answered(...):`, and the checks' runner says
"no answer yet" instead of checking, so Run All in a fresh copy goes to the end.
"""

from __future__ import annotations

from .i18n.particles import fill

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
# The stub's words in each edition's language (the Korean copies are made from notebooks/ko/).
STUB_MESSAGES = {
    "en": (
        "Exercise {name} is yours: write your code in place of these lines, run the cell, "
        "then run the check below."
    ),
    "ko": (
        "연습 문제 {name}{은} 여러분이 풀 차례입니다: 이 줄 자리에 코드를 쓰고 셀을 실행한 다음, "
        "아래 검사를 실행하세요."
    ),
}
STUB_MESSAGE = STUB_MESSAGES["en"]
# What every stub holds, in each language: how a function still being the stub is recognised.
_STUB_MARKS = (
    " is yours: write your code in place of these lines",
    "여러분이 풀 차례입니다: 이 줄 자리에 코드를",
)
# The comment on the guard around code that needs the answer (conventions.guard_lines).
GUARD_COMMENTS = {"en": "runs once your answer is in", "ko": "답을 쓰고 나면 실행됩니다"}


def stub_message(name: str, lang: str = "en") -> str:
    """The stub's message for exercise `name` in the edition's language."""
    return fill(STUB_MESSAGES.get(lang, STUB_MESSAGE), name=name)


def is_stub(value) -> bool:
    """None, `...`, a dict whose every value is still None (a stub keeps a dict exercise's keys), or a
    function whose body is still the student copy's `raise NotImplementedError` (in either edition's
    words): the one test of "not answered yet" the checks' runner, the grader and `answered()` share."""
    if value is None or value is Ellipsis:
        return True
    if isinstance(value, dict) and value and all(v is None for v in value.values()):
        return True
    code = getattr(value, "__code__", None)
    return code is not None and any(
        isinstance(c, str) and any(mark in c for mark in _STUB_MARKS) for c in code.co_consts
    )


def answered(*values) -> bool:
    """True when every value is an answer, not a stub's placeholder."""
    return not any(is_stub(v) for v in values)


def show(value) -> None:
    """Show a value as a cell's last expression would (nothing for None); used in student copies."""
    import sys

    sys.displayhook(value)
