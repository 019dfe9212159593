"""What checks use to judge an answer rather than its output on one data set.

- `guarded`: whatever the learner assigns, a check answers with a ✗, never a traceback;
- `rolled_back`: rows a check adds to tell right from wrong never stay in the database;
- `evaluate`: a QuerySet answer run again (a fresh copy), its rows, values or a refusal as a ✗;
- `recorder`: the SQL the kernel sent, so a check can read (and run again) the statement behind a
  value answer: a dict from aggregate(), the int from update(), the bool from exists();
- `shown`: a value with its type, so "8" and 8 never look the same in a message;
- `HOSTILE`: values no exercise asks for, which every check must refuse with a ✗.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections import deque

from ..i18n import _
from ._base import CheckFailed, takes_an

SHOW = 6  # items a message lists before "…"


# ---------------------------------------------------------------- never a traceback


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def guarded(check=None, *, asks_for: tuple[type, ...] = ()):
    """Run a check so that anything but CheckFailed becomes a ✗ naming the answer's type.

    The learner's code runs inside some checks (a QuerySet evaluated, a function called); what it
    raises, or what a value of the wrong kind makes fail, is a wrong answer, not the check's crash.
    The SQL recorder is paused meanwhile: the check's own queries are not the learner's.

    `@guarded(asks_for=(str,))` declares the kind of answer the exercise asks for (07-sql's SQL
    statements are strings): an answer of that kind is never told to be another kind; the ✗ says
    what failed instead (`cannot_use`). The runner reads the same declaration (`check.asks_for`).
    """
    if check is None:
        return functools.partial(guarded, asks_for=asks_for)

    @functools.wraps(check)
    def run(*args, **kwargs):
        exercise = check.__name__
        with recorder.paused():
            try:
                return check(*args, **kwargs)
            except CheckFailed:
                raise
            except Exception as exc:  # the answer made something fail: say so in one ✗
                raise cannot_use(exercise, exc, [*args, *kwargs.values()], asks_for) from None

    run.asks_for = asks_for
    return run


def cannot_use(exercise: str, exc: Exception, values: list, asks_for: tuple[type, ...] = ()) -> CheckFailed:
    """The ✗ for a check that raised something other than CheckFailed on these answer values.

    An answer of a kind the exercise does not ask for is told to be another kind; one of the kind
    it asks for (`asks_for`) is not: the ✗ names what failed and that the kind is right."""
    kinds = ", ".join(kind_of(v) for v in values) or _("nothing")
    if values and asks_for and all(isinstance(v, asks_for) for v in values):
        return CheckFailed(
            exercise,
            _("the check could not judge this answer: {kind}: {first_line}").format(
                kind=type(exc).__name__, first_line=_first_line(exc)
            ),
            got=kinds,
            hint=_(
                "the answer is the kind this exercise asks for: read what failed above; if the "
                "answer looks right, run the notebook's first code cell, the exercise cell and "
                "this check again"
            ),
        )
    return CheckFailed(
        exercise,
        _("this answer cannot be used: {kind}: {first_line}").format(
            kind=type(exc).__name__, first_line=_first_line(exc)
        ),
        got=kinds,
        hint=_("assign the kind of value the exercise asks for, then run the exercise cell again"),
    )


def kind_of(value) -> str:
    from django.db.models import QuerySet

    if isinstance(value, QuerySet):
        return _("a QuerySet of {model}{iterable_note}").format(
            model=value.model.__name__, iterable_note=_iterable_note(value)
        )
    if isinstance(value, BaseException):
        return _("an exception, {kind}").format(kind=type(value).__name__)
    name = type(value).__name__
    return f"{'an' if takes_an(name) else 'a'} {name}"


def _iterable_note(queryset) -> str:
    from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesIterable

    kind = getattr(queryset, "_iterable_class", ModelIterable)
    if kind is ModelIterable:
        return ""
    if kind is ValuesIterable:
        return _(" (values(): dicts)")
    if kind is FlatValuesListIterable:
        return _(" (values_list(flat=True): values)")
    return _(" (values_list(): tuples)")


def shown(value) -> str:
    """repr with the type where the repr alone could mislead: '8' (str) against 8 (int)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(k)}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        items = [shown(v) for v in value[:SHOW]]
        if len(value) > SHOW:
            items.append(_("… ({count} in all)").format(count=len(value)))
        return (
            ("[" if isinstance(value, list) else "(")
            + ", ".join(items)
            + ("]" if isinstance(value, list) else ")")
        )
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return f"{value!r} ({type(value).__name__})"


# ---------------------------------------------------------------- data that tells right from wrong

