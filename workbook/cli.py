"""The command line: `python -m workbook lab | workspace | progress | serve | reset | db | token | test
| student | regenerate | messages | translate | rehearse | grade`."""

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
from .i18n import LANGUAGES, _
from .paths import (
    LAB_SETTINGS_DIR,
    NOTEBOOKS_DIR,
    PROJECT_DIR,
    REPO_ROOT,
    STUDENT_DIR,
    lab_settings_dir,
    lab_workspaces_dir,
    notebooks_dir,
    shown,
    solutions_dir,
    workspace_dir,
)

EDITIONS = tuple(lang for lang in LANGUAGES if lang != "en")
# JupyterLab's locale for each edition (its language pack: jupyterlab-language-pack-ko-KR)
LAB_LOCALES = {"ko": "ko_KR"}
DEFAULT_LAB_PORT = 8888
# JupyterLab's log lines that only alarm a newcomer: a kernel on this machine talks to the lab over
# 127.0.0.1 with signed messages (ipykernel warns it is not encrypted), and the language-server
# bridge is switched off below, so the page's one question for it is a 404.
LAB_NOISE = (b"Kernel is running over TCP without encryption", b"404 GET /lsp/status")
PORTS_TRIED = 50  # from the default port on, as JupyterLab itself would


def _ready(*, seed: bool = True) -> None:
    """Database up, migrated, seeded once; prints the status line."""
    from . import ready_database, status_line

    notice = database.earlier_data_notice()
    if notice:
        print(notice)
    # Django's migrate lists each migration: dozens of lines a newcomer scrolls past. One is enough.
    migrated, seeded = ready_database(verbosity=0, seed=seed)
    if migrated:
        print(_("Migrations applied."))
    if seeded:
        print(_("Seed data written: 3 users, 7 posts, likes and comments."))
    print(status_line())


def _other_root(args) -> Path | None:
    """--root's folder, checked; never notebooks/ itself (the lab would save into tracked files)."""
    root = Path(args.root).resolve()
    if not root.is_dir():
        print(_("No folder {root}.").format(root=args.root), file=sys.stderr)
        return None
    notebooks = NOTEBOOKS_DIR.resolve()
    if root == notebooks or notebooks in root.parents:
        print(
            _(
                "notebooks/ holds the tracked, solved notebooks: the lab would save into them. "
                "`lab --solutions` opens a copy of them; plain `lab` opens your workspace."
            ),
            file=sys.stderr,
        )
        return None
    return root


def _lab_root(args) -> Path:
    """The folder JupyterLab opens: the workspace (made or completed here), or the solved copy.

    Never notebooks/ itself: what the lab saves (outputs, kernel metadata) must not touch a
    tracked file, or the next `git pull` conflicts.
    """
    from .authoring.student import copy_solutions, ensure_workspace

    source = notebooks_dir(args.lang)
    if args.solutions:
        target = solutions_dir(args.lang)
        copy_solutions(target, directory=source)
        print(
            _(
                "Solved notebooks, from a copy in {target} made afresh at each start "
                "(notebooks/ itself is never opened, so git stays clean; save anything to keep elsewhere)."
            ).format(target=shown(target))
        )
        return target
    workspace = Path(args.workspace).resolve()
    added = ensure_workspace(workspace, directory=source)
    tell_superseded(workspace, added)
    where = shown(workspace)
    if added:
        names = ", ".join(p.stem for p in added)
        print(
            _("Your workspace {where}/: {count} exercise copies added ({names}).").format(
                where=where, count=len(added), names=names
            )
        )
    print(
        _(
            "Your workspace: {where}/ (your own copies, never overwritten; "
            "`python3 run.py workspace{lang} --refresh NN` starts one over and keeps a backup)."
        ).format(where=where, lang=_lang_option(args))
    )
    return workspace


