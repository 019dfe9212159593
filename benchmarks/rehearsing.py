"""What the rehearsal benchmarks (deploy.py, rehearsal_path.py) open with: their options, the check
that a rehearsal can run here, and a folder of their own for its keys, removed at the end.

    from rehearsing import begin, load
    args = begin(__doc__, rounds=3)   # None when no rehearsal can run here (it says why)
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook import rehearsal  # noqa: E402


def load() -> str:
    """The load average (1, 5, 15 min)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def begin(doc: str, *, rounds: int) -> argparse.Namespace | None:
    """The options (`--rounds`), or None, having said why, when no rehearsal can run here; sets
    WORKBOOK_REHEARSAL_HOME to a folder of the benchmark's own, removed when it ends."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    problem = rehearsal.live_problem()
    if problem:
        print(f"No rehearsal can run here ({problem}).")
        return None
    folder = tempfile.mkdtemp(prefix="workbook-bench-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["WORKBOOK_REHEARSAL_HOME"] = folder
    return args
