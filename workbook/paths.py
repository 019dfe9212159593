"""Where things are in the repository: every module asks here, none works it out itself."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = REPO_ROOT / "project"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
# JupyterLab's settings overrides for the lab (`--LabApp.app_settings_dir`).
LAB_SETTINGS_DIR = Path(__file__).resolve().parent / "jupyterlab"
STUDENT_DIR = REPO_ROOT / "student"
# The learner's own copies, made from notebooks/ on the lab's first start (gitignored).
WORKSPACE_DIR = REPO_ROOT / "my-notebooks"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
DOCKER_DIR = REPO_ROOT / "docker"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
NGINX_SITE = DOCKER_DIR / "nginx" / "default.conf"


def state_dir() -> Path:
    """The workbook's own gitignored folder (WORKBOOK_HOME moves it)."""
    return Path(os.environ.get("WORKBOOK_HOME") or REPO_ROOT / ".workbook").resolve()


def solutions_dir(lang: str = "en") -> Path:
    """Where `lab --solutions` opens a copy of the solved notebooks (never notebooks/ itself)."""
    return state_dir() / ("solutions" if lang == "en" else f"solutions-{lang}")


def notebooks_dir(lang: str = "en") -> Path:
    """An edition's solved notebooks: notebooks/ for English, notebooks/ko/ for Korean (built by
    `python -m workbook translate`)."""
    return NOTEBOOKS_DIR if lang == "en" else NOTEBOOKS_DIR / lang


def workspace_dir(lang: str = "en") -> Path:
    """The learner's workspace of an edition: my-notebooks/, or my-notebooks/ko/ beside it."""
    return WORKSPACE_DIR if lang == "en" else WORKSPACE_DIR / lang


def lab_settings_dir(lang: str = "en") -> Path:
    """JupyterLab's settings overrides for a lab in this language: the tracked ones for English;
    for another language a copy made in the state folder that also selects its language pack."""
    return LAB_SETTINGS_DIR if lang == "en" else state_dir() / f"jupyterlab-{lang}"


def lab_workspaces_dir(lang: str = "en") -> Path:
    """Where JupyterLab keeps a lab's layout (open tabs, panels): one folder per edition in the
    state folder, so the Korean lab never reopens the English lab's tabs, nor the other way."""
    return state_dir() / ("jupyterlab-workspaces" if lang == "en" else f"jupyterlab-workspaces-{lang}")


def shown(path: Path) -> str:
    """A path as a person reads it: relative to the repository where it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
