"""The judge: a process that never runs a submission's code decides whether each answer is right.

A submission's kernel is untrusted: whatever runs in it (a check included) can be made to say
"passed". So the grade does not come from there. The grader takes each answer out of the kernel
as data, right before its check cell runs (`extraction_source`): a QuerySet as its `Query` (what
SQL it stands for), its model and how it yields rows; any other value (numbers, text, dicts, model
instances, exceptions) as pickled data. This process, started fresh for each submission on that
submission's database, rebuilds the answers with an unpickler that makes only Django's query and
model classes, the project's models and plain data types (never a function of the submission's,
never a class of its own), and calls the workbook's own check on them. Meanwhile every process of
the submission is stopped (SIGSTOP), so nothing it left running changes the rows being judged.

What the kernel hands out can be anything the student likes: that is only an answer, judged as
one. The kernel holds no pen that writes a grade: rebinding or patching any name or module there,
writing files, printing, forking, all change at most the answer handed out.

A QuerySet of a proxy model the notebook defines (05's q2: `ReadablePost`, with the learner's
`__str__`) leaves the kernel as the same query on the project's model, the proxy's name, and what
its `__str__` gives for each row the QuerySet returns there ({pk: text, or the exception}). Here a
proxy of the project's model with that name stands in for it (`proxy_model`), whose `__str__`
gives those texts back: the texts are the learner's answer, handed out as data like any other.

A function whose check declares that it is judged only by what it returns (`@judged_on_returns`:
01's and 02-cicd's, plain data in and out) leaves the kernel as the calls the check made to it
there: each call's arguments and what came back (a value as plain data, or the exception's kind and
first line). Here the same check is called with a stand-in (`Replay`) that gives those results
back for those arguments, and stops the check for any other (`NotCalled`). Handing out other
results is handing out another answer: right only if the results are right for the check's inputs.
A function whose effect is the answer (03-2's `transfer`: the balances it leaves) is judged the
same way through the check's observer (`workbook.checks._base.observe`): the observer runs in the
kernel, on the kernel's database, and what it reports (the balances, how the call ended) leaves as
data, which `Replay.observe` gives back to the judge's check.

A model class the notebook defines (04's q1) is observed the same way: the observer reads the
class in the kernel (its name, base, foreign keys, table, and the keys of the rows saved, which
leave the kernel as ("row", model, key)) and what `__str__` gave for them; the judge's check holds
that report to what PostgreSQL has (the table's columns, foreign keys and partial unique index, the
rows live, a second live row refused by that index).

A test file (02-cicd's `own_test`, `@judged_on_runs`) leaves the kernel as its name and text,
written here into a folder of the judge's own for the check to read. The check asks for the runs
(`RunsWanted`: the reply is {"status": "runs wanted", "file", "text"}); the grader runs the file
in sandboxes of its own and asks again with their outcomes ("runs" in the request), which the
same check then judges. No run happens here.

An answer that could not be judged outside the kernel would be judged by the kernel's check, where
the check declares so (`@judged_in_kernel(why)`, workbook/checks/_base.py), and marked so in the
grades; no check declares it now.

Protocol (stdin/stdout, one JSON line each way): the request names the checks module, the check,
and carries the pickled answers and the SQL the kernel's cells sent (for checks that trace a value
back to the statement that produced it); the reply is {"status", "message"}.

It lives in workbook/, not with the grader in classroom/: it runs inside the sandbox, which shows
only workbook/ and project/ and never classroom/, the folder that can hold the class list.
"""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import sys

