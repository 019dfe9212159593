"""The notebooks' Python commands forked from a helper against each in a new Python (workbook.forks),
side by side in one run: medians, ratios, load.

Two things a learner runs from cells, each timed both ways, alternating, from a fresh kernel's
state each round (the helper ended before each forked round, so its start is counted):

- 04's migration cycle: a ScratchApp made, its nine manage.py commands as the notebook runs them
  (makemigrations, migrate, makemigrations, sqlmigrate, migrate, showmigrations, migrate 0001,
  showmigrations, migrate zero), the app removed;
- 02's test run: pytest on the site's posts/tests/test_models.py in a copy of the site, as the CI
  cells run it (the copy made and its test database created once, before the rounds), with the
  helper already started, as it is from a notebook's second run on.

On a database server of its own name (DJANGO_DB_NAME, default workbook_forks_bench).

    .venv/bin/python benchmarks/forks.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

from pairs import load, report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = """
from django.db import models


class Entry(models.Model):
    title = models.CharField(max_length=100)
    written_at = models.DateTimeField(auto_now_add=True)
"""
SECOND = FIRST + "    published = models.BooleanField(default=False)\n"
TESTS = "project/posts/tests/test_models.py"


def cycle() -> float:
    """04's cells, from the app's making to its removal; seconds."""
    from workbook.scratch_app import ScratchApp

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        app = ScratchApp("journal")
        try:
            app.write_models(FIRST)
            statuses = [app.manage("makemigrations", "journal"), app.manage("migrate", "journal")]
            app.write_models(SECOND)
            statuses += [
                app.manage("makemigrations", "journal"),
                app.manage("sqlmigrate", "journal", "0002"),
                app.manage("migrate", "journal"),
                app.manage("showmigrations", "journal"),
                app.manage("migrate", "journal", "0001"),
                app.manage("showmigrations", "journal"),
                app.manage("migrate", "journal", "zero"),
            ]
        finally:
            app.remove()
    if any(statuses):
        raise SystemExit(f"a manage.py command failed: {statuses}")
    return time.perf_counter() - started


def test_run(copy) -> float:
    started = time.perf_counter()
    run = copy.run_tests(TESTS)
    if run.status != 0:
        raise SystemExit(f"pytest failed in the copy: {run.counts} {run.failures[:3]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = max(1, min(args.runs, 20))
    os.environ.setdefault("DJANGO_DB_NAME", "workbook_forks_bench")  # never the learner's database
    import workbook
    from workbook import forks
    from workbook.pipeline import ProjectCopy

    if not forks.FORKS:
        raise SystemExit("the helper forks on Linux only: nothing to compare here")
    workbook.setup()
    copy = ProjectCopy()
    times: dict[tuple[str, str], list[float]] = {}
    loads = [load()]
    try:
        for forked in (True, False):  # the copy's test database made, both paths warmed once
            forks.FORKS = forked
            test_run(copy)
        for i in range(runs):
            order = (True, False) if i % 2 == 0 else (False, True)
            for forked in order:
                forks.close()
                forks.FORKS = forked
                variant = "forked" if forked else "new Python"
                times.setdefault(("04's migration cycle (9 manage.py)", variant), []).append(cycle())
                if forked:  # the helper up, as from a notebook's second run on
                    forks.run([sys.executable, "-m", "platform"], cwd=ROOT, env=dict(os.environ), timeout=60)
                times.setdefault(("02's test run (pytest, one file)", variant), []).append(test_run(copy))
            loads.append(load())
    finally:
        forks.FORKS = True
        forks.close()
        copy.remove()
    print(f"load average (1, 5, 15 min) by round: {' | '.join(loads)}")
    report(times, "new Python", "forked", runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