# The ids of the rows checks add for a moment, one block per module, the same block in every
# table, far above the seed's. A module takes ids from its own block only, so two modules' rows
# never meet on one id, even where a check adds both (07-sql's rows beside the ORM checks').
# tests/test_probe_ids.py runs each module's rows and fails on an id outside its block.
PROBE_IDS = {
    "orm": range(900_000, 900_600),  # _orm_probe.add_rows: 05's and 07-sql's checks
    "sql": range(900_600, 900_700),  # sql.add_rows, beside the ORM checks' rows
    "modeling": range(900_700, 900_800),
    "postgresql": range(900_800, 900_900),
}


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """A transaction (a savepoint inside one) that is always rolled back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def evaluate(exercise: str, queryset, *, hint: str) -> list:
    """Run a QuerySet again (a fresh copy, so no cached result hides anything) and return its rows.

    What the database or Django refuses (a bad field in select_related, a wrong lookup) becomes a ✗
    with its first line; the savepoint keeps a refused query from breaking the transaction around it.
    """
    from django.core.exceptions import FieldError
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            return list(queryset.all())
    except (FieldError, DatabaseError, ValueError, TypeError, AttributeError) as exc:
        raise CheckFailed(
            exercise,
            _("the QuerySet cannot be run: {kind}: {first_line}").format(
                kind=type(exc).__name__, first_line=_first_line(exc)
            ),
            got=kind_of(queryset),
            hint=hint,
        ) from None


def expect_objects(exercise: str, queryset, model, *, hint: str) -> None:
    """A QuerySet of model instances, not values()/values_list() rows."""
    from django.db.models.query import ModelIterable

    if getattr(queryset, "_iterable_class", ModelIterable) is not ModelIterable:
        raise CheckFailed(
            exercise,
            _("the QuerySet gives{iterable_note}, not {model} objects").format(
                iterable_note=_iterable_note(queryset), model=model.__name__
            ),
            expected=_("a QuerySet of {model} objects").format(model=model.__name__),
            got=kind_of(queryset),
            hint=_("leave out values()/values_list(): the exercise asks for the objects"),
        )


def literal_ids(queryset) -> bool:
    """True when the QuerySet picks rows by primary keys written out (pk__in=[...], pk=...)."""
    try:
        sql = str(queryset.query)
    except Exception:  # EmptyResultSet for pk__in=[], and the like
        return True
    table = re.escape(queryset.model._meta.db_table)
    pk = re.escape(queryset.model._meta.pk.column)
    return re.search(rf'"{table}"\."{pk}" (IN \(|= \d)', sql) is not None


# ---------------------------------------------------------------- the SQL that ran


class Recorder:
    """The last statements this kernel's default connection sent (the learner's, not the checks')."""

    def __init__(self, size: int = 400):
        self.statements: deque[tuple[str, tuple]] = deque(maxlen=size)
        self._paused = 0

    def install(self) -> None:
        """Idempotent; called when a check module is imported, so later exercise cells are seen.

        Also on every new default connection (Django's `connection_created`): a connection object
        made anew (settings changed, connections reset) starts with no wrappers, and an exercise
        cell run on it before the next check call would go unrecorded, so a typed-in value would
        pass for a query's."""
        try:
            from django.db.backends.signals import connection_created

            connection_created.connect(self._on_connection, weak=False, dispatch_uid="workbook-recorder")
            from django.db import connection

            wrappers = connection.execute_wrappers
        except Exception:  # Django not set up yet: the first check call installs it
            return
        if self not in wrappers:
            wrappers.append(self)

    def _on_connection(self, sender, connection, **kwargs) -> None:
        if connection.alias == "default" and self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):
        if not self._paused and not many:
            self.statements.append((sql, tuple(params) if params is not None else None))
        return execute(sql, params, many, context)

    def __eq__(self, other):  # execute_wrappers holds at most one recorder
        return self is other

    __hash__ = object.__hash__

    @contextlib.contextmanager
    def paused(self):
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    @property
    def installed(self) -> bool:
        try:
            from django.db import connection

            return self in connection.execute_wrappers
        except Exception:
            return False

    def clear(self) -> None:
        self.statements.clear()

    def find(self, pattern: str) -> list[tuple[str, tuple]]:
        """Recorded statements matching a regular expression, newest first."""
        regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return [s for s in reversed(self.statements) if regex.search(s[0])]


recorder = Recorder()


def run_sql(sql: str, params):
    """Run a recorded statement again on Django's connection: (column names, rows, rowcount)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description] if cursor.description else []
        rows = cursor.fetchall() if cursor.description else []
        return names, rows, cursor.rowcount


# ---------------------------------------------------------------- values no exercise asks for


def _raises():
    raise ValueError("an exercise cell that failed half way")


def _generator():
    yield 1


HOSTILE = [
    0,
    -1,
    True,
    3.5,
    "",
    "carol",
    b"bytes",
    [],
    [None],
    [1, 2, 3],
    (),
    {},
    {"x": 1},
    {1, 2},
    object(),
    _generator(),
    iter([1, 2]),
    ValueError("left behind by a cell that raised"),
    int,
    print,
    _raises,
    lambda *args: None,
]
