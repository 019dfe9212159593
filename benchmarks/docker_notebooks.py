"""01's Run All with a Docker Engine, before and after the hands-on part, in one run (medians, the
ratio, the load average).

Not a test: it measures and prints a table.
  - before: `01-docker-2-project` alone, which is the whole of 01 as it was (the same cells);
  - part 1: `01-docker-1-hands-on`, the hands-on part that now comes first;
  - after: both, one pytest run over the two notebooks, as a learner's 01 is now.
Each is nbval over the notebooks (Run All, outputs compared), one pytest process without xdist.
The three alternate (before, part 1, after, before, ...) so all see the same load. Runs on the
embedded PostgreSQL, or DATABASE_URL's, in a database of its own (DJANGO_DB_NAME, default
workbook_docker_bench). Without an Engine it measures the cells' no-Docker path: say which.
Usage: .venv/bin/python benchmarks/docker_notebooks.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CASES = {
    "before": [NOTEBOOKS / "01-docker-2-project.ipynb"],
    "part 1": [NOTEBOOKS / "01-docker-1-hands-on.ipynb"],
    "after": [NOTEBOOKS / "01-docker-1-hands-on.ipynb", NOTEBOOKS / "01-docker-2-project.ipynb"],
}


def run_all(paths: list[Path]) -> float:
    """Wall seconds of one nbval run over the paths; a failing run stops the benchmark."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", *map(str, paths)]
    env = dict(os.environ, DJANGO_DB_NAME=os.environ.get("DJANGO_DB_NAME") or "workbook_docker_bench")
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(
            f"pytest failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-2000:]}"
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    engine = subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    print(f"Docker Engine: {'answers' if engine else 'none (the no-Docker path)'}; runs: {runs}")
    times: dict[str, list[float]] = {name: [] for name in CASES}
    loads = [os.getloadavg()]
    for _run in range(runs):
        for name, paths in CASES.items():
            times[name].append(run_all(paths))
            loads.append(os.getloadavg())
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'case':8} {'median s':>9}  runs")
    for name, values in times.items():
        print(f"{name:8} {medians[name]:9.1f}  " + "  ".join(f"{v:.1f}" for v in values))
    print(f"after / before: {medians['after'] / medians['before']:.2f}")
    print("load average (1 min) at start and after each run:", " ".join(f"{one:.2f}" for one, *_ in loads))


if __name__ == "__main__":
    main()
