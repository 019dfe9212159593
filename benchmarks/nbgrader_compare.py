"""`grade` side by side with nbgrader's autograde: the same generated class, the same forgeries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
      .venv/bin/python benchmarks/nbgrader_compare.py [--class-size 100] [--jobs 2] [--batch 10]

nbgrader (from PyPI, into a virtual environment of this benchmark's own, `.workbook/nbgrader-venv`,
never into the project's requirements) gets a course directory made here: the source notebook is
05 with nbgrader's cell metadata (each exercise cell a `solution` cell, each check cell an
autograded test cell worth one point: nbgrader gives the point when the cell raises no error, and a
workbook check raises when the answer is wrong or missing). `nbgrader generate_assignment` makes the
release; the submissions of `classroom/fake_class.py` (whose truth is known) go into `submitted/`
with the release's cell metadata, as a student's copy of it would carry; `nbgrader autograde`
grades them, and the scores are read from nbgrader's gradebook. `grade` grades the same files.

Both run on PostgreSQL: nbgrader's kernels each get a database copied from a template made the way
`grade` makes its own (`CREATE DATABASE ... TEMPLATE`), by a preprocessor put before nbgrader's
`Execute` (its kernels inherit the autograde process's environment); nbgrader's gradebook is a
PostgreSQL database too. The server is the settings' (DATABASE_URL). nbgrader grades one submission
at a time (its autograde has no parallel mode); `grade` runs `--jobs` at once. The class goes
through in batches of `--batch`, the two graders alternating, so a change in the machine's load
falls on both.

Reported: per submission wall time (each batch's wall time / its size, and each one's own time),
CPU per submission (the graders' processes and their children: kernels, judge, servers),
agreement with the truth per exercise (credit given where the truth is "passed", none elsewhere),
and which forgeries of `tests/test_grade_forgery.py` (plus connecting to the instructor's server)
earn credit from each grader. nbgrader's kernels run with an address-space limit (`prlimit`,
as `grade --memory-mb 2048`), or the generated class's memory exhaustion would take the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402

from classroom import grade  # noqa: E402
from classroom.fake_class import Maker, make_class  # noqa: E402
from workbook.authoring.scratch import django_config  # noqa: E402
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT  # noqa: E402

ORM = NOTEBOOKS_DIR / "05-orm-exercises.ipynb"
NBGRADER = "nbgrader==0.9.6"
VENV = REPO_ROOT / ".workbook" / "nbgrader-venv"
ASSIGNMENT = "ps1"
KERNEL = "workbook-nbgrader"
MEMORY_MB = 2048
CELL_TIMEOUT = 30  # nbgrader's own default, and grade's
FORGERY_TIMEOUT = 300  # seconds nbgrader may spend on one forgery (grade's --notebook-timeout)

# Connecting to the instructor's server (the settings' server, where nbgrader's gradebook is too).
INSTRUCTOR_DATABASE = r"""
import psycopg2

try:
    _conn = psycopg2.connect(INSTRUCTOR, connect_timeout=3)
    with _conn.cursor() as _cur:
        _cur.execute("SELECT count(*) FROM pg_database")
        print("reached the instructor's server:", _cur.fetchone()[0], "databases")
    _conn.close()
except Exception as _exc:
    print("the instructor's server is out of reach:", type(_exc).__name__)
"""

# Put in front of nbgrader's Execute: a database per submission, from the template, dropped after.
CONFIG = r"""
import json, os, time

import psycopg2
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput, SaveAutoGrades,
)
from nbconvert.preprocessors import ClearMetadataPreprocessor

SETTINGS = json.loads({settings!r})
os.environ.update(SETTINGS["env"])


class DatabasePerSubmission(Execute):
    def preprocess(self, nb, resources):
        student = resources["nbgrader"]["student"]
        name = SETTINGS["prefix"] + student.replace("-", "_")
        started = time.time()
        admin = psycopg2.connect(SETTINGS["admin"])
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{{name}}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{{name}}" TEMPLATE "{{SETTINGS["template"]}}"')
        os.environ["DATABASE_URL"] = SETTINGS["url"].format(name=name)
        try:
            return super().preprocess(nb, resources)
        finally:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{{name}}" WITH (FORCE)')
            admin.close()
            with open(SETTINGS["log"], "a") as log:
                log.write(json.dumps({{"student": student, "seconds": time.time() - started}}) + "\n")


