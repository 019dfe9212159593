"""GitHub Actions workflows, read: triggers, jobs, needs, secrets, steps; the job graph."""

from __future__ import annotations

import re
from pathlib import Path

from ..display import Mermaid, node_id, safe_id
from ..i18n import _
from ..paths import WORKFLOWS_DIR


def load_workflow(text: str) -> dict:
    """A workflow's YAML. YAML 1.1 reads a bare `on:` key as the boolean True: put it back as "on"."""
    import yaml

    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("a workflow is a YAML mapping (name:, on:, jobs:)")
    if True in data:
        data["on"] = data.pop(True)
    return data


def read_workflow(name: str, directory: Path | None = None) -> dict:
    path = Path(directory or WORKFLOWS_DIR) / name
    return load_workflow(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """{event: its settings} from `on:`, whichever of its three forms the file uses."""
    value = workflow.get("on")
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return {event: None for event in value}
    return dict(value or {})


def jobs(workflow: dict) -> dict:
    return dict(workflow.get("jobs") or {})


def needs(job: dict) -> list[str]:
    value = job.get("needs") or []
    return [value] if isinstance(value, str) else list(value)


def secrets_used(workflow: dict) -> list[str]:
    import yaml

    # Only inside ${{ }} expressions (a run script may call Python's secrets module), and only a
    # bare `secrets.`: `steps.secrets.outputs` is a step called "secrets".
    text = yaml.safe_dump(workflow, width=10_000)
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text, flags=re.S)
    return sorted({name for e in expressions for name in re.findall(r"(?<![\w.])secrets\.(\w+)", e)})


def step_name(step: dict) -> str:
    if step.get("name"):
        return step["name"]
    if step.get("uses"):
        return step["uses"].split("@")[0]
    return (step.get("run") or "").strip().splitlines()[0] if step.get("run") else "(step)"


def job_graph(workflows: dict[str, dict]) -> Mermaid:
    """Jobs of each workflow (a box per file), `needs` edges, and workflow_run links between files."""
    lines = ["flowchart LR"]
    by_name = {}
    for filename, workflow in workflows.items():
        title = workflow.get("name", filename)
        by_name[title] = filename
        events = ", ".join(triggers(workflow))
        group = node_id("wf", filename)
        lines.append(f'    subgraph {group}["{filename}: {title} (on {events})"]')
        for job_id, job in jobs(workflow).items():
            runner = job.get("runs-on", "")
            matrix = (job.get("strategy") or {}).get("matrix") or {}
            variants = 1
            for values in matrix.values():
                if isinstance(values, list):
                    variants *= len(values)
            extra = f" ×{variants}" if variants > 1 else ""
            services = ", ".join((job.get("services") or {}).keys())
            service_text = "<br/>" + _("service: {names}").format(names=services) if services else ""
            lines.append(f'        {group}_{safe_id(job_id)}["{job_id}{extra}<br/>{runner}{service_text}"]')
        lines.append("    end")
    for filename, workflow in workflows.items():
        group = node_id("wf", filename)
        for job_id, job in jobs(workflow).items():
            for needed in needs(job):
                lines.append(f"    {group}_{safe_id(needed)} --> {group}_{safe_id(job_id)}")
        run = triggers(workflow).get("workflow_run") or {}
        for upstream in run.get("workflows", []):
            source = by_name.get(upstream)
            if not source:
                continue
            roots = [job_id for job_id, job in jobs(workflow).items() if not needs(job)]
            branches = ", ".join(run.get("branches", [])) or _("any branch")
            for root in roots:
                condition = str(jobs(workflow)[root].get("if", ""))
                label = _("{types} on {branches}").format(
                    types="/".join(run.get("types", ["completed"])), branches=branches
                )
                if "success" in condition:
                    label += _(", if it succeeded")
                lines.append(f'    {node_id("wf", source)} ==>|"{label}"| {group}_{safe_id(root)}')
    return Mermaid("\n".join(lines))
