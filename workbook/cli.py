"""The command line: `python -m workbook lab | serve | reset | db | token | test | student | regenerate |
grade`."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from . import database
from .database import TEST_DB_NAME, DatabaseUnavailable
from .paths import NOTEBOOKS_DIR, PROJECT_DIR, REPO_ROOT, STUDENT_DIR


def _ready(*, seed: bool = True) -> None:
    """Database up, migrated, seeded once; prints the status line."""
    from . import prepare_database, status_line

    notice = database.earlier_data_notice()
    if notice:
        print(notice)
    if prepare_database(verbosity=1):
        print("Migrations applied.")
    from demo.seed import seed_if_empty

    if seed and seed_if_empty():
        print("Seed data written: 3 users, 7 posts, likes and comments.")
    print(status_line())


def cmd_lab(args) -> int:
    token = os.environ.get("JUPYTER_TOKEN")
    if token is not None and not token.strip():
        print(
            "JUPYTER_TOKEN is set but empty: JupyterLab never runs without a token. "
            "Unset it to get a random one, or set a long random value.",
            file=sys.stderr,
        )
        return 2
    if not Path(args.root).is_dir():
        print(
            f"No folder {args.root}: make student copies with `python -m workbook student` first.",
            file=sys.stderr,
        )
        return 2
    _ready()
    generated = token is None
    env = dict(os.environ, JUPYTER_TOKEN=token or secrets.token_urlsafe(24))
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={Path(args.root).resolve()}",
        f"--ServerApp.ip={args.ip}",
        f"--ServerApp.port={args.port}",
        *(["--no-browser"] if args.no_browser else []),
        # JupyterLab refuses to start as root unless told; root is this user's own choice.
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        # No news feed and no update check: nothing leaves the machine, no pop-up in class.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *args.jupyter_args,
    ]
    host = "127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip
    url = f"http://{host}:{args.port}/lab"
    # JupyterLab masks a token it did not make itself ("?token=..."), so the link is printed here.
    # A token from the environment is the caller's (the compose lab prints its own host link).
    if generated:
        print(f"JupyterLab starts at {url}?token={env['JUPYTER_TOKEN']}")
    return _run_in_place(command, env)


def cmd_serve(args) -> int:
    _ready()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_SERVE_STATIC="true")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--chdir",
        str(PROJECT_DIR),
        "--access-logfile",
        "-",
    ]
    print(
        f"Serving the API on http://{args.host}:{args.port}/api/ (docs: /api/docs/). "
        "Get a token with `python -m workbook token alice`."
    )
    return _run_in_place(command, env)


def _run_in_place(command: list[str], env: dict) -> int:
    """Become the server process (POSIX), so stop signals reach it directly."""
    from django.db import connections

    connections.close_all()  # the server opens its own
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(command[0], command, env)
    return subprocess.call(command, env=env)


def cmd_reset(args) -> int:
    from . import prepare_database, reset

    prepare_database()
    from django.db import connection

    target = f"database {connection.settings_dict['NAME']!r} on {database.location()}"
    if not args.yes:
        if not sys.stdin.isatty():
            print(f"Refusing to reset {target} without confirmation: add --yes.", file=sys.stderr)
            return 2
        answer = input(f"Replace every post, like, comment and user in {target} with the seed data? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing changed.")
            return 1
    reset()
    print(f"Reset {target} to the seed data.")
    return 0


def cmd_db(args) -> int:
    if args.stop:
        if database.database_url():
            print("DATABASE_URL is set: that server is not the workbook's to stop.", file=sys.stderr)
            return 2
        stopped = database.stop_embedded()
        print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
        return 0
    print(f"Database: {database.location()}")
    from . import configure_django, status_line

    configure_django()
    from django.db import OperationalError

    try:
        print(status_line())
    except OperationalError as exc:
        raise DatabaseUnavailable(database.unavailable_message(exc)) from None
    return 0


def cmd_token(args) -> int:
    from . import prepare_database

    prepare_database()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"No user {args.username!r}; the seed has alice, bob and carol.", file=sys.stderr)
        return 2
    token, _ = Token.objects.get_or_create(user=user)
    print(token.key)
    return 0


def cmd_test(args) -> int:
    """pytest on a database of its own; an embedded server it started is stopped after."""
    os.environ.setdefault("DJANGO_DB_NAME", TEST_DB_NAME)
    if os.environ["DJANGO_DB_NAME"] == database.DEFAULT_DB_NAME:
        print(
            "DJANGO_DB_NAME names the learner's database; the tests use their own.",
            file=sys.stderr,
        )
        return 2
    was_running = database.embedded_running()
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=REPO_ROOT)
    finally:
        if not database.database_url() and not was_running:
            database.stop_embedded()


def cmd_student(args) -> int:
    """Student copies: solutions replaced by stubs, exercise outputs cleared."""
    from .authoring.student import write_student_copies

    out = Path(args.out).resolve()
    try:
        written = write_student_copies(out, args.notebooks or None)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} student copies in {out}")
    return 0


def cmd_regenerate(args) -> int:
    """Execute notebooks in place on a fresh database of their own and save the outputs."""
    os.environ.setdefault("DJANGO_DB_NAME", TEST_DB_NAME)
    from .authoring.regenerate import RegenerateError, regenerate

    try:
        regenerate(args.notebooks or None, timeout=args.timeout)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except RegenerateError as exc:
        for path, error in exc.failures:
            print(f"--- {path.name}\n{error}", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_grade(args) -> int:
    """Grade submissions, each in a fresh kernel on a database of its own; reports in --out."""
    from .authoring import grade

    try:
        roster = grade.read_roster(Path(args.roster)) if args.roster else []
        run = grade.grade(
            args.submissions,
            out=Path(args.out),
            notebooks=args.notebook or None,
            roster=roster,
            jobs=args.jobs,
            cell_timeout=args.cell_timeout,
            notebook_timeout=args.notebook_timeout,
            memory_mb=args.memory_mb,
        )
    except (ValueError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    out = Path(args.out)
    print(
        f"{len(run.results)} submissions graded in {run.seconds:.0f} s: "
        f"{out / 'grades.csv'}, {out / 'grades.json'}, {out / 'report.html'}, {out / 'feedback'}/"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workbook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    lab = sub.add_parser("lab", help="database ready and seeded, then JupyterLab on notebooks/")
    lab.add_argument("--ip", default="127.0.0.1")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument(
        "--root",
        default=str(NOTEBOOKS_DIR),
        help="folder JupyterLab opens (default notebooks/; student copies: --root student)",
    )
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed on to JupyterLab")
    lab.set_defaults(func=cmd_lab)

    serve = sub.add_parser("serve", help="the site and its API under gunicorn on 127.0.0.1")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    reset = sub.add_parser("reset", help="back to the seed data (asks first)")
    reset.add_argument("--yes", action="store_true", help="do not ask")
    reset.set_defaults(func=cmd_reset)

    db = sub.add_parser("db", help="where the database is and whether it answers")
    db.add_argument("--stop", action="store_true", help="stop the embedded server")
    db.set_defaults(func=cmd_db)

    token = sub.add_parser("token", help="an API token for a user")
    token.add_argument("username")
    token.set_defaults(func=cmd_token)

    test = sub.add_parser("test", help="every test and notebook, on a database of their own")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    test.set_defaults(func=cmd_test)

    student = sub.add_parser("student", help="student copies of the notebooks, solutions removed")
    student.add_argument("notebooks", nargs="*", help="only these (05, 05-orm-exercises); default every one")
    student.add_argument("--out", default=str(STUDENT_DIR), help="folder to write (default student/)")
    student.set_defaults(func=cmd_student)

    regen = sub.add_parser(
        "regenerate", help="re-run notebooks and save their outputs, on a fresh database of their own"
    )
    regen.add_argument("notebooks", nargs="*", help="only these (05, 05-orm-exercises); default every one")
    regen.add_argument("--timeout", type=int, default=300, help="seconds a cell may take")
    regen.set_defaults(func=cmd_regenerate)

    grading = sub.add_parser(
        "grade", help="grade submissions (notebooks, folders, workspaces), each on a database of its own"
    )
    grading.add_argument(
        "submissions", nargs="+", help="notebooks or folders of them (one folder per student)"
    )
    grading.add_argument(
        "--notebook", action="append", help="grade against this notebook only (05); repeatable"
    )
    grading.add_argument(
        "--roster", help="the class list (CSV with a username column): shows who submitted nothing"
    )
    grading.add_argument("--out", default="grades", help="folder for the reports (default grades/)")
    grading.add_argument("--jobs", type=int, default=None, help="submissions at once (default: CPU cores)")
    grading.add_argument("--cell-timeout", type=int, default=30, help="seconds a cell may take (default 30)")
    grading.add_argument(
        "--notebook-timeout", type=int, default=300, help="seconds a submission may take (default 300)"
    )
    grading.add_argument(
        "--memory-mb", type=int, default=2048, help="memory limit of each kernel (default 2048)"
    )
    grading.set_defaults(func=cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    passthrough = {"lab": "jupyter_args", "test": "pytest_args"}.get(args.command)
    if extra and not passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if passthrough:
        setattr(args, passthrough, extra + getattr(args, passthrough))
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
