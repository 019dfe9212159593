#!/usr/bin/env python3
"""One command from a fresh clone: `python3 run.py lab` or `python3 run.py test`.

Makes .venv (once), installs what the command needs (again only when a requirements file
changed), then runs `python -m workbook <command>` inside it. Only the standard library here:
the command list, --help and `env` work before anything is installed.
"""

import difflib
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def _load_i18n():
    """workbook.i18n on its own (stdlib only): this file runs before the venv, so before Django is
    importable, and importing the workbook package would import more than the messages."""
    import importlib.util

    folder = Path(__file__).resolve().parent / "workbook" / "i18n"
    spec = importlib.util.spec_from_file_location(
        "_workbook_i18n", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a package: its particles module imports relatively
    spec.loader.exec_module(module)
    return module


_i18n = _load_i18n()
_, N_ = _i18n.gettext, _i18n.N_
_i18n.fit_console()

ROOT = Path(__file__).resolve().parent


def _default_venv() -> Path:
    """.venv here; on Windows out of OneDrive, a too long path or a name postgres cannot read (the
    venv holds the embedded server's programs): the rule of project/config/embedded.py."""
    if os.name != "nt":
        return ROOT / ".venv"
    import importlib.util

    spec = importlib.util.spec_from_file_location("_embedded", ROOT / "project" / "config" / "embedded.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.roomy_folder(ROOT, ".venv")


VENV = Path(os.environ.get("WORKBOOK_VENV") or _default_venv())
DEV_COMMANDS = {"test"}
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14))  # what the requirements have wheels for
# workbook.cli's commands (tests/test_cli.py holds the two lists together), and run.py's own `env`.
COMMANDS = {
    "lab": N_(
        "database ready and seeded, then JupyterLab on your workspace (--solutions, --port, --lang ko)"
    ),
    "workspace": N_("your exercise copies: what is there; --refresh NN starts over"),
    "progress": N_("each exercise as passed, tried or not started"),
    "serve": N_("the site and its API under gunicorn on 127.0.0.1"),
    "reset": N_("back to the seed data (asks first)"),
    "db": N_("where the database is and whether it answers (--stop stops the embedded server)"),
    "token": N_("an API token for a user"),
    "test": N_("every test and notebook, on a database of their own"),
    "student": N_("student copies of the notebooks, solutions removed"),
    "regenerate": N_("re-run notebooks and save their outputs, on a fresh database of their own"),
    "messages": N_("update the Korean messages' catalogue (.po) from the code and compile it (.mo)"),
    "translate": N_("build the Korean edition notebooks/ko/ from the notebooks and their catalogues"),
    "rehearse": N_("week 2's deploy on this machine: registry, SSH server, deploy/deploy.sh"),
    "grade": N_("grade submissions (notebooks, folders, workspaces), each on a database of its own"),
    "env": N_("write .env for `docker compose up`, with random secrets (never overwrites one)"),
}
# The secrets .env.example leaves blank, for `env` to fill.
SECRETS = ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD", "JUPYTER_TOKEN")


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {_(text)}" for name, text in COMMANDS.items()]
    return (
        _("usage: python3 run.py <command> [options]   (python3 run.py <command> --help for its options)")
        + "\n\n"
        + _("commands:")
        + "\n"
        + "\n".join(lines)
        + "\n"
    )


