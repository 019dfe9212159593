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


def solutions_dir() -> Path:
    """Where `lab --solutions` opens a copy of the solved notebooks (never notebooks/ itself)."""
    return state_dir() / "solutions"


def shown(path: Path) -> str:
    """A path as a person reads it: relative to the repository where it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
