"""A student's lab on the hub: their workspace completed with exercise copies (never overwritten), then
jupyterhub-singleuser on it. The spawner runs this in the lab image (or the repository's .venv).

The workspace is the learner's own, as `python -m workbook lab` makes it (my-notebooks/): in Docker
the student's volume mounted at /app/my-notebooks, without Docker a folder per student
(CLASSROOM_WORKSPACE). A notebook already there is the student's and is left alone; one that is new
in the workbook is added.

The instructor's lab also gets the class list, as the hub knows it (CLASSROOM_ROSTER: usernames and
roles, no passwords), written to ~/class.csv for `grade --roster ~/class.csv`. Students' labs are
never given it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path


def write_roster(roster: str, home: Path) -> Path:
    """The hub's class list ([[username, role], ...], JSON) as home/class.csv, for its owner only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["username", "role"])
    writer.writerows([str(username), str(role)] for username, role in json.loads(roster))
    path = Path(home) / "class.csv"
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(out.getvalue())
    return path


def main() -> None:
    from workbook.authoring.student import ensure_workspace
    from workbook.cli import tell_superseded
    from workbook.paths import WORKSPACE_DIR

    workspace = Path(os.environ.get("CLASSROOM_WORKSPACE") or WORKSPACE_DIR)
    workspace.mkdir(parents=True, exist_ok=True)
    copies = os.environ.get("CLASSROOM_COPIES")  # the lab image's student copies (no solutions)
    tell_superseded(workspace, ensure_workspace(workspace, **({"directory": Path(copies)} if copies else {})))
    roster = os.environ.pop("CLASSROOM_ROSTER", "")
    if roster:
        write_roster(roster, Path.home())
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
