"""A student's first start, pip against uv, in one run: `python3 run.py lab` in a fresh copy of
this repository until JupyterLab answers, and the share of it each step takes.

Not a test: it measures and prints tables (medians, ratios, load averages).
Each round copies the tracked files into a new temporary folder (a fresh clone: no .venv, no
.pgdata, no workspace) and runs `python3 run.py lab --no-browser` there, once with
WORKBOOK_INSTALLER=pip and once with uv (the order alternates round by round):
  - cold: pip's and uv's caches empty (PIP_CACHE_DIR and UV_CACHE_DIR in a new folder), so every
    wheel is read from the sources pip is configured with (local wheel folders here, PyPI on a
    laptop);
  - warm: the same caches again, in another fresh copy (what a second clone on the same computer,
    or a rebuilt .venv, costs).
The steps are read from the command's own output, each line stamped as it arrives: venv (to
"Installing"), install (to .venv's install stamp), server init and migrate (Django loaded, the
embedded PostgreSQL's initdb and start, and the migrations, which run quietly: to the one line that
says they are applied), seed, workspace, and lab up (to
an authenticated /api/status answering 200). The learner's .venv, data and workspace are never
touched: everything lives in the temporary copy, on its own embedded server, stopped at the end.
Usage: .venv/bin/python benchmarks/first_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("venv", "install", "server init and migrate", "seed", "workspace", "lab up")
# The line that ends each step, in the order the command prints them (the install's end is its stamp).
MARKERS = {
    "venv": re.compile(r"Installing requirements"),
    # migrate runs quietly (one line when done): the server's start and the migrations are one step
    "server init and migrate": re.compile(r"Migrations applied"),
    "seed": re.compile(r"Seed data written"),
    "workspace": re.compile(r"[Yy]our workspace"),
}
LINK = re.compile(r"(http://\S+/lab)\?token=(\S+)")
TIMEOUT = 600


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def fresh_copy() -> Path:
    """The tracked files (as they are in this work tree) in a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="wb-first-start-"))
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(
        b"\0"
    )
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = folder / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return folder


def first_start(installer: str, caches: Path) -> dict[str, float]:
    """One `python3 run.py lab` in a fresh copy: seconds of each step, and the total."""
    copy = fresh_copy()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "VIRTUAL_ENV", "EMBEDDED_POSTGRES_DATA")
    }
    env.update(
        WORKBOOK_INSTALLER=installer,
        PIP_CACHE_DIR=str(caches / "pip"),
        UV_CACHE_DIR=str(caches / "uv"),
        WORKBOOK_HOME=str(copy / ".home"),
        PYTHONUNBUFFERED="1",
        WORKBOOK_LANG="en",
    )
    env.pop("JUPYTER_TOKEN", None)
    from workbook.authoring.stack import free_port

    port = free_port()
    stamps: dict[str, float] = {}
    link: list[str] = []
    lines: list[str] = []
    start = time.perf_counter()
    wall = time.time()
    proc = subprocess.Popen(
        [sys.executable, "run.py", "lab", "--no-browser", "--port", str(port)],
        cwd=copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def read() -> None:
        for line in proc.stdout:
            now = time.perf_counter() - start
            lines.append(line)
            for step, marker in MARKERS.items():
                if step not in stamps and marker.search(line):
                    stamps[step] = now
            found = LINK.search(line)
            # JupyterLab's own start-up lines show a token it did not make as "?token=...": only
            # the lab's line carries the real one.
            if found and not link and not found.group(2).startswith("..."):
                link.append(f"{found.group(1).rsplit('/lab', 1)[0]}/api/status?token={found.group(2)}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = start + TIMEOUT
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise SystemExit(
                    f"run.py lab ({installer}) exited {proc.returncode}:\n{''.join(lines)[-3000:]}"
                )
            if link:
                try:
                    with urllib.request.urlopen(link[0], timeout=1) as response:
                        if response.status == 200:
                            stamps["lab up"] = time.perf_counter() - start
                            break
                except OSError:
                    pass
            time.sleep(0.05)
        else:
            raise SystemExit(f"run.py lab ({installer}) not ready in {TIMEOUT} s:\n{''.join(lines)[-3000:]}")
        stamp = next((copy / ".venv").glob(".installed-*"))
        stamps["install"] = stamp.stat().st_mtime - wall
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C: the lab stops its embedded server too
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        reader.join(timeout=5)
        shutil.rmtree(copy, ignore_errors=True)
    missing = [step for step in STEPS if step not in stamps]
    if missing:
        raise SystemExit(f"no mark for {missing} in run.py lab's output:\n{''.join(lines)[-3000:]}")
    seconds, before = {}, 0.0
    for step in STEPS:
        seconds[step] = stamps[step] - before
        before = stamps[step]
    seconds["total"] = stamps["lab up"]
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = max(1, min(args.runs, 10))
    results: dict[tuple[str, str], list[dict[str, float]]] = {
        (installer, cache): [] for cache in ("cold", "warm") for installer in ("pip", "uv")
    }
    loads = [load()]
    for round_ in range(runs):
        order = ("pip", "uv") if round_ % 2 == 0 else ("uv", "pip")
        caches = {installer: Path(tempfile.mkdtemp(prefix=f"wb-cache-{installer}-")) for installer in order}
        try:
            for cache in ("cold", "warm"):
                for installer in order:
                    results[installer, cache].append(first_start(installer, caches[installer]))
                    print(
                        f"round {round_ + 1} {cache:4} {installer:3}: "
                        f"install {results[installer, cache][-1]['install']:.1f} s, "
                        f"first start {results[installer, cache][-1]['total']:.1f} s (load {load()})",
                        flush=True,
                    )
        finally:
            for folder in caches.values():
                shutil.rmtree(folder, ignore_errors=True)
        loads.append(load())

    def median(installer: str, cache: str, step: str) -> float:
        return statistics.median(r[step] for r in results[installer, cache])

    print(f"\nload average (1, 5, 15 min) by round: {' | '.join(loads)}")
    print(f"\n| {runs} runs each, medians | pip | uv | uv ÷ pip |\n|---|---|---|---|")
    for cache in ("cold", "warm"):
        for step, label in (("install", "install"), ("total", "first start (clone → lab answers)")):
            pip, uv = median("pip", cache, step), median("uv", cache, step)
            print(f"| {label}, {cache} cache | {pip:.1f} s | {uv:.1f} s | {uv / pip:.2f}× |")
    for cache in ("cold", "warm"):
        print(f"\n| step ({cache} cache) | pip | share | uv | share |\n|---|---|---|---|---|")
        totals = {installer: median(installer, cache, "total") for installer in ("pip", "uv")}
        for step in STEPS:
            cells = []
            for installer in ("pip", "uv"):
                value = median(installer, cache, step)
                cells += [f"{value:.1f} s", f"{100 * value / totals[installer]:.0f} %"]
            print(f"| {step} | {' | '.join(cells)} |")
        print(f"| total | {totals['pip']:.1f} s | | {totals['uv']:.1f} s | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
