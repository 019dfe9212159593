"""What the grader's sandbox shows a kernel, and the bytecode it finds there (classroom/sandbox.py).

- The sandbox shows the site's own build, compose, CI and deploy files, which 01's and 02's cells
  and checks read, and never the solved notebooks, the classroom folder or a learner's workspace.
- A venv without compiled bytecode is compiled once before the sandbox mounts it read-only (where
  every kernel would otherwise compile Django again at each start), and left alone once compiled
  or where this user may not write it.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from classroom.sandbox import SITE_FILES, Sandbox, compile_venv
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT, WORKSPACE_DIR


def test_the_sandbox_shows_the_sites_files_and_no_answer(tmp_path):
    shown = set(Sandbox(workdir=tmp_path / "work", socket_dir=tmp_path / "socket").readable())
    for name in ("Dockerfile", "docker-compose.yml", ".github", "deploy", "docker", "pyproject.toml"):
        assert REPO_ROOT / name in shown, name
    assert {REPO_ROOT / "workbook", REPO_ROOT / "project"} <= shown
    assert REPO_ROOT not in shown  # the repository piece by piece, never as a whole
    for hidden in (NOTEBOOKS_DIR, REPO_ROOT / "classroom", WORKSPACE_DIR, REPO_ROOT / ".pgdata"):
        assert not any(path == hidden or hidden in path.parents for path in shown), hidden
    assert all((REPO_ROOT / name).exists() for name in SITE_FILES)  # none misspelt or moved


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site-packages folder of one package with no compiled bytecode, importable from here."""
    folder = tmp_path / "site-packages"
    (folder / "bytecodeprobe").mkdir(parents=True)
    (folder / "bytecodeprobe" / "__init__.py").write_text("ANSWER = 42\n")
    (folder / "bytecodeprobe" / "more.py").write_text("MORE = 1\n")
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    return folder


def cached(path: Path) -> bool:
    return Path(importlib.util.cache_from_source(str(path))).exists()


def test_a_venv_without_bytecode_is_compiled_once(site):
    assert not cached(site / "bytecodeprobe" / "__init__.py")
    assert compile_venv(("bytecodeprobe",), [str(site)]) is True
    assert cached(site / "bytecodeprobe" / "__init__.py") and cached(site / "bytecodeprobe" / "more.py")
    assert compile_venv(("bytecodeprobe",), [str(site)]) is False  # compiled: a look at one file


def test_a_venv_this_user_may_not_write_is_left_as_it_is(site, monkeypatch):
    """As a user who does not own the venv (root may write anywhere, so the check is told so)."""
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else access(path, mode))
    assert compile_venv(("bytecodeprobe",), [str(site)]) is False
    assert not cached(site / "bytecodeprobe" / "__init__.py")


def test_the_probes_name_what_a_kernel_imports():
    """The packages compile_venv looks at are ones this venv has: a misspelt one would look compiled."""
    import inspect

    probes = inspect.signature(compile_venv).parameters["probes"].default
    assert all(importlib.util.find_spec(name) is not None for name in probes), probes
    assert sys.modules.get("bytecodeprobe") is None