MARKER = "WORKBOOK-ANSWER "
# Modules whose classes (only classes, and the few functions below) the unpickler may make.
ALLOWED_MODULE_PREFIXES = (
    "django.db.models",
    "django.db.utils",
    "django.utils.tree",
    "django.contrib.auth.models",
    "django.contrib.auth.base_user",
    "django.contrib.contenttypes.models",
    "django.db.backends.postgresql",
    "django.contrib.postgres",
    "django.http.response",
    "django.http.cookie",
    "django.utils.datastructures",
    "rest_framework.response",
    "rest_framework.status",
    "posts.",
    "accounts.",
    "config.",
)
ALLOWED_PLAIN = (
    {
        ("builtins", name)
        for name in (
            "set",
            "frozenset",
            "slice",
            "range",
            "complex",
            "bytearray",
            "object",
            "dict",
            "list",
            "tuple",
            "str",
            "int",
            "float",
            "bool",
            "bytes",
            "Ellipsis",
            "NotImplemented",
            "ValueError",
            "TypeError",
            "KeyError",
            "LookupError",
            "Exception",
        )
    }
    | {
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("uuid", "UUID"),
        ("collections", "OrderedDict"),
        ("http.cookies", "SimpleCookie"),
        ("http.cookies", "Morsel"),
        ("collections", "defaultdict"),
        ("copyreg", "_reconstructor"),
        ("zoneinfo", "ZoneInfo"),
        ("zoneinfo._zoneinfo", "ZoneInfo"),
        ("django.db.models.base", "model_unpickle"),
        ("django.db.models.fields", "_load_field"),
        ("django.db.models.fields", "_empty"),
    }
    | {  # what a relation does on delete, kept in its field (called only when a row is deleted)
        ("django.db.models.deletion", name)
        for name in ("CASCADE", "PROTECT", "RESTRICT", "SET_NULL", "SET_DEFAULT", "DO_NOTHING")
    }
)


class _Cause(Exception):
    """What the database said about an error (psycopg2's `diag`, `pgcode`), as the kernel saw it."""

    def __init__(self, kind: str, pgcode, diag: dict):
        super().__init__(kind)
        self.pgcode = pgcode
        self.diag = type("Diag", (), dict(diag))()


class Unjudgeable(Exception):
    """The answer cannot be rebuilt outside the kernel (a function, a class of the notebook's own)."""


def _getattr(owner, name: str):
    """`getattr` as pickle uses it for a class's own constructor method, for these only."""
    from zoneinfo import ZoneInfo

    if (owner, name) == (ZoneInfo, "_unpickle"):
        return ZoneInfo._unpickle
    raise Unjudgeable(f"getattr({getattr(owner, '__name__', owner)!s}, {name!r})")


class AnswerUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) == ("builtins", "getattr"):
            return _getattr
        if "." in name:
            raise pickle.UnpicklingError(f"{module}.{name} is not made here")
        if (module, name) in ALLOWED_PLAIN:
            return super().find_class(module, name)
        if module.startswith(ALLOWED_MODULE_PREFIXES) or module in ("posts", "accounts"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise Unjudgeable(f"{module}.{name}")


def loads(data: bytes):
    try:
        return AnswerUnpickler(io.BytesIO(data)).load()
    except Unjudgeable:
        raise
    except LookupError as exc:  # a model the project does not have (one the notebook defined)
        raise Unjudgeable(str(exc)) from None


# How long a name the kernel's __str__ gave may be (or an exception's message), a class's name; how
# many rows' names one answer may hand out.
MAX_SHOWN = 4096
MAX_NAME = 100
MAX_ROWS = 10_000


def _project_model(label):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError, TypeError, AttributeError):
        raise Unjudgeable(str(label)) from None


def _queryset(model, query, iterable, fields, prefetch):
    from django.db.models import query as query_module

    queryset = model._base_manager.all()
    queryset.query = query
    allowed = {
        "ModelIterable",
        "ValuesIterable",
        "ValuesListIterable",
        "FlatValuesListIterable",
        "NamedValuesListIterable",
    }
    if iterable not in allowed:
        raise Unjudgeable(str(iterable))
    queryset._iterable_class = getattr(query_module, iterable)
    queryset._fields = fields
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return queryset


def _identifier(name) -> bool:
    return type(name) is str and name.isidentifier() and len(name) <= MAX_NAME


def _named_text(outcome, kinds: tuple[str, ...]) -> bool:
    """(kind, a class's name, a bounded text) with kind one of `kinds`: what was raised, or shown."""
    return (
        outcome[0] in kinds
        and len(outcome) == 3
        and _identifier(outcome[1])
        and type(outcome[2]) is str
        and len(outcome[2]) <= MAX_SHOWN
    )


