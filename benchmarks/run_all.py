"""Run All, as a student presses it: each notebook named executed top to bottom in a fresh kernel,
timed from the kernel's start to the last cell's end (medians, the load average).

    .venv/bin/python benchmarks/run_all.py 01-docker-1-hands-on 01-docker-2-project 02-deploy [--runs 3]

Not a test: it measures and prints a table. Each run executes a copy of the notebook (in
notebooks/, so its kernel starts where a student's does) on a database of its own
(DJANGO_DB_NAME, default workbook_run_all) and, for 02-deploy where a Docker Engine answers, on a
deploy rehearsal of its own (WORKBOOK_REHEARSAL_NAME and _HOME, as the tests set them), brought
up and removed by the notebook itself. Each cell's time goes to the slowest-cells table.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_all(name: str, timeout: int) -> tuple[float, list[tuple[float, str]]]:
    """Seconds from the kernel's start to the end of the last cell, and each code cell's seconds."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    os.environ["WORKBOOK_REHEARSAL_NAME"] = f"wbrunall{os.getpid()}-{secrets.token_hex(2)}"
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    cells: list[tuple[float, str]] = []
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            began = time.perf_counter()
            client.execute_cell(cell, index)
            first_line = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            cells.append((time.perf_counter() - began, f"cell {index}: {first_line}"))
    return time.perf_counter() - start, cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", help="names without .ipynb, e.g. 01-docker-2-project")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a cell may take")
    args = parser.parse_args()
    missing = [name for name in args.notebooks if not (NOTEBOOKS / f"{name}.ipynb").exists()]
    if missing:
        print(f"no such notebook in notebooks/: {', '.join(missing)}", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_DB_NAME", "workbook_run_all")
    os.environ["WORKBOOK_REHEARSAL_HOME"] = tempfile.mkdtemp(prefix="workbook-run-all-")
    os.environ.pop("WORKBOOK_LANG", None)
    times: dict[str, list[float]] = {name: [] for name in args.notebooks}
    slowest: dict[str, dict[str, list[float]]] = {name: {} for name in args.notebooks}
    loads = [load()]
    for _ in range(max(1, min(args.runs, 10))):
        for name in args.notebooks:
            seconds, cells = run_all(name, args.timeout)
            times[name].append(seconds)
            for value, label in cells:
                slowest[name].setdefault(label, []).append(value)
            print(f"{name}: {seconds:.1f} s (load {load()})", flush=True)
        loads.append(load())
    print(f"\nload average (1, 5, 15 min) by round: {' | '.join(loads)}")
    print("\n| Run All | median | runs |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.1f} s | {', '.join(f'{v:.1f}' for v in values)} |")
    for name, cells in slowest.items():
        print(f"\n| {name}: slowest cells | median |\n|---|---|")
        ranked = sorted(cells.items(), key=lambda item: -statistics.median(item[1]))[:6]
        for label, values in ranked:
            print(f"| {label.replace('|', '/')} | {statistics.median(values):.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
