"""The login throttle's effect: an authenticated list request's median latency while four login
loops guess alice's password, without the throttle and with it, side by side in one run.

The site runs under gunicorn with two sync workers (as the web image does) on a scratch database
of the embedded server, with Django's default password hasher. "Without" sets the limits so high
that they are never reached; "with" uses the site's defaults. Rounds alternate between the two,
so both see the same machine. Bounded: each phase sends at most --lists list requests and stops
after --seconds. Usage:
    .venv/bin/python benchmarks/login_throttle.py [--rounds 3] [--lists 30] [--seconds 40]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import sitebench

LOOPS = 4
NEVER = str(10**9)
SETUPS = {
    "without the throttle": {
        "DJANGO_LOGIN_FAILURES_PER_ADDRESS": NEVER,
        "DJANGO_LOGIN_FAILURES_PER_USERNAME": NEVER,
    },
    "with the throttle": {},
}


def clear_failures() -> None:
    from django.db import connections

    from core.models import LoginFailures

    LoginFailures.objects.all().delete()
    connections.close_all()


def phase(env: dict, token: str, *, lists: int, seconds: float, loops: int) -> dict:
    clear_failures()
    with sitebench.gunicorn(env) as (host, port, _process):
        idle = [sitebench.request(host, port, "GET", "/api/posts/", token=token)[1] for _ in range(10)]
        stop = threading.Event()
        logins: list[int] = []

        def guess() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                body = {"username": "alice", "password": f"guess-{n}"}
                logins.append(sitebench.request(host, port, "POST", "/api/auth/token/", body)[0])

        threads = [threading.Thread(target=guess) for _ in range(loops)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # the loops are under way
        latencies, statuses = [], []
        deadline = time.monotonic() + seconds
        try:
            while len(latencies) < lists and time.monotonic() < deadline:
                status, took = sitebench.request(host, port, "GET", "/api/posts/", token=token)
                statuses.append(status)
                latencies.append(took)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    if set(statuses) != {200}:
        raise RuntimeError(f"list requests answered {sorted(set(statuses))}")
    return {
        "idle": statistics.median(idle),
        "under load": statistics.median(latencies),
        "lists": len(latencies),
        "logins": len(logins),
        "refused": sum(status == 429 for status in logins),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lists", type=int, default=30, help="list requests per phase, at most")
    parser.add_argument("--seconds", type=float, default=40, help="seconds per phase, at most")
    args = parser.parse_args()
    token = sitebench.prepare()
    results: dict[str, list[dict]] = {name: [] for name in SETUPS}
    for round_ in range(args.rounds):
        for name, env in SETUPS.items():
            result = phase(env, token, lists=args.lists, seconds=args.seconds, loops=LOOPS)
            results[name].append(result)
            print(
                f"round {round_ + 1}, {name}: list median {result['under load'] * 1000:.0f} ms "
                f"under {LOOPS} login loops ({result['lists']} lists; {result['logins']} logins, "
                f"{result['refused']} refused), {result['idle'] * 1000:.0f} ms idle",
                flush=True,
            )
    print(f"\nMedians over {args.rounds} rounds (GET /api/posts/ with a token, 2 gunicorn workers):")
    medians = {}
    for name, rounds in results.items():
        idle = statistics.median(r["idle"] for r in rounds) * 1000
        loaded = statistics.median(r["under load"] for r in rounds) * 1000
        medians[name] = loaded
        print(f"  {name:22} idle {idle:7.1f} ms   under {LOOPS} login loops {loaded:8.1f} ms")
    before, after = medians["without the throttle"], medians["with the throttle"]
    print(f"  ratio without/with under load: {before / after:.1f}x")


if __name__ == "__main__":
    main()
