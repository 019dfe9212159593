"""A PostgreSQL database and role per student, copied from a template database: the hub's spawn hook.

The template (`workbook_template`) is migrated and seeded once (make_template.py), its tables
owned by the role `workbook_template_owner`. On a student's first login the hook makes their role
and their database from it (`CREATE DATABASE ... TEMPLATE`, milliseconds), hands the tables to
their role and lets no one else connect; on every start it gives the role a new password and
returns the lab's DATABASE_URL. Only psycopg2: the hub image has no Django.

ADMIN_DATABASE_URL names the server and a role that may create roles and databases (the `db`
service's superuser in compose, a managed server's admin role on Kubernetes). Never shown to a
student: only their own URL reaches the lab.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

# CLASSROOM_DB_PREFIX puts every name below under a prefix of its own (a test's, or two classes
# sharing one server).
NAMESPACE = os.environ.get("CLASSROOM_DB_PREFIX", "")
TEMPLATE = f"{NAMESPACE}workbook_template"
TEMPLATE_OWNER = f"{NAMESPACE}workbook_template_owner"
PREFIX = f"{NAMESPACE}student_"


@dataclass(frozen=True)
class Student:
    role: str
    database: str
    url: str
    created: bool  # True on the first login


def identifier(username: str, prefix: str = PREFIX) -> str:
    """A role and database name for a hub username: lower-case [a-z0-9_], at most 63 bytes, unique.

    Usernames that differ only in what PostgreSQL cannot keep ("kim.a" and "kim-a") get a short
    hash of the real name, so they never share a database.
    """
    cleaned = re.sub(r"[^a-z0-9_]", "_", username.lower())
    if cleaned != username or len(prefix + cleaned) > 50:
        cleaned = f"{cleaned[:40]}_{hashlib.sha256(username.encode()).hexdigest()[:8]}"
    return prefix + cleaned


def _connect(admin_url: str, dbname: str | None = None):
    import psycopg2

    parts = urlsplit(admin_url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=dbname or parts.path.lstrip("/") or "postgres",
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def lab_url(admin_url: str, role: str, password: str, database: str, host: str | None = None) -> str:
    """The student's DATABASE_URL: their role, their database, the server as the lab reaches it."""
    parts = urlsplit(admin_url)
    where = host or f"{parts.hostname}:{parts.port or 5432}"
    return f"postgres://{role}:{quote(password, safe='')}@{where}/{database}"


def _is_superuser(cur) -> bool:
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cur.fetchone()[0])


def _own(cur, role: str) -> None:
    """A CREATEROLE admin that is not a superuser needs the role's privileges to hand tables to it."""
    from psycopg2 import sql

    if not _is_superuser(cur):
        cur.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role)))


def grading_rights(cur, role: str, instructor: bool = True) -> None:
    """The instructor grades from their lab: the grader makes roles and databases of its own and
    hands each database and its tables to a role it made. CREATEDB CREATEROLE lets it make them; on
    PostgreSQL 16+ a CREATEROLE role that is no superuser only administers the roles it creates
    (ADMIN OPTION), and may neither make one own a database nor take over its tables without being
    able to SET it and INHERIT from it: `createrole_self_grant = 'set, inherit'` grants it each role
    it creates with both. (On 15 and before, the grader grants itself each role it makes.) A
    student's role gets none of this."""
    from psycopg2 import sql

    extra = "CREATEDB CREATEROLE" if instructor else "NOCREATEDB NOCREATEROLE"
    cur.execute(sql.SQL("ALTER ROLE {} " + extra).format(sql.Identifier(role)))
    cur.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_database d, "
        "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
        "WHERE d.datname = 'postgres' AND a.grantee = 0 AND a.privilege_type = 'CONNECT')"
    )
    if instructor and cur.fetchone()[0]:  # PUBLIC may not connect there (lock_the_server)
        cur.execute(sql.SQL("GRANT CONNECT ON DATABASE postgres TO {}").format(sql.Identifier(role)))
    cur.execute("SELECT current_setting('server_version_num')::int >= 160000")
    if cur.fetchone()[0]:
        if instructor:
            cur.execute(
                sql.SQL("ALTER ROLE {} SET createrole_self_grant = 'set, inherit'").format(
                    sql.Identifier(role)
                )
            )
        else:
            cur.execute(sql.SQL("ALTER ROLE {} RESET createrole_self_grant").format(sql.Identifier(role)))


