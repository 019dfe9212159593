#!/usr/bin/env python3
"""What a test run left: processes and containers it started that are still there, and volumes.

`.ci/run` exports a marker of its own (WORKBOOK_TEST_RUN) before the tests; every process they start
inherits it. A process is the run's when its environment holds that marker or its command line names
this checkout; the system's services (PostgreSQL 15, Docker) and other checkouts' processes hold
neither; nor does one that ran before the tests (in the snapshot taken then). A container is the
run's when it was made during the run (not in the snapshot) and its configuration names this
checkout or the marker; other new containers are listed apart (another checkout's run, on the same
Docker Engine), and do not fail the check.

A volume is the run's when it was made during the run and its labels (compose names its project's
folder) name this checkout or the marker; one still mounted by a container goes with that container.
An anonymous volume that no container mounts any more (an image's VOLUME, from a container removed
without `--volumes`, or a compose project brought `down` without `-v`) carries nothing to tell whose
it is, and counts as the run's: on a private Engine (CI) only the run made it; on a shared one,
another checkout's run may have, and the listing says so.

    python3 .ci/leftovers.py snapshot > before.txt        # before the tests
    python3 .ci/leftovers.py check before.txt             # after: lists, exit 1 if any
Stdlib only; Linux (/proc).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "WORKBOOK_TEST_RUN"


def ancestors() -> set[int]:
    """This process and its parents (.ci/run itself): never leftovers."""
    found, pid = set(), os.getpid()
    while pid > 1:
        found.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            break
        pid = int(fields[1])
    return found


def process_ids() -> list[str]:
    return [entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def processes(marker: str, before: set[str]) -> list[str]:
    mine = ancestors()
    needle = f"{MARKER}={marker}".encode()
    checkout = re.compile(re.escape(str(ROOT)) + r"(/|\s|$)")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine or entry.name in before:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # gone meanwhile, or a kernel thread
        if not cmdline:
            continue
        if needle in environ or checkout.search(cmdline):
            found.append(f"  pid {entry.name}: {cmdline[:300]}")
    return found


def container_ids() -> list[str]:
    if not shutil.which("docker"):
        return []
    result = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--no-trunc"], capture_output=True, text=True, timeout=60
    )
    return result.stdout.split() if result.returncode == 0 else []


def volume_names() -> list[str]:
    if not shutil.which("docker"):
        return []
    result = subprocess.run(["docker", "volume", "ls", "--quiet"], capture_output=True, text=True, timeout=60)
    return result.stdout.split() if result.returncode == 0 else []


def volume_users(name: str) -> list[str]:
    """The containers (ids) that mount the volume."""
    result = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--no-trunc", "--filter", f"volume={name}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.stdout.split()


def is_ours(text: str, marker: str) -> bool:
    return str(ROOT) in text or (bool(marker) and marker in text)


def volumes(before: set[str], marker: str) -> tuple[list[str], list[str]]:
    ours, others = [], []
    for name in volume_names():
        if name in before:
            continue
        result = subprocess.run(
            ["docker", "volume", "inspect", name], capture_output=True, text=True, timeout=60
        )
        if result.returncode != 0:
            continue  # removed meanwhile
        labels = json.loads(result.stdout)[0].get("Labels") or {}
        users = volume_users(name)
        if labels:
            mine = is_ours(json.dumps(labels), marker)
            why = "labelled " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
        elif users:
            inspected = subprocess.run(
                ["docker", "inspect", *users], capture_output=True, text=True, timeout=60
            )
            mine = is_ours(inspected.stdout, marker)
            why = f"mounted by {', '.join(u[:12] for u in users)}"
        else:
            mine, why = True, "anonymous, no container mounts it (on a shared Engine: maybe another run's)"
        (ours if mine else others).append(f"  volume {name} ({why[:200]})")
    return ours, others


def containers(before: set[str], marker: str) -> tuple[list[str], list[str]]:
    ours, others = [], []
    for cid in container_ids():
        if cid in before:
            continue
        result = subprocess.run(["docker", "inspect", cid], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            continue  # removed meanwhile
        text = result.stdout
        info = json.loads(text)[0]
        name, state, image = info["Name"].lstrip("/"), info["State"]["Status"], info["Config"]["Image"]
        line = f"  {name} ({cid[:12]}, {state}, {image})"
        (ours if is_ours(text, marker) else others).append(line)
    return ours, others


def main(argv: list[str]) -> int:
    if argv[:1] == ["snapshot"]:
        print(
            "\n".join(
                [
                    *(f"container {c}" for c in container_ids()),
                    *(f"volume {v}" for v in volume_names()),
                    *(f"pid {p}" for p in process_ids()),
                ]
            )
        )
        return 0
    if len(argv) != 2 or argv[0] != "check":
        print(__doc__, file=sys.stderr)
        return 2
    marker = os.environ.get(MARKER, "")
    if not marker:
        print(f"{MARKER} is not set: nothing marks the run's processes.", file=sys.stderr)
        return 2
    snapshot = [line.split() for line in Path(argv[1]).read_text().splitlines() if line.strip()]
    left = processes(marker, {value for kind, value in snapshot if kind == "pid"})
    ours, others = containers({value for kind, value in snapshot if kind == "container"}, marker)
    kept, foreign = volumes({value for kind, value in snapshot if kind == "volume"}, marker)
    if others or foreign:
        count = len(others) + len(foreign)
        print(f"New containers and volumes that are not this run's ({count}; another checkout's?):")
        print("\n".join(others + foreign))
    if left or ours or kept:
        print(f"The tests left {len(left)} processes, {len(ours)} containers and {len(kept)} volumes:")
        print("\n".join(left + ours + kept))
        return 1
    print("The tests left no process, no container and no volume.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
