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
    # A first run installs the lab's requirements first and says so in one line above the usage.
    usage = [line for line in result.stdout.splitlines() if line.startswith("usage: ")]
    assert usage and usage[0].startswith("usage: python3 run.py lab "), result.stdout[:300]


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


# The installer: uv where it can be had, from the sources pip is configured with; pip otherwise.


@pytest.fixture
def pip_env(tmp_path, monkeypatch):
    """pip configured by a file of the test's own and PIP_* variables, nothing of this machine's."""
    for name in [name for name in os.environ if name.startswith(("PIP_", "UV_"))]:
        monkeypatch.delenv(name)
    config = tmp_path / "pip.conf"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    return config


def test_pip_config_is_pips_files_under_its_variables(pip_env, monkeypatch):
    pip_env.write_text(
        "[global]\nfind-links = /from/file\nextra-index-url = file:///a/simple file:///b/simple\n"
        "timeout = 30\n[install]\ntimeout = 40\n"
    )
    monkeypatch.setenv("PIP_FIND_LINKS", "/from/env")
    config = load_run_py().pip_config([sys.executable, "-m", "pip"])
    assert config["find-links"] == "/from/env"
    assert config["extra-index-url"] == "file:///a/simple file:///b/simple"
    assert config["timeout"] == "40"


def test_uv_gets_the_sources_pip_is_configured_with(monkeypatch):
    for name in [name for name in os.environ if name.startswith("UV_") or name == "SSL_CERT_FILE"]:
        monkeypatch.delenv(name)
    module = load_run_py()
    options, env = module.uv_options(
        {
            "find-links": "/opt/wheels /opt/wheels",
            "extra-index-url": "file:///opt/pypi/simple",
            "constraint": "/etc/pip/constraints.txt",
            "cert": "/etc/ssl/ca.pem",
        }
    )
    assert options == [
        "--extra-index-url",
        "file:///opt/pypi/simple",
        "--find-links",
        "/opt/wheels",
        "--constraint",
        "/etc/pip/constraints.txt",
        "--index-strategy",
        "unsafe-best-match",
    ]
    assert env == {"SSL_CERT_FILE": "/etc/ssl/ca.pem"}
    # A laptop with pip as it comes: both read PyPI, uv with its own defaults.
    assert module.uv_options({}) == ([], {})
    assert module.uv_options({"no-index": "true", "find-links": "/w"}) == (
        ["--find-links", "/w", "--no-index"],
        {},
    )
    # A proxy uv is not told about: pip, which knows it, installs.
    assert module.uv_options({"proxy": "http://proxy:3128"}) is None
    assert module.uv_options(None) is None
    # uv's own settings are the user's choice: pip's are not added over them.
    monkeypatch.setenv("UV_INDEX_URL", "file:///mirror/simple")
    assert module.uv_options({"find-links": "/opt/wheels"}) == ([], {})


def wheel(folder: Path, name: str) -> None:
    """A pure-Python wheel of one module, written by hand (no build tool, no index)."""
    import zipfile

    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{name}.py", "ANSWER = 42\n")
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        zf.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{info}/RECORD", "")


@pytest.fixture(params=["venv with pip", "venv without pip"])
def small_project(request, tmp_path, monkeypatch):
    """run.py pointed at a project of one module whose requirement lies only in a local folder that
    pip's configuration names (PIP_FIND_LINKS), and at a venv of its own: made with pip, or without
    (as run.py makes it for uv, which this Python's pip then puts there)."""
    for name in [name for name in os.environ if name.startswith("UV_")]:
        monkeypatch.delenv(name)
    wheels, project = tmp_path / "wheels", tmp_path / "project"
    wheels.mkdir()
    project.mkdir()
    wheel(wheels, "speedlocaldep")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "speedsmall"\nversion = "0.1"\n[tool.setuptools]\npy-modules = ["speedsmall"]\n'
    )
    (project / "speedsmall.py").write_text("from speedlocaldep import ANSWER\n")
    (project / "requirements.txt").write_text("speedlocaldep==1.0\n")
    monkeypatch.setenv("PIP_FIND_LINKS", f"{os.environ.get('PIP_FIND_LINKS', '')} {wheels}".strip())
    module = load_run_py()
    monkeypatch.setattr(module, "ROOT", project)
    monkeypatch.setattr(module, "VENV", tmp_path / "venv")
    without_pip = ["--without-pip"] if request.param == "venv without pip" else []
    subprocess.run([sys.executable, "-m", "venv", *without_pip, str(tmp_path / "venv")], check=True)
    return module, project


def imports_the_project(module) -> bool:
    code = "import speedsmall; assert speedsmall.ANSWER == 42"
    return subprocess.run([str(module.venv_python()), "-c", code]).returncode == 0


def test_uv_installs_from_a_folder_only_pips_configuration_names(small_project, capsys):
    module, project = small_project
    assert module.install_requirements(project / "requirements.txt", base=sys.executable) == "uv"
    assert "with pip instead" not in capsys.readouterr().out
    assert imports_the_project(module)
    assert module.has_pip(module.venv_python())  # for %pip in a notebook


@pytest.mark.parametrize("dont_write", ["1", ""])
def test_uv_compiles_the_bytecode_only_where_no_python_would_write_it(small_project, monkeypatch, dont_write):
    """Under PYTHONDONTWRITEBYTECODE no import ever writes a .pyc, so uv compiles them at install,
    as pip always does; elsewhere the first import writes them, and the install is shorter without."""
    module, project = small_project
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", dont_write)
    assert module.install_requirements(project / "requirements.txt", base=sys.executable) == "uv"
    code = (
        "import importlib.util as u, os, speedlocaldep as m; "
        "print(os.path.exists(u.cache_from_source(m.__file__)))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # the check itself writes nothing
    found = subprocess.run([str(module.venv_python()), "-c", code], env=env, capture_output=True, text=True)
    assert found.stdout.strip() == str(bool(dont_write)), found
    assert module.compile_bytecode({"PYTHONDONTWRITEBYTECODE": dont_write}) == (
        ["--compile-bytecode"] if dont_write else []
    )


def test_when_uv_fails_pip_installs_after_one_line(small_project, tmp_path, monkeypatch, capsys):
    module, project = small_project
    broken = tmp_path / "uv"
    broken.write_text("#!/bin/sh\necho 'uv: something went wrong' >&2\nexit 2\n")
    broken.chmod(0o755)
    monkeypatch.setattr(module, "uv_in_venv", lambda pip: broken)
    assert module.install_requirements(project / "requirements.txt", base=sys.executable) == "pip"
    out = capsys.readouterr().out
    assert out == "uv could not install requirements.txt; installing it with pip instead ...\n"
    assert imports_the_project(module)
    assert module.has_pip(module.venv_python())


def test_an_unknown_installer_is_one_sentence(monkeypatch):
    module = load_run_py()
    monkeypatch.setenv("WORKBOOK_INSTALLER", "conda")
    with pytest.raises(SystemExit) as stopped:
        module.install_requirements(ROOT / "requirements.txt")
    assert str(stopped.value.code) == "WORKBOOK_INSTALLER is 'conda': leave it unset, or set it to uv or pip."