def tell_superseded(workspace: Path, added: list[Path]) -> None:
    """One sentence for each old copy whose notebook became others, when their copies are added."""
    from .authoring.student import superseded

    for old, new in superseded(workspace, added):
        print(
            _(
                "{old} is now split into {names}: both are added to your workspace, and your own copy "
                "of {old} is kept as it was, in {path}."
            ).format(old=old.stem, names=", ".join(new), path=shown(old))
        )


def _lang_option(args) -> str:
    return "" if args.lang == "en" else f" --lang {args.lang}"


def _edition_missing(lang: str) -> bool:
    """True, with one line on how to build it, when an edition's notebooks are not there."""
    if lang == "en" or any(notebooks_dir(lang).glob("[0-9][0-9]-*.ipynb")):
        return False
    print(
        f"The {lang} edition is not built: {shown(notebooks_dir(lang))}/ holds no notebook. "
        f"`python3 run.py translate --lang {lang}` builds it from the catalogues in notebooks/i18n/{lang}/.",
        file=sys.stderr,
    )
    return True


def _lab_settings(lang: str) -> Path:
    """The settings folder JupyterLab reads (`--LabApp.app_settings_dir`): the tracked one for
    English; for Korean a copy in the state folder, written at each start, that also selects the
    Korean language pack, so menus and dialogs are Korean in this lab only (no tracked file and
    no user setting changes)."""
    if lang == "en":
        return LAB_SETTINGS_DIR
    import json

    overrides = json.loads((LAB_SETTINGS_DIR / "overrides.json").read_text(encoding="utf-8"))
    overrides["@jupyterlab/translation-extension:plugin"] = {"locale": LAB_LOCALES[lang]}
    folder = lab_settings_dir(lang)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "overrides.json"
    text = json.dumps(overrides, indent=2, ensure_ascii=False) + "\n"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return folder


def cmd_lab(args) -> int:
    token = os.environ.get("JUPYTER_TOKEN")
    if token is not None and not token.strip():
        print(
            _(
                "JUPYTER_TOKEN is set but empty: JupyterLab never runs without a token. "
                "Unset it to get a random one, or set a long random value."
            ),
            file=sys.stderr,
        )
        return 2
    root = _other_root(args) if args.root else None
    if args.root and root is None:
        return 2
    if not root and _edition_missing(args.lang):
        return 2
    port = _lab_port(args)
    if port is None:
        return 2
    started_server = not database.database_url() and not database.embedded_running()
    _ready()  # first: where no database answers, nothing is written
    root = root or _lab_root(args)
    generated = token is None
    env = dict(os.environ, JUPYTER_TOKEN=token or secrets.token_urlsafe(24))
    if args.lang != "en":
        # Every kernel of this lab speaks the edition's language (the workspace's .workbook-lang
        # says so too, for a kernel started there from another lab).
        env["WORKBOOK_LANG"] = args.lang
    else:
        # An English lab's kernels follow their folder: English, or Korean in a Korean workspace.
        env.pop("WORKBOOK_LANG", None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
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
        f"--LabApp.app_settings_dir={_lab_settings(args.lang)}",
        # Each edition's layout (open tabs) of its own: the Korean lab does not reopen the English one's.
        f"--LabApp.workspaces_dir={lab_workspaces_dir(args.lang)}",
        # No language-server bridge: none of the servers it looks for is installed, and loading it
        # costs start time and memory for nothing.
        "--ServerApp.jpserver_extensions=jupyter_lsp=False",
        *args.jupyter_args,
    ]
    host = "127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip
    url = f"http://{host}:{port}/lab"
    # JupyterLab masks a token it did not make itself ("?token=..."), so the link is printed here,
    # once JupyterLab answers: after its own start-up lines, where it stays in sight. A token from
    # the environment is the caller's (the compose lab prints its own host link).
    if generated:
        link = _("JupyterLab is ready: open {url}?token={token} (Ctrl-C stops it)").format(
            url=url, token=env["JUPYTER_TOKEN"]
        )
    else:
        link = _("JupyterLab is ready at {url} (with the token in JUPYTER_TOKEN; Ctrl-C stops it)").format(
            url=url
        )
    if os.environ.get("WORKBOOK_COMPOSE") == "1" and not started_server:
        # The compose lab: tini is PID 1 and passes `docker compose stop`'s SIGTERM on, there is no
        # terminal's Ctrl-C to translate and no embedded server to stop afterwards, so JupyterLab
        # takes this process's place rather than run under a parent that keeps Django loaded
        # (about 70 MiB for nothing).
        from django.db import connections

        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(command[0], command, env)
    code = _supervise(command, env, "JupyterLab", quiet=LAB_NOISE, ready=(f"http://{host}:{port}/api", link))
    if started_server and database.stop_embedded():
        print(_("The embedded PostgreSQL this lab started is stopped too."))
    return code


