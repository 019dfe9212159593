"""`python3 run.py` before anything is installed: the command list, a misspelt command, and the
interpreters on PATH (an inactive pyenv shim, a broken Python) each answered in a sentence."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def load_run_py():
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_py(*args: str, venv: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        env={**os.environ, "WORKBOOK_VENV": str(venv), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_py_knows_the_commands_of_the_cli():
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert set(load_run_py().COMMANDS) == set(subcommands) | {"env"}


def test_help_lists_the_commands_before_the_first_install_as_after_it(tmp_path):
    before = run_py("--help", venv=tmp_path / "none")
    after = run_py("--help", venv=ROOT / ".venv")
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout
    for command in load_run_py().COMMANDS:
        assert f"\n  {command} " in before.stdout
    assert not (tmp_path / "none").exists()


def test_a_misspelt_command_is_reported_before_anything_is_installed(tmp_path):
    result = run_py("labb", venv=tmp_path / "venv")
    assert result.returncode == 2
    assert result.stderr.startswith("Unknown command 'labb'. Did you mean 'lab'?")
    assert "Creating a virtual environment" not in result.stdout
    assert not (tmp_path / "venv").exists()


def test_a_commands_help_names_it_as_typed(tmp_path):
    result = run_py("lab", "--help", venv=Path(sys.executable).parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python3 run.py lab "), result.stdout[:200]


def fake(bin_dir: Path, name: str, script: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)


@pytest.fixture
def path_with(tmp_path, monkeypatch):
    """PATH = a folder of made-up interpreters only; run.py believes this Python is unsupported."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    module = load_run_py()
    monkeypatch.setattr(module, "SUPPORTED", ((3, 98), (3, 99)))
    return module, bin_dir


def test_an_inactive_pyenv_shim_is_skipped_for_the_next_interpreter(path_with):
    module, bin_dir = path_with
    # What pyenv's shim does for a version that is installed but not selected.
    fake(bin_dir, "python3.99", "echo 'pyenv: python3.99: command not found' >&2; exit 127")
    (bin_dir / "python3.98").symlink_to(sys.executable)
    assert module.base_python() == str(bin_dir / "python3.98")


def test_no_working_interpreter_is_one_sentence_not_a_traceback(path_with, tmp_path, monkeypatch):
    module, bin_dir = path_with
    fake(bin_dir, "python3.99", "echo 'pyenv: python3.99: command not found' >&2; exit 127")
    fake(bin_dir, "python3.98", "exit 1")  # a broken install
    monkeypatch.setattr(module, "VENV", tmp_path / "venv")
    with pytest.raises(SystemExit) as stopped:
        module.ensure_installed(dev=False)
    message = str(stopped.value.code)
    assert message.startswith("The workbook needs Python 3.11 to 3.14")
    assert "install one" in message and "\n" not in message


def test_a_failing_setup_step_is_one_sentence(path_with, tmp_path, monkeypatch):
    module, bin_dir = path_with
    # Runs and has venv, then fails to make one (a full disk, a read-only folder).
    fake(bin_dir, "python3.98", 'case "$2" in venv) exit 1;; esac; exit 0')
    monkeypatch.setattr(module, "VENV", tmp_path / "venv")
    with pytest.raises(SystemExit) as stopped:
        module.ensure_installed(dev=False)
    assert str(stopped.value.code).endswith(
        "could not make a virtual environment (exit status 1; its messages are above)."
    )


def test_plain_pytest_in_the_venv_runs_on_the_tests_database(tmp_path):
    """`pytest` as every Python developer types it (no DJANGO_DB_NAME, no run.py): Django's settings,
    read before any conftest.py, name the tests' database, never the learner's."""
    (tmp_path / "probe.py").write_text(
        "def pytest_collection_finish(session):\n"
        "    from django.conf import settings\n"
        "    print('NAME=' + settings.DATABASES['default']['NAME'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DB_NAME", "PYTEST_XDIST_WORKER")}
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "probe",
            "-p",
            "no:xdist",
            "--co",
            "-q",
            "tests/test_run_py.py",
        ],  # noqa: E501
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NAME=workbook_tests\n" in result.stdout, result.stdout[-2000:]


def test_windows_py_launcher_pythons_are_candidates(path_with):
    """python.org's Windows installer puts `py` on PATH, no python3.X: `py -3.X` finds each."""
    module, bin_dir = path_with
    script = (
        f'case "$1" in -3.99) exec {sys.executable} "$2" "$3";; '
        '*) echo "No suitable Python runtime found" >&2; exit 103;; esac'
    )
    fake(bin_dir, "py", script)
    assert module.launcher_pythons() == [sys.executable]


def test_on_windows_the_venv_leaves_onedrive():
    from config import embedded

    environ = {"OneDrive": "C:\\Users\\kim\\OneDrive", "LOCALAPPDATA": "C:\\Users\\kim\\AppData\\Local"}
    chosen = embedded.roomy_folder(
        "C:\\Users\\kim\\OneDrive\\Desktop\\wb", ".venv", os_name="nt", environ=environ, encoding="cp1252"
    )
    assert str(chosen).startswith("C:\\Users\\kim\\AppData\\Local\\django-docker-course\\venv-")
