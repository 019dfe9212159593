"""First start of the site (the web container runs it before gunicorn): migrate, seed, admin user.

Safe on every start: migrations that already ran are skipped, the demo data is written only
into a database without users, and the admin user is created only when it does not exist.
Nothing is ever deleted. A PostgreSQL advisory lock (demo.startlock, which the lab and the
notebooks' kernels take too) makes two containers starting at once take turns instead of racing
each other's migrations.
"""

import hashlib
import os
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from demo.seed import seed_if_empty
from demo.startlock import start_lock

# SHA-256 of the admin password an example env file of this repository once published.
PUBLISHED_PASSWORDS = {"06e0ffdfd0d7ea88111d6595480e017d62023d401c4bb7669dbc3431da4ee282"}


class Command(BaseCommand):
    help = (
        "Migrate; seed the demo data if the database has no users; create the admin user from "
        "DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD if absent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="wait up to this long for PostgreSQL to accept connections (a server still starting)",
        )

    def handle(self, *args, **options):
        config = settings.DATABASES[DEFAULT_DB_ALIAS]
        try:
            self._wait_for_database(options["wait"])
            with start_lock(connections[DEFAULT_DB_ALIAS]):
                self._bootstrap(options["verbosity"])
        except OperationalError as exc:
            where = f"{config.get('HOST') or 'the local socket'}:{config.get('PORT') or 5432}"
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rsplit(": ", 1)[-1]
            raise CommandError(
                f"No PostgreSQL answers at {where} (database {config.get('NAME')!r}): {reason}. "
                "Start it, or point DATABASE_URL at one that runs."
            ) from exc

    def _wait_for_database(self, seconds: float) -> None:
        """Connect, trying again every 0.2 s while the server refuses (it is still starting) for
        up to `seconds`; the last refusal is raised. Over TCP a server's first-start
        initialisation never answers: the official image runs it on the Unix socket only."""
        connection = connections[DEFAULT_DB_ALIAS]
        deadline = time.monotonic() + seconds
        while True:
            try:
                connection.ensure_connection()
                return
            except OperationalError:
                connection.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def _bootstrap(self, verbosity: int) -> None:
        # `migrate` with nothing to apply still runs the system checks and the post-migrate
        # handlers (content types, permissions: dozens of queries); a restart skips all of that.
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=verbosity)
        else:
            self.stdout.write("Migrations: every one already applied.")
        if seed_if_empty():
            self.stdout.write("Demo data written: alice, bob and carol, their posts, likes and comments.")
        else:
            self.stdout.write("Demo data: the database already has users, nothing written.")
        self._admin_user()

    def _admin_user(self) -> None:
        # The variables Django's own `createsuperuser --noinput` reads.
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        if not username:
            self.stdout.write("Admin user: DJANGO_SUPERUSER_USERNAME is not set, none created.")
            return
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user: {username!r} exists, left as it is.")
            return
        missing = [
            name
            for name in ("DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD")
            if not os.environ.get(name, "").strip()
        ]
        if missing:
            raise CommandError(
                f"DJANGO_SUPERUSER_USERNAME is set but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty: "
                "set all three, or none."
            )
        if settings.PRODUCTION:
            self._refuse_a_weak_password(username)
        from accounts.models import Profile

        call_command("createsuperuser", interactive=False, username=username, verbosity=0)
        Profile.objects.create(user=User.objects.get(username=username), name=username)
        self.stdout.write(f"Admin user: {username!r} created.")

    def _refuse_a_weak_password(self, username: str) -> None:
        """Production's admin password passes Django's validators (AUTH_PASSWORD_VALIDATORS) and
        is none that an example file of this repository published."""
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        password = os.environ["DJANGO_SUPERUSER_PASSWORD"]
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        if hashlib.sha256(password.encode()).hexdigest() in PUBLISHED_PASSWORDS:
            raise CommandError(
                "DJANGO_SUPERUSER_PASSWORD is one an example file once published; choose another."
            )
        try:
            validate_password(password, user=get_user_model()(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(f"DJANGO_SUPERUSER_PASSWORD is too weak: {' '.join(exc.messages)}") from exc
