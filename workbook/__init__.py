"""What the notebooks import: `import workbook; workbook.setup()` puts Django on PostgreSQL in the kernel."""

from __future__ import annotations

import importlib.util
import os
import sys

from .database import DatabaseUnavailable, location, unavailable_message
from .i18n import _, fit_console
from .paths import PROJECT_DIR

fit_console()  # a console that cannot write ✓ (cp949, ASCII) shows a mark it can instead

__all__ = ["DatabaseUnavailable", "answered", "progress", "reset", "setup", "show", "status_line"]


def configure_django() -> None:
    """Settings module and async guard, then django.setup(); safe to call twice.

    The site's local settings start the embedded PostgreSQL when DATABASE_URL is unset; a
    server that cannot be had comes back as DatabaseUnavailable, one sentence, no traceback.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Jupyter runs an asyncio event loop in the kernel; Django refuses synchronous ORM calls
    # inside one (SynchronousOnlyOperation) unless this is set. Notebook cells run one at a
    # time, so the guard protects nothing here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if importlib.util.find_spec("config") is None:  # not installed with `pip install -e .`
        sys.path.insert(0, str(PROJECT_DIR))
    import django
    from django.apps import apps

    if apps.ready:
        return
    import warnings

    # A notebook's own models (app_label "lab": 04's model, 05's proxy) are defined again each time
    # their cell runs; Django warns about the reload, which is expected here.
    warnings.filterwarnings(
        "ignore", message=r"Model 'lab\.\w+' was already registered", category=RuntimeWarning
    )
    from django.core.exceptions import ImproperlyConfigured

    from config.embedded import EmbeddedServerError

    try:
        django.setup()
    except (EmbeddedServerError, ImproperlyConfigured) as exc:
        raise DatabaseUnavailable(str(exc)) from None
    except Exception as exc:
        if type(exc).__name__ == "OperationalError":  # the driver's: the server went away
            raise DatabaseUnavailable(unavailable_message(exc)) from None
        raise


def prepare_database(*, verbosity: int = 0) -> bool:
    """Apply migrations that have not run; True when any did."""
    return ready_database(verbosity=verbosity, seed=False)[0]


def ready_database(*, verbosity: int = 0, seed: bool = True) -> tuple[bool, bool]:
    """Migrations applied and, with `seed`, the seed written into a database without users:
    (migrated now, seeded now). Under the site's start lock (demo.startlock), so a lab, a kernel
    and the web container's bootstrap starting at once take turns instead of racing."""
    configure_django()
    from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
    from django.db.migrations.executor import MigrationExecutor

    from demo.startlock import start_lock

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
            if not seed:
                return False, False
            from demo.seed import is_empty

            if not is_empty():
                return False, False
        with start_lock(connection):
            # Again under the lock: whoever held it before may have done the work.
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                from django.core.management import call_command

                call_command("migrate", verbosity=verbosity, interactive=False)
            seeded = False
            if seed:
                from demo.seed import seed_if_empty

                seeded = seed_if_empty()
    except OperationalError as exc:
        raise DatabaseUnavailable(unavailable_message(exc)) from None
    return bool(plan), seeded


def status_line() -> str:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    return _("Django {django} · PostgreSQL {postgresql} · database {name!r} on {location}").format(
        django=django.get_version(),
        postgresql=pg_version,
        name=connection.settings_dict["NAME"],
        location=location(),
    )


def setup(*, seed: bool = True) -> None:
    """Ready the kernel: Django configured, database migrated (and seeded if empty); prints one line."""
    ready_database(seed=seed)
    from .database import watch_connection

    watch_connection()
    print(status_line())


def reset() -> None:
    """Back to the seed data, with the same ids every time (TRUNCATE ... RESTART IDENTITY).

    The seed's reset keeps superusers (an instructor's admin account); the ones a notebook made for
    a lesson (06's `workbook-editor`) go, also when the run that made them stopped midway.
    """
    configure_django()
    from demo.seed import reset as _reset

    from .apilab import remove_lesson_accounts

    _reset()
    remove_lesson_accounts()


def answered(*values) -> bool:
    """True once every value is an answer, not a student copy's stub (None, or a stub function)."""
    from .answers import answered as _answered

    return _answered(*values)


def show(value) -> None:
    """Show a value as a cell's last expression would (student copies' guarded lines use it)."""
    from .answers import show as _show

    _show(value)


def progress() -> None:
    """Each notebook's exercises as passed (✓), tried (✗) or not started (·), from this database."""
    configure_django()
    from .records import show

    show()
