"""Persistent database connections on the list endpoint: requests per second and CPU per request
with a new connection per request (DJANGO_CONN_MAX_AGE=0) and with connections kept (60 s, the
default, health-checked), side by side in one run.

The site runs under gunicorn with two sync workers (as the web image does) on a scratch database
of the embedded server; four client threads send authenticated GET /api/posts/ requests. CPU is
the user + system time of gunicorn's processes and of PostgreSQL's (the backends a new connection
forks included). Rounds alternate between the two settings. Bounded: --requests per phase.
Usage:
    .venv/bin/python benchmarks/persistent_connections.py [--rounds 3] [--requests 400]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import psutil
import sitebench

CLIENTS = 4
SETUPS = {
    "new connection per request (0)": {"DJANGO_CONN_MAX_AGE": "0"},
    "persistent, health-checked (60)": {"DJANGO_CONN_MAX_AGE": "60"},
}


def phase(env: dict, token: str, *, requests: int) -> dict:
    with sitebench.gunicorn(env) as (host, port, process):
        for _ in range(10):  # workers warm: code loaded, connections made (when kept)
            sitebench.request(host, port, "GET", "/api/posts/", token=token)
        site, postgres = psutil.Process(process.pid), sitebench.postgres_root()
        remaining = iter(range(requests))
        lock = threading.Lock()
        statuses: list[int] = []

        def client() -> None:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                statuses.append(sitebench.request(host, port, "GET", "/api/posts/", token=token)[0])

        site_cpu, db_cpu = sitebench.cpu_seconds(site), sitebench.cpu_seconds(postgres)
        start = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
        site_cpu = sitebench.cpu_seconds(site) - site_cpu
        db_cpu = sitebench.cpu_seconds(postgres) - db_cpu
    if set(statuses) != {200}:
        raise RuntimeError(f"list requests answered {sorted(set(statuses))}")
    return {
        "rps": requests / wall,
        "site ms": site_cpu / requests * 1000,
        "db ms": db_cpu / requests * 1000,
        "cpu ms": (site_cpu + db_cpu) / requests * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400, help="list requests per phase")
    args = parser.parse_args()
    token = sitebench.prepare()
    results: dict[str, list[dict]] = {name: [] for name in SETUPS}
    for round_ in range(args.rounds):
        for name, env in SETUPS.items():
            r = phase(env, token, requests=args.requests)
            results[name].append(r)
            print(
                f"round {round_ + 1}, {name}: {r['rps']:.0f} requests/s, CPU {r['cpu ms']:.2f} ms a request "
                f"(gunicorn {r['site ms']:.2f}, PostgreSQL {r['db ms']:.2f})",
                flush=True,
            )
    print(
        f"\nMedians over {args.rounds} rounds (GET /api/posts/ with a token, {CLIENTS} clients, 2 workers):"
    )
    medians = {}
    for name, rounds in results.items():
        m = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        medians[name] = m
        print(
            f"  {name:32} {m['rps']:6.0f} requests/s   CPU {m['cpu ms']:6.2f} ms a request "
            f"(gunicorn {m['site ms']:.2f}, PostgreSQL {m['db ms']:.2f})"
        )
    before, after = medians.values()
    print(
        f"  ratio persistent/new: {after['rps'] / before['rps']:.2f}x requests/s, "
        f"{after['cpu ms'] / before['cpu ms']:.2f}x CPU per request"
    )


if __name__ == "__main__":
    main()
