"""Lockout as a weapon: the real user's logins while guessers hammer her name, without the device
cookie and with it, side by side in one run.

The site runs under gunicorn with two sync workers (as the web image does) on a scratch database
of the embedded server, with Django's default password hasher. alice logs in once from her phone
(which keeps what the site sets), then guessing loops send wrong passwords for her name; all the
while her phone logs in with the right password every --every seconds, and so does a client that
never logged in before. "Without" sets DJANGO_LOGIN_DEVICE_DAYS=0 (the lock as it was: the name
locked for everyone); "with" uses the site's defaults. Rounds alternate between the two, so both
see the same machine. Bounded: each phase lasts --seconds and sends at most 4,000 guesses. Usage:
    .venv/bin/python benchmarks/lockout.py [--rounds 3] [--seconds 20] [--every 0.5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import threading
import time

import sitebench

os.environ["DJANGO_DB_NAME"] = "workbook_bench_lockout"
PASSWORD = "a-password-for-the-lockout-benchmark"
LOOPS = 2
MAX_GUESSES = 4000
SETUPS = {
    "without the device cookie": {"DJANGO_LOGIN_DEVICE_DAYS": "0"},
    "with the device cookie": {},
}


def login(host: str, port: int, username: str, password: str, cookie: str = "") -> tuple[int, str]:
    """POST /api/auth/token/ on a fresh connection: (status, the Set-Cookie pairs it answered)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        body = json.dumps({"username": username, "password": password})
        conn.request("POST", "/api/auth/token/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        cookies = [v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    finally:
        conn.close()
    return response.status, "; ".join(cookies)


def prepare() -> None:
    sitebench.prepare()
    from django.contrib.auth import get_user_model
    from django.db import connections

    alice = get_user_model().objects.get(username="alice")
    alice.set_password(PASSWORD)
    alice.save()
    connections.close_all()


def clear_failures() -> None:
    from django.db import connections

    from core.models import LoginFailures

    LoginFailures.objects.all().delete()
    connections.close_all()


def phase(env: dict, *, seconds: float, every: float) -> dict:
    clear_failures()
    with sitebench.gunicorn(env) as (host, port, _process):
        status, cookie = login(host, port, "alice", PASSWORD)
        if status != 200:
            raise RuntimeError(f"alice's first login answered {status}")
        stop = threading.Event()
        guesses: list[int] = []

        def guess() -> None:
            n = 0
            while not stop.is_set() and len(guesses) < MAX_GUESSES:
                n += 1
                guesses.append(login(host, port, "alice", f"guess-{threading.get_ident()}-{n}")[0])

        threads = [threading.Thread(target=guess) for _ in range(LOOPS)]
        for thread in threads:
            thread.start()
        phone, new = [], []
        try:
            time.sleep(every)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                phone.append(login(host, port, "alice", PASSWORD, cookie)[0])
                new.append(login(host, port, "alice", PASSWORD)[0])
                time.sleep(every)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    return {
        "phone": sum(s == 200 for s in phone) / len(phone),
        "new": sum(s == 200 for s in new) / len(new),
        "tries": len(phone),
        "guesses": len(guesses),
        "checked": sum(s != 429 for s in guesses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20, help="seconds of guessing per phase")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between alice's logins")
    args = parser.parse_args()
    prepare()
    results: dict[str, list[dict]] = {name: [] for name in SETUPS}
    for round_ in range(args.rounds):
        for name, env in SETUPS.items():
            r = phase(env, seconds=args.seconds, every=args.every)
            results[name].append(r)
            print(
                f"round {round_ + 1}, {name}: alice's phone logged in {r['phone']:.0%} of "
                f"{r['tries']} tries, a new client {r['new']:.0%}; {r['guesses']} guesses, "
                f"{r['checked']} of them checked",
                flush=True,
            )
    print(f"\nMedians over {args.rounds} rounds ({LOOPS} guessing loops on alice, 2 gunicorn workers):")
    for name, rounds in results.items():
        phone = statistics.median(r["phone"] for r in rounds)
        new = statistics.median(r["new"] for r in rounds)
        checked = statistics.median(r["checked"] for r in rounds)
        guesses = statistics.median(r["guesses"] for r in rounds)
        print(
            f"  {name:26} alice's phone {phone:5.0%}   a new client {new:5.0%}   "
            f"guesses checked {checked:.0f} of {guesses:.0f}"
        )


if __name__ == "__main__":
    main()
