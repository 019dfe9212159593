"""The grader on an instructor's laptop: an ordinary user, no root, no uid per submission.

There bubblewrap isolates each kernel with a user namespace instead (classroom/sandbox.py). The
test grades a two-exercise copy of 05 as an unprivileged user (`nobody`, by setpriv, when the
tests run as root; as the user running them otherwise), with a HOME and a temporary folder of its
own, and shows what the root path's test shows: the solved exercise earns credit, the unanswered
one does not; a file that user can read outside the sandbox is not there inside it; no database
but the submission's own answers (the server on 127.0.0.1:5432, the grading server's template).
Skipped, with the reason, where bubblewrap is missing or the kernel refuses unprivileged user
namespaces.

On a laptop the user's Python is their own. Where the tests' Python is not reachable by that user
(this machine's lies under /root, mode 0700), the test makes a virtual environment of the system's
Python of the same version, its packages those of the tests' environment (a .pth file): the
sandbox must then show the kernel that folder too.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from grading_helpers import LOCAL_SERVER, probe_source, seen_by_probe, write_class_list

from workbook.authoring.conventions import strip_solution
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT

NOBODY = 65534
KEEP = ("orm-000", "orm-001", "orm-003", "orm-006", "orm-007", "orm-008", "orm-016", "orm-017", "orm-018")

GRADE = """
import json, sys
from pathlib import Path
from classroom import grade

run = grade.grade([sys.argv[1]], out=Path(sys.argv[2]), originals_dir=Path(sys.argv[3]), jobs=1,
                  progress=lambda result: None)
print("DONE", len(run.results))
"""


def as_user() -> list[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
    return []


def unprivileged(argv: list[str], home: Path, python: str = sys.executable, **kwargs):
    env = {
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
    }
    return subprocess.run([*as_user(), *argv], env=env, capture_output=True, text=True, **kwargs)


def python_for(home: Path) -> str:
    """A Python the unprivileged user can run, with the tests' packages."""
    # The grader starts its Python again (the template's setup, the kernels): run one from one.
    again = "import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', 'pass']))"
    if unprivileged([sys.executable, "-c", again], home, timeout=60).returncode == 0:
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    places = (f"/usr/bin/{version}", f"/usr/local/bin/{version}")
    system = next((p for p in places if os.access(p, os.X_OK)), None)
    if system is None:
        pytest.skip(f"{sys.executable} is out of that user's reach and there is no system {version}")
    venv = home / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    (venv / "lib" / version / "site-packages" / "tests-packages.pth").write_text(site + "\n")
    return str(venv / "bin" / "python")


@pytest.fixture
def home():
    """A folder of the unprivileged user's own (tmp_path is root's, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="wbgrade-laptop-"))
    (folder / "tmp").mkdir()
    if as_user():
        for path in (folder, folder / "tmp"):
            os.chown(path, NOBODY, NOBODY)
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def two_exercises(folder: Path) -> Path:
    """05 cut to q1 and q3 (what they need before them): the original the grader knows."""
    nb = nbformat.read(str(NOTEBOOKS_DIR / "05-orm-exercises.ipynb"), as_version=4)
    nb.cells = [c for c in nb.cells if c.get("id") in KEEP]
    folder.mkdir(parents=True)
    path = folder / "05-orm-exercises.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_an_ordinary_user_grades_in_a_sandbox_of_user_namespaces(home):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    probe = unprivileged(["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"], home, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"this kernel refuses unprivileged user namespaces: {probe.stderr.strip()}")

    python = python_for(home)
    original = two_exercises(home / "originals")
    secret = write_class_list(home / "instructor" / "class.csv")
    if as_user():
        os.chown(secret.parent, NOBODY, NOBODY)
        os.chown(secret, NOBODY, NOBODY)
    paths = {
        "the solved notebook": str(NOTEBOOKS_DIR / "05-orm-exercises.ipynb"),
        "the class list": str(secret),
    }
    # Outside the sandbox the same user reads both: the sandbox is what hides them.
    for path in paths.values():
        assert unprivileged(["cat", path], home, timeout=30).returncode == 0, path

    nb = nbformat.read(str(original), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "orm-017":  # q3 left as the student copy has it
            cell.source = strip_solution(cell.source, "q3")
    at = next(i for i, c in enumerate(nb.cells) if c.get("id") == "orm-008") + 1
    probe = probe_source(
        paths, ("own database", "the template"), {"the server at 127.0.0.1:5432": LOCAL_SERVER}
    )
    nb.cells.insert(at, nbformat.v4.new_code_cell(probe))
    submissions = home / "submissions" / "kim"
    submissions.mkdir(parents=True)
    nbformat.write(nb, str(submissions / "05-orm-exercises.ipynb"))
    out = home / "grades"
    if as_user():
        for path in [home / "submissions", submissions, *submissions.iterdir()]:
            os.chown(path, NOBODY, NOBODY)
        out.mkdir()
        os.chown(out, NOBODY, NOBODY)

    done = unprivileged(
        [python, "-c", GRADE, str(home / "submissions"), str(out), str(original.parent)],
        home,
        python,
        cwd=REPO_ROOT,
        timeout=600,
    )
    assert done.returncode == 0 and "DONE 1" in done.stdout, done.stderr[-3000:]
    student = json.loads((out / "grades.json").read_text())["students"][0]
    statuses = {name: exercise["status"] for name, exercise in student["exercises"].items()}
    assert statuses == {"q1": "passed", "q3": "not answered"}, student
    graded = nbformat.read(str(out / "graded" / "kim" / "05-orm-exercises.ipynb"), as_version=4)
    seen = seen_by_probe(graded)
    assert seen["the solved notebook"] == "FileNotFoundError", seen
    assert seen["the class list"] == "FileNotFoundError", seen
    assert seen["own database"] == "connected", seen
    assert "permission denied for database" in seen["the template"], seen
    assert seen["the server at 127.0.0.1:5432"].startswith("OperationalError: "), seen
    assert "password" not in seen["the server at 127.0.0.1:5432"], seen  # never reached at all
    leftovers = [p.name for p in (home / "tmp").iterdir()]
    assert leftovers == [], leftovers  # the grading server and the sandboxes' folders are gone
