"""A student's first minutes, timed: a fresh clone to the workspace in the browser, and Run All of a
fresh exercise copy of 05 (medians).

1. `git clone` of this repository into a temporary folder, then `python3 run.py lab` there (a new
   .venv, the requirements installed, the embedded PostgreSQL initialised, migrated and seeded,
   my-notebooks/ made), until Chromium shows the workspace's file list. Its own data and venv, in
   the temporary folder; the server it started is stopped after. Needs Chromium (Playwright's or
   /usr/bin/chromium); without one, only the time until the server answers.
2. Run All of a fresh exercise copy of 05 in a kernel (as `tests/test_student_copies.py` runs it),
   each run on a database of its own, dropped after.

Usage: .venv/bin/python benchmarks/student_path.py [--clone-runs 1] [--runall-runs 3]
The clone runs install every requirement from the package index: minutes each.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from workbook.authoring.browser import CHROMIUM_FLAGS
from workbook.authoring.stack import free_port

ROOT = Path(__file__).resolve().parent.parent


def chromium(playwright):
    own = playwright.chromium.executable_path
    path = None if own and Path(own).exists() else shutil.which("chromium")
    if not (own and Path(own).exists()) and path is None:
        return None
    return playwright.chromium.launch(args=CHROMIUM_FLAGS, **({"executable_path": path} if path else {}))


def clone_to_browser() -> tuple[float, float | None]:
    """Seconds from `git clone` until the server answers, and until Chromium lists the workspace."""
    with tempfile.TemporaryDirectory(prefix="workbook-clone-") as tmp:
        clone = Path(tmp) / "workbook"
        port, token = free_port(), secrets.token_urlsafe(24)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "DJANGO_DB_NAME", "WORKBOOK_VENV")
        }
        env.update(JUPYTER_TOKEN=token, JUPYTERLAB_WORKSPACES_DIR=str(Path(tmp) / "lab-workspaces"))
        start = time.perf_counter()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        log = open(Path(tmp) / "lab.log", "w")  # noqa: SIM115 (closed below)
        lab = subprocess.Popen(
            [sys.executable, "run.py", "lab", "--no-browser", "--port", str(port)],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while True:
                if lab.poll() is not None:
                    raise SystemExit(f"the lab stopped; see {log.name}")
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            answers = time.perf_counter() - start
            listed = None
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = chromium(playwright)
                if browser is not None:
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{port}/lab?token={token}")
                    page.locator(".jp-DirListing-item", has_text="05-orm-exercises").wait_for(timeout=120_000)
                    listed = time.perf_counter() - start
                    browser.close()
            return answers, listed
        finally:
            os.killpg(lab.pid, signal.SIGTERM)
            lab.wait(timeout=30)
            log.close()
            subprocess.run(
                [str(clone / ".venv/bin/python"), "-m", "workbook", "db", "--stop"],
                cwd=clone,
                env=env,
                capture_output=True,
            )


def run_all_05() -> float:
    from workbook import database
    from workbook.authoring import conventions, scratch, student
    from workbook.authoring import regenerate as regen

    name = "workbook_bench_runall"
    config = dict(scratch.django_config(), NAME=name)
    with tempfile.TemporaryDirectory(prefix="workbook-runall-") as tmp:
        [path] = student.write_student_copies(Path(tmp), ["05"])
        copy = conventions.read(path)
        scratch.fresh_database(config, name)
        try:
            start = time.perf_counter()
            regen.execute(copy, cwd=Path(tmp), env=dict(os.environ, DJANGO_DB_NAME=name), allow_errors=True)
            return time.perf_counter() - start
        finally:
            database.drop_database(config, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clone-runs", type=int, default=1)
    parser.add_argument("--runall-runs", type=int, default=3)
    args = parser.parse_args()
    if args.clone_runs:
        results = [clone_to_browser() for _ in range(args.clone_runs)]
        answers = statistics.median(r[0] for r in results)
        print(f"fresh clone → lab answers:            median {answers:6.1f} s over {len(results)} run(s)")
        listed = [r[1] for r in results if r[1] is not None]
        if listed:
            print(f"fresh clone → workspace in Chromium:  median {statistics.median(listed):6.1f} s")
        else:
            print("fresh clone → workspace in Chromium:  no Chromium here, not measured")
    if args.runall_runs:
        times = [run_all_05() for _ in range(args.runall_runs)]
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"Run All, fresh 05 exercise copy:      median {statistics.median(times):6.1f} s ({shown})")


if __name__ == "__main__":
    main()
