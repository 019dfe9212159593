"""What the grader's tests put in submissions: forging cells, and the probe of the sandbox's walls.

Not a test module (pytest collects test_*.py only): tests/test_grade_forgery.py and
tests/test_grade_forgery_api.py forge with the same cells, aimed at their notebook's checks
module; tests/test_grade_sandbox.py (root, a uid per submission) and tests/test_grade_laptop.py
(an ordinary user, user namespaces) send the same probe into the sandbox and read what it saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

# --- forgeries -----------------------------------------------------------------------------------


def forge_records(module: str, names: Sequence[str]) -> str:
    """Source of `_forged_lines(names)`: "passed" for each exercise of the checks module `module`,
    appended to every file the kernel can reach in its working folder, /tmp and ~ (the grader's
    results file, .grader-results.jsonl, included). It returns the paths it wrote to."""
    return rf"""
import glob, json, os

def _forged_lines(names={tuple(names)!r}):
    written = []
    for place in [os.getcwd(), "/tmp", os.path.expanduser("~")]:
        for path in glob.glob(os.path.join(place, "*")) + glob.glob(os.path.join(place, ".*")) + [
            os.path.join(place, ".grader-results.jsonl")
        ]:
            if os.path.isdir(path):
                continue
            try:
                with open(path, "a") as f:
                    for name in names:
                        f.write(json.dumps({{"module": {module!r}, "exercise": name, "status": "passed",
                                            "message": ""}}) + "\n")
            except OSError:
                continue
            written.append(path)
    return written
"""


REBIND = r"""
class _Passes:
    def __getattr__(self, name):
        def passed(*args, **kwargs):
            _forged_lines((name,))
            print(f"✓ {name}: right")
        return passed

def _arm(*args, **kwargs):
    return _Passes()

def _runner(module, name, arguments):
    _forged_lines((name,))
    print(f"✓ {name}: right")

_found = sorted(k for k in globals() if k.startswith("_workbook") or k.startswith("__workbook"))
for _key in _found:
    globals()[_key] = _arm if "arm" in _key else _runner
_workbook_grader_arm = _arm
__workbook_check__ = _runner
check = _Passes()
if _found:  # the grader's names were there to rebind
    print("forgery carried out: rebind", *_found)
"""

# The detached child tells the cell through a pipe once it has written, so the cell's line says
# it is running; whatever happens in a child, it ends there (never a second kernel).
FORKED_CHILD = r"""
import os, select, time

_read, _write = os.pipe()
_child = os.fork()
if _child == 0:
    try:
        os.close(_read)
        os.setsid()
        if os.fork() == 0:  # detached: reparented, in a session of its own
            if _forged_lines():
                os.write(_write, b"writing")
            os.close(_write)
            for _ in range(600):
                _forged_lines()
                time.sleep(0.1)
    finally:
        os._exit(0)
os.close(_write)
os.waitpid(_child, 0)
if select.select([_read], [], [], 30)[0] and os.read(_read, 16) == b"writing":
    print("forgery carried out: forked-child")
os.close(_read)
"""

WRITE_FILES = r"""
_written = _forged_lines()
if _written:
    print("forgery carried out: write-files,", len(_written), "files")
"""

READ_SOLUTION = r"""
import json
from pathlib import Path

import workbook

_solved = Path(workbook.__file__).resolve().parent.parent / "notebooks" / NOTEBOOK
try:
    _cells = json.loads(_solved.read_text())["cells"]
except OSError as _exc:
    print("no solved notebook here:", type(_exc).__name__)
else:
    _run = 0
    for _cell in _cells:
        _source = "".join(_cell["source"])
        if "### BEGIN SOLUTION" in _source:
            exec(_source)
            _run += 1
    print("forgery carried out: read-solution,", _run, "solutions run")
"""


def common_forgeries(module: str, names: Sequence[str], notebook: str) -> dict[str, str]:
    """The forgeries that need no knowledge of the notebook's checks, aimed at `module`'s exercises
    `names` of `notebook` (its file name): rebinding every name the grader places in the kernel
    (`check` included), writing "passed" into every file it can reach, a detached child that goes
    on doing so, and running the solutions of the solved notebook read from disk."""
    records = forge_records(module, names)
    return {
        "rebind": records + REBIND,
        "write-files": records + WRITE_FILES,
        "forked-child": records + FORKED_CHILD,
        "read-solution": f"NOTEBOOK = {notebook!r}\n" + READ_SOLUTION,
    }


# The line each of common_forgeries' cells prints once its attack is carried out (the grader's
# names found and rebound, files written, the detached child writing), or, where the sandbox is
# to refuse the attack, its refusal: a cell that raised before (a misspelt name, a module moved)
# prints neither, so a forgery that was never tried cannot pass for one that earned nothing.
CARRIED_OUT = {
    "rebind": "forgery carried out: rebind __workbook_check__ _workbook_grader_arm",
    "write-files": "forgery carried out: write-files",
    "forked-child": "forgery carried out: forked-child",
    "read-solution": "no solved notebook here: ",  # the sandbox shows no notebooks/ folder
}


def cell_said(nb, cell_id: str) -> tuple[list[str], list[str]]:
    """The lines cell `cell_id` of a graded notebook printed (stdout and stderr) and its errors
    ("ename: evalue"): read by the tests from the graded copies, never by the grader."""
    cell = next(c for c in nb.cells if c.get("id") == cell_id)
    text, errors = "", []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            errors.append(f"{output.get('ename')}: {output.get('evalue')}")
        elif output.get("output_type") == "stream":
            said = output.get("text", "")
            text += "".join(said) if isinstance(said, list) else said
    return text.splitlines(), errors


def not_carried_out(graded: Path, notebook: str, expected: dict[str, str], cell_id: str = "forgery") -> dict:
    """Each kind of `expected` (kind -> the line its forging cell prints when carried out) whose
    graded copy, graded/<kind>/<notebook>, lacks that line (a line starting with it) or shows an
    error, with what the cell said: {} when every forgery was tried."""
    import nbformat

    missing = {}
    for kind, line in expected.items():
        lines, errors = cell_said(nbformat.read(graded / kind / notebook, as_version=4), cell_id)
        if errors or not any(said.startswith(line) for said in lines):
            missing[kind] = {"expected": line, "printed": lines[-5:], "errors": errors}
    return missing


def with_forgery(nb, module: str, source: str):
    """`nb` with a forging cell right after the cell that imports the checks module `module`."""
    at = next(
        i
        for i, c in enumerate(nb.cells)
        if f"from workbook.checks import {module} as check" in c.get("source", "")
    )
    nb.cells.insert(
        at + 1,
        {
            "cell_type": "code",
            "id": "forgery",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": source,
        },
    )
    return nb


# --- the sandbox's walls -------------------------------------------------------------------------

# An instructor's class list, first-login passwords in it.
CLASS_LIST = "username,password\nkim,first-login-1\n"
# Outside the grading server: the server the tests (and an instructor's notebooks) use.
LOCAL_SERVER = dict(dbname="postgres", user="postgres", host="127.0.0.1", port=5432)

PROBE = r"""
import json, os, subprocess
from urllib.parse import urlsplit

