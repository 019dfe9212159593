"""asyncio.run, also from a thread that already runs an event loop.

A test process that has driven a browser (Playwright's sync API keeps its loop running in the
main thread) cannot call asyncio.run there; the coroutine then runs in a thread of its own.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coroutine):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
