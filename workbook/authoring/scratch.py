"""Scratch databases for the tests and for regenerating outputs: made anew, never the learner's.

They live on the server the settings name (the embedded one, or DATABASE_URL's, whose owner
runs the tests and so lets them make databases of their own there).
"""

from __future__ import annotations

from ..database import DEFAULT_DB_NAME, connect, drop_database


def fresh_database(config: dict, name: str | None = None) -> str:
    """Drop and create `name` (default: config's own) on config's server; returns the name."""
    from psycopg2 import sql

    name = name or config["NAME"]
    if name == DEFAULT_DB_NAME:
        raise ValueError("refusing to empty the learner's database")
    drop_database(config, name)
    conn = connect(config, "postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return name


def django_config() -> dict:
    """DATABASES['default'] as the local settings make it (Django configured on the way)."""
    from .. import configure_django

    configure_django()
    from django.conf import settings

    return dict(settings.DATABASES["default"])