def _port_free(ip: str, port: int) -> bool:
    """True when a server can listen on ip:port. SO_REUSEADDR as JupyterLab binds: the connections
    of a lab stopped a moment ago (TIME-WAIT) do not keep it. Not on Windows, where the option
    would let the probe bind a port another program listens on, and call it free."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
            _(
                "Port {port} ({source}) is taken, perhaps by another JupyterLab: stop that one, or "
                "choose another port with --port or JUPYTER_PORT."
            ).format(port=args.port, source=source),
            file=sys.stderr,
        )
        return None
    for port in range(DEFAULT_LAB_PORT, DEFAULT_LAB_PORT + PORTS_TRIED):
        if _port_free(args.ip, port):
            if port != DEFAULT_LAB_PORT:
                print(
                    _("Port {default} is taken; JupyterLab uses {port}.").format(
                        default=DEFAULT_LAB_PORT, port=port
                    )
                )
            return port
    print(
        _("Ports {first} to {last} are all taken: choose one with --port or JUPYTER_PORT.").format(
            first=DEFAULT_LAB_PORT, last=DEFAULT_LAB_PORT + PORTS_TRIED - 1
        ),
        file=sys.stderr,
    )
    return None


def cmd_workspace(args) -> int:
    """Where the workspace is and what it holds; --refresh NN starts notebooks over, with a backup."""
    from .authoring.student import ensure_workspace, refresh

    if _edition_missing(args.lang):
        return 2
    source = notebooks_dir(args.lang)
    workspace = Path(args.workspace).resolve()
    try:
        if args.refresh:
            for copy, backup in refresh(args.refresh, workspace, directory=source):
                kept = _("; your old copy is in {backup}").format(backup=shown(backup)) if backup else ""
                print(_("{copy}: a fresh exercise copy{kept}").format(copy=shown(copy), kept=kept))
            return 0
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    added = ensure_workspace(workspace, directory=source)
    for path in added:
        print(_("added {path}").format(path=shown(path)))
    tell_superseded(workspace, added)
    names = sorted(p.name for p in workspace.glob("[0-9][0-9]-*.ipynb"))
    print(
        _("Your workspace {workspace}/ holds {count} notebooks: {names}").format(
            workspace=shown(workspace), count=len(names), names=", ".join(names)
        )
    )
    return 0


def cmd_progress(args) -> int:
    """Each notebook's exercises as passed, tried or not started, from the learner's database."""
    from . import configure_django
    from .records import table

    configure_django()
    from django.db import OperationalError

    try:
        print(table())
    except OperationalError as exc:
        raise DatabaseUnavailable(database.unavailable_message(exc)) from None
    return 0


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
        _(
            "Serving the API on http://{host}:{port}/api/ (docs: /api/docs/). "
            "Get a token with `python -m workbook token alice`."
        ).format(host=args.host, port=args.port)
    )
    return _supervise(command, env, _("The server"))


def _gunicorn_has_control_socket() -> bool:
    version = tuple(int(part) for part in metadata.version("gunicorn").split(".")[:2] if part.isdigit())
    return version >= (25, 1)


def _pass_on(pipe, quiet: tuple[bytes, ...]) -> None:
    """A child's log, line by line, to this process's stderr, but for the lines that are noise."""
    out = getattr(sys.stderr, "buffer", None)
    for line in iter(pipe.readline, b""):
        if any(mark in line for mark in quiet):
            continue
        if out is not None:
            out.write(line)
            out.flush()
        else:
            sys.stderr.write(line.decode(errors="replace"))
    pipe.close()


def _say_when_ready(url: str, line: str, child: subprocess.Popen) -> None:
    """Print `line` once `url` answers (any HTTP status), or never if the child stops first."""
    import time
    import urllib.error
    import urllib.request

    while child.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except urllib.error.HTTPError:
            pass  # it answers
        except OSError:
            time.sleep(0.3)
            continue
        print(line, flush=True)
        return


def _grace(signum: int, os_name: str = os.name) -> float:
    """Seconds a server has to stop by itself before it is told to. On Windows Ctrl-C reaches every
    process of the console, the server too, and JupyterLab then shuts its kernels down itself;
    terminating it at once (TerminateProcess: no clean-up there) would leave them running."""
    return 30.0 if os_name == "nt" and signum == signal.SIGINT else 0.0


def _supervise(
    command: list[str],
    env: dict,
    name: str,
    *,
    quiet: tuple[bytes, ...] = (),
    ready: tuple[str, str] | None = None,
) -> int:
    """Run a server as a child and stay its parent: Ctrl-C (SIGINT) and SIGTERM become one SIGTERM
    to it, which both JupyterLab and gunicorn take as "stop now" (no y/n question, no traceback);
    then one line says it stopped. Its log lines that hold one of `quiet` are dropped; `ready`
    (url, line) prints the line once the url answers."""
    import threading

    from django.db import connections

    connections.close_all()  # the server opens its own
    sys.stdout.flush()
    sys.stderr.flush()
    # A session of its own: the terminal's Ctrl-C reaches this process only, which passes it on once.
    child = subprocess.Popen(
        command,
        env=env,
        start_new_session=os.name == "posix",
        stderr=subprocess.PIPE if quiet else None,
    )
    threads = []
    if quiet:
        threads.append(threading.Thread(target=_pass_on, args=(child.stderr, quiet), daemon=True))
    if ready:
        threads.append(threading.Thread(target=_say_when_ready, args=(*ready, child), daemon=True))
    for thread in threads:
        thread.start()
    stopping = []

    def stop(signum, _frame):
        if not stopping and child.poll() is None:
            stopping.append(signum)
            grace = _grace(signum)
            if grace:
                timer = threading.Timer(grace, lambda: child.poll() is None and child.terminate())
                timer.daemon = True
                timer.start()
            else:
                child.terminate()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for thread in threads:
        thread.join(timeout=5)  # the rest of its log
    if stopping:
        print(_("{name} stopped.").format(name=name))
        return 0
    return code


def cmd_reset(args) -> int:
    from . import prepare_database, reset

    prepare_database()
    from django.db import connection

    target = _("database {name!r} on {location}").format(
        name=connection.settings_dict["NAME"], location=database.location()
    )
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                _("Refusing to reset {target} without confirmation: add --yes.").format(target=target),
                file=sys.stderr,
            )
            return 2
        answer = input(
            _("Replace every post, like, comment and user in {target} with the seed data? [y/N] ").format(
                target=target
            )
        )
        if answer.strip().lower() not in ("y", "yes"):
            print(_("Nothing changed."))
            return 1
    reset()
    print(_("Reset {target} to the seed data.").format(target=target))
    return 0


def cmd_db(args) -> int:
    if args.stop:
        if database.database_url():
            print(_("DATABASE_URL is set: that server is not the workbook's to stop."), file=sys.stderr)
            return 2
        stopped = database.stop_embedded()
        print(_("Embedded PostgreSQL stopped.") if stopped else _("Embedded PostgreSQL was not running."))
        return 0
    print(_("Database: {location}").format(location=database.location()))
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
        print(
            _("No user {username!r}; the seed has alice, bob and carol.").format(username=args.username),
            file=sys.stderr,
        )
        return 2
    token, _created = Token.objects.get_or_create(user=user)
    print(token.key)
    return 0


def test_workers() -> int:
    """Workers for the whole suite: one per core this process may use, 1 to 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _worker_args(pytest_args: list[str]) -> list[str]:
    """pytest-xdist's options, unless the command line chose (-n, -p no:xdist), asks for no run
    (--version, --help, --collect-only), or names single test files only (workers would only wait)."""
    import importlib.util

    chosen = {"-n", "--numprocesses", "no:xdist", "--version", "-h", "--help", "--collect-only", "--co"}
    if importlib.util.find_spec("xdist") is None or any(
        a in chosen or a.startswith(("-n", "--numprocesses=")) for a in pytest_args
    ):
        return []
    paths = [a for a in pytest_args if not a.startswith("-") and (REPO_ROOT / a.split("::")[0]).exists()]
    if paths and all(not (REPO_ROOT / a.split("::")[0]).is_dir() for a in paths) and len(paths) == 1:
        return []
    workers = test_workers()
    if workers < 2:
        return []
    return ["-p", "workbook.authoring.workers", "-n", str(workers), "--dist", "loadscope"]


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
        pytest_args = [*_worker_args(args.pytest_args), *args.pytest_args]
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=REPO_ROOT)
    finally:
        if not database.database_url() and not was_running:
            database.stop_embedded()