def prepare_template(admin_url: str, owner_password: str, own_server: bool = False) -> None:
    """Owner role and empty template database, if absent (the migrations run as the owner).
    `own_server`: the server is the class's alone (compose's db): see lock_the_server."""
    from psycopg2 import errors, sql

    conn = _connect(admin_url)
    try:
        with conn.cursor() as cur:
            try:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(TEMPLATE_OWNER)),
                    [owner_password],
                )
            except errors.DuplicateObject:
                cur.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(TEMPLATE_OWNER)),
                    [owner_password],
                )
            _own(cur, TEMPLATE_OWNER)
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
            except errors.DuplicateDatabase:
                pass
            cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(TEMPLATE)))
            cur.execute(
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                    sql.Identifier(TEMPLATE), sql.Identifier(TEMPLATE_OWNER)
                )
            )
    finally:
        conn.close()
    conn = _connect(admin_url, TEMPLATE)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(TEMPLATE_OWNER)))
            if _is_superuser(cur):
                hide_the_class(cur)
    finally:
        conn.close()
    if own_server:
        lock_the_server(admin_url)


# Catalogs every role may read by default that name the server's databases and roles, or show who
# is connected where. In the template (so in every student's copy) PUBLIC may not read them.
NAMING_CATALOGS = (
    "pg_database",
    "pg_stat_database",
    "pg_stat_database_conflicts",
    "pg_stat_activity",
    "pg_roles",
    "pg_user",
    "pg_group",
    "pg_auth_members",
    "pg_shdescription",
    "pg_db_role_setting",
)


def hide_the_class(cur) -> None:
    """In the database `cur` is on: PUBLIC may not read the catalogs that list the classmates'
    databases and roles (a catalog's privileges live in each database: the copies keep these).
    PostgreSQL still answers a guess (`'student_bob'::regrole`, has_database_privilege): a name
    can be tried, not listed."""
    from psycopg2 import sql

    for catalog in NAMING_CATALOGS:
        cur.execute(sql.SQL("REVOKE SELECT ON pg_catalog.{} FROM PUBLIC").format(sql.Identifier(catalog)))


def lock_the_server(admin_url: str) -> None:
    """A server of the class's own (compose's `db`): no database lets PUBLIC connect (postgres,
    template1, the hub's own state), so a student's role reaches its own database and nothing else;
    the instructor's role is granted `postgres` where it grades (grading_rights)."""
    from psycopg2 import sql

    conn = _connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datallowconn")
            for (name,) in cur.fetchall():
                cur.execute(
                    sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(
                        sql.Identifier(name)
                    )
                )
    finally:
        conn.close()


def provision(
    admin_url: str, username: str, *, host: str | None = None, instructor: bool = False, prefix: str = PREFIX
) -> Student:
    """The student's role and database (made from the template on first login); a new password each time."""
    from psycopg2 import errors, sql

    name = identifier(username, prefix)
    password = secrets.token_urlsafe(24)
    created = False
    conn = _connect(admin_url)
    try:
        with conn.cursor() as cur:
            try:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)), [password]
                )
            except errors.DuplicateObject:
                cur.execute(sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(name)), [password])
            grading_rights(cur, name, instructor)
            _own(cur, name)
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                # Two logins at once: the second waits for the template's lock, then finds it made.
                try:
                    cur.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                            sql.Identifier(name), sql.Identifier(TEMPLATE), sql.Identifier(name)
                        )
                    )
                    created = True
                except errors.DuplicateDatabase:
                    pass
            cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    finally:
        conn.close()
    if created:
        conn = _connect(admin_url, name)
        try:
            with conn.cursor() as cur:
                _own(cur, TEMPLATE_OWNER)
                # In this copy only: the owner role owns no database, so nothing shared moves.
                cur.execute(
                    sql.SQL("REASSIGN OWNED BY {} TO {}").format(
                        sql.Identifier(TEMPLATE_OWNER), sql.Identifier(name)
                    )
                )
                cur.execute(
                    sql.SQL("REVOKE ALL ON SCHEMA public FROM {}").format(sql.Identifier(TEMPLATE_OWNER))
                )
        finally:
            conn.close()
    return Student(
        role=name, database=name, url=lab_url(admin_url, name, password, name, host), created=created
    )


def remove(admin_url: str, username: str, prefix: str = PREFIX) -> None:
    """The student's database and role, gone (end of term, or a test's clean-up)."""
    from psycopg2 import sql

    name = identifier(username, prefix)
    conn = _connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if cur.fetchone():  # an instructor's: granted `postgres` on a locked server
                cur.execute(sql.SQL("REVOKE ALL ON DATABASE postgres FROM {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()
