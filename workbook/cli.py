"""The command line: `python -m workbook lab | serve | reset | db | token | test | student | regenerate`."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import database
from .database import TEST_DB_NAME, DatabaseUnavailable
from .paths import LAB_SETTINGS_DIR, NOTEBOOKS_DIR, PROJECT_DIR, REPO_ROOT, STUDENT_DIR

DEFAULT_LAB_PORT = 8888
PORTS_TRIED = 50  # from the default port on, as JupyterLab itself would


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
    port = _lab_port(args)
    if port is None:
        return 2
    started_server = not database.database_url() and not database.embedded_running()
    _ready()
    generated = token is None
    env = dict(os.environ, JUPYTER_TOKEN=token or secrets.token_urlsafe(24))
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={Path(args.root).resolve()}",
        f"--ServerApp.ip={args.ip}",
        f"--ServerApp.port={port}",
        # The port was chosen above; the link printed below must be the one JupyterLab listens on.
        "--ServerApp.port_retries=0",
        # Only requests whose Host is 127.0.0.1, ::1 or localhost, also when the lab listens on
        # 0.0.0.0 in its container: a web page that rebinds its own name to 127.0.0.1 is refused.
        "--ServerApp.allow_remote_access=False",
        *(["--no-browser"] if args.no_browser else []),
        # JupyterLab refuses to start as root unless told; root is this user's own choice.
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        # No news feed and no update check: nothing leaves the machine. The server's two switches
        # stop the requests; the settings in workbook/jupyterlab/ (fetchNews "false") stop the
        # pop-up that asks whether to fetch news.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.app_settings_dir={LAB_SETTINGS_DIR}",
        *args.jupyter_args,
    ]
    host = "127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip
    url = f"http://{host}:{port}/lab"
    # JupyterLab masks a token it did not make itself ("?token=..."), so the link is printed here.
    # A token from the environment is the caller's (the compose lab prints its own host link).
    if generated:
        print(f"JupyterLab starts at {url}?token={env['JUPYTER_TOKEN']}")
    code = _supervise(command, env, "JupyterLab")
    if started_server and database.stop_embedded():
        print("The embedded PostgreSQL this lab started is stopped too.")
    return code


def _port_free(ip: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def _lab_port(args) -> int | None:
    """The port asked for (--port or JUPYTER_PORT) if free, else one sentence and None; without
    either, 8888 or the next free port after it."""
    if args.port is not None:
        if _port_free(args.ip, args.port):
            return args.port
        source = "--port" if args.port_from_option else "JUPYTER_PORT"
        print(
            f"Port {args.port} ({source}) is taken, perhaps by another JupyterLab: stop that one, or "
            "choose another port with --port or JUPYTER_PORT.",
            file=sys.stderr,
        )
        return None
    for port in range(DEFAULT_LAB_PORT, DEFAULT_LAB_PORT + PORTS_TRIED):
        if _port_free(args.ip, port):
            if port != DEFAULT_LAB_PORT:
                print(f"Port {DEFAULT_LAB_PORT} is taken; JupyterLab uses {port}.")
            return port
    print(
        f"Ports {DEFAULT_LAB_PORT} to {DEFAULT_LAB_PORT + PORTS_TRIED - 1} are all taken: choose one "
        "with --port or JUPYTER_PORT.",
        file=sys.stderr,
    )
    return None


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
        # gunicorn 25.1+ opens a control socket, by default one path per user: a second `serve`
        # would take over the first's. Nothing here uses it.
        *(["--no-control-socket"] if _gunicorn_has_control_socket() else []),
    ]
    print(
        f"Serving the API on http://{args.host}:{args.port}/api/ (docs: /api/docs/). "
        "Get a token with `python -m workbook token alice`."
    )
    return _supervise(command, env, "The server")


def _gunicorn_has_control_socket() -> bool:
    version = tuple(int(part) for part in metadata.version("gunicorn").split(".")[:2] if part.isdigit())
    return version >= (25, 1)


def _supervise(command: list[str], env: dict, name: str) -> int:
    """Run a server as a child and stay its parent: Ctrl-C (SIGINT) and SIGTERM become one SIGTERM
    to it, which both JupyterLab and gunicorn take as "stop now" (no y/n question, no traceback);
    then one line says it stopped."""
    from django.db import connections

    connections.close_all()  # the server opens its own
    sys.stdout.flush()
    sys.stderr.flush()
    # A session of its own: the terminal's Ctrl-C reaches this process only, which passes it on once.
    child = subprocess.Popen(command, env=env, start_new_session=os.name == "posix")
    stopping = []

    def stop(signum, _frame):
        if not stopping and child.poll() is None:
            stopping.append(signum)
            child.terminate()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping:
        print(f"{name} stopped.")
        return 0
    return code


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workbook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    lab = sub.add_parser("lab", help="database ready and seeded, then JupyterLab on notebooks/")
    lab.add_argument("--ip", default="127.0.0.1")
    lab.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to listen on (default: JUPYTER_PORT, else 8888 or the next free one)",
    )
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    passthrough = {"lab": "jupyter_args", "test": "pytest_args"}.get(args.command)
    if extra and not passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if passthrough:
        setattr(args, passthrough, extra + getattr(args, passthrough))
    if args.command == "lab":
        args.port_from_option = args.port is not None
        if args.port is None and os.environ.get("JUPYTER_PORT", "").strip():
            try:
                args.port = int(os.environ["JUPYTER_PORT"])
            except ValueError:
                parser.error(f"JUPYTER_PORT must be a port number, not {os.environ['JUPYTER_PORT']!r}")
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
