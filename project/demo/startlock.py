"""One PostgreSQL advisory lock for everything that migrates or seeds a database as it starts.

The web container's `manage.py bootstrap`, the lab's start and a notebook kernel's setup may
all find the same empty database at once (in compose the lab starts beside web). Each holds
this lock while it migrates and seeds, so they take turns: the first does the work, the others
find it done. Nothing here is held while the site serves requests.
"""

from __future__ import annotations

from contextlib import contextmanager

# Any constant bigint: the key of the advisory lock ("demoboot").
LOCK_KEY = 0x64656D6F626F6F74


@contextmanager
def start_lock(connection):
    """Hold the start lock on `connection` (a Django connection) for the block."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
