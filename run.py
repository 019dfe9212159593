#!/usr/bin/env python3
"""One command from a fresh clone: `python3 run.py lab` or `python3 run.py test`.

Makes .venv (once), installs what the command needs (again only when a requirements file
changed), then runs `python -m workbook <command>` inside it.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("WORKBOOK_VENV", ROOT / ".venv"))
DEV_COMMANDS = {"test"}
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14))  # what the requirements have wheels for


def base_python() -> str | None:
    """This interpreter when supported, else the newest supported python3.X found on PATH."""
    if sys.version_info[:2] in SUPPORTED:
        return sys.executable
    for major, minor in reversed(SUPPORTED):
        found = shutil.which(f"python{major}.{minor}")
        if found:
            return found
    return None


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_installed(dev: bool) -> None:
    requirements = ROOT / ("requirements-dev.txt" if dev else "requirements.txt")
    inputs = [*sorted(ROOT.glob("requirements*.txt")), ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    stamp = VENV / f".installed-{'dev' if dev else 'lab'}"
    if stamp.exists() and stamp.read_text() == digest and venv_python().exists():
        return
    if not venv_python().exists():
        python = base_python()
        if python is None:
            raise SystemExit(
                f"The workbook needs Python 3.11 to 3.14 (this is {sys.version.split()[0]}, and no "
                "python3.14, 3.13, 3.12 or 3.11 is on PATH): install one, then run this command again."
            )
        print(f"Creating a virtual environment in {VENV} with {python} ...", flush=True)
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    print(f"Installing {requirements.name} (first time only; a few minutes) ...", flush=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(requirements), "-e", str(ROOT)], check=True)
    stamp.write_text(digest)


def main() -> int:
    args = sys.argv[1:] or ["--help"]
    if args[0] not in ("-h", "--help"):
        ensure_installed(dev=args[0] in DEV_COMMANDS)
    elif not venv_python().exists():
        print(__doc__)
        return 0
    return subprocess.call([str(venv_python()), "-m", "workbook", *args], cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
