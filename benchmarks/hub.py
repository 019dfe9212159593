"""The class hub under a login storm: N students log in and start their labs at once, each runs 05.

    .venv/bin/python benchmarks/hub.py --spawner local  [--students 20] [--concurrency 4]
    .venv/bin/python benchmarks/hub.py --spawner docker [--students 5]  [--concurrency 4]

`local`: JupyterHub with the local-process spawner (classroom.classhub.LocalHub), every
database and role on the PostgreSQL at --admin-url under a prefix of the run's own. `docker`: the
class's compose stack (classroom/docker-compose.yml via classhub.DockerHub, every name starting
wbhubbench<pid>), built first (not timed). Both are removed at the end.

All N students press "log in" at the same moment. At most --concurrency of them are in the middle of
starting (the hub's own CLASSROOM_SPAWN_LIMIT is set to it: a class on a small server needs that
bound, else every start slows every other and the hub's timeouts give up on them); the others wait
their turn, as students retrying a busy hub would. Each student: the login form, their lab requested
(the spawn hook makes their role and database from the template), the lab ready, then 05 run through
the kernel API in it; the kernel stays open, as a student's notebook does.

Reported, with the machine's load before and after: seconds until every lab was ready and until
every student had run 05; per student (median, largest) the spawn (request to ready), the wait for
a turn, and the run of 05; memory per student with their lab and its kernel open after 05 (local:
RSS and PSS of the lab server and kernel processes; Docker: the container's cgroup figure, as
`docker stats` shows it), and the hub's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classroom import classhub  # noqa: E402
from workbook import rehearsal  # noqa: E402
from workbook.authoring import asyncrun  # noqa: E402


@dataclass
class Student:
    name: str
    password: str
    waited: float = 0.0  # from the storm's start to their turn
    spawn: float = 0.0  # their lab requested to ready
    ready_at: float = 0.0  # since the storm's start
    run: float = 0.0  # 05 through the kernel API
    ran_at: float = 0.0
    ticks: int = 0
    problem: str = ""
    memory: dict = field(default_factory=dict)


def storm(hub, students: list[Student], concurrency: int, timeout: float) -> float:
    """Every student at once, at most `concurrency` starting at a time; the storm's start (perf_counter)."""
    code = classhub.notebook_code()
    turns = threading.Semaphore(concurrency)
    started = time.perf_counter()

    def one(student: Student) -> None:
        try:
            with turns:
                student.waited = time.perf_counter() - started
                if not classhub.login(hub.base, student.name, student.password):
                    raise RuntimeError("could not log in")
                asked = time.perf_counter()
                classhub.start_lab(hub.base, hub.token, student.name, timeout=timeout)
                student.spawn = time.perf_counter() - asked
                student.ready_at = time.perf_counter() - started
                results = asyncrun.run(
                    classhub.run_cells(hub.base, hub.token, student.name, code, timeout=timeout, keep=True)
                )
                student.run = time.perf_counter() - started - student.ready_at
                student.ran_at = time.perf_counter() - started
                student.ticks = sum(r["text"].count("✓ q") for r in results)
        except Exception as exc:  # one student's failure is a figure, not the end of the run
            student.problem = f"{type(exc).__name__}: {str(exc)[:200]}"

    with ThreadPoolExecutor(max_workers=len(students)) as pool:
        list(pool.map(one, students))
    return started