c = get_config()  # noqa: F821
c.CourseDirectory.root = SETTINGS["root"]
c.CourseDirectory.db_url = SETTINGS["gradebook"]
c.CourseDirectory.course_id = "workbook"
c.Execute.timeout = SETTINGS["timeout"]
c.Autograde.autograde_preprocessors = [
    DatabasePerSubmission, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
"""

READ_GRADEBOOK = r"""
import json, sys
from nbgrader.api import Gradebook

scores = {}
with Gradebook(sys.argv[1], "workbook") as gb:
    for submission in gb.assignment_submissions(sys.argv[2]):
        for notebook in submission.notebooks:
            for one in notebook.grades:
                scores.setdefault(submission.student_id, {})[one.name] = one.score
print(json.dumps(scores))
"""


def ensure_nbgrader() -> Path:
    """nbgrader in a virtual environment of this benchmark's own (made once)."""
    python = VENV / "bin" / "python"
    ready = VENV / ".ready"
    if not ready.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", NBGRADER, "psycopg2-binary"], check=True)
        ready.write_text(NBGRADER + "\n")
    return python


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def libpq_url(config: dict, dbname: str) -> str:
    user = config.get("USER") or "postgres"
    password = config.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    if str(host).startswith("/"):
        return f"postgresql://{auth}@/{dbname}?host={host}&port={port}"
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def source_notebook(maker: Maker) -> nbformat.NotebookNode:
    """05 as an nbgrader source: exercise cells `solution`, check cells autograded tests (1 point)
    that raise when the check fails."""
    nb = nbformat.read(str(ORM), as_version=4)
    cells = {c.get("id"): c for c in nb.cells}
    for exercise in maker.original.exercises:
        cells[exercise.exercise_id].metadata["nbgrader"] = {
            "solution": True,
            "grade": False,
            "locked": False,
            "grade_id": f"{exercise.name}-answer",
            "schema_version": 3,
        }
        # In a kernel the workbook's check cell prints its ✗ and never raises (workbook/checks/
        # _runner.py rewrites a top-level `check.qN(...)`); nbgrader gives the point to a test cell
        # that raises no error. As an assignment the check raises, as nbgrader's tests must.
        cell = cells[exercise.check_id]
        if cell.source.strip().startswith("check.") and "\n" not in cell.source.strip():
            cell.source = "_verdict = " + cell.source.strip()
        cells[exercise.check_id].metadata["nbgrader"] = {
            "solution": False,
            "grade": True,
            "locked": True,
            "points": 1,
            "grade_id": exercise.name,
            "schema_version": 3,
        }
    for cell in nb.cells:  # nbgrader clears solutions in any cell: the prose that names the markers
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("BEGIN SOLUTION", "BEGIN&nbsp;SOLUTION")
            cell.source = cell.source.replace("END SOLUTION", "END&nbsp;SOLUTION")
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3 (workbook)", "language": "python"}
    return nb


def as_submitted(path: Path, release: nbformat.NotebookNode, target: Path) -> None:
    """A generated submission with the release's nbgrader metadata, matched by cell id (by position
    when every id was changed): what a student's copy of the release carries."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # not a notebook, truncated JSON: handed in as it is
        shutil.copyfile(path, target)
        return
    by_id = {c.get("id"): c.metadata.get("nbgrader") for c in release.cells}
    ids = [c.get("id") for c in nb.cells]
    positional = not any(i in by_id for i in ids) and len(nb.cells) == len(release.cells)
    for index, cell in enumerate(nb.cells):
        meta = release.cells[index].metadata.get("nbgrader") if positional else by_id.get(cell.get("id"))
        if meta:
            cell.metadata["nbgrader"] = dict(meta)
    nbformat.write(nb, str(target))


def walls(root: Path) -> list[str]:
    """What each of nbgrader's kernels runs inside: nbgrader itself runs a submission's code with the
    grader's rights (that is what the comparison shows), so the benchmark keeps this machine out of
    its reach. A kernel sees every file read-only but the course directory, where its HOME and TMPDIR
    are: a forgery that writes "passed" into every file of the working folder, /tmp and ~ writes
    into the course directory only. Its network is the machine's
    (nbgrader's kernels talk over TCP), so it reaches the database server, as the report says."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SystemExit(
            "nbgrader runs submissions' code with your own rights: this benchmark runs its kernels in"
            " bubblewrap, which is not installed (apt-get install bubblewrap)."
        )
    home, tmp = root / "home", root / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    return [
        bwrap,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--bind", str(root), str(root),
        "--setenv", "HOME", str(home),
        "--setenv", "TMPDIR", str(tmp),
        "--die-with-parent",
        "--",
    ]  # fmt: skip


class Nbgrader:
    def __init__(self, python: Path, root: Path, config: dict, run: str, template: str):
        self.python = python
        self.root = root
        self.config = config
        self.gradebook_name = f"{run}_gradebook"
        # SQLAlchemy's name for the driver this venv has (psycopg2), on the same server.
        self.gradebook = libpq_url(config, self.gradebook_name).replace(
            "postgresql://", "postgresql+psycopg2://"
        )
        self.log = root / "times.jsonl"
        self.prefix = f"{run}_"
        kernel_dir = root / "jupyter" / "kernels" / KERNEL
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [
                        *walls(root),
                        "prlimit",
                        f"--as={MEMORY_MB * 1024 * 1024}",
                        "--",
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                    ],
                    "display_name": "Python 3 (workbook)",
                    "language": "python",
                }
            )
        )
        env = grade._clean_env("", config)
        env.pop("DATABASE_URL")
        env["JUPYTER_PATH"] = str(root / "jupyter")
        settings = {
            "env": {k: env[k] for k in env if k not in os.environ or os.environ[k] != env[k]},
            "prefix": self.prefix,
            "admin": libpq_url(config, "postgres"),
            "template": template,
            "url": libpq_url(config, "{name}"),
            "root": str(root),
            "gradebook": self.gradebook,
            "timeout": CELL_TIMEOUT,
            "log": str(self.log),
        }
        (root / "nbgrader_config.py").write_text(CONFIG.format(settings=json.dumps(settings)))
        # nbgrader runs its venv's `alembic` from PATH, as an activated venv would have it.
        path = os.pathsep.join([str(python.parent), os.environ.get("PATH", "")])
        self.env = {**os.environ, "JUPYTER_PATH": str(root / "jupyter"), "PATH": path}
        self.env.pop("DATABASE_URL", None)
        from workbook.database import connect

        conn = connect(config, "postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.gradebook_name}"')
        conn.close()

    def run(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        """nbgrader in a session of its own: past `timeout` it and its kernels are killed (a
        kernel that ignores SIGINT outlives nbgrader's own cell timeout, cell after cell)."""
        child = subprocess.Popen(
            [str(self.python), "-m", "nbgrader", *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, err = child.communicate()
            err += f"\nERROR: stopped after {timeout:.0f} s"
        return subprocess.CompletedProcess(child.args, child.returncode, out, err)

    def generate(self, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
        folder = self.root / "source" / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(source, str(folder / ORM.name))
        done = self.run("generate_assignment", ASSIGNMENT, "--force")
        if done.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stderr[-3000:]}")
        return nbformat.read(str(self.root / "release" / ASSIGNMENT / ORM.name), as_version=4)

    def autograde(
        self, submissions: dict[str, Path], release, timeout: float | None = None
    ) -> tuple[float, float]:
        """These submissions (student id -> file) alone in submitted/, autograded: (wall, CPU)."""
        shutil.rmtree(self.root / "submitted", ignore_errors=True)
        for student, path in submissions.items():
            as_submitted(path, release, self.root / "submitted" / student / ASSIGNMENT / ORM.name)
        cpu = children_cpu()
        started = time.perf_counter()
        done = self.run("autograde", ASSIGNMENT, "--force", timeout=timeout)
        wall = time.perf_counter() - started
        if done.returncode != 0 and "ERROR" not in done.stderr:
            raise RuntimeError(f"nbgrader autograde failed:\n{done.stderr[-3000:]}")
        return wall, children_cpu() - cpu

    def scores(self) -> dict[str, dict[str, float]]:
        done = subprocess.run(
            [str(self.python), "-c", READ_GRADEBOOK, self.gradebook, ASSIGNMENT],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    def own_times(self) -> dict[str, float]:
        if not self.log.exists():
            return {}
        return {r["student"]: r["seconds"] for r in map(json.loads, self.log.read_text().splitlines())}

    def autograded_text(self, student: str) -> str:
        path = self.root / "autograded" / student / ASSIGNMENT / ORM.name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def grade_batch(folder: Path, out: Path, jobs: int) -> tuple[grade.Run, float, float]:
    cpu = own_cpu() + children_cpu()
    started = time.perf_counter()
    run = grade.grade(
        [folder],
        out=out,
        notebooks=["05-orm-exercises"],
        jobs=jobs,
        cell_timeout=CELL_TIMEOUT,
        progress=lambda result: None,
    )
    wall = time.perf_counter() - started
    # A killed sandbox's processes are never waited for: their CPU is read on them instead.
    cpu = own_cpu() + children_cpu() - cpu + sum(sum(r.cpu.values()) for r in run.results)
    return run, wall, cpu


def grade_credits(out: Path) -> dict[str, dict[str, str]]:
    students = json.loads((out / "grades.json").read_text())["students"]
    return {s["student"]: {k: v["status"] for k, v in s["exercises"].items()} for s in students}


def forgeries(maker: Maker, folder: Path, instructor_url: str, only=()) -> list[str]:
    """One submission per forgery kind (tests/test_grade_forgery.py's, blank otherwise)."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    import test_grade_forgery as forgery

    kinds = {
        **forgery.FORGERIES,
        **forgery.SLOW,
        "instructor-database": f"INSTRUCTOR = {instructor_url!r}\n" + INSTRUCTOR_DATABASE,
    }
    kinds = {k: v for k, v in kinds.items() if not only or k in only}
    forgery.forged(maker, folder, kinds)
    if not only or "read-solution-answers" in only:
        kinds["read-solution-answers"] = ""
        read_solution_answers(maker, folder / "read-solution-answers" / ORM.name)
    return list(kinds)


COPY_ANSWER = r"""
import json as _json
from pathlib import Path as _Path

import workbook as _workbook

try:
    _solved = _Path(_workbook.__file__).resolve().parent.parent / "notebooks" / "05-orm-exercises.ipynb"
    _cell = next(c for c in _json.loads(_solved.read_text())["cells"] if c.get("id") == {cell_id!r})
    exec("".join(_cell["source"]).split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0])
except OSError as _exc:
    print("no solved notebook here:", type(_exc).__name__)
"""


def read_solution_answers(maker: Maker, path: Path) -> None:
    """Every exercise cell answered by running the solved notebook's own cell, read from disk."""
    nb = maker.build(dict.fromkeys(maker.names, "unanswered"))
    cells = {c.get("id"): c for c in nb.cells}
    for exercise in maker.original.exercises:
        cells[exercise.exercise_id].source = COPY_ANSWER.replace("{cell_id!r}", repr(exercise.exercise_id))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="grade's submissions at once")
    parser.add_argument("--batch", type=int, default=10, help="submissions per turn of each grader")
    parser.add_argument("--no-forgeries", dest="forgeries", action="store_false")
    parser.add_argument("--forgery", action="append", default=[], help="this forgery only; repeatable")
    parser.add_argument("--keep", action="store_true", help="keep the course directory (its path is printed)")
    args = parser.parse_args()

    python = ensure_nbgrader()
    config = django_config()
    loads = [os.getloadavg()[0]]
    server = grade.Server(config, "")
    # Named as this benchmark's own (never the grader's prefix): dropped, every one, at the end.
    server.run = "nbgcompare_" + secrets.token_hex(3)
    server.template, server.owner = f"{server.run}_template", f"{server.run}_owner"
    maker = Maker(ORM)
    scratch = Path(tempfile.mkdtemp(prefix="nbgrader-compare-"))
    try:
        server.make_template()
        nbg = Nbgrader(python, scratch / "course", config, server.run, server.template)
        release = nbg.generate(source_notebook(maker))
        made = make_class(scratch / "class", args.class_size)
        student_of = {m.path.stem: m.path.stem.split("-")[0] for m in made}
        truth = {student_of[m.path.stem]: m.truth for m in made}
        kinds = {student_of[m.path.stem]: m.kind for m in made}

        walls = {"nbgrader": [], "grade": []}
        cpus = {"nbgrader": 0.0, "grade": 0.0}
        own_grade: dict[str, float] = {}
        graded: dict[str, dict[str, str]] = {}
        for turn, start in enumerate(range(0, len(made), args.batch)):
            batch = made[start : start + args.batch]
            folder = scratch / "batches" / f"b{turn:02d}"
            folder.mkdir(parents=True)
            for m in batch:
                shutil.copyfile(m.path, folder / f"{student_of[m.path.stem]}{m.path.suffix}")
            order = ("nbgrader", "grade") if turn % 2 == 0 else ("grade", "nbgrader")
            for which in order:
                if which == "nbgrader":
                    wall, cpu = nbg.autograde({student_of[m.path.stem]: m.path for m in batch}, release)
                else:
                    run, wall, cpu = grade_batch(folder, scratch / "grades" / f"b{turn:02d}", args.jobs)
                    graded.update(grade_credits(scratch / "grades" / f"b{turn:02d}"))
                    own_grade.update({r.submission.student: r.seconds for r in run.results})
                walls[which].append((wall, len(batch)))
                cpus[which] += cpu
            loads.append(os.getloadavg()[0])
            print(f"  turn {turn + 1}: {start + len(batch)} of {len(made)} graded by both", file=sys.stderr)
        scores = nbg.scores()
        own_nbgrader = nbg.own_times()

        forged_rows = []
        if args.forgeries:
            folder = scratch / "forgeries"
            names = forgeries(
                maker, folder, libpq_url(config, config.get("NAME") or "postgres"), args.forgery
            )
            nbg_ids = {kind: f"f{n:02d}" for n, kind in enumerate(names)}
            shutil.rmtree(nbg.root / "autograded", ignore_errors=True)
            for kind in names:  # one autograde each: a forgery that stops nbgrader stops only itself
                nbg.autograde({nbg_ids[kind]: folder / kind / ORM.name}, release, timeout=FORGERY_TIMEOUT)
            forged_scores = nbg.scores()
            grade_batch(folder, scratch / "grades" / "forgeries", args.jobs)
            forged_grade = grade_credits(scratch / "grades" / "forgeries")
            in_kernel = {e.name for e in maker.original.exercises if e.in_kernel}
            for kind in names:
                scored = forged_scores.get(nbg_ids[kind])
                nb_credit = sorted(q for q, s in (scored or {}).items() if s)
                g_credit = sorted(q for q, s in forged_grade.get(kind, {}).items() if s == grade.PASSED)
                text = nbg.autograded_text(nbg_ids[kind])
                notes = []
                if scored is None:
                    notes.append("nbgrader recorded no grade for it")
                if "reached the instructor's server" in text:
                    notes.append("nbgrader's kernel reached the instructor's server")
                if kind.startswith("read-solution") and text and "no solved notebook here" not in text:
                    notes.append("nbgrader's kernel read the solved notebook")
                forged_rows.append((kind, nb_credit, g_credit, notes))
    finally:
        server.drop_everything()
        try:
            from workbook.database import connect

            conn = connect(config, "postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                like = server.run.replace("_", r"\_") + r"\_%"
                cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
                for (name,) in cur.fetchall():
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.close()
        finally:
            if args.keep:
                print(f"kept: {scratch}", file=sys.stderr)
            else:
                shutil.rmtree(scratch, ignore_errors=True)

    n = len(made)
    names = [e.name for e in maker.original.exercises]
    print(f"machine: {os.cpu_count()} cores; load (1 min) {' → '.join(f'{x:.1f}' for x in loads)}")
    print(f"{n} submissions of 05 ({len(names)} exercises each), in turns of {args.batch}, alternating")
    for which, label in (
        ("nbgrader", "nbgrader autograde (one at a time)"),
        ("grade", f"grade ({args.jobs} at once)"),
    ):
        total = sum(w for w, _ in walls[which])
        own = own_nbgrader if which == "nbgrader" else own_grade
        print(f"{label}:")
        print(f"  wall in all {total:7.1f} s; per submission (wall / {n}) {total / max(n, 1):6.2f} s")
        print(f"  each submission's own time, median {median(own.values()):6.2f} s")
        print(f"  CPU per submission {cpus[which] / max(n, 1):6.2f} s")
    for which in ("nbgrader", "grade"):
        agree = {q: 0 for q in names}
        for student, truths in truth.items():
            for q in names:
                if which == "nbgrader":
                    credit = bool(scores.get(student, {}).get(q))
                else:
                    credit = graded.get(student, {}).get(q) == grade.PASSED
                agree[q] += credit == (truths[q] == grade.PASSED)
        total = sum(agree.values())
        print(f"{which}: credit agrees with the truth on {total} of {n * len(names)} exercises")
        wrong = {q: n - a for q, a in agree.items() if a < n}
        if wrong:
            print(f"  disagreements per exercise: {wrong}")
            kinds_wrong = sorted(
                {
                    kinds[s]
                    for s, t in truth.items()
                    for q in wrong
                    if (
                        bool(scores.get(s, {}).get(q))
                        if which == "nbgrader"
                        else graded.get(s, {}).get(q) == grade.PASSED
                    )
                    != (t[q] == grade.PASSED)
                }
            )
            print(f"  in submissions of kind: {', '.join(kinds_wrong)}")
    if forged_rows:
        print(f"forgeries (answers blank or wrong; judged in the kernel by grade: {sorted(in_kernel)}):")
        for kind, nb_credit, g_credit, notes in forged_rows:
            print(
                f"  {kind:<20} nbgrader credits {len(nb_credit):2d} {nb_credit if nb_credit else ''}"
                f"{' (' + '; '.join(notes) + ')' if notes else ''}; "
                f"grade credits {len(g_credit):2d} {g_credit if g_credit else ''}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
