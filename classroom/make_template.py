"""Make (or bring up to date) the template database every student's database is copied from.

Run where the workbook is installed (the lab image, or the repository's .venv), before the hub:
    ADMIN_DATABASE_URL=postgres://admin:...@db:5432/postgres python classroom/make_template.py
It creates the owner role and the template database if absent, then migrates and seeds it as that
role (`workbook.setup()`), so the students' copies hold the seed data and their roles own the tables.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import studentdb  # noqa: E402


def main() -> int:
    admin_url = os.environ.get("ADMIN_DATABASE_URL", "").strip()
    if not admin_url:
        print("Set ADMIN_DATABASE_URL to a role that may create roles and databases.", file=sys.stderr)
        return 2
    password = secrets.token_urlsafe(24)
    own = os.environ.get("CLASSROOM_OWN_SERVER", "") == "1"  # compose's db: the class's alone
    studentdb.prepare_template(admin_url, password, own_server=own)
    parts = urlsplit(admin_url)
    owner_url = studentdb.lab_url(admin_url, studentdb.TEMPLATE_OWNER, password, studentdb.TEMPLATE)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DB_NAME", "ADMIN_DATABASE_URL")}
    env.update(DATABASE_URL=owner_url, DJANGO_SETTINGS_MODULE="config.settings.local")
    result = subprocess.run([sys.executable, "-c", "import workbook; workbook.setup()"], env=env)
    if result.returncode == 0:
        print(f"Template {studentdb.TEMPLATE!r} ready on {parts.hostname}:{parts.port or 5432}.")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
