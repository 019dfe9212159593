"""Checks for 02-cicd: a workflow the learner writes, validated by actionlint and read for what it does.

actionlint (a linter for GitHub Actions, installed with requirements-dev.txt) finds what GitHub
would refuse or misread; the check then reads the YAML itself for what the exercise asks: it runs
on push, it has a PostgreSQL service the tests can reach, and it runs the tests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ._base import CheckFailed, call_answer, expect_function, ok, require_answer
from ._probe import guarded

TEST_COMMANDS = ("pytest", "run.py test", "workbook test", "manage.py test")
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def actionlint_path() -> str | None:
    """actionlint on PATH, or next to this Python (a virtualenv that is not activated)."""
    found = shutil.which("actionlint")
    if found:
        return found
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else None


def actionlint(text: str) -> list[dict] | None:
    """actionlint's findings for a workflow's text (line, column, message, kind); None when it is missing.

    shellcheck and pyflakes are left out so the result does not depend on which of them is installed.
    """
    path = actionlint_path()
    if path is None:
        return None
    result = subprocess.run(
        [path, "-format", "{{json .}}", "-shellcheck=", "-pyflakes=", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"actionlint failed: {result.stderr.strip() or result.stdout.strip()}")
    out = result.stdout.strip()
    return json.loads(out) if out else []


def describe_findings(findings: list[dict], limit: int = 3) -> str:
    lines = [f"line {f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"… and {len(findings) - limit} more")
    return "\n            ".join(lines)


def _runs_on_push(workflow: dict) -> bool:
    from ..files import triggers

    return "push" in triggers(workflow)


def _postgres_services(job: dict) -> dict:
    services = job.get("services") or {}
    return {
        name: spec
        for name, spec in services.items()
        if str((spec or {}).get("image", spec if isinstance(spec, str) else "")).startswith("postgres")
    }


def _test_steps(job: dict) -> list[dict]:
    return [
        step for step in job.get("steps") or [] if any(c in str(step.get("run", "")) for c in TEST_COMMANDS)
    ]


def _database_url(job: dict, step: dict) -> str | None:
    for scope in (step.get("env") or {}, job.get("env") or {}):
        if "DATABASE_URL" in scope:
            return str(scope["DATABASE_URL"])
    return None


@guarded
def q1(answer) -> None:
    """A workflow that tests the project on every push, against a PostgreSQL service."""
    from ..files import jobs, load_workflow

    exercise = "q1"
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, "the answer should be the workflow's YAML text", got=type(answer).__name__
        )
    findings = actionlint(answer)
    if findings is None:
        print(
            "actionlint is not installed (pip install -r requirements-dev.txt): content checked, not syntax."
        )
    if findings:
        raise CheckFailed(
            exercise,
            f"actionlint found {len(findings)} problem{'s' * (len(findings) != 1)}",
            got=describe_findings(findings),
            hint="each line says where (line:column) and what; GitHub would refuse or misread the file",
        )
    try:
        workflow = load_workflow(answer)
    except Exception as exc:  # YAML errors, or a file that is not a mapping
        raise CheckFailed(exercise, "this is not a workflow's YAML", got=str(exc).splitlines()[0]) from None
    if not _runs_on_push(workflow):
        raise CheckFailed(
            exercise,
            "the workflow does not run on push",
            got=f"on: {workflow.get('on')}",
            hint="on: push (with other events too, if you like)",
        )
    testing = [(job_id, job) for job_id, job in jobs(workflow).items() if _test_steps(job)]
    if not testing:
        raise CheckFailed(
            exercise,
            "no step runs the tests",
            hint="a step `run: python -m pytest` (or `python3 run.py test`)",
        )
    job_id, job = testing[0]
    services = _postgres_services(job)
    if not services:
        raise CheckFailed(
            exercise,
            f"job {job_id!r} runs the tests without a PostgreSQL service",
            hint="services: postgres: image: postgres:16, with env POSTGRES_PASSWORD",
        )
    steps = job.get("steps") or []
    if not any(str(step.get("uses", "")).startswith("actions/checkout@") for step in steps):
        raise CheckFailed(
            exercise,
            f"job {job_id!r} never checks out the repository: the runner starts empty",
            hint="the first step: uses: actions/checkout@v6",
        )
    url = _database_url(job, _test_steps(job)[0])
    if not url:
        raise CheckFailed(
            exercise,
            "the tests are not told where PostgreSQL is",
            hint="env: DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres",
        )
    host = re.sub(r"^\w+://(?:[^@/]*@)?", "", url).split("/")[0].split(":")[0]
    name, spec = next(iter(services.items()))
    published = [str(p) for p in (spec or {}).get("ports") or []]
    if host in LOCAL_HOSTS and not any(p.split(":")[-1].startswith("5432") for p in published):
        raise CheckFailed(
            exercise,
            f"the tests connect to {host}, but service {name!r} publishes no port there",
            hint="ports: - 5432:5432 under the service (or, in a container job, the service's name as host)",
        )
    if host not in LOCAL_HOSTS and host != name:
        raise CheckFailed(
            exercise,
            f"DATABASE_URL points at {host!r}, which is neither the runner nor the service",
            expected=f"127.0.0.1 (with ports) or {name!r} (in a container job)",
            got=host,
        )
    ok(exercise, f"actionlint finds nothing; job {job_id!r} tests every push against {spec.get('image')}")


# A workflow of the check's own: its jobs are listed out of order, one `needs` is a plain string.
SAMPLE_WORKFLOW = {
    "name": "release",
    "on": {"push": {"tags": ["v*"]}},
    "jobs": {
        "announce": {"needs": "deploy", "runs-on": "ubuntu-24.04", "steps": [{"run": "echo done"}]},
        "deploy": {"needs": ["build", "test"], "runs-on": "ubuntu-24.04", "steps": [{"run": "./deploy"}]},
        "test": {"needs": ["build"], "runs-on": "ubuntu-24.04", "steps": [{"run": "pytest"}]},
        "docs": {"runs-on": "ubuntu-24.04", "steps": [{"run": "make docs"}]},
        "build": {"runs-on": "ubuntu-24.04", "steps": [{"run": "make"}]},
    },
}


def order_problem(workflow: dict, order) -> str | None:
    """What is wrong with `order` as a run order of the workflow's jobs; None when nothing is."""
    from ..files import jobs, needs

    every = list(jobs(workflow))
    if not isinstance(order, list | tuple):
        return f"return a list of job ids, not a {type(order).__name__}"
    if sorted(order) != sorted(every):
        return f"every job exactly once: expected {sorted(every)}, got {sorted(order)}"
    for position, job_id in enumerate(order):
        for needed in needs(jobs(workflow)[job_id]):
            if needed not in order[:position]:
                return f"{job_id!r} comes before {needed!r}, which it needs"
    return None


