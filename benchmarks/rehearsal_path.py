"""02-deploy's live path, timed step by step: the rehearsal as it was (a registry that starts empty
at every rehearsal, web and proxy built and pushed one after the other) against this tree's (a
registry that starts with the layers an earlier rehearsal kept, both built and pushed at once), in
one run.

    .venv/bin/python benchmarks/rehearsal_path.py [--rounds 1] [--old-ref 22cdf5a]

"old" is workbook/rehearsal.py as it is at --old-ref (read with git show, run from memory; by
default the commit before the layers were kept), "new" the one in this work tree. Each round brings
up a rehearsal of its own with each (the order alternates round by round) and does what
02-deploy's live cells do: up, a first deploy, a good deploy, a broken release rolled back, down.
"new" keeps its layers in a volume of the benchmark's own, which a warm-up rehearsal (up, one
deploy, down; not counted) fills first, as a learner's first rehearsal does; it is removed at the
end. Prints each step's median, the ratio of the two, whether each deploy ended as it should with
no failed request, and the load average before and after each round. Needs a Docker Engine; the
images are built (cached after the first build) before the rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import subprocess
import sys
import time
from types import ModuleType

from rehearsing import ROOT, begin, load

from workbook import rehearsal

SETTINGS = ("old", "new")
STEPS = ("up", "first deploy", "good deploy", "broken, rolled back", "down", "whole")
QUIET = lambda *_: None  # noqa: E731


def old_module(ref: str) -> ModuleType:
    """workbook/rehearsal.py as it is at `ref`, as a module of the workbook package."""
    source = subprocess.run(
        ["git", "show", f"{ref}:workbook/rehearsal.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    name = f"workbook._rehearsal_{ref.replace('-', '_')}"
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None))
    module.__package__ = "workbook"
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, f"{ref}:workbook/rehearsal.py", "exec"), module.__dict__)  # noqa: S102
    return module


def one_path(code: ModuleType, *, warm_up: bool = False) -> tuple[dict[str, float], list[str]]:
    """Seconds of each step of 02-deploy's live path, and what went wrong (nothing, when right)."""
    stage = code.Rehearsal(f"wbpath{os.getpid()}-{secrets.token_hex(2)}")
    seconds: dict[str, float] = {}
    wrong: list[str] = []
    start = time.perf_counter()

    def step(name: str, began: float) -> float:
        seconds[name] = time.perf_counter() - began
        return time.perf_counter()

    deploys = (("first deploy", False, 0),) if warm_up else (
        ("first deploy", False, 0),
        ("good deploy", False, 0),
        ("broken, rolled back", True, 1),
    )  # fmt: skip
    try:
        began = time.perf_counter()
        stage.up(say=QUIET)
        began = step("up", began)
        for name, broken, status in deploys:
            result = stage.deploy(broken=broken, say=QUIET)
            began = step(name, began)
            if result.returncode != status:
                wrong.append(f"{name}: exit {result.returncode}\n{result.output[-1500:]}")
            if name != "first deploy" and result.probe and result.probe.failed:
                wrong.append(f"{name}: {result.probe.summary()}")
    finally:
        began = time.perf_counter()
        stage.down(say=QUIET)
        step("down", began)
    seconds["whole"] = time.perf_counter() - start
    return seconds, wrong


def main() -> int:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--old-ref", default="22cdf5a")
    known, rest = extra.parse_known_args()
    sys.argv[1:] = rest
    args = begin(__doc__, rounds=1)
    if args is None:
        return 2
    codes = {"old": old_module(known.old_ref), "new": rehearsal}
    rehearsal.LAYERS_VOLUME = f"wbpath{os.getpid()}-layers"
    results: dict[str, list[dict[str, float]]] = {name: [] for name in SETTINGS}
    failures = 0
    try:
        seconds, wrong = one_path(rehearsal, warm_up=True)
        failures += len(wrong)
        print(f"warm-up (fills the kept layers; not counted): {seconds['whole']:.0f} s (load {load()})")
        loads = [load()]
        for round_ in range(max(1, min(args.rounds, 5))):
            names = list(SETTINGS) if round_ % 2 == 0 else list(reversed(SETTINGS))
            for name in names:
                seconds, wrong = one_path(codes[name])
                results[name].append(seconds)
                failures += len(wrong)
                print(f"round {round_ + 1}, {name}: {seconds['whole']:.0f} s (load {load()})", flush=True)
                for line in wrong:
                    print("  WRONG:", line)
            loads.append(load())
    finally:
        subprocess.run(["docker", "volume", "rm", "--force", rehearsal.LAYERS_VOLUME], capture_output=True)
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
