"""What every check shares: the pass line, the failure that teaches, and the notebook's helpers.

In a notebook a check cell goes through workbook/checks/_runner.py (installed when a checks
module is imported in a kernel): one line per result, never a traceback, results recorded.
`check.hint("q3")` and `check.solution("q3")` exist on every checks module (see __init__).
"""

from __future__ import annotations

from ..i18n import _, display_width


class CheckFailed(AssertionError):
    """A wrong answer. In a notebook it shows as a short hint, not a traceback."""

    def __init__(self, exercise: str, problem: str, *, expected=None, got=None, hint: str = ""):
        self.exercise, self.problem, self.hint = exercise, problem, hint
        self.expected, self.got = expected, got
        labels = {"expected": _("expected:"), "got": _("got:"), "hint": _("hint:")}
        width = max(display_width(label) for label in labels.values()) + 1
        lines = [f"✗ {exercise}: {problem}"]
        for key, value in (("expected", expected), ("got", got), ("hint", hint or None)):
            if value is not None:
                label = labels[key]
                lines.append(f"  {label}{' ' * (width - display_width(label))}{value}")
        super().__init__("\n".join(lines))

    def _render_traceback_(self):  # IPython prints this instead of a traceback
        return str(self).splitlines()


class NotAnswered(CheckFailed):
    """The exercise cell was not run, or still holds the stub."""


def judged_in_kernel(why: str):
    """Declares that the grader cannot judge this check's answer outside the submission's kernel,
    and why (`classroom/grade.py` reads `check.judged_in_kernel`). Every other check is judged by
    a process that never runs the submission's code (workbook/authoring/judge.py), so an exercise
    judged in the kernel, which a determined forger can fake, is one a check says it is, here."""
    if not why.strip():
        raise ValueError("judged_in_kernel needs a reason")

    def declare(check):
        check.judged_in_kernel = why
        return check

    return declare


def judged_on_returns(check):
    """Declares that this check's answer is a function judged only by what it returns (or raises)
    for the arguments the check gives it, plain data in and out; or by what it does or is, as an
    observer of the check's reports it in plain data (`observe`: 03-2's transfer, the balances it
    leaves; 04's q1, a model class, its table, keys and saved rows). The grader then runs the
    check once in the kernel with the function's every call and observation recorded, takes them
    out as data, and the judge runs the same check on a stand-in
    that gives those results back (workbook/authoring/judge.py, `Replay`): what the kernel hands out
    is the answer, judged as one, and no code of the submission's runs there."""
    check.judged_on_returns = True
    return check


def judged_on_runs(check):
    """Declares that this check's answer is a file the check runs (02-cicd's own_test: a pytest
    file, run on a copy of the site and on broken copies). The grader hands the file's text out of
    the kernel as data; the judge reads it as the check does, and asks the grader (`RunsWanted`)
    to run it, each run in a new sandbox with a database of its own that nothing else can reach;
    the same check then judges the runs' outcomes (`test_runs`). No run happens in the kernel or in
    the judge, and no run can see another: a test's exit status is its own answer."""
    check.judged_on_runs = True
    return check


class RunsWanted(BaseException):
    """Raised in the judge by a check `@judged_on_runs` that has no runs yet: the grader runs the
    file (`name`, `text`) and asks again with the outcomes. A BaseException, so that no
    `except Exception` of a check's takes it for the answer's error."""

    def __init__(self, name: str, text: str):
        super().__init__(name)
        self.name, self.text = name, text


# Where the runs of a `@judged_on_runs` answer come from: None, the check runs the file itself (a
# learner's kernel); in the judge, for one request, {"runs": the grader's outcomes or None}.
HANDED_RUNS: dict | None = None


def test_runs(name: str, text: str, run_here):
    """`run(key)`: the outcome of the learner's file `name` (its `text`) on the copy `key` ("site",
    or one of workbook.pipeline.BREAKS) as (status, counts, failures). Run here by `run_here`
    (a context manager that yields such a function), or, in the judge, read from what the grader
    handed; without that, RunsWanted asks for it."""
    import contextlib

    if HANDED_RUNS is None:
        return run_here(name, text)
    runs = HANDED_RUNS.get("runs")
    if runs is None:
        raise RunsWanted(name, text)

    def handed(key: str):
        status, counts, failures = runs[key]
        return int(status), str(counts), [str(line) for line in failures]

    return contextlib.nullcontext(handed)


