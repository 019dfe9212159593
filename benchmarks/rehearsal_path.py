"""02-deploy's live path, timed step by step: the rehearsal with a production server's health checks
(every 5 s, a new web given 60 s) against the rehearsal's own (every second, 20 s), in one run.

    .venv/bin/python benchmarks/rehearsal_path.py [--rounds 1]

Each round brings up a rehearsal of its own for each setting (the order alternates round by
round) and does what 02-deploy's live cells do: up, a first deploy, a good deploy, a broken
release rolled back, down. The server's .env says which health-check timing the site gets
(workbook.rehearsal.REHEARSAL_HEALTH, here set per rehearsal). Prints each step's median, the
ratio of the two, whether each deploy ended as it should with no failed request, and the load
average before and after each round. Needs a Docker Engine; builds are cached after the first.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook import rehearsal  # noqa: E402

SETTINGS = {"production checks": "", "rehearsal checks": rehearsal.REHEARSAL_HEALTH}
STEPS = ("up", "first deploy", "good deploy", "broken, rolled back", "down", "whole")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def one_path(health: str) -> tuple[dict[str, float], list[str]]:
    """Seconds of each step of 02-deploy's live path, and what went wrong (nothing, when right)."""
    rehearsal.REHEARSAL_HEALTH = health
    stage = rehearsal.Rehearsal(f"wbpath{os.getpid()}-{secrets.token_hex(2)}")
    quiet = lambda *_: None  # noqa: E731
    seconds: dict[str, float] = {}
    wrong: list[str] = []
    start = time.perf_counter()

    def step(name: str, began: float) -> float:
        seconds[name] = time.perf_counter() - began
        return time.perf_counter()

    try:
        began = time.perf_counter()
        stage.up(say=quiet)
        began = step("up", began)
        for name, broken, status in (
            ("first deploy", False, 0),
            ("good deploy", False, 0),
            ("broken, rolled back", True, 1),
        ):
            result = stage.deploy(broken=broken, say=quiet)
            began = step(name, began)
            if result.returncode != status:
                wrong.append(f"{name}: exit {result.returncode}\n{result.output[-1500:]}")
            if name != "first deploy" and result.probe and result.probe.failed:
                wrong.append(f"{name}: {result.probe.summary()}")
    finally:
        began = time.perf_counter()
        stage.down(say=quiet)
        step("down", began)
    seconds["whole"] = time.perf_counter() - start
    return seconds, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    problem = rehearsal.live_problem()
    if problem:
        print(f"No rehearsal can run here ({problem}).")
        return 2
    os.environ["WORKBOOK_REHEARSAL_HOME"] = tempfile.mkdtemp(prefix="workbook-bench-")
    results: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    loads = [load()]
    failures = 0
    for round_ in range(max(1, min(args.rounds, 5))):
        names = list(SETTINGS) if round_ % 2 == 0 else list(reversed(SETTINGS))
        for name in names:
            seconds, wrong = one_path(SETTINGS[name])
            results[name].append(seconds)
            failures += len(wrong)
            print(f"round {round_ + 1}, {name}: {seconds['whole']:.0f} s (load {load()})", flush=True)
            for line in wrong:
                print("  WRONG:", line)
        loads.append(load())
    old, new = SETTINGS
    print(f"\nload average (1, 5, 15 min) by round: {' | '.join(loads)}")
    print(f"\n| step (median of {len(results[old])}) | {old} | {new} | ratio |\n|---|---|---|---|")
    for step in STEPS:
        a = statistics.median(r[step] for r in results[old])
        b = statistics.median(r[step] for r in results[new])
        print(f"| {step} | {a:.1f} s | {b:.1f} s | {b / a:.2f}× |")
    print(
        "\nevery deploy ended as it should, with no failed request" if not failures else f"\n{failures} WRONG"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