def _raise_as(name: str, message: str):
    """Raise an exception of the class name the kernel gave, with its message: made here, never the
    kernel's own class."""
    raise type(name, (Exception,), {"__module__": __name__})(message)


def _outcome(outcome) -> tuple:
    """One row's `str(row)` as the kernel gave it: ("str", text), ("not-implemented",) or
    ("raised", exception class name, first line of its message); plain, bounded strings only."""
    if type(outcome) is tuple and outcome:
        if outcome[0] == "str" and len(outcome) == 2:
            if type(outcome[1]) is str and len(outcome[1]) <= MAX_SHOWN:
                return outcome
        elif outcome == ("not-implemented",) or _named_text(outcome, ("raised",)):
            return outcome
    raise Unjudgeable("a __str__ outcome that is not plain, bounded text")


def proxy_model(concrete, name, shown):
    """A proxy model of `concrete`, made here, standing for the notebook's class `name`: its
    `__str__` gives for each row what the notebook's `__str__` gave in the kernel (`shown`,
    {pk: outcome}), raises what it raised there, and raises KeyError(pk) for a row it was not shown.
    The kernel's strings are the answer, handed out as data; no code of the submission's runs.
    It lives in a registry of its own, so the project's models are left as they are."""
    from django.apps.registry import Apps

    if not _identifier(name) or type(shown) is not dict or len(shown) > MAX_ROWS:
        raise Unjudgeable("a proxy model's name and rows that are not plain data")
    if any(type(pk) not in (int, str) for pk in shown):
        raise Unjudgeable("a row's key that is not plain data")
    shown = {pk: _outcome(outcome) for pk, outcome in shown.items()}

    def __str__(self):
        outcome = shown.get(self.pk)
        if outcome is None:
            raise KeyError(self.pk)  # a row the notebook's QuerySet did not give
        if outcome[0] == "str":
            return outcome[1]
        if outcome[0] == "not-implemented":
            raise NotImplementedError
        _raise_as(outcome[1], outcome[2])

    meta = type("Meta", (), {"proxy": True, "app_label": concrete._meta.app_label, "apps": Apps()})
    return type(concrete)(name, (concrete,), {"__module__": __name__, "Meta": meta, "__str__": __str__})


MAX_CALLS = 1000  # calls of a function one answer may hand out
OBSERVED = "observed by"  # the first item of an observation's key: (OBSERVED, observer, *arguments)


class NotCalled(BaseException):
    """The judge's check called a handed-out function with arguments the kernel's run of the same
    check never gave it. A BaseException, so that no `except Exception` of a check's (the one that
    turns what a learner's function raises into a ✗) takes it for the function's own error."""


def _called(given) -> str:
    text = ", ".join(repr(a) for a in given)
    return text if len(text) <= 120 else text[:117] + "..."


def _result(outcome) -> tuple:
    """One call's outcome as the kernel handed it out: ("returned", value), ("opaque", class name,
    repr), ("not-implemented",) or ("raised", exception class name, first line)."""
    if type(outcome) is tuple and outcome:
        if outcome[0] in ("returned", "observed") and len(outcome) == 2:
            return outcome
        if outcome == ("not-implemented",) or _named_text(outcome, ("raised", "opaque")):
            return outcome
    raise Unjudgeable("a call's result that is not plain, bounded data")


