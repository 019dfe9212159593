"""01's Run All with a Docker Engine, each part timed from the kernel's start to the last cell's end,
and the registry round trip before and after it pushed a small image, in one run (medians, the
ratio, the slowest cells, the load average).

Not a test: it measures and prints tables.
  - `01-docker-1-hands-on` and `01-docker-2-project` as they are;
  - `01-docker-2-project, before`: the same notebook with its registry cell as it was, pushing
    python:3.12-slim (262 MB here, the stand-in; about 125 MB for the real image) to a new registry.
Each run executes the notebook in memory (nothing is written to notebooks/) in a fresh kernel
started in notebooks/, as a student's is, on a database of its own (DJANGO_DB_NAME, default
workbook_docker_bench). The cases alternate run by run so that all see the same load.
Usage: .venv/bin/python benchmarks/docker_notebooks.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BEFORE = {"d-r2": 'dockerlab.registry_round_trip(client, "python:3.12-slim")'}
CASES = {
    "01-docker-1-hands-on": ("01-docker-1-hands-on", {}),
    "01-docker-2-project": ("01-docker-2-project", {}),
    "01-docker-2-project, before": ("01-docker-2-project", BEFORE),
}


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_all(name: str, replace: dict[str, str], timeout: int = 600) -> tuple[float, dict[str, float]]:
    """Seconds from the kernel's start to the last cell's end, and each code cell's seconds by id."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.get("id") in replace:
            cell.source = replace[cell.id]
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    cells: dict[str, float] = {}
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                began = time.perf_counter()
                client.execute_cell(cell, index)
                cells[cell.get("id", str(index))] = time.perf_counter() - began
    return time.perf_counter() - start, cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    os.environ.setdefault("DJANGO_DB_NAME", "workbook_docker_bench")
    os.environ.pop("WORKBOOK_LANG", None)
    engine = subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    print(f"Docker Engine: {'answers' if engine else 'none (the no-Docker path)'}; runs: {runs}")
    times: dict[str, list[float]] = {case: [] for case in CASES}
    cells: dict[str, dict[str, list[float]]] = {case: {} for case in CASES}
    loads = [load()]
    for number in range(max(1, runs)):
        order = list(CASES) if number % 2 == 0 else list(reversed(CASES))
        for case in order:
            seconds, by_cell = run_all(*CASES[case])
            times[case].append(seconds)
            for cell, value in by_cell.items():
                cells[case].setdefault(cell, []).append(value)
            print(f"{case}: {seconds:.1f} s (load {load()})", flush=True)
        loads.append(load())
    print(f"\nload average (1, 5, 15 min) by round: {' | '.join(loads)}")
    print("\n| Run All | median | runs |\n|---|---|---|")
    for case, values in times.items():
        print(f"| {case} | {statistics.median(values):.1f} s | {', '.join(f'{v:.1f}' for v in values)} |")
    before, after = (
        statistics.median(times["01-docker-2-project, before"]),
        statistics.median(times["01-docker-2-project"]),
    )
    print(f"\n01-docker-2-project after / before: {after / before:.2f}×")
    for case, by_cell in cells.items():
        print(f"\n| {case}: slowest cells | median |\n|---|---|")
        for cell, values in sorted(by_cell.items(), key=lambda item: -statistics.median(item[1]))[:5]:
            print(f"| {cell} | {statistics.median(values):.1f} s |")


if __name__ == "__main__":
    main()
