"""Downtime of a deploy: requests every 100 ms during a good deploy and during a rolled-back one.

    .venv/bin/python benchmarks/deploy.py [--rounds 3]

A rehearsal of its own (workbook.rehearsal: registry, SSH server, deploy/deploy.sh) is brought up,
deployed to once (a first deploy has nothing to keep answering), then `rounds` times a good
release followed by a broken one; it is brought down at the end. Prints, side by side, the
medians of failed requests, downtime (all outages together), the longest outage, the slowest
answer and the deploy's own time, then the whole rehearsal's time, with the load average before
and after. Needs a Docker Engine; on a shared or busy machine the figures rise (an answer slower
than 5 s counts as failed).
"""

from __future__ import annotations

import os
import secrets
import statistics
import time

from rehearsing import begin, load

from workbook import rehearsal


def main() -> int:
    args = begin(__doc__, rounds=3)
    if args is None:
        return 2
    stage = rehearsal.Rehearsal(f"wbbench{os.getpid()}-{secrets.token_hex(2)}")
    quiet = lambda *_: None  # noqa: E731
    columns = ("requests", "failed", "downtime", "longest outage", "slowest answer", "deploy")
    figures: dict[str, list[tuple[float, ...]]] = {"good": [], "rolled back": []}
    print(f"load average before: {load()} ({os.cpu_count()} cores)", flush=True)
    started = time.perf_counter()
    try:
        stage.up(say=quiet)
        print(f"up: {time.perf_counter() - started:.0f} s", flush=True)
        first = stage.deploy(say=quiet)
        if first.returncode != 0:
            print(first.output)
            return 1
        print(f"first deploy done: {time.perf_counter() - started:.0f} s", flush=True)
        for _ in range(args.rounds):
            for kind, broken in (("good", False), ("rolled back", True)):
                began = time.perf_counter()
                result = stage.deploy(broken=broken, say=quiet)
                took = time.perf_counter() - began
                probe = result.probe
                if result.returncode != (1 if broken else 0):
                    print(result.output)
                figures[kind].append(
                    (len(probe.results), probe.failed, probe.downtime(), probe.longest_outage(),
                     probe.slowest, took)
                )  # fmt: skip
                print(
                    f"{kind:12} exit {result.returncode} in {took:.0f} s (load {load()}): {probe.summary()}",
                    flush=True,
                )
    finally:
        stage.down(say=quiet)
    whole = time.perf_counter() - started
    print(f"\nmedians over {args.rounds} rounds (one request every 100 ms, failed = no 200 within 5 s):")
    print(f"{'deploy':12} " + " ".join(f"{name:>15}" for name in columns))
    for kind, rows in figures.items():
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"{kind:12} {medians[0]:15.0f} {medians[1]:15.0f} {medians[2]:14.1f}s {medians[3]:14.1f}s "
            f"{medians[4]:14.1f}s {medians[5]:14.0f}s"
        )
    print(f"whole rehearsal (up, first deploy, {args.rounds} rounds, down): {whole:.0f} s")
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
