"""gunicorn's settings in the web image (/app/gunicorn.conf.py, read by any gunicorn started in /app).

Workers: WEB_CONCURRENCY when it is a number above 0, else one per CPU core the container may
use (its CPU quota, compose's `cpus:`, when it has one; else the cores it may run on), at least
2 so that one slow request never holds the whole site, at most 4 so that a big machine does not
spend memory on workers a laptop's stack never needs.

The app is loaded once, in the master, before the workers are forked (preload_app): the workers
are ready as soon as they exist, and share the loaded code's memory until they write to it.
No database connection is opened while loading, so none is shared across the fork.

The access log leaves out the container's own health probe (GET /api/health/ from 127.0.0.1,
once a second): every request that came through nginx or from elsewhere is still logged.
"""

import math
import os

from gunicorn.glogging import Logger


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


def _workers() -> int:
    try:
        chosen = int(os.environ.get("WEB_CONCURRENCY") or 0)
    except ValueError:
        chosen = 0
    return chosen if chosen > 0 else min(max(cores(), 2), 4)


class AccessLog(Logger):
    def access(self, resp, req, environ, request_time):
        if req.path == "/api/health/" and environ.get("REMOTE_ADDR") == "127.0.0.1":
            return
        super().access(resp, req, environ, request_time)


workers = _workers()
preload_app = True
logger_class = AccessLog