class Replay:
    """Stands in for the learner's function: for the arguments of a call the kernel recorded it
    gives back what the function gave there (a copy), or raises what it raised (an exception of
    the same class name and message; NotImplementedError as itself, the stub's "no answer yet").
    Any other call raises NotCalled. A check's observation of the function (`observe`, 03-2's
    transfer: what the call left in the database) is answered the same way, from what the observer
    reported in the kernel. Only data: no code of the submission's runs here."""

    records_observations = True

    def __init__(self, calls):
        if type(calls) is not list or len(calls) > MAX_CALLS:
            raise Unjudgeable("a function's calls that are not a bounded list")
        table = []
        for call in calls:
            if type(call) is not tuple or len(call) != 2 or type(call[0]) is not tuple:
                raise Unjudgeable("a function's call that is not (arguments, result)")
            table.append((call[0], _result(call[1])))
        self.calls = table
        self.__name__ = "the function handed out"

    def _recorded(self, key: tuple, given: tuple, observed: bool) -> tuple:
        """The outcome recorded for `key`: an observation's, or a call's; NotCalled for none."""
        outcome = next((result for arguments, result in self.calls if arguments == key), None)
        if outcome is None or (outcome[0] == "observed") != observed:
            raise NotCalled(_called(given))
        return outcome

    def observe(self, observer, *given):
        import copy

        key = (OBSERVED, getattr(observer, "__name__", ""), *given)
        return copy.deepcopy(self._recorded(key, given, observed=True)[1])

    def __call__(self, *given):
        import copy

        outcome = self._recorded(given, given, observed=False)
        if outcome[0] == "returned":
            return copy.deepcopy(outcome[1])
        if outcome[0] == "opaque":
            kind = type(outcome[1], (), {"__module__": __name__, "__repr__": lambda self: outcome[2]})
            return kind()
        if outcome[0] == "not-implemented":
            raise NotImplementedError
        _raise_as(outcome[1], outcome[2])


def rebuild(packed):
    """An answer as the check expects it: a QuerySet again, or the value itself."""
    kind = packed[0]
    if kind == "function":
        return packed[1]  # `is_stub`'s verdict only: True stands for a stub, else unjudgeable
    if kind == "calls":  # a function judged by what it returned (`@judged_on_returns`)
        return Replay(packed[1])
    if kind == "file":  # a file to run (`@judged_on_runs`): written here, where the check reads it
        return _handed_file(packed)
    if kind == "exception":
        _, error, cause_kind, pgcode, diag = packed
        if not isinstance(error, BaseException):
            raise Unjudgeable(type(error).__name__)
        if cause_kind:
            error.__cause__ = _Cause(cause_kind, pgcode, diag)
        return error
    if kind == "response":  # an HTTP response's fields (workbook.checks.api.response_fields)
        from ..checks.api import Sent

        try:
            return Sent.from_fields(packed[1])
        except TypeError:
            raise Unjudgeable("a response whose fields are not plain data") from None
    if kind == "queryset":
        _, label, query, iterable, fields, prefetch = packed
        model = _project_model(label)
        if query.model is not model:
            raise Unjudgeable(label)
        return _queryset(model, query, iterable, fields, prefetch)
    if kind == "proxy":  # a QuerySet of a proxy model the notebook defines (05's q2)
        _, label, query, iterable, fields, prefetch, name, shown = packed
        concrete = _project_model(label)
        if query.model is not concrete or concrete._meta.proxy:
            raise Unjudgeable(label)
        query = query.clone()
        query.model = proxy_model(concrete, name, shown)
        return _queryset(query.model, query, iterable, fields, prefetch)
    return packed[1]


MAX_FILE = 200_000  # characters of a file an answer may hand out


_handed_folder: list = []  # the folder of the files handed out, made once per process