def median_max(values: list[float]) -> str:
    if not values:
        return "—"
    return f"median {statistics.median(values):6.1f}, largest {max(values):6.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spawner", choices=("local", "docker"), default="local")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument(
        "--concurrency", type=int, default=2 * (os.cpu_count() or 1), help="labs starting at once"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds a start or a run of 05 may take")
    parser.add_argument("--lab-memory", default="1G", help="Docker: each lab container's limit")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CLASSROOM_TEST_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="local: a role that may create databases and roles",
    )
    args = parser.parse_args()
    if args.students < 1 or args.concurrency < 1:
        parser.error("--students and --concurrency must be at least 1")

    people = {"teacher": "teach-the-class"} | {f"s{n:03d}": f"first-pw-{n:03d}" for n in range(args.students)}
    students = [Student(name, password) for name, password in people.items() if name != "teacher"]
    # The hub waits as long as the benchmark does: the bound is the concurrency, not a hub timeout.
    settings = {
        "CLASSROOM_SPAWN_LIMIT": str(args.concurrency),
        "CLASSROOM_START_TIMEOUT": str(int(args.timeout)),
        "CLASSROOM_HTTP_TIMEOUT": str(int(args.timeout)),
    }
    folder = Path(tempfile.mkdtemp(prefix="workbook-hub-bench-"))
    if args.spawner == "docker":
        problem = rehearsal.engine_problem()
        if problem:
            print(f"No Docker Engine answers here ({problem}).")
            return 2
        hub = classhub.DockerHub(
            name=f"wbhubbench{os.getpid()}",
            folder=folder,
            people=people,
            lab_memory=args.lab_memory,
            settings=settings,
        )
        hub.write_files()
    else:
        proxy = classhub.proxy_command()
        if proxy is None:
            print("configurable-http-proxy is not installed (npm install -g configurable-http-proxy).")
            return 2
        hub = classhub.LocalHub(
            admin_url=args.admin_url, folder=folder, people=people, proxy=proxy, settings=settings
        )
    try:
        if args.spawner == "docker":
            print(f"build: {hub.build():.0f} s; up (db, template, hub): {hub.up():.0f} s", flush=True)
            hub_memory = lambda: hub.memory_mib(f"{hub.name}-hub-1")  # noqa: E731
        else:
            hub.start()
            print(f"hub up (template made in {hub.template_seconds:.1f} s)", flush=True)

            def hub_memory() -> float:
                import psutil

                processes = [psutil.Process(hub.process.pid), *psutil.Process(hub.process.pid).children()]
                labs = {p.pid for s in students for p in hub.lab_processes(s.name)}
                return sum(p.memory_info().rss for p in processes if p.pid not in labs) / 2**20

        load_before = os.getloadavg()
        started = storm(hub, students, args.concurrency, args.timeout)
        done = time.perf_counter() - started
        load_after = os.getloadavg()
        for student in students:
            if student.problem:
                continue
            if args.spawner == "docker":
                student.memory["cgroup"] = hub.memory_mib(hub.lab_container(student.name))
            else:
                student.memory["rss"], student.memory["pss"] = hub.memory_mib(student.name)
        hub_mib = hub_memory()
    finally:
        if args.spawner == "docker":
            hub.down()
        else:
            hub.stop()

    ok = [s for s in students if not s.problem]
    print(
        f"\n{args.students} students on one hub, {args.spawner} spawner, {args.concurrency} starting at once "
        f"({os.cpu_count()} shared cores; load {load_before[0]:.1f} {load_before[1]:.1f} before, "
        f"{load_after[0]:.1f} {load_after[1]:.1f} after: 1 and 5 min averages)"
    )
    passed = sum(s.ticks == 21 for s in ok)
    print(f"  labs ready: {len(ok)} of {len(students)}; passed 05's 21 exercises: {passed}")
    for student in students:
        if student.problem:
            print(f"  {student.name}: {student.problem}")
    if ok:
        ready, ran = max(s.ready_at for s in ok), max(s.ran_at for s in ok)
        print(f"  every lab ready                      {ready:7.1f} s after the storm began")
        print(f"  every student has run 05             {ran:7.1f} s (all done: {done:.1f} s)")
        print(f"  per student, s: spawn (asked→ready)  {median_max([s.spawn for s in ok])}")
        print(f"                  waiting for a turn   {median_max([s.waited for s in ok])}")
        print(f"                  05 through the API   {median_max([s.run for s in ok])}")
        for key, what in (
            ("rss", "RSS, lab + kernel"),
            ("pss", "PSS, lab + kernel"),
            ("cgroup", "container"),
        ):
            values = [s.memory[key] for s in ok if key in s.memory]
            if values:
                print(f"  memory per student after 05, MiB ({what}): {median_max(values)}")
        print(f"  the hub (and proxy) after: {hub_mib:.0f} MiB")
    return 0 if len(ok) == len(students) and all(s.ticks == 21 for s in ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
