"""A student's lab on the hub: their workspace filled with exercise copies (never overwritten), then
jupyterhub-singleuser on it. The spawner runs this in the lab image (or the repository's .venv).

CLASSROOM_WORKSPACE is the folder (the student's own volume in Docker, a folder per student without
Docker). A notebook already there is the student's and is left alone; one that is new in the
workbook is added.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path


def fill_workspace(workspace: Path) -> list[Path]:
    from workbook.authoring.student import write_student_copies

    workspace.mkdir(parents=True, exist_ok=True)
    added = []
    with tempfile.TemporaryDirectory() as scratch:
        for copy in write_student_copies(Path(scratch)):
            target = workspace / copy.name
            if not target.exists():
                shutil.copyfile(copy, target)
                added.append(target)
    return added


def main() -> None:
    workspace = Path(os.environ.get("CLASSROOM_WORKSPACE") or Path.home() / "work")
    fill_workspace(workspace)
    os.chdir(workspace)
    command = ["jupyterhub-singleuser", f"--ServerApp.root_dir={workspace}", *sys.argv[1:]]
    if os.geteuid() == 0:  # the hub's own user runs the labs without Docker; root is its choice
        command.append("--allow-root")
    singleuser = shutil.which(
        "jupyterhub-singleuser",
        path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    if singleuser is None:
        sys.exit("jupyterhub-singleuser is not installed here: pip install -r requirements-classroom.txt")
    os.execv(singleuser, [singleuser, *command[1:]])


if __name__ == "__main__":
    main()