def _handed_file(packed) -> str:
    """A file the kernel handed out as (file, its name, its text), written into a folder of the
    judge's own (removed when the process ends) under that name; its path, which the check reads
    as it reads the kernel's."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    if len(packed) != 3 or type(packed[1]) is not str or type(packed[2]) is not str:
        raise Unjudgeable("a file that is not a name and a text")
    name, text = packed[1], packed[2]
    if len(text) > MAX_FILE or not name or name != Path(name).name or name.startswith("."):
        raise Unjudgeable("a file that is too long or whose name is a path")
    if not _handed_folder:
        _handed_folder.append(Path(tempfile.mkdtemp(prefix="handed-")))
        atexit.register(shutil.rmtree, _handed_folder[0], True)
    path = _handed_folder[0] / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def judge(
    module_name: str, name: str, packed_answers: list, statements: list, runs: dict | None = None
) -> dict:
    """The workbook's own check, run here on the rebuilt answers. A check `@judged_on_runs` gets the
    grader's `runs` of the file it was handed, or asks for them: {"status": "runs wanted", ...}."""
    import importlib

    from ..answers import is_stub
    from ..checks import _base, hints
    from ..checks._base import CheckFailed, NotAnswered, RunsWanted
    from ..checks._probe import recorder

    module = importlib.import_module(f"workbook.checks.{module_name}")
    check = getattr(module, name, None)
    if not callable(check):
        return {"status": "error", "message": f"no check {name!r} in {module_name}"}
    values = []
    for packed in packed_answers:
        if packed[0] == "function":
            if not packed[1] and getattr(check, "judged_on_returns", False):
                values.append(Replay([]))  # handed out without its calls: it gave no results
                continue
            if not packed[1]:
                raise Unjudgeable("a function")
            values.append(None)  # the stub's function: no answer yet
        else:
            values.append(rebuild(packed))
    skeleton = hints.skeleton(module_name, name)
    if values and all(is_stub(v) or (skeleton and isinstance(v, str) and v in skeleton) for v in values):
        return {"status": "not answered", "message": "no answer yet"}
    recorder.install()
    recorder.statements.clear()
    recorder.statements.extend(
        (str(sql), tuple(params) if params is not None else None) for sql, params in statements
    )
    _base.HANDED_RUNS = {"runs": _checked_runs(runs)} if getattr(check, "judged_on_runs", False) else None
    try:
        check(*values)
    except RunsWanted as exc:
        return {"status": "runs wanted", "file": exc.name, "text": exc.text}
    except NotCalled as exc:
        return {
            "status": "failed",
            "message": f"✗ {name}: the check calls your function with ({exc}), which it was never "
            "given when the check ran in your kernel: does your function change the arguments it is given?",
        }
    except NotAnswered as exc:
        return {"status": "not answered", "message": str(exc)}
    except CheckFailed as exc:
        cause = exc.__cause__ or exc.__context__
        broken = cause is not None and type(cause).__name__ in (
            "ProgrammingError",
            "OperationalError",
            "InterfaceError",
        )
        return {"status": "error" if broken else "failed", "message": str(exc)}
    except Exception as exc:  # the check could not use the answer: as the runner says it
        first = str(exc).splitlines()[0] if str(exc) else ""
        return {"status": "failed", "message": f"{type(exc).__name__}: {first}"}
    finally:
        from django.db import connection

        _base.HANDED_RUNS = None
        if connection.in_atomic_block:
            connection.set_rollback(True)
    return {"status": "passed", "message": ""}


def _checked_runs(runs) -> dict | None:
    """The grader's runs as the check reads them: {copy: (status, counts, failures)}."""
    if runs is None:
        return None
    if type(runs) is not dict or not all(
        type(v) is list and len(v) == 3 and type(v[0]) is int and type(v[1]) is str and type(v[2]) is list
        for v in runs.values()
    ):
        raise Unjudgeable("runs that are not (status, counts, failures)")
    return runs


def one_statement(execute, sql, params, many, context):
    """Every statement the judge sends is one statement. psycopg2 sends a query's text as it is, so
    raw SQL in an answer ("true); UPDATE ...; SELECT ... WHERE (true") would otherwise run more
    statements, as the judge's role, between the answer's rows and the check's reference."""
    from django.db import ProgrammingError

    text = str(sql).strip().rstrip(";")
    if ";" in _outside_literals(text):
        raise ProgrammingError("the judge runs one SQL statement at a time; this query holds several")
    return execute(sql, params, many, context)


def _outside_literals(sql: str) -> str:
    """The SQL without its quoted strings and identifiers (where a ';' is only text)."""
    import re

    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "", sql)


