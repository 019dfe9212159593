"""`python -m classroom grade`: the grader's command line (`python3 run.py grade` runs it).

The classroom builds on the workbook, never the other way (DESIGN.md §3): `python -m workbook
grade`, kept for instructors who type it, hands over to this module in a process of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    prog = os.environ.get("WORKBOOK_PROG") or "python -m classroom"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grading = sub.add_parser(
        "grade", help="grade submissions (notebooks, folders, workspaces), each on a database of its own"
    )
    grading.add_argument(
        "submissions", nargs="+", help="notebooks or folders of them (one folder per student)"
    )
    grading.add_argument(
        "--notebook", action="append", help="grade against this notebook only (05); repeatable"
    )
    grading.add_argument(
        "--roster", help="the class list (CSV with a username column): shows who submitted nothing"
    )
    grading.add_argument("--out", default="grades", help="folder for the reports (default grades/)")
    grading.add_argument("--jobs", type=int, default=None, help="submissions at once (default: CPU cores)")
    grading.add_argument("--cell-timeout", type=int, default=30, help="seconds a cell may take (default 30)")
    grading.add_argument(
        "--cell-cpu",
        type=float,
        default=10,
        help="CPU-seconds a cell may use, however busy the machine (default 10; 0: no such limit)",
    )
    grading.add_argument(
        "--notebook-timeout", type=int, default=300, help="seconds a submission may take (default 300)"
    )
    grading.add_argument(
        "--memory-mb", type=int, default=2048, help="memory limit of each kernel (default 2048)"
    )
    grading.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run the kernels as yourself on the settings' server (trusted notebooks only)",
    )
    grading.set_defaults(func=cmd_grade)
    return parser


def summary(count: int, seconds: float, out: Path) -> str:
    """The line a finished run prints: how many, how long, where the reports are."""
    noun = "submission" if count == 1 else "submissions"
    return (
        f"{count} {noun} graded in {seconds:.0f} s: "
        f"{out / 'grades.csv'}, {out / 'grades.json'}, {out / 'report.html'}, {out / 'feedback'}/"
    )


def cmd_grade(args) -> int:
    """Grade submissions, each in a fresh kernel on a database of its own; reports in --out."""
    from classroom import grade
    from classroom.sandbox import SandboxUnavailable

    try:
        roster = grade.read_roster(Path(args.roster)) if args.roster else []
        run = grade.grade(
            args.submissions,
            out=Path(args.out),
            notebooks=args.notebook or None,
            roster=roster,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            cell_cpu=args.cell_cpu,
            notebook_timeout=args.notebook_timeout,
            memory_mb=args.memory_mb,
            sandbox=args.sandbox,
        )
    except (ValueError, OSError, SandboxUnavailable) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(summary(len(run.results), run.seconds, Path(args.out)))
    return 0


def main(argv: list[str] | None = None) -> int:
    from workbook.database import DatabaseUnavailable

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:  # --no-sandbox: the settings' server is not there
        print(exc, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
