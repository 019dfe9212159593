"""Settings for development, the lab and the tests: `base`, plus

- the embedded PostgreSQL (config.embedded) when DATABASE_URL is unset: started on first use,
  data in .pgdata/ beside project/ (git ignores it);
- DJANGO_DB_NAME, which names another database on the same server (the tests use their own);
- django-extensions (`shell_plus`, `show_urls`) where it is installed.
"""

import importlib.util

from . import base
from .base import *  # noqa: F403
from .base import env

if base.DATABASE_URL:
    DATABASES = {"default": base.database_from_url(base.DATABASE_URL)}
else:
    from config import embedded

    DATABASES = {"default": embedded.database_config(env.str("DJANGO_DB_NAME", default="") or None)}
    DATABASES["default"].update(base.persistent_connections())
if env.str("DJANGO_DB_NAME", default=""):
    DATABASES["default"]["NAME"] = env.str("DJANGO_DB_NAME")

if importlib.util.find_spec("django_extensions") is not None:
    INSTALLED_APPS = [*base.INSTALLED_APPS, "django_extensions"]
    # shell_plus imports every model, and these too, so a terminal session starts ready to query.
    SHELL_PLUS_IMPORTS = [
        "from django.db import connection, transaction",
        "from django.db.models import Count, Exists, F, OuterRef, Q, Sum",
    ]