def main() -> int:
    """Serve requests until stdin closes. Replies go to the real stdout; whatever the checks print
    goes to stderr."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    connection.execute_wrappers.append(one_statement)
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            try:
                answers, statements = loads(base64.b64decode(request["answers"]))
                reply = judge(request["module"], request["name"], answers, statements, request.get("runs"))
            except Unjudgeable as exc:
                reply = {"status": "unjudgeable", "message": str(exc)}
        except Exception as exc:  # a request the judge cannot read: the answer is not judged right
            reply = {"status": "error", "message": f"the answer could not be read ({type(exc).__name__})"}
        replies.write(json.dumps(reply) + "\n")
    return 0


# --- the kernel side ------------------------------------------------------------------------------


def extraction_source(arguments: str, module: str = "", name: str = "") -> str:
    """A cell the grader runs in the kernel right before a check cell: prints the check's arguments
    (`arguments`, as the check cell writes them) as data after MARKER. A function handed to a check
    that is judged on what the function returns (`module`.`name` declares `@judged_on_returns`)
    goes out as the calls that check made to it, run here once with its output thrown away. The
    kernel may change what it prints: that only changes the answer."""
    return f"""
def _workbook_answers():
    import base64, contextlib, copy, importlib, io, os, pathlib, pickle, types
    from workbook.answers import is_stub
    from django.db.models import Model
    from django.db.models.query import QuerySet
    from django.http import HttpResponseBase
    from workbook.checks._probe import recorder
    PROJECT = ("posts", "accounts", "core", "django")  # the modules of the project's own models

    def first_line(exc):
        try:
            lines = str(exc).splitlines()
        except Exception:
            lines = []
        return lines[0][:1000] if lines else ""

    def as_data(value, depth=0):
        # plain data as its own class (a subclass's __eq__ never reaches the judge), or None
        if depth > 20:
            return None
        if value is None or type(value) in (bool, int, float, str, bytes):
            return ("returned", value)
        for kind, made in ((str, str.__str__), (bytes, bytes.__bytes__), (int, int.__int__),
                           (float, float.__float__)):
            if isinstance(value, kind):  # a subclass: its value, as the base class holds it
                return ("returned", made(value))
        if isinstance(value, dict):
            items = []
            for key, item in dict.items(value):
                key, item = as_data(key, depth + 1), as_data(item, depth + 1)
                if key is None or item is None or key[0] != "returned" or item[0] != "returned":
                    return None
                items.append((key[1], item[1]))
            return ("returned", dict(items))
        for kind in (list, tuple, set, frozenset):
            if isinstance(value, kind):
                items = [as_data(item, depth + 1) for item in kind.__iter__(value)]
                if any(item is None or item[0] != "returned" for item in items):
                    return None
                return ("returned", kind(item[1] for item in items))
        return None

    def returned(value):
        made = as_data(value)
        if made is not None:
            return made
        try:
            shown = repr(value)[:1000]
        except Exception:
            shown = "?"
        return ("opaque", type(value).__name__, shown)

    def calls_of(values, check):
        # the check, run here as its cell will run it, each function it is handed recorded
        if not getattr(check, "judged_on_returns", False):
            return dict()
        tables = dict()

        class Recording:
            records_observations = True  # workbook.checks._base.observe asks it, not the observer

            def __init__(self, function, table):
                self.function, self.table = function, table

            def keep(self, given):
                # the arguments as they were given, before the function can change them
                try:
                    return copy.deepcopy(as_rows(given))
                except Exception:
                    return None

            def write(self, key, outcome):
                if key is not None and outcome is not None and len(self.table) < 1000:
                    self.table.append((key, outcome))

            def __call__(self, *given):
                kept, outcome = self.keep(given), None
                try:
                    got = self.function(*given)
                except NotImplementedError:
                    outcome = ("not-implemented",)
                    raise
                except Exception as exc:
                    outcome = ("raised", type(exc).__name__, first_line(exc))
                    raise
                else:
                    outcome = returned(got)
                    return got
                finally:
                    self.write(kept, outcome)

            def observe(self, observer, *given):
                kept = self.keep(given)
                seen = observer(self.function, *given)
                made = as_data(seen)
                key = None if kept is None else ({OBSERVED!r}, observer.__name__, *kept)
                self.write(key, None if made is None else ("observed", made[1]))
                return seen

        handed = []
        for value in values:
            if isinstance(value, type) or (isinstance(value, types.FunctionType) and not is_stub(value)):
                tables[id(value)] = []
                value = Recording(value, tables[id(value)])
            handed.append(value)
        if tables:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                try:
                    check(*handed)
                except Exception:
                    pass
        return tables

    def as_rows(value):
        # a row of a model the notebook defines (04's q1: saved) as ("row", its model, its key)
        if isinstance(value, Model) and type(value).__module__.partition(".")[0] not in PROJECT:
            return ("row", type(value)._meta.label, str(value.pk))
        if type(value) in (list, tuple):
            return type(value)(as_rows(item) for item in value)
        return value

    def shown(row):
        try:
            return ("str", str(row))
        except NotImplementedError:
            return ("not-implemented",)
        except Exception as exc:
            return ("raised", type(exc).__name__, first_line(exc))

    def pack(value):
        if isinstance(value, QuerySet):
            model = value.model
            if model._meta.proxy and model.__module__.partition(".")[0] not in PROJECT:
                # a proxy the notebook defines: its rows' names, as its __str__ gives them now
                query = value.query.chain()
                query.model = model._meta.concrete_model
                names = dict()
                if value._iterable_class.__name__ == "ModelIterable":
                    try:
                        for row in value.all():
                            names[row.pk] = shown(row)
                    except Exception:
                        names = dict()  # the query itself fails: it fails in the judge too
                return ("proxy", query.model._meta.label, query, value._iterable_class.__name__,
                        value._fields, list(value._prefetch_related_lookups), model.__name__, names)
            return ("queryset", value.model._meta.label, value.query, value._iterable_class.__name__,
                    value._fields, list(value._prefetch_related_lookups))
        if isinstance(value, HttpResponseBase):
            from workbook.checks.api import response_fields
            return ("response", response_fields(value))
        if isinstance(value, type) and id(value) in calls:  # a class the check observed
            return ("calls", calls[id(value)])
        if isinstance(value, types.FunctionType):
            if id(value) in calls and not is_stub(value):
                return ("calls", calls[id(value)])
            return ("function", is_stub(value))
        if runs_file and isinstance(value, (str, os.PathLike)):
            # the file a check `@judged_on_runs` runs: its name and text (it is the answer)
            try:
                path = pathlib.Path(value)
                if path.is_file() and path.stat().st_size <= {MAX_FILE}:
                    return ("file", path.name, path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pass
            return ("value", os.fspath(value))  # no such file: the check says so
        if isinstance(value, BaseException):
            cause = value.__cause__
            diag = getattr(cause, "diag", None)
            fields = ("constraint_name", "table_name", "column_name", "message_primary", "sqlstate")
            return ("exception", value.with_traceback(None),
                    type(cause).__name__ if cause is not None else "",
                    getattr(cause, "pgcode", None),
                    dict((f, getattr(diag, f, None)) for f in fields) if diag is not None else dict())
        return ("value", as_rows(value))

    try:
        values = (lambda *args: args)({arguments})
    except NameError as exc:
        return "missing " + str(getattr(exc, "name", "") or exc)
    import datetime, decimal, uuid
    plain = (str, int, float, bool, type(None), datetime.date, datetime.time, datetime.timedelta,
             decimal.Decimal, uuid.UUID)
    statements = [(sql, params) for sql, params in recorder.statements
                  if params is None or all(isinstance(p, plain) for p in params)]
    try:
        check = getattr(importlib.import_module("workbook.checks." + {module!r}), {name!r})
    except Exception:
        check = None
    runs_file = getattr(check, "judged_on_runs", False)  # its answer is a file: handed out as text
    calls = calls_of(values, check)  # after: the check's calls send no SQL of the notebook's
    packed = [pack(v) for v in values]  # after: what packing sends is not the notebook's SQL
    try:
        data = pickle.dumps((packed, statements))
    except Exception as exc:
        return "unpicklable " + type(exc).__name__
    return "answers " + base64.b64encode(data).decode()


print({MARKER!r} + _workbook_answers())
del _workbook_answers
"""


if __name__ == "__main__":
    sys.exit(main())
