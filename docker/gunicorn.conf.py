"""gunicorn's settings in the web image (/app/gunicorn.conf.py, read by any gunicorn started in /app).

Workers and threads: one worker process per two CPU cores the container may use (its CPU quota,
compose's `cpus:`, when it has one; else the cores it may run on), 1 to 4, each with 2 threads
(gthread). On a 2-core laptop that is one process answering two requests at a time, as two sync
workers would, in about 30 MiB less: this site's requests spend their time waiting on PostgreSQL,
where a thread waits as well as a process does, and each further process holds its own copy of
whatever Django touched after the fork. WEB_CONCURRENCY, when it is a number above 0, sets the
processes instead; WEB_THREADS the threads.

The app is loaded once, in the master, before the workers are forked (preload_app), with its URL
configuration: the workers are ready as soon as they exist, and share the loaded code's memory
until they write to it.

The first start's work runs in that same master process, after the app is loaded and before the
port opens (on_starting), when the entrypoint asks for it (WEB_BOOTSTRAP=1): `manage.py bootstrap`
(migrate, seed once, admin user once), without a second Python process importing Django again.
It first waits up to WEB_DB_WAIT seconds (60) for PostgreSQL to accept connections, so the
container can start beside db and import Django while PostgreSQL starts.
Its database connection is closed before the fork, so no worker shares it. A bootstrap that fails
stops gunicorn with the command's message (compose restarts the container).

The access log leaves out the container's own health probe (GET /api/health/ from 127.0.0.1,
once a second): every request that came through nginx or from elsewhere is still logged.
"""

import math
import os
import sys

from gunicorn.glogging import Logger

# In production the settings come as a file (DJANGO_ENV_FILE, a Compose secret): WEB_CONCURRENCY
# and WEB_THREADS are read here, before Django's settings read the rest of it.
if os.environ.get("DJANGO_ENV_FILE"):
    import environ

    environ.Env.read_env(os.environ["DJANGO_ENV_FILE"], overwrite=False)


def _quota() -> float | None:
    """The CPU quota in cores (cgroup v2 cpu.max, or v1), None when there is none."""
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read())
        period = int(open("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def cores() -> int:
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _quota()
    return min(count, math.ceil(quota)) if quota else count


def _number(name: str) -> int:
    try:
        return int(os.environ.get(name) or 0)
    except ValueError:
        return 0


def _workers() -> int:
    chosen = _number("WEB_CONCURRENCY")
    return chosen if chosen > 0 else min(max(math.ceil(cores() / 2), 1), 4)


def _threads() -> int:
    chosen = _number("WEB_THREADS")
    return chosen if chosen > 0 else 2


def on_starting(server):
    # The URL configuration (and the views, serializers and schema code it imports) loaded here,
    # once, before the fork: the first request does not pay for it, and the worker shares it.
    from django.urls import get_resolver

    _ = get_resolver().url_patterns
    if os.environ.pop("WEB_BOOTSTRAP", "") != "1":
        return
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connections

    try:
        # web starts beside db (docker-compose.yml): it waits here for PostgreSQL to answer.
        call_command("bootstrap", wait=float(os.environ.get("WEB_DB_WAIT") or 60))
    except CommandError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    finally:
        connections.close_all()
    sys.stdout.flush()


class AccessLog(Logger):
    def access(self, resp, req, environ, request_time):
        if req.path == "/api/health/" and environ.get("REMOTE_ADDR") == "127.0.0.1":
            return
        super().access(resp, req, environ, request_time)


# nginx in front refuses, in JSON, a request line or a header too long and too many headers
# (8 KiB each, 32 KiB in all: its large_client_header_buffers); gunicorn's own limits are set
# above that, so its HTML refusals never answer a request that came through nginx.
limit_request_line = 0  # unlimited here: nginx's 8 KiB holds
limit_request_fields = 32768  # its most; nginx's 32 KiB holds
limit_request_field_size = 0  # unlimited here: nginx's 8 KiB holds

workers = _workers()
threads = _threads()
worker_class = "gthread"
preload_app = True
logger_class = AccessLog
