"""System checks: a site without a database says how to name one, before any command runs."""

from django.conf import settings
from django.core import checks


@checks.register
def database_configured(app_configs, **kwargs):
    if (
        settings.DATABASES.get("default", {}).get("ENGINE", "django.db.backends.dummy")
        != "django.db.backends.dummy"
    ):
        return []
    return [
        checks.Error(
            "No database: DATABASE_URL is not set.",
            hint="Set DATABASE_URL=postgres://user:password@host:5432/name, or use "
            "config.settings.local, which starts the embedded PostgreSQL.",
            id="core.E001",
        )
    ]
