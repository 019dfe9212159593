"""Grading a class, side by side in one run (medians):

- the floor: notebook 05 executed once with nbclient on a database copied from the template;
- a student's database: copied from the template (CREATE DATABASE ... TEMPLATE) vs made by
  migrate + seed;
- `grade` over a generated class of 05 (right, wrong, unanswered, a loop, memory exhaustion, dropped
  tables, a printed fake ✓ ...): total and per submission, against the floor; and whether every
  exercise got the grade the generator knows it must get;
- the peak memory of a kernel that ran 05.

    .venv/bin/python benchmarks/grading.py [--class-size 100] [--repeat 3] [--jobs 2] [--cell-cpu 5]

and where one submission's time goes: the database copy, the kernel's start, the grader's first
cell, 05's cells (the chart's apart), the kernel's end and the drop.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classroom import grade  # noqa: E402
from classroom.fake_class import make_class  # noqa: E402
from workbook.authoring.conventions import read  # noqa: E402
from workbook.authoring.scratch import django_config  # noqa: E402
from workbook.paths import NOTEBOOKS_DIR, PROJECT_DIR  # noqa: E402

ORM = NOTEBOOKS_DIR / "05-orm-exercises.ipynb"
PEAK = "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def floor_once(server: grade.Server, n: int) -> tuple[float, int]:
    """05 executed once, plainly (no checks put back, no recording), on a copy of the template."""
    import nbformat
    from nbclient import NotebookClient

    database, role, url = server.make_database(n)
    try:
        nb = read(ORM)
        nb.cells.append(nbformat.v4.new_code_cell(PEAK))
        with tempfile.TemporaryDirectory() as cwd:
            started = time.perf_counter()
            NotebookClient(
                nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": cwd}}
            ).execute(env=grade._clean_env(url, server.config))
            seconds = time.perf_counter() - started
        peak_kb = int(nb.cells[-1].outputs[0]["text"].strip())
        return seconds, peak_kb
    finally:
        server.drop(database, role)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the kernels, the template's setup)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def where_time_goes(server: grade.Server, n: int) -> dict[str, float]:
    """One submission's steps, as the grader takes them (the checks put back, immediate shutdown):
    seconds for the database copy, the kernel's start, the grader's first cell, each of 05's cells,
    the kernel's end and the drop."""
    import asyncio
    import subprocess

    import nbformat
    from nbclient import NotebookClient

    original = grade.load_original(ORM)
    prepared = grade.restore_checks(original.nb, original)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    database, role, url = server.make_database(n)
    steps["database copied from the template"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as cwd:
        client = NotebookClient(
            prepared.nb,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": cwd}},
        )
        setup = nbformat.v4.new_code_cell(
            grade.KERNEL_SETUP.replace("{results!r}", repr(f"{cwd}/results.jsonl"))
            .replace("{memory_bytes!r}", "0")
            .replace("{names!r}", "()")
        )
        cells: list[tuple[float, str]] = []

        async def run() -> None:
            mark = time.perf_counter()
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            async with client.async_setup_kernel(env=grade._clean_env(url, server.config), cwd=cwd, **quiet):
                steps["kernel start"] = time.perf_counter() - mark
                mark = time.perf_counter()
                await client.async_execute_cell(setup, 0, store_history=False)
                steps["the grader's first cell (wraps the checks)"] = time.perf_counter() - mark
                for index, cell in enumerate(prepared.nb.cells):
                    if cell.cell_type == "code":
                        mark = time.perf_counter()
                        await client.async_execute_cell(cell, index)
                        cells.append((time.perf_counter() - mark, cell.source.splitlines()[0][:48]))
                mark = time.perf_counter()
            steps["kernel end (killed)"] = time.perf_counter() - mark

        asyncio.run(run())
    started = time.perf_counter()
    server.drop(database, role)
    steps["database dropped"] = time.perf_counter() - started
    chart = sum(seconds for seconds, first in cells if "line_chart" in first)
    steps["05's cells: the one that draws the chart"] = chart
    steps["05's cells: the other " + str(len(cells) - 1)] = sum(seconds for seconds, _ in cells) - chart
    return steps


def migrate_and_seed(server: grade.Server, n: int) -> float:
    from psycopg2 import sql

    name = f"{server.run}_m{n}"
    started = time.perf_counter()
    conn = server._connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["DJANGO_DB_NAME"] = name
    subprocess.run(
        [sys.executable, "-c", "import workbook; workbook.setup()"],
        env=env,
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    server.drop(name)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cell-timeout", type=int, default=grade.DEFAULT_CELL_TIMEOUT)
    parser.add_argument("--cell-cpu", type=float, default=5, help="CPU-seconds a cell may use")
    parser.add_argument(
        "--compare", action="store_true", help="grade the class again without the sandbox (its own cost)"
    )
    args = parser.parse_args()

    config = django_config()
    server = grade.Server(config, "bench" + secrets.token_hex(2))
    try:
        server.make_template()
        floors, peaks = [], []
        for n in range(args.repeat):
            seconds, peak = floor_once(server, n)
            floors.append(seconds)
            peaks.append(peak)
        copies = []
        for n in range(5):
            started = time.perf_counter()
            database, role, _ = server.make_database(100 + n)
            copies.append(time.perf_counter() - started)
            server.drop(database, role)
        migrations = [migrate_and_seed(server, n) for n in range(args.repeat)]
        profiles = [where_time_goes(server, 200 + n) for n in range(args.repeat)]
    finally:
        server.drop_everything()

    with tempfile.TemporaryDirectory() as scratch:
        made = make_class(Path(scratch) / "class", args.class_size)
        runs = {}
        for sandbox in (True, False) if args.compare else (True,):
            label = "sandbox on" if sandbox else "sandbox off"
            started = time.perf_counter()
            cpu_before = cpu_seconds()
            run = grade.grade(
                [Path(scratch) / "class"],
                out=Path(scratch) / label,
                notebooks=["05-orm-exercises"],
                jobs=args.jobs,
                cell_timeout=args.cell_timeout,
                cell_cpu=args.cell_cpu,
                progress=lambda result: None,
                sandbox=sandbox,
                config=config,
            )
            total = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
            # A killed sandbox's processes are never waited for: their CPU is read on them instead.
            unwaited = sum(sum(r.cpu.values()) for r in run.results) if sandbox else 0.0
            graded = {
                s["student"]: s["exercises"]
                for s in json.loads((Path(scratch) / label / "grades.json").read_text())["students"]
            }
            wrong = sum(
                1
                for m in made
                for name, truth in m.truth.items()
                if graded[m.path.stem][name]["status"] != truth
            )
            runs[label] = (run, total, cpu + unwaited, wrong)
    floor = statistics.median(floors)
    where = grade.Server(config, "x").url("r", "p", "d").split("@")[1] or "embedded (socket)"
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; server: {where}")
    print(f"floor: 05 once with nbclient               median {floor:6.2f} s  ({args.repeat} runs)")
    print(f"kernel peak memory after 05                median {statistics.median(peaks) / 1024:6.0f} MiB")
    print(f"student database: copy of the template     median {statistics.median(copies) * 1000:6.0f} ms")
    print(f"student database: migrate + seed           median {statistics.median(migrations):6.2f} s")
    ratio = statistics.median(migrations) / statistics.median(copies)
    print(f"  ratio migrate+seed / template copy       {ratio:6.0f}x")
    print("where one submission's time goes (medians, s):")
    for step in profiles[0]:
        print(f"  {step:<46} {statistics.median(p[step] for p in profiles):6.2f}")
    failed = 0
    for label, (run, total, cpu, wrong) in runs.items():
        failed += wrong
        print(f"grade {len(made)} submissions, {args.jobs} at once, {label}: total {total:6.1f} s")
        print(f"  (the run's template, migrated and seeded once: {run.template_seconds:.1f} s)")
        per_submission = statistics.median(r.seconds for r in run.results)
        print(f"  per submission, wall / {len(made)}               {total / len(made):6.2f} s")
        print(f"  per submission, each one's own time      median {per_submission:6.2f} s")
        print(f"  CPU per submission (grader, kernel, judge, server) {cpu / len(made):6.2f} s")
        print(f"  ratio per-submission wall / floor        {total / len(made) / floor:6.2f}x")
        print(f"  ratio each one's own time / floor        {per_submission / floor:6.2f}x")
        loop_paths = {m.path.resolve() for m in made if m.kind == "loop"}
        loop_seconds = [r.seconds for r in run.results if r.submission.path.resolve() in loop_paths]
        if loop_seconds:
            print(
                f"  ({len(loop_seconds)} never-ending loop(s), stopped after {args.cell_cpu:g} CPU-s: "
                f"median {statistics.median(loop_seconds):.1f} s each)"
            )
        print(f"  exercises graded differently from the truth: {wrong} of {len(made) * len(made[0].truth)}")
    if len(runs) == 2:
        (on, on_total, on_cpu, _), (off, off_total, off_cpu, _) = runs.values()
        own = statistics.median(r.seconds for r in on.results) / statistics.median(
            r.seconds for r in off.results
        )
        print(
            f"the sandbox's own cost: wall {on_total / off_total:.2f}x, CPU {on_cpu / off_cpu:.2f}x, "
            f"each one's own time {own:.2f}x"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