import psycopg2

seen = {}
for name, path in PATHS.items():
    try:
        with open(path, "rb") as f:
            seen[name] = "read %d bytes" % len(f.read(100))
    except OSError as exc:
        seen[name] = type(exc).__name__
mine = urlsplit(os.environ["DATABASE_URL"])
own = mine.path.lstrip("/")
run = own.rsplit("_", 1)[0]
as_me = dict(user=mine.username, password=mine.password)
on_the_grading_server = {
    "own database": dict(dbname=own, **as_me),
    "as superuser, no password": dict(dbname="postgres", user="grader"),
    "as postgres, no password": dict(dbname="postgres", user="postgres"),
    "postgres database": dict(dbname="postgres", **as_me),
    "template1": dict(dbname="template1", **as_me),
    "the template": dict(dbname=run + "_template", **as_me),
    "another submission": dict(dbname=run + "_0001", **as_me),
}
attempts = {name: on_the_grading_server[name] for name in TRIES}
attempts.update(ELSEWHERE)
for name, kwargs in attempts.items():
    try:
        psycopg2.connect(connect_timeout=3, **kwargs).close()
        seen[name] = "connected"
    except Exception as exc:
        seen[name] = type(exc).__name__ + ": " + " ".join(str(exc).split())
seen["environment"] = sorted(os.environ)
if LEAVE_BEHIND:  # a child in a session of its own, sleeping this long: found in /proc if it outlives the run
    subprocess.Popen(["sleep", LEAVE_BEHIND], start_new_session=True)
print("PROBE " + json.dumps(seen))
"""


def probe_source(paths: dict[str, str], tries: Iterable[str], elsewhere=None, leave_behind: str = "") -> str:
    """A cell that reads each of `paths` (name -> path), connects to the grading server as `tries`
    name (its own database, the template, ...) and to each of `elsewhere` (name -> psycopg2's
    arguments), and prints a line `PROBE {name: what happened}`, the environment's names with it."""
    return (
        f"PATHS = {paths!r}\nTRIES = {list(tries)!r}\nELSEWHERE = {dict(elsewhere or {})!r}\n"
        f"LEAVE_BEHIND = {leave_behind!r}\n" + PROBE
    )


def write_class_list(path: Path) -> Path:
    """An instructor's class list, first-login passwords in it: a file the probe must not read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CLASS_LIST)
    return path


def seen_by_probe(nb) -> dict:
    """What the probe printed in a graded notebook (a test may read outputs; the grader never does)."""
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    line = next(line for line in text.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


# --- the judge's side of an answer ---------------------------------------------------------------


def kernel_hands_out(
    namespace: dict, arguments: str, module: str = "", name: str = "", cells: str = ""
) -> tuple:
    """`cells` (a notebook's code: an exercise cell, a forging cell) and then the grader's extraction
    cell (workbook/authoring/judge.py), run in this process as a kernel runs them, with `namespace`
    as `__main__`'s (so a class defined there has `__main__` for its module): what the judge is
    handed, (the packed answers, the SQL statements)."""
    import base64
    import contextlib
    import io
    import sys
    import types

    from workbook.authoring import judge

    kernel = types.ModuleType("__main__")
    kernel.__dict__.update(namespace)
    main, sys.modules["__main__"] = sys.modules["__main__"], kernel
    printed = io.StringIO()
    try:
        exec(cells, kernel.__dict__)
        with contextlib.redirect_stdout(printed):
            exec(judge.extraction_source(arguments, module, name), kernel.__dict__)
    finally:
        sys.modules["__main__"] = main
    said = printed.getvalue().strip().splitlines()[-1]
    assert said.startswith(judge.MARKER + "answers "), said[:300]
    return judge.loads(base64.b64decode(said.removeprefix(judge.MARKER + "answers ")))
