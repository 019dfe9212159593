"""Downtime of a deploy: requests every 100 ms during a good deploy and during a rolled-back one.

    .venv/bin/python benchmarks/deploy.py [--rounds 3]

A rehearsal of its own (workbook.rehearsal: registry, SSH server, deploy/deploy.sh) is brought up,
deployed to once (a first deploy has nothing to keep answering), then `rounds` times a good
release followed by a broken one; it is brought down at the end. Prints, side by side, the
medians of failed requests, the longest outage and the slowest answer. Needs a Docker Engine;
on a shared or busy machine the figures rise (slow answers count as failed after 5 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook import rehearsal  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    problem = rehearsal.engine_problem()
    if problem:
        print(f"No Docker Engine answers here ({problem}).")
        return 2
    os.environ["WORKBOOK_REHEARSAL_HOME"] = tempfile.mkdtemp(prefix="workbook-bench-")
    stage = rehearsal.Rehearsal(f"wbbench{os.getpid()}")
    quiet = lambda *_: None  # noqa: E731
    figures: dict[str, list[tuple[int, int, float, float]]] = {"good": [], "rolled back": []}
    try:
        stage.up(say=quiet)
        first = stage.deploy(say=quiet)
        if first.returncode != 0:
            print(first.output)
            return 1
        for _ in range(args.rounds):
            for kind, broken in (("good", False), ("rolled back", True)):
                result = stage.deploy(broken=broken, say=quiet)
                probe = result.probe
                figures[kind].append(
                    (len(probe.results), probe.failed, probe.longest_outage(), probe.slowest)
                )
                print(f"{kind:12} exit {result.returncode}: {probe.summary()}", flush=True)
    finally:
        stage.down(say=quiet)
    print(f"\nmedians over {args.rounds} rounds (one request every 100 ms, failed = no 200 within 5 s):")
    print(f"{'deploy':12} {'requests':>9} {'failed':>7} {'longest outage':>15} {'slowest answer':>15}")
    for kind, rows in figures.items():
        requests, failed, outage, slowest = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"{kind:12} {requests:9.0f} {failed:7.0f} {outage:14.1f}s {slowest:14.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
