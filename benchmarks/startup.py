"""How long the embedded PostgreSQL and `python -m workbook lab` take to be ready (medians).

Runs against throw-away data folders (EMBEDDED_POSTGRES_DATA in a temporary directory), so it never
touches the learner's server or data. Usage: .venv/bin/python benchmarks/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from workbook.authoring.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run_python(code: str, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([PY, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


START_SERVER = "from config import embedded; embedded.database_config('workbook_bench')"
STOP_SERVER = "from config import embedded; embedded.stop()"


def lab_to_ready(env: dict) -> float:
    """From starting `python -m workbook lab` to JupyterLab answering an authenticated request."""
    port, token = free_port(), secrets.token_urlsafe(16)
    env = dict(env, JUPYTER_TOKEN=token)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-m", "workbook", "lab", "--no-browser", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = start + 120
        while time.perf_counter() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("JupyterLab did not answer within 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {
        k: []
        for k in (
            "cold start (initdb + start)",
            "start (data exists, stopped)",
            "warm (already running)",
            "lab to ready, first run (no data)",
            "lab to ready, server stopped",
            "lab to ready, server running",
        )
    }
    for _ in range(args.runs):
        home = Path(tempfile.mkdtemp(prefix="wb-bench-"))
        env = dict(
            os.environ,
            WORKBOOK_HOME=str(home),
            EMBEDDED_POSTGRES_DATA=str(home / "pgdata"),
            DJANGO_DB_NAME="workbook_bench",
        )
        env.pop("DATABASE_URL", None)
        try:
            results["cold start (initdb + start)"].append(run_python(START_SERVER, env))
            results["warm (already running)"].append(run_python(START_SERVER, env))
            run_python(STOP_SERVER, env)
            results["start (data exists, stopped)"].append(run_python(START_SERVER, env))
            run_python(STOP_SERVER, env)
            shutil.rmtree(home / "pgdata")
            # initdb, start, create the database, migrate, seed, then JupyterLab
            results["lab to ready, first run (no data)"].append(lab_to_ready(env))
            run_python(STOP_SERVER, env)
            results["lab to ready, server stopped"].append(lab_to_ready(env))
            results["lab to ready, server running"].append(lab_to_ready(env))
        finally:
            subprocess.run([PY, "-c", STOP_SERVER], env=env, cwd=ROOT, capture_output=True)
            shutil.rmtree(home, ignore_errors=True)
    print(f"{'measure':34} {'median':>9} {'min':>9} {'max':>9}  (n={args.runs}, seconds)")
    for name, values in results.items():
        print(f"{name:34} {statistics.median(values):9.3f} {min(values):9.3f} {max(values):9.3f}")


if __name__ == "__main__":
    main()