def works(python: str) -> bool:
    """True when `python` runs and can make a virtual environment: an inactive pyenv shim, a
    broken install or a Python without venv/ensurepip (Debian's python3 before python3-venv) fails."""
    try:
        result = subprocess.run(
            [python, "-c", "import ensurepip, venv, sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def candidates() -> list[str]:
    """This interpreter when supported, then every supported python3.X on PATH, newest first (on
    Windows those the `py` launcher knows: python.org's installer names no python3.X)."""
    found = [sys.executable] if sys.version_info[:2] in SUPPORTED else []
    for major, minor in reversed(SUPPORTED):
        path = shutil.which(f"python{major}.{minor}")
        if path and path not in found:
            found.append(path)
    if os.name == "nt":
        found += [path for path in launcher_pythons() if path not in found]
    return found


def launcher_pythons() -> list[str]:
    """The supported Pythons Windows' `py` launcher knows (`py -3.13`), newest first."""
    launcher = shutil.which("py")
    found = []
    for major, minor in reversed(SUPPORTED) if launcher else ():
        try:
            result = subprocess.run(
                [launcher, f"-{major}.{minor}", "-c", "import sys; print(sys.executable)"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if result.returncode == 0 and result.stdout.strip():
            found.append(result.stdout.strip())
    return found


def base_python() -> str | None:
    return next((python for python in candidates() if works(python)), None)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run_step(command: list[str], failed: str) -> None:
    """A setup step; its failure is one sentence (the tool's own messages are above it)."""
    try:
        result = subprocess.run(command)
    except OSError as exc:
        raise SystemExit(f"{failed} ({exc.strerror}).") from None
    if result.returncode != 0:
        raise SystemExit(
            _("{failed} (exit status {returncode}; its messages are above).").format(
                failed=failed, returncode=result.returncode
            )
        )


def ensure_installed(dev: bool) -> None:
    requirements = ROOT / ("requirements-dev.txt" if dev else "requirements.txt")
    inputs = [*sorted(ROOT.glob("requirements*.txt")), ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    stamp = VENV / f".installed-{'dev' if dev else 'lab'}"
    if stamp.exists() and stamp.read_text() == digest and venv_python().exists():
        return
    python = None
    if not venv_python().exists():
        python = base_python()
        if python is None:
            raise SystemExit(
                _(
                    "The workbook needs Python 3.11 to 3.14 with its venv module (this is "
                    "{version}, and no working python3.14, 3.13, 3.12 or 3.11 is on PATH): "
                    "install one (on Debian or Ubuntu also its python3.X-venv package), then run this again."
                ).format(version=sys.version.split()[0])
            )
        print(
            _("Creating a virtual environment in {venv} with {python} ...").format(venv=VENV, python=python),
            flush=True,
        )
        # For uv, a venv without pip: ensurepip copies and compiles pip into it (seconds), while
        # this Python's own pip can put uv there (pip --python) and uv then adds pip in a blink.
        without_pip = ["--without-pip"] if chosen_installer() == "uv" and has_pip(python) else []
        run_step(
            [python, "-m", "venv", *without_pip, str(VENV)],
            _("{python} could not make a virtual environment").format(python=python),
        )
    print(
        _("Installing {name} (first time only; a few minutes) ...").format(name=requirements.name), flush=True
    )
    install_requirements(requirements, base=python)
    stamp.write_text(digest)


# pip's options that name where packages come from, and uv's for the same; pip reads them from its
# config files and PIP_* variables, uv from neither, so they are handed to uv on its command line.
PIP_SOURCES = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "constraint": "--constraint",
}
# pip's settings uv has no option for here: with one of them set, pip installs (it knows them).
PIP_ONLY = ("proxy", "client-cert", "trusted-host", "require-hashes", "no-binary")
# uv's own settings for the same: when one is set, it is the user's choice and wins over pip's.
UV_SOURCES = (
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
)
FALSE = ("", "0", "false", "no", "off")


def pip_config(pip: list[str]) -> dict[str, str] | None:
    """pip's settings as `pip` sees them (its config files, then PIP_* variables over them, the
    install section over the global one): {name: value}, or None when pip cannot tell."""
    try:
        result = subprocess.run([*pip, "config", "list"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    rank = {"global": 0, "install": 1, ":env:": 2}
    ranked: dict[str, tuple[int, str]] = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        section, dot, name = key.rpartition(".")
        if not (sep and dot) or section not in rank:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name not in ranked or rank[section] >= ranked[name][0]:
            ranked[name] = (rank[section], value)
    return {name: value for name, (_rank, value) in ranked.items()}


def uv_options(config: dict[str, str] | None) -> tuple[list[str], dict[str, str]] | None:
    """uv's options and environment for the sources pip is configured with (a plain laptop: none,
    so both read PyPI), or None when only pip can honour its configuration."""
    if config is None or any(config.get(name, "").strip() for name in PIP_ONLY):
        return None
    env = {}
    if any(os.environ.get(name) for name in UV_SOURCES):
        return [], env  # the user set uv's sources themselves
    options: list[str] = []
    for name, flag in PIP_SOURCES.items():
        for value in dict.fromkeys(config.get(name, "").split()):  # each once, in pip's order
            options += [flag, value]
    if config.get("no-index", "").lower() not in FALSE:
        options.append("--no-index")
    if "--extra-index-url" in options:
        # pip takes the best version from all its indexes together; uv, by default, stops at the
        # first index that has the package (a local mirror with older releases would win).
        options += ["--index-strategy", "unsafe-best-match"]
    if config.get("cert") and not os.environ.get("SSL_CERT_FILE"):
        env["SSL_CERT_FILE"] = config["cert"]
    if config.get("timeout", config.get("default-timeout")) and not os.environ.get("UV_HTTP_TIMEOUT"):
        env["UV_HTTP_TIMEOUT"] = config.get("timeout", config.get("default-timeout"))
    return options, env


def has_pip(python: str | Path | None) -> bool:
    """True when `python` has pip: a venv made --without-pip has none (until uv adds it)."""
    if python is None:
        return False
    try:
        result = subprocess.run(
            [str(python), "-c", "import importlib.util as u; raise SystemExit(u.find_spec('pip') is None)"],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def pip_for_venv(base: str | None) -> list[str] | None:
    """A pip command that installs into the venv: the venv's own, else `base`'s with --python
    (pip 22.3 and later), else None."""
    if has_pip(venv_python()):
        return [str(venv_python()), "-m", "pip"]
    if has_pip(base):
        return [str(base), "-m", "pip", "--python", str(venv_python())]
    return None


def uv_in_venv(pip: list[str] | None) -> Path | None:
    """uv inside the venv, installed there by `pip` first when missing; None when pip cannot get it
    (offline with no local copy, a platform without its wheel, a pip without --python)."""
    uv = VENV / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    if not uv.exists() and pip:
        subprocess.run(
            [*pip, "install", "--disable-pip-version-check", "-q", "uv"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return uv if uv.exists() else None


def chosen_installer() -> str:
    """WORKBOOK_INSTALLER (uv or pip), uv when unset; anything else stops with one sentence."""
    installer = os.environ.get("WORKBOOK_INSTALLER", "").strip().lower() or "uv"
    if installer not in ("uv", "pip"):
        raise SystemExit(
            _("WORKBOOK_INSTALLER is {value!r}: leave it unset, or set it to uv or pip.").format(
                value=installer
            )
        )
    return installer


def compile_bytecode(env=None) -> list[str]:
    """uv's option to compile the installed modules' bytecode (pip always does; uv does not), where
    no Python here will write it: under PYTHONDONTWRITEBYTECODE every start would compile Django,
    IPython and the rest again (1.9x a kernel's start, benchmarks/bytecode.py). Elsewhere the first
    import writes the .pyc of what is used, and the first start is seconds shorter without."""
    env = os.environ if env is None else env
    return ["--compile-bytecode"] if env.get("PYTHONDONTWRITEBYTECODE") else []


def install_requirements(requirements: Path, installer: str | None = None, base: str | None = None) -> str:
    """Install `requirements` and this project (editable) into the venv: with uv where it can be had
    (several times faster than pip), with pip otherwise or when uv fails. WORKBOOK_INSTALLER=pip or
    uv chooses. `base` is the Python that made the venv (its pip can put uv into a venv made
    without pip). Returns the installer that did it."""
    installer = installer or chosen_installer()
    packages = ["-r", str(requirements), "-e", str(ROOT)]
    failed = _("Installing {name} failed").format(name=requirements.name)
    if installer == "uv":
        pip = pip_for_venv(base)
        sources = uv_options(pip_config(pip)) if pip else None
        uv = uv_in_venv(pip) if sources is not None else None
        if uv is not None:
            options, env = sources
            # pip too: the venv may have been made without it, and students use %pip in notebooks.
            command = [
                str(uv),
                "pip",
                "install",
                "-q",
                *compile_bytecode(),
                "--python",
                str(venv_python()),
                *options,
                "pip",
                *packages,
            ]
            try:
                if subprocess.run(command, env={**os.environ, **env}).returncode == 0:
                    return "uv"
            except OSError:
                pass
            print(
                _("uv could not install {name}; installing it with pip instead ...").format(
                    name=requirements.name
                ),
                flush=True,
            )
    if not has_pip(venv_python()):  # made without pip for uv, which then failed
        run_step([str(venv_python()), "-m", "ensurepip", "--upgrade"], _("Upgrading pip failed"))
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run_step([*pip, "--upgrade", "pip"], _("Upgrading pip failed"))
    run_step([*pip, *packages], failed)
    return "pip"


def write_env(target: Path = ROOT / ".env") -> int:
    """.env from .env.example, each blank secret a random value, the lab's ids this user's."""
    if target.exists():
        print(
            _("{name} exists and is left as it is; delete it first to write a new one.").format(
                name=target.name
            ),
            file=sys.stderr,
        )
        return 1
    filled = {name: secrets.token_urlsafe(32) for name in SECRETS}
    filled["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)  # 67 characters: Django wants 50 or more
    if hasattr(os, "getuid"):
        filled.update(LAB_UID=str(os.getuid() or 1000), LAB_GID=str(os.getgid() or 1000))
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and name in filled and (value == "" or name.startswith("LAB_")):
            line = f"{name}={filled[name]}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    if hasattr(os, "chmod"):
        target.chmod(0o600)
    if hasattr(os, "getuid") and os.getuid() == 0:
        # The containers run as LAB_UID (1000 for whoever works as root) and read .env as a secret
        # file: it is theirs, and root reads it anyway.
        os.chown(target, int(filled["LAB_UID"]), int(filled["LAB_GID"]))
    print(
        _(
            "Wrote {name} with random passwords, key and token (only you can read it). "
            "Next: docker compose up --build"
        ).format(name=target.name)
    )
    return 0


def forward_signals(child: subprocess.Popen) -> None:
    """Ctrl-C reaches the command by itself (the terminal signals the whole process group), and
    SIGTERM to this process goes on to it; this one waits for it to stop instead of dying with a
    traceback."""

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    signal.signal(signal.SIGTERM, forward)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, forward)


def main() -> int:
    args = sys.argv[1:] or ["--help"]
    command = args[0]
    if command in ("-h", "--help", "help"):
        print(__doc__ + "\n" + usage())
        return 0
    if command not in COMMANDS:
        close = difflib.get_close_matches(command, COMMANDS, n=1)
        hint = _(" Did you mean {close!r}?").format(close=close[0]) if close else ""
        print(
            _("Unknown command {command!r}.{hint}\n\n{usage}").format(
                command=command, hint=hint, usage=usage()
            ),
            file=sys.stderr,
        )
        return 2
    if command == "env":
        return write_env()
    ensure_installed(dev=command in DEV_COMMANDS)
    # The CLI's usage lines name the command as typed here (Windows' launcher is `py`).
    env = dict(os.environ, WORKBOOK_PROG="py run.py" if os.name == "nt" else "python3 run.py")
    # The grader is the classroom's; every other command is the workbook's (classroom → workbook).
    package = "classroom" if command == "grade" else "workbook"
    child = subprocess.Popen([str(venv_python()), "-m", package, *args], cwd=ROOT, env=env)
    forward_signals(child)
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