def observe(function, observer, *args):
    """`observer(function, *args)`: what the learner's function does, as plain data (the balances a
    transfer leaves, how the call ended). The grader's record of a kernel's run (judge.Replay, and
    the recording in judge.extraction_source) answers for itself: the observer runs in the kernel,
    and the judge gets its result as data."""
    if getattr(type(function), "records_observations", False):
        return function.observe(observer, *args)
    return observer(function, *args)


def kernel_also_judges(why: str):
    """Declares that part of this check needs the submission's kernel (running the exercise cell
    again on changed data), and why. The grader's judge still gives the verdict; the kernel's own
    check, run after it, can only take a ✓ away (a ✗ there stands), never give one: so a forger
    gains nothing, and an answer the judge alone cannot tell from a copied one still fails."""
    if not why.strip():
        raise ValueError("kernel_also_judges needs a reason")

    def declare(check):
        check.kernel_also_judges = why
        return check

    return declare


def kernel_reason(check) -> str:
    """Why `check` is judged in the kernel ("" when it is judged outside it)."""
    return getattr(check, "judged_in_kernel", "") or ""


def function_not_answered(exercise: str) -> NotAnswered:
    """For exercises that write a function: it still raises the student copy's stub."""
    return NotAnswered(
        exercise,
        _("there is no answer yet"),
        hint=_("write the function's body in the exercise cell above, run it, then run this check"),
    )


def expect_function(exercise: str, answer) -> None:
    """The answer of a "write a function" exercise must be the function itself."""
    require_answer(exercise, answer)
    if not callable(answer):
        raise CheckFailed(exercise, _("the answer should be your function itself"), got=type(answer).__name__)


def call_answer(exercise: str, function, *args, label: str, hint: str):
    """Call the learner's function: the stub's NotImplementedError means no answer yet, and
    whatever else it raises becomes a ✗ that says where, never a traceback from the check."""
    try:
        return function(*args)
    except NotImplementedError:
        raise function_not_answered(exercise) from None
    except Exception as exc:  # the learner's code
        raise CheckFailed(
            exercise,
            _("your function raised {kind} {label}").format(kind=type(exc).__name__, label=label),
            got=str(exc),
            hint=hint,
        ) from None


def takes_an(kind: str) -> bool:
    """English says "an int", "an object", "a list": the article before a type's name."""
    return kind[:1].lower() in "aeiou"


def ok(exercise: str, message: str) -> None:
    print(f"✓ {exercise}: {message}")


def require_answer(exercise: str, answer) -> None:
    if answer is None or answer is Ellipsis:
        raise NotAnswered(
            exercise,
            _("there is no answer yet"),
            hint=_("write your code in the exercise cell above, run it, then run this check"),
        )


def is_queryset(answer) -> bool:
    from django.db.models import QuerySet

    return isinstance(answer, QuerySet)


def expect_queryset(exercise: str, answer, model, hint: str) -> None:
    """The answer must be a QuerySet of `model`, not a list, a single object or another model's rows."""
    if not is_queryset(answer):
        kind = type(answer).__name__
        raise CheckFailed(
            exercise,
            (
                _("the answer is an {kind}, not a QuerySet")
                if takes_an(kind)
                else _("the answer is a {kind}, not a QuerySet")
            ).format(kind=kind),
            expected=_("a QuerySet of {model} (lazy: it can still be filtered, ordered, counted)").format(
                model=model.__name__
            ),
            got=kind,
            hint=hint,
        )
    if answer.model is not model:
        raise CheckFailed(
            exercise,
            _("the QuerySet holds {model} rows").format(model=answer.model.__name__),
            expected=_("{model} rows").format(model=model.__name__),
            got=_("{model} rows").format(model=answer.model.__name__),
            hint=hint,
        )


def hint(module: str, exercise: str, step: int | None = None) -> None:
    """Hints for an exercise, one step more specific on each call."""
    from . import hints

    hints.hint(module, exercise, step)


def solution(module: str, exercise: str) -> None:
    """The reference solution, once the learner has tried the exercise at least once."""
    from ..records import NOT_STARTED, status
    from . import hints

    found = hints.reference_solution(module, exercise)
    if found is None:
        print(_("No exercise {exercise!r} in this notebook.").format(exercise=exercise))
        return
    if status(module, exercise) == NOT_STARTED:
        print(
            _(
                "Try {exercise} first: write an answer and run its check once (a wrong one counts). "
                'Then check.solution("{exercise}") shows a reference answer; '
                'check.hint("{exercise}") helps now.'
            ).format(exercise=exercise)
        )
        return
    print(
        _("A reference answer for {exercise} (yours may differ and be as right):\n").format(exercise=exercise)
    )
    print(found)
