"""04's migration cycle: a Django app of the notebook's own, changed and migrated with manage.py.

`ScratchApp` makes an app (models.py and an empty migrations package) in a temporary folder outside
the project, with a settings module that adds it to the project's INSTALLED_APPS, and a database
of its own on the same server as the notebook. `manage()` runs the project's real manage.py there,
as a learner would in a terminal: `makemigrations` writes its files into that folder, `migrate`
changes that database only. The project's migrations, files and data are never touched, and
`remove()` deletes the folder and the database. Each manage.py is a fork of a helper that has
Django imported already (`workbook.forks`), so a command starts in a fraction of the time a new
Python takes.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from . import forks
from .database import DEFAULT_DB_NAME, connect, database_name, drop_database
from .i18n import _
from .paths import PROJECT_DIR

LABEL = re.compile(r"[a-z][a-z0-9_]*")
SETTINGS = """\
from {base} import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "{label}"]  # noqa: F405
"""


class ScratchAppUnavailable(RuntimeError):
    """The database user may not create the app's database; one sentence says so, not a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"ScratchAppUnavailable: {self}"]


class ScratchApp:
    """An app called `label` in a temporary folder, migrated on a database of its own."""

    def __init__(self, label: str = "journal") -> None:
        from django.apps import apps

        if not isinstance(label, str) or not LABEL.fullmatch(label):
            raise ValueError(_("an app's label is a lowercase Python name, like journal"))
        if apps.is_installed(label) or any(app.label == label for app in apps.get_app_configs()):
            raise ValueError(
                _("{label} is one of the project's apps: choose another name").format(label=label)
            )
        self.label = label
        forks.start()
        self.folder = Path(tempfile.mkdtemp(prefix="workbook-app-"))
        migrations = self.folder / label / "migrations"
        migrations.mkdir(parents=True)
        (self.folder / label / "__init__.py").write_text("")
        (migrations / "__init__.py").write_text("")
        base = os.environ.get("DJANGO_SETTINGS_MODULE") or "config.settings.local"
        (self.folder / "scratch_settings.py").write_text(SETTINGS.format(base=base, label=label))
        self.db_name = f"{database_name() or DEFAULT_DB_NAME}_{label}_demo"
        try:
            self._server(
                f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)', f'CREATE DATABASE "{self.db_name}"'
            )
        except Exception as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            if getattr(exc, "pgcode", None) != "42501":  # insufficient_privilege
                raise
            raise ScratchAppUnavailable(
                _(
                    "this database user may not create databases (a class hub gives students no such "
                    "right), and the app needs one of its own: run this section on your own computer "
                    "or in the compose lab"
                )
            ) from None

    def _server(self, *statements: str, dbname: str = "postgres", params=None) -> list:
        """Run statements on the server (the last one with `params`); the last one's rows."""
        from django.db import connection

        conn = connect(connection.settings_dict, dbname)
        try:
            with conn.cursor() as cursor:
                for number, statement in enumerate(statements, start=1):
                    cursor.execute(statement, params if number == len(statements) else None)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def write_models(self, source: str) -> None:
        """Replace the app's models.py with `source` (as editing the file in an editor would)."""
        (self.folder / self.label / "models.py").write_text(textwrap.dedent(source).lstrip())

    def manage(self, *args: str) -> int:
        """`python manage.py ARGS` in the app's folder; prints the command and what it printed."""
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="scratch_settings",
            DJANGO_DB_NAME=self.db_name,
            PYTHONPATH=os.pathsep.join([str(self.folder), str(PROJECT_DIR)]),
            PYTHONDONTWRITEBYTECODE="1",
        )
        result = forks.run(
            [sys.executable, str(PROJECT_DIR / "manage.py"), *args, "--no-color"],
            cwd=self.folder,
            env=env,
            timeout=120,
        )
        print(f"$ python manage.py {' '.join(args)}")
        for text in (result.stdout, result.stderr):
            if text.strip():
                print(text.rstrip())
        if result.returncode:
            print(_("(manage.py exited with status {status})").format(status=result.returncode))
        return result.returncode

    def show(self, path: str) -> None:
        """Print a file of the app, without the header line that dates it."""
        print(f"# {path}")
        for line in (self.folder / path).read_text().splitlines():
            if not line.startswith("# Generated by Django"):
                print(line)

    def columns(self, table: str) -> list[str]:
        """The table's columns in the app's database, in order: `name type`."""
        rows = self._server(
            "SELECT column_name || ' ' || data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            dbname=self.db_name,
            params=[table],
        )
        return [row[0] for row in rows]

    def remove(self) -> bool:
        """Delete the folder and the database; True when neither is left."""
        from django.db import connection

        shutil.rmtree(self.folder, ignore_errors=True)
        drop_database(connection.settings_dict, self.db_name)
        left = self._server("SELECT 1 FROM pg_database WHERE datname = %s", params=[self.db_name])
        return not self.folder.exists() and not left