def cmd_student(args) -> int:
    """Student copies: solutions replaced by stubs, exercise outputs cleared."""
    from .authoring.student import write_student_copies

    if _edition_missing(args.lang):
        return 2
    default = STUDENT_DIR if args.lang == "en" else STUDENT_DIR / args.lang
    out = Path(args.out or default).resolve()
    try:
        written = write_student_copies(out, args.notebooks or None, directory=notebooks_dir(args.lang))
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
        regenerate(args.notebooks or None, timeout=args.timeout, lang=args.lang)
    except ValueError as exc:  # a translation build's problems are one line each
        print(exc, file=sys.stderr)
        return 2
    except RegenerateError as exc:
        for path, error in exc.failures:
            print(f"--- {path.name}\n{error}", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_messages(args) -> int:
    """Bring the Korean catalogue in step with the code's messages and compile it."""
    from .authoring.messages import MO_PATH, PO_PATH, regenerate

    untranslated, dropped = regenerate()
    for entry in dropped:
        print(f"dropped (no longer in the code): {entry.msgid!r}")
    for entry in untranslated:
        print(f"no translation yet: {entry.msgid!r}", file=sys.stderr)
    print(f"wrote {shown(PO_PATH)} and {shown(MO_PATH)}; {len(untranslated)} messages without a translation")
    return 1 if untranslated else 0


def cmd_translate(args) -> int:
    """Build the Korean edition, notebooks/ko/, from the English notebooks and the catalogues."""
    from .authoring.translate import build

    try:
        written = build(args.lang, args.notebooks or None)
    except ValueError as exc:  # BuildError: one line per missing or stale cell
        print(exc, file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {shown(path)}")
    print(
        f"{len(written)} notebooks in {shown(written[0].parent)}/ (outputs: the English ones, or the "
        f"edition's own where only translated messages differ; `regenerate --lang {args.lang}` runs them)"
    )
    return 0


def cmd_rehearse(args) -> int:
    """Week 2's deploy on this machine: a registry, a server over SSH, deploy/deploy.sh."""
    from .rehearsal import Rehearsal, RehearsalError

    try:
        rehearsal = Rehearsal()
        if args.action == "up":
            rehearsal.up()
        elif args.action == "down":
            rehearsal.down()
        elif args.action == "status":
            if not rehearsal.is_up():
                print("The rehearsal is not up: `python3 run.py rehearse up` starts it.")
                return 1
            print(f"Site {rehearsal.site}/ answers with release {rehearsal.serving() or 'none'}.")
            print("\n".join(rehearsal.history()) or "Nothing deployed yet.")
        else:
            result = rehearsal.deploy(broken=args.broken)
            return result.returncode
    except RehearsalError as exc:
        print(exc, file=sys.stderr)
        return 2


def cmd_grade(args) -> int:
    """Grading is the classroom's: `python -m classroom grade`, run in a process of its own (the
    workbook never imports the classroom, DESIGN.md §3). Kept for instructors who type
    `python -m workbook grade`."""
    command = [sys.executable, "-m", "classroom", "grade", *args.grade_args]
    path = os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT), path) if p))
    return subprocess.run(command, env=env).returncode


