"""The class hub under a login storm: N students log in and start their labs at once, each runs 05.

    .venv/bin/python benchmarks/hub.py [--students 20] [--lab-memory 1G]

A class of its own (workbook.authoring.classhub.DockerHub: classroom/docker-compose.yml, every name
starting wbhubbench<pid>) is built and brought up; then all N students log in through the login
form and their labs are requested at the same moment (the spawn hook makes each one's role and
database from the template). Reported: seconds until every lab is ready, and until every student
has run 05 through the kernel API in their lab (all at once); each lab container's memory after
that (the engine's figure, `docker stats`), median and largest; the hub's and db's. Everything is
removed at the end. Needs a Docker Engine; on a shared machine the times rise with its load, which
is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbook import rehearsal  # noqa: E402
from workbook.authoring import asyncrun, classhub  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--lab-memory", default="1G")
    args = parser.parse_args()
    problem = rehearsal.engine_problem()
    if problem:
        print(f"No Docker Engine answers here ({problem}).")
        return 2
    people = {"teacher": "teach-the-class"} | {f"s{n:03d}": f"first-pw-{n:03d}" for n in range(args.students)}
    students = [name for name in people if name != "teacher"]
    hub = classhub.DockerHub(
        name=f"wbhubbench{os.getpid()}",
        folder=Path(tempfile.mkdtemp(prefix="workbook-hub-bench-")),
        people=people,
        lab_memory=args.lab_memory,
    )
    hub.write_files()
    code = classhub.notebook_code()
    try:
        print(f"build: {hub.build():.0f} s; up (db, template, hub): {hub.up():.0f} s", flush=True)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(students)) as pool:
            logged_in = list(pool.map(lambda name: classhub.login(hub.base, name, people[name]), students))
            assert all(logged_in), "a student could not log in"
            list(pool.map(lambda name: classhub.request_lab(hub.base, hub.token, name), students))
            list(pool.map(lambda name: classhub.start_lab(hub.base, hub.token, name, timeout=1800), students))
        all_ready = time.perf_counter() - started

        async def everyone() -> list[list[dict]]:
            return await asyncio.gather(
                *(classhub.run_cells(hub.base, hub.token, name, code, timeout=1800) for name in students)
            )

        results = asyncrun.run(everyone())
        all_ran = time.perf_counter() - started
        ticks = [sum(r["text"].count("✓ q") for r in cells) for cells in results]
        memory = [hub.memory_mib(hub.lab_container(name)) for name in students]
        shared = {service: hub.memory_mib(f"{hub.name}-{service}-1") for service in ("hub", "db")}
        load_after = os.getloadavg()[0]
    finally:
        hub.down()
    load = f"load {load_before:.1f} → {load_after:.1f}"
    print(f"\n{args.students} students on one hub (2 shared cores; {load}):")
    print(f"  every lab ready (login, spawn hook, container, JupyterLab): {all_ready:7.0f} s")
    print(f"  every student has run 05 in their lab (all at once):        {all_ran:7.0f} s")
    print(f"  exercises passed per student: {sorted(set(ticks))} (21 expected)")
    print(
        f"  memory per lab after 05: median {statistics.median(memory):.0f} MiB, "
        f"largest {max(memory):.0f} MiB; hub {shared['hub']:.0f} MiB, db {shared['db']:.0f} MiB "
        f"({shared['db'] / len(students):.0f} MiB per student)"
    )
    return 0 if set(ticks) == {21} else 1


if __name__ == "__main__":
    raise SystemExit(main())
