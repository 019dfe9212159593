"""What the benchmarks that time the same steps two ways share: the load average, and the table of
medians and ratios with every run's figures (bytecode.py, forks.py)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path


def load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def report(times: dict[tuple[str, str], list[float]], base: str, other: str, runs: int) -> None:
    """Each step's median both ways and other ÷ base, then every run as JSON; `times` is keyed by
    (step, way)."""
    steps = list(dict.fromkeys(step for step, _ in times))
    width = max(len(step) for step in steps) + 2
    print(f"{'':{width}} {base:>12} {other:>12} {'ratio':>7}   (medians of {runs}, alternating)")
    for step in steps:
        first = statistics.median(times[(step, base)])
        second = statistics.median(times[(step, other)])
        print(f"{step:{width}} {first:11.2f}s {second:11.2f}s {second / first:6.2f}x")
    print(json.dumps({f"{step} / {way}": [round(t, 3) for t in ts] for (step, way), ts in times.items()}))
