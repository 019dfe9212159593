"""nbval over every notebook against its floor, in one run (medians, the ratio, the load average).

Not a test: it measures and prints a table.
  - all: `pytest notebooks/` with nbval, as `python3 run.py test notebooks/` runs it (one process);
  - floor: the same number of one-cell notebooks, each the first code cell of a notebook (the one
    that readies Django on the database) with its committed output. What a notebook cannot do
    without: pytest, a kernel started, Django set up, the database made fresh.
  - kernel floor: the same number of one-cell notebooks whose cell is `1 + 1`: pytest and a kernel
    started, nothing of Django (the lower floor, which the first cell's own cost sits on).
  - per notebook: the time of each notebook's own run (its cells), from pytest's durations, slowest
    first: where the difference between the two goes.
The runs alternate (all, floor, kernel floor, all, ...) so each sees the same load. The floor notebooks
live in a temporary folder inside the checkout (pytest's configuration and conftest.py apply to
them as to notebooks/), removed at the end. Runs on the embedded PostgreSQL, or DATABASE_URL's,
in a database of its own (DJANGO_DB_NAME, default workbook_nbval_floor).
02-deploy runs as without a Docker Engine (WORKBOOK_REHEARSAL_LIVE=0) unless --live-rehearsal is
given: where an Engine answers, the test command runs its live deploy rehearsal (about two minutes
of image builds and three deploys), which is a test of the deploy, not of the notebooks' speed.
Usage: .venv/bin/python benchmarks/nbval_floor.py [--runs 3] [--live-rehearsal]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def floor_notebooks(folder: Path, *, kernel_only: bool = False) -> list[Path]:
    """One notebook per notebook in notebooks/: its first code cell alone, outputs kept; with
    `kernel_only`, a cell `1 + 1` instead (its output, 2, checked as nbval checks any)."""
    written = []
    folder.mkdir(exist_ok=True)
    for source in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(source.read_text(encoding="utf-8"))
        first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
        if kernel_only:
            first = dict(
                first,
                source="1 + 1",
                execution_count=1,
                outputs=[
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "data": {"text/plain": "2"},
                        "metadata": {},
                    }
                ],
            )
        notebook["cells"] = [first]
        target = folder / source.name
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


LIVE_REHEARSAL = False


def pytest(paths: list[Path]) -> tuple[float, dict[str, float]]:
    """Wall seconds of one pytest run over the paths, and the seconds each notebook's cells took."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "--durations=0", *map(str, paths)]
    # A database of the benchmark's own, made fresh by conftest.py at each run; never the learner's.
    env = dict(os.environ, DJANGO_DB_NAME=os.environ.get("DJANGO_DB_NAME") or "workbook_nbval_floor")
    if not LIVE_REHEARSAL:
        env["WORKBOOK_REHEARSAL_LIVE"] = "0"
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(
            f"pytest failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
        )
    per_notebook: dict[str, float] = defaultdict(float)
    for line in result.stdout.splitlines():
        found = re.match(r"\s*([\d.]+)s (?:call|setup|teardown)\s+(\S+?\.ipynb)::", line)
        if found:
            per_notebook[Path(found.group(2)).name] += float(found.group(1))
    return seconds, dict(per_notebook)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--live-rehearsal", action="store_true", help="02-deploy deploys for real")
    args = parser.parse_args()
    global LIVE_REHEARSAL
    LIVE_REHEARSAL = args.live_rehearsal
    runs = max(1, min(args.runs, 10))
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    loads = [load()]
    every, floor, kernel = [], [], []
    per_notebook: dict[str, list[float]] = defaultdict(list)
    folder = Path(tempfile.mkdtemp(prefix=".nbval-floor-", dir=ROOT))
    try:
        floors = floor_notebooks(folder / "first-cell")
        kernels = floor_notebooks(folder / "kernel", kernel_only=True)
        for _ in range(runs):
            seconds, cells = pytest(notebooks)
            every.append(seconds)
            for name, value in cells.items():
                per_notebook[name].append(value)
            floor.append(pytest(floors)[0])
            kernel.append(pytest(kernels)[0])
            loads.append(load())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = statistics.median(every) / statistics.median(floor)
    kernel_ratio = statistics.median(every) / statistics.median(kernel)
    print(f"\nload average (1, 5, 15 min) by round: {' | '.join(loads)}")
    print("\n| measure | median | runs |\n|---|---|---|")

    def row(name: str, values: list[float]) -> str:
        each = ", ".join(f"{v:.1f}" for v in values)
        return f"| {name} | {statistics.median(values):.1f} s | {each} |"

    live = "with" if LIVE_REHEARSAL else "without"
    print(row(f"nbval, {len(notebooks)} notebooks ({live} 02-deploy's live rehearsal)", every))
    print(row(f"floor, {len(floors)} one-cell notebooks (the first cell: Django and the database)", floor))
    print(row(f"kernel floor, {len(kernels)} one-cell notebooks (`1 + 1`: a kernel started)", kernel))
    print(f"| ratio to the floor (goal ≤ 2.0×) | {ratio:.2f}× | |")
    print(f"| ratio to the kernel floor | {kernel_ratio:.2f}× | |")
    print("\n| notebook | its cells (median) |\n|---|---|")
    for name, values in sorted(per_notebook.items(), key=lambda item: -statistics.median(item[1])):
        print(f"| {name} | {statistics.median(values):.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