@guarded
def q2(function) -> None:
    """A function that orders a workflow's jobs so each comes after the jobs it needs."""
    from ..files import read_workflow

    exercise = "q2"
    expect_function(exercise, function)
    cases = [("ci.yml", read_workflow("ci.yml")), ("cd.yml", read_workflow("cd.yml"))]
    cases.append(("a workflow of the check's", SAMPLE_WORKFLOW))
    for label, workflow in cases:
        order = call_answer(
            exercise,
            function,
            workflow,
            label=f"on {label}",
            hint="`needs` may be one job id (a string) or a list of them",
        )
        problem = order_problem(workflow, order)
        if problem:
            raise CheckFailed(
                exercise,
                f"{label}: {problem}",
                got=list(order) if isinstance(order, list | tuple) else order,
                hint="take a job only when every job it needs is already taken; repeat until none is left",
            )
    ok(exercise, "every job after the jobs it needs, in ci.yml, cd.yml and a workflow listed out of order")


# ---------------------------------------------------------------- needs and a matrix

MATRIX_VERSIONS = ("3.11", "3.12")
MATRIX_REFERENCE = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")


def _matrix_values(job: dict) -> dict[str, list]:
    """{matrix key: its values}, from the key's list and from `include` entries."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if not isinstance(matrix, dict):
        return {}
    values: dict[str, list] = {}
    for key, value in matrix.items():
        if key in ("include", "exclude"):
            continue
        values.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    for entry in matrix.get("include") or []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                values.setdefault(key, []).append(value)
    return values


def needs_and_matrix(answer) -> None:
    """The starter workflow with `deploy` waiting for `test`, and `test` on Python 3.11 and 3.12."""
    from ..files import jobs, load_workflow, needs

    exercise = "needs_and_matrix"
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, "the answer should be the workflow's YAML text", got=type(answer).__name__
        )
    try:
        workflow = load_workflow(answer)
    except Exception as exc:  # YAML errors, or a file that is not a mapping
        raise CheckFailed(exercise, "this is not a workflow's YAML", got=str(exc).splitlines()[0]) from None
    findings = actionlint(answer)
    if findings is None:
        print(
            "actionlint is not installed (pip install -r requirements-dev.txt): content checked, not syntax."
        )
    if findings:
        raise CheckFailed(
            exercise,
            f"actionlint found {len(findings)} problem{'s' * (len(findings) != 1)}",
            got=describe_findings(findings),
            hint="each line says where (line:column) and what; GitHub would refuse or misread the file",
        )
    found = jobs(workflow)
    if "test" not in found or "deploy" not in found:
        raise CheckFailed(exercise, "keep the two jobs, test and deploy", got=sorted(found))
    if "test" not in needs(found["deploy"]):
        raise CheckFailed(
            exercise,
            "deploy does not wait for test",
            got=f"deploy needs: {needs(found['deploy']) or 'nothing'}",
            hint="without needs, GitHub starts both jobs at once, and deploy runs even when a test fails: "
            "needs: test",
        )
    values = _matrix_values(found["test"])
    if not values:
        raise CheckFailed(
            exercise,
            "the test job has no matrix",
            hint="strategy: matrix: python-version: [...] runs one copy of the job per value",
        )
    floats = [v for vs in values.values() for v in vs if isinstance(v, float)]
    if floats:
        raise CheckFailed(
            exercise,
            "a version in the matrix is a number, not a string",
            got=floats,
            hint='YAML reads 3.10 as the number 3.1: quote versions, "3.11"',
        )
    key = next((k for k, vs in values.items() if set(MATRIX_VERSIONS) <= {str(v) for v in vs}), None)
    if key is None:
        raise CheckFailed(
            exercise,
            "no matrix key lists both Python versions",
            expected=list(MATRIX_VERSIONS),
            got=values,
            hint='one key, for example python-version: ["3.11", "3.12"]',
        )
    setup = [
        s
        for s in found["test"].get("steps", [])
        if str(s.get("uses", "")).startswith("actions/setup-python@")
    ]
    used = {
        m
        for s in setup
        for m in MATRIX_REFERENCE.findall(str((s.get("with") or {}).get("python-version", "")))
    }
    if key not in used:
        raise CheckFailed(
            exercise,
            "each copy of the job installs the same Python",
            got=f"python-version: {[(s.get('with') or {}).get('python-version') for s in setup]}",
            hint="the matrix makes the copies; each must use its value: "
            f"python-version: ${{{{ matrix.{key} }}}}",
        )
    ok(
        exercise,
        f"deploy needs test; test runs once per Python in matrix.{key}: {', '.join(MATRIX_VERSIONS)}",
    )
