"""The instructor's role on the hub's server grades: it may make what the grader needs.

On the hub the instructor's database role is no superuser: CREATEDB CREATEROLE (the spawn hook,
classroom/studentdb.py). PostgreSQL 16 changed what such a role may do with the roles it creates:
it administers them, but may not make one own a database or take over its tables unless it can
SET and INHERIT it. The hook sets `createrole_self_grant = 'set, inherit'` there; the grader holds
each role it makes where that setting is missing (15, a server set up by hand). Tested on the
embedded PostgreSQL 18 the tests start and on the PostgreSQL at 127.0.0.1:5432 (15 here, CI's
second server), whichever answer.
"""

import secrets
from urllib.parse import unquote, urlsplit

import psycopg2
import pytest
from psycopg2 import sql

from classroom import grade, studentdb
from workbook.database import connect

SECOND = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "postgres",
    "USER": "postgres",
    "PASSWORD": "",
    "HOST": "127.0.0.1",
    "PORT": "5432",
    "OPTIONS": {"connect_timeout": 3},
}


@pytest.fixture(scope="module", params=["embedded", "second"])
def admin(request):
    """A superuser's settings on one of the two servers."""
    if request.param == "embedded":
        from workbook.authoring.scratch import django_config

        return django_config()
    try:
        connect(SECOND, "postgres").close()
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {str(exc).strip()}")
    return SECOND


def version(config) -> int:
    conn = connect(config, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('server_version_num')::int")
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def instructor(admin):
    """A login role as the hook makes the instructor's, and its settings; dropped after."""
    name = f"hub21priv_{secrets.token_hex(3)}_teacher"
    password = secrets.token_urlsafe(12)
    conn = connect(admin, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)), [password])
        yield name, {**admin, "USER": name, "PASSWORD": password, "NAME": "postgres"}
    finally:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = %s", [name])
            for (database,) in cur.fetchall():
                cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
            cur.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
        conn.close()


def as_url(config, url: str):
    """A connection with the role and database a grader's URL names, on `config`'s server."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    return connect({**config, "USER": unquote(parts.username), "PASSWORD": unquote(parts.password)}, database)


def rights(admin, role: str, instructor: bool = True) -> None:
    conn = connect(admin, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            studentdb.grading_rights(cur, role, instructor)
    finally:
        conn.close()


def give_a_database_away(config) -> str:
    """What the grader does first with a role it made: a database of its own. '' or the error."""
    conn = connect(config, "postgres")
    conn.autocommit = True
    role = f"{config['USER']}_made"
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
            try:
                cur.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(role), sql.Identifier(role))
                )
            except psycopg2.Error as exc:
                return str(exc).strip()
            cur.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(role)))
            return ""
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.close()


def test_the_hooks_rights_let_the_instructor_give_a_role_it_made_a_database(admin, instructor):
    role, config = instructor
    rights(admin, role)
    if version(admin) < 160000:
        # 15: createrole_self_grant does not exist; the grader grants itself the role (below).
        assert "must be member of role" in give_a_database_away(config)
    else:
        assert give_a_database_away(config) == ""


def test_on_16_and_later_createrole_alone_cannot_and_a_students_role_can_do_neither(admin, instructor):
    role, config = instructor
    if version(admin) < 160000:
        pytest.skip("PostgreSQL 15 and before: CREATEROLE alone could (the grader holds the role)")
    rights(admin, role)
    rights(admin, role, instructor=False)  # demoted: the setting goes with the rights
    conn = connect(admin, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("ALTER ROLE {} CREATEDB CREATEROLE").format(sql.Identifier(role)))
    finally:
        conn.close()
    said = give_a_database_away(config)
    assert "must be able to SET ROLE" in said or "must be member of role" in said, said


def test_a_students_role_may_make_no_role(admin, instructor):
    role, config = instructor
    rights(admin, role, instructor=False)
    conn = connect(config, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(f"{role}_x")))
    finally:
        conn.close()


@pytest.mark.parametrize("hooked", [True, False], ids=["hook's rights", "createrole only"])
def test_the_grader_makes_uses_and_drops_everything_as_the_instructor(admin, instructor, hooked):
    """The grader's whole cycle on the instructor's role (no superuser): template, a submission's
    database and judge, the judge's functions taken back, then every trace dropped."""
    role, config = instructor
    if hooked:
        rights(admin, role)
    else:
        conn = connect(admin, "postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("ALTER ROLE {} CREATEDB CREATEROLE").format(sql.Identifier(role)))
        conn.close()
    server = grade.Server(config, secrets.token_hex(4))
    try:
        server.make_template()
        name, submission_role, url = server.make_database(0)
        mine = as_url(config, url)
        with mine.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [name]
            )
            assert cur.fetchone()[0] > 0  # the copy's tables are the submission's role's
            cur.execute("CREATE FUNCTION mine() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        mine.close()
        conn = server._connect(name)
        conn.autocommit = True
        try:
            server.before_judging(conn, name)
        finally:
            conn.close()
        judge = as_url(config, server.judge_url(name))
        with judge.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT mine()")
        judge.close()
        server.drop(name, submission_role)
    finally:
        server.drop_everything()
    conn = connect(admin, "postgres")
    try:
        with conn.cursor() as cur:
            like = server.run.replace("_", r"\_") + "%"
            cur.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s "
                "UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                [like, like],
            )
            assert cur.fetchall() == []
    finally:
        conn.close()