def _lang_argument(parser, help_text: str) -> None:
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=f"{help_text} (default: WORKBOOK_LANG, else en)",
    )


def _language_from_environment(parser) -> str:
    value = os.environ.get("WORKBOOK_LANG", "").strip()
    if not value:
        return "en"
    lang = value.lower().replace("-", "_").split("_")[0]
    if lang not in LANGUAGES:
        parser.error(f"WORKBOOK_LANG must be one of {', '.join(LANGUAGES)}, not {value!r}")
    return lang


def build_parser() -> argparse.ArgumentParser:
    # run.py names itself (as typed on this system); `python -m workbook` is the same CLI inside the
    # venv, the containers and Binder.
    prog = os.environ.get("WORKBOOK_PROG") or "python -m workbook"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    lab = sub.add_parser("lab", help=_("database ready and seeded, then JupyterLab on your workspace"))
    lab.add_argument("--ip", default="127.0.0.1")
    lab.add_argument(
        "--port",
        type=int,
        default=None,
        help=_("port to listen on (default: JUPYTER_PORT, else 8888 or the next free one)"),
    )
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument(
        "--solutions",
        action="store_true",
        help=_("open the solved notebooks (a fresh copy of notebooks/) instead of your workspace"),
    )
    lab.add_argument(
        "--workspace",
        default=None,
        help=_("your exercise copies, made on first start (default my-notebooks/; my-notebooks/ko/ for ko)"),
    )
    _lang_argument(
        lab, _("ko: the Korean edition, its own workspace my-notebooks/ko/ and JupyterLab in Korean")
    )
    lab.add_argument("--root", help=_("open another folder instead (student copies: --root student)"))
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help=_("passed on to JupyterLab"))
    lab.set_defaults(func=cmd_lab)

    workspace = sub.add_parser(
        "workspace", help=_("your exercise copies: what is there; --refresh NN starts over")
    )
    workspace.add_argument(
        "--refresh",
        nargs="+",
        metavar="NN",
        help=_("fresh copies of these; the old ones go to backups/"),
    )
    workspace.add_argument(
        "--workspace", default=None, help=_("default my-notebooks/ (ko: my-notebooks/ko/)")
    )
    _lang_argument(workspace, _("ko: the Korean workspace, my-notebooks/ko/"))
    workspace.set_defaults(func=cmd_workspace)

    progress = sub.add_parser("progress", help=_("each exercise as passed, tried or not started"))
    progress.set_defaults(func=cmd_progress)

    serve = sub.add_parser("serve", help=_("the site and its API under gunicorn on 127.0.0.1"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    reset = sub.add_parser("reset", help=_("back to the seed data (asks first)"))
    reset.add_argument("--yes", action="store_true", help=_("do not ask"))
    reset.set_defaults(func=cmd_reset)

    db = sub.add_parser("db", help=_("where the database is and whether it answers"))
    db.add_argument("--stop", action="store_true", help=_("stop the embedded server"))
    db.set_defaults(func=cmd_db)

    token = sub.add_parser("token", help=_("an API token for a user"))
    token.add_argument("username")
    token.set_defaults(func=cmd_token)

    test = sub.add_parser("test", help="every test and notebook, on a database of their own")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    test.set_defaults(func=cmd_test)

    student = sub.add_parser("student", help="student copies of the notebooks, solutions removed")
    student.add_argument("notebooks", nargs="*", help="only these (05, 05-orm-exercises); default every one")
    student.add_argument("--out", default=None, help="folder to write (default student/; student/ko/ for ko)")
    _lang_argument(student, "ko: copies of the Korean edition")
    student.set_defaults(func=cmd_student)

    regen = sub.add_parser(
        "regenerate", help="re-run notebooks and save their outputs, on a fresh database of their own"
    )
    regen.add_argument("notebooks", nargs="*", help="only these (05, 05-orm-exercises); default every one")
    regen.add_argument("--timeout", type=int, default=300, help="seconds a cell may take")
    regen.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="en",
        help="ko: build and run the Korean edition in notebooks/ko/ (default en, notebooks/)",
    )
    regen.set_defaults(func=cmd_regenerate)

    messages = sub.add_parser(
        "messages", help="update the Korean messages' catalogue (.po) from the code and compile it (.mo)"
    )
    messages.set_defaults(func=cmd_messages)

    translate = sub.add_parser(
        "translate", help="build the Korean edition notebooks/ko/ from the notebooks and their catalogues"
    )
    translate.add_argument("notebooks", nargs="*", help="only these (05, 05-orm-exercises); default all")
    translate.add_argument("--lang", choices=EDITIONS, default="ko", help="the edition (default ko)")
    translate.set_defaults(func=cmd_translate)

    rehearse = sub.add_parser(
        "rehearse", help="week 2's deploy on this machine: registry, SSH server, deploy/deploy.sh"
    )
    rehearse.add_argument("action", choices=["up", "deploy", "status", "down"])
    rehearse.add_argument(
        "--broken",
        action="store_true",
        help="deploy a web image whose health check fails (it is rolled back)",
    )
    rehearse.set_defaults(func=cmd_rehearse)

    grading = sub.add_parser(
        "grade",
        help="grade submissions (notebooks, folders, workspaces), each on a database of its own",
        add_help=False,  # its options are `python -m classroom grade`'s, --help included
    )
    grading.add_argument("grade_args", nargs=argparse.REMAINDER)  # main() hands them over unparsed
    grading.set_defaults(func=cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["grade"]:  # every option after it is the grader's, --help included
        return cmd_grade(argparse.Namespace(grade_args=argv[1:]))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    passthrough = {"lab": "jupyter_args", "test": "pytest_args"}.get(args.command)
    if extra and not passthrough:
        parser.error(_("unrecognized arguments: {arguments}").format(arguments=" ".join(extra)))
    if passthrough:
        setattr(args, passthrough, extra + getattr(args, passthrough))
    if args.command in ("lab", "workspace", "student"):
        if args.lang is None:
            args.lang = _language_from_environment(parser)
        if args.lang != "en":
            os.environ["WORKBOOK_LANG"] = args.lang  # this command's own messages in that language too
    if args.command in ("lab", "workspace") and args.workspace is None:
        args.workspace = str(workspace_dir(args.lang))
    if args.command == "lab":
        args.port_from_option = args.port is not None
        if args.port is None and os.environ.get("JUPYTER_PORT", "").strip():
            try:
                args.port = int(os.environ["JUPYTER_PORT"])
            except ValueError:
                parser.error(
                    _("JUPYTER_PORT must be a port number, not {value!r}").format(
                        value=os.environ["JUPYTER_PORT"]
                    )
                )
    # A command that only reads or writes a moment (progress, reset, token) stops an embedded
    # server it had to start; the lab, serve and test stop theirs themselves, db is asked for one.
    started = (
        args.command in ("progress", "reset", "token")
        and not database.database_url()
        and not database.embedded_running()
    )
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    finally:
        if started and database.embedded_running():
            from django.db import connections

            connections.close_all()
            database.stop_embedded()


if __name__ == "__main__":
    raise SystemExit(main())
