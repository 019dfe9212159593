"""Where each value of a deploy lives (.env, .env.prod, GitHub's secrets, the server), read from the files."""

from __future__ import annotations

import re
from pathlib import Path

from ..display import Mermaid
from ..i18n import _
from ..paths import REPO_ROOT, WORKFLOWS_DIR

DEPLOY_SCRIPT = REPO_ROOT / "deploy" / "deploy.sh"
PROD_COMPOSE_FILE = REPO_ROOT / "docker-compose.prod.yml"


def env_names(path: Path) -> list[str]:
    """The variables an env file sets (its `NAME=` lines), in file order."""
    return [m.group(1) for m in re.finditer(r"^([A-Z][A-Z0-9_]*)=", Path(path).read_text(), re.M)]


def deploy_secrets(workflow: str = "cd.yml") -> list[str]:
    """The secrets the deploy job of cd.yml reads (GITHUB_TOKEN, which GitHub makes, left out)."""
    from .workflows import jobs, read_workflow, secrets_used

    job = jobs(read_workflow(workflow, WORKFLOWS_DIR)).get("deploy") or {}
    return [name for name in secrets_used({"jobs": {"deploy": job}}) if name != "GITHUB_TOKEN"]


def server_names() -> list[str]:
    """What the server's ~/workbook/.env holds: the variables docker-compose.prod.yml reads there
    (REHEARSAL_* only on the rehearsal's practice server: a real server has none)."""
    text = PROD_COMPOSE_FILE.read_text()
    used = dict.fromkeys(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    prod = env_names(REPO_ROOT / ".env.prod.example")
    return [name for name in used if name not in prod and not name.startswith("REHEARSAL_")]


def _box(group: str, title: str, names: list[str]) -> list[str]:
    body = "<br/>".join(names)
    return [f'    subgraph {group}["{title}"]', f'        {group}_vars["{body}"]', "    end"]


def value_flow() -> Mermaid:
    """A flowchart from the files: each box lists what its file or store holds, each edge how it moves."""
    local = env_names(REPO_ROOT / ".env.example")
    prod = env_names(REPO_ROOT / ".env.prod.example")
    shared = [name for name in prod if name in local]
    secrets = deploy_secrets()
    lines = ["flowchart LR"]
    lines += _box(
        "laptop",
        _(".env (laptop, docker-compose.yml)"),
        [_("{count} variables, e.g.").format(count=len(local))] + local[:4],
    )
    lines += _box("prod", _(".env.prod (from .env.prod.example)"), prod)
    lines += _box("github", _("GitHub: environment production, secrets"), secrets)
    lines += _box(
        "server", _("server: ~/workbook"), [_(".env.prod (mode 600)"), ".env: " + ", ".join(server_names())]
    )
    same = _("same names: {count} of them; production values").format(count=len(shared))
    lines.append(f'    laptop -->|"{same}"| prod')
    lines.append(f'    prod -->|"{_("the whole file, pasted as ENV_PROD")}"| github')
    lines.append(f'    github -->|"{_("deploy/deploy.sh over SSH with SSH_PRIVATE_KEY")}"| server')
    return Mermaid("\n".join(lines))


def job_text(job: str, workflow: str = "cd.yml") -> str:
    """A job of a workflow exactly as the file writes it, comments included (up to the next job)."""
    lines = (WORKFLOWS_DIR / workflow).read_text().splitlines()
    start = lines.index(f"  {job}:")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^  [\w-]+:\s*$", lines[i])), len(lines))
    return "\n".join(lines[start:end]).rstrip()


def script_header(path: Path = DEPLOY_SCRIPT) -> str:
    """The comment block that opens a script (after its #! line): what it does, in its own words."""
    lines = Path(path).read_text().splitlines()[1:]
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    return "\n".join(header)
