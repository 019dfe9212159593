"""What the venv's compiled bytecode (.pyc) saves, side by side in one run (medians, ratios, load).

`run.py` installs with `uv pip install --compile-bytecode` (pip compiles by default; uv does not).
Without .pyc files, a Python that may not write them compiles every module it imports at every
start: under PYTHONDONTWRITEBYTECODE (set on some machines and in images), in a grading sandbox
whose venv is read-only, as a lab user who does not own the venv. Each of these starts is timed
with the venv's .pyc files and without them (PYTHONPYCACHEPREFIX pointing at an empty folder, so
Python finds none and writes none), alternating, so both see the same load:

- imports: a Python importing what a notebook's kernel and the tests import (IPython, ipykernel,
  Django's ORM and admin, DRF, psycopg2, nbclient, pytest);
- kernel and first cell: nbclient starting a kernel and running 05's first code cell (Django set
  up on the database), the part of every nbval run and every graded submission that is the same;
  on a database of its own (DJANGO_DB_NAME, default workbook_bytecode_bench).

    .venv/bin/python benchmarks/bytecode.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pairs import load, report

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = (
    "import IPython, ipykernel.kernelapp, django.db.models, django.contrib.admin, nbclient, "
    "psycopg2, pytest, jupyter_client, yaml\n"
    "import django; from django.conf import settings; settings.configure(); django.setup()\n"
    "import rest_framework.views"
)
KERNEL = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
first = next(c for c in nb.cells if c.cell_type == "code")
nb.cells = [first]
NotebookClient(nb, timeout=120, kernel_name="python3").execute()
"""


def timed(argv: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def pyc_count() -> tuple[int, int]:
    site = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    sources = sum(1 for _ in site.rglob("*.py"))
    compiled = sum(1 for _ in site.rglob("*.pyc"))
    return sources, compiled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sources, compiled = pyc_count()
    print(f"venv site-packages: {sources} .py files, {compiled} .pyc files")
    if compiled < sources // 2:
        print("(few .pyc files: install with run.py, which compiles them, to measure what they save)")
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    base["PYTHONDONTWRITEBYTECODE"] = "1"
    base.setdefault("DJANGO_DB_NAME", "workbook_bytecode_bench")  # never the learner's database
    notebook = ROOT / "notebooks" / "05-orm-exercises.ipynb"
    steps = {
        "imports": [sys.executable, "-c", IMPORTS],
        "kernel and first cell": [sys.executable, "-c", KERNEL, str(notebook)],
    }
    times: dict[tuple[str, str], list[float]] = {}
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as empty:
        variants = {"with .pyc": base, "without .pyc": {**base, "PYTHONPYCACHEPREFIX": empty}}
        for name, argv in steps.items():
            for _ in range(args.runs):
                for variant, env in variants.items():
                    times.setdefault((name, variant), []).append(timed(argv, env))
    print(f"load after:  {load()}")
    report(times, "with .pyc", "without .pyc", args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
