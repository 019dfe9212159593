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
    results file, .grader-results.jsonl, included)."""
    return rf"""
import glob, json, os

def _forged_lines(names={tuple(names)!r}):
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
                pass
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

for _key in list(globals()):
    if _key.startswith("_workbook") or _key.startswith("__workbook"):
        globals()[_key] = _arm if "arm" in _key else _runner
_workbook_grader_arm = _arm
__workbook_check__ = _runner
check = _Passes()
"""

FORKED_CHILD = r"""
import os, time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # detached: reparented, in a session of its own
        for _ in range(600):
            _forged_lines()
            time.sleep(0.1)
    os._exit(0)
time.sleep(0.3)
"""

READ_SOLUTION = r"""
import json
from pathlib import Path

import workbook

_solved = Path(workbook.__file__).resolve().parent.parent / "notebooks" / NOTEBOOK
try:
    for _cell in json.loads(_solved.read_text())["cells"]:
        _source = "".join(_cell["source"])
        if "### BEGIN SOLUTION" in _source:
            exec(_source)
except OSError as _exc:
    print("no solved notebook here:", type(_exc).__name__)
"""


def common_forgeries(module: str, names: Sequence[str], notebook: str) -> dict[str, str]:
    """The forgeries that need no knowledge of the notebook's checks, aimed at `module`'s exercises
    `names` of `notebook` (its file name): rebinding every name the grader places in the kernel
    (`check` included), writing "passed" into every file it can reach, a detached child that goes
    on doing so, and running the solutions of the solved notebook read from disk."""
    records = forge_records(module, names)
    return {
        "rebind": records + REBIND,
        "write-files": records + "\n_forged_lines()\n",
        "forked-child": records + FORKED_CHILD,
        "read-solution": f"NOTEBOOK = {notebook!r}\n" + READ_SOLUTION,
    }


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
