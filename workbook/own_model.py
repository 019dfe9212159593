"""A model of the learner's own, written in a notebook: its migration, its SQL, its table.

What `makemigrations`, `sqlmigrate` and `migrate` do for an app's models.py, done here for a model
class defined in a cell (app_label "lab", an app of the notebook's own that is not installed, so
nothing is written into the project's migrations folders and `git status` stays clean):
Django's own autodetector finds the operations, MigrationWriter writes the file makemigrations
would write, and the schema editor prints or runs the SQL. Running `migrate()` again (after
editing the model) drops the lab table first: it holds only the notebook's own rows.
"""

from __future__ import annotations

from .i18n import _

APP_LABEL = "lab"


def _states():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return loader, loader.project_state()


def makemigrations(model):
    """The migration `makemigrations` would write for `model`; prints the file, returns the Migration."""
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ModelState
    from django.db.migrations.writer import MigrationWriter

    if model._meta.app_label != APP_LABEL:
        raise ValueError(
            f'give the model `app_label = "{APP_LABEL}"` in its Meta (it has {model._meta.app_label!r})'
        )
    loader, before = _states()
    after = before.clone()
    after.add_model(ModelState.from_model(model))
    changes = MigrationAutodetector(
        before, after, NonInteractiveMigrationQuestioner(specified_apps={APP_LABEL})
    ).changes(graph=loader.graph, trim_to_apps={APP_LABEL}, convert_apps={APP_LABEL})
    [migration] = changes[APP_LABEL]
    migration.name = "0001_initial"
    text = MigrationWriter(migration, include_header=False).as_string()
    print(f"# {APP_LABEL}/migrations/{migration.name}.py\n{text}")
    return migration


def sqlmigrate(migration) -> str:
    """The SQL the migration sends, as `sqlmigrate` shows it (nothing is run)."""
    from django.db import connection

    _loader, before = _states()
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        migration.apply(before, editor, collect_sql=True)
    return "\n".join(editor.collected_sql)


def migrate(migration) -> None:
    """Apply the migration to this database: the lab's table made (afresh, if it was there)."""
    from django.db import connection

    _loader, before = _states()
    tables = [op.name for op in migration.operations if type(op).__name__ == "CreateModel"]
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # deferred foreign-key checks would block the DROP
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in tables:
            cursor.execute(f'DROP TABLE IF EXISTS "{APP_LABEL}_{name.lower()}" CASCADE')
    with connection.schema_editor(atomic=migration.atomic) as editor:
        migration.apply(before, editor)
    table_names = ", ".join(f"{APP_LABEL}_{t.lower()}" for t in tables)
    print(
        _("Applied {migration}: table {tables}").format(
            migration=f"{APP_LABEL}.{migration.name}", tables=table_names
        )
    )
