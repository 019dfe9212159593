"""Checks for 02-cicd: a workflow the learner writes, validated by actionlint and read for what it does.

actionlint (a linter for GitHub Actions, installed with requirements-dev.txt) finds what GitHub
would refuse or misread; the check then reads the YAML itself for what the exercise asks: it runs
on push, checks out and installs the project, has a PostgreSQL service, tells the tests where it
is in a way the job can reach (127.0.0.1 and the mapped port on the runner, the service's name in a
container job), and runs the tests. Old action versions are a note, not an error: GitHub still
runs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..i18n import _, ngettext
from . import _base
from ._base import (
    CheckFailed,
    call_answer,
    expect_function,
    judged_on_returns,
    judged_on_runs,
    ok,
    require_answer,
    takes_an,
    test_runs,
)
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
    lines = [
        _("line {line}:{column}: {message} [{kind}]").format(
            line=f["line"], column=f["column"], message=f["message"], kind=f["kind"]
        )
        for f in findings[:limit]
    ]
    if len(findings) > limit:
        lines.append(_("… and {count} more").format(count=len(findings) - limit))
    return "\n            ".join(lines)


# actionlint also says when an action's runtime (its Node version) is deprecated or retired. GitHub
# still runs such an action (on a newer Node, with a warning in the run), so it is a note, not an error.
OLD_RUNTIME = re.compile(r"is deprecated in GitHub Actions|is retired on GitHub\.com")


def lint(exercise: str, text: str) -> None:
    """actionlint on the answer: errors are a ✗; old action versions a note under the ✓."""
    findings = actionlint(text)
    if findings is None:
        print(
            _(
                "actionlint is not installed (pip install -r requirements-dev.txt): content "
                "checked, not syntax."
            )
        )
        return
    old = [f for f in findings if f.get("kind") == "action" and OLD_RUNTIME.search(f["message"])]
    errors = [f for f in findings if f not in old]
    if errors:
        raise CheckFailed(
            exercise,
            ngettext(
                "actionlint found {count} problem", "actionlint found {count} problems", len(errors)
            ).format(count=len(errors)),
            got=describe_findings(errors),
            hint=_("each line says where (line:column) and what; GitHub would refuse or misread the file"),
        )
    for finding in old:
        action = re.search(r'action "([^"]+)"|"([^"]+)" action', finding["message"])
        name = next((g for g in action.groups() if g), _("an action")) if action else _("an action")
        print(
            _(
                "note: line {finding}: {name} is an old version whose Node runtime GitHub is retiring; "
                "it still runs (on a newer Node, with a warning), but pin a current release."
            ).format(finding=finding["line"], name=name)
        )


def _unpinned_actions(workflow: dict) -> list[str]:
    """The `uses:` of each step not pinned to a full commit SHA (local ./ and docker:// aside)."""
    from ..files import jobs

    found = []
    for job in jobs(workflow).values():
        for step in (job.get("steps") or []) if isinstance(job, dict) else []:
            uses = str(step.get("uses", "")) if isinstance(step, dict) else ""
            if not uses or uses.startswith(("./", "docker://")):
                continue
            if not re.fullmatch(r"[0-9a-f]{40}", uses.partition("@")[2]):
                found.append(uses)
    return found


def _runs_on_push(workflow: dict) -> bool:
    from ..files import triggers

    return "push" in triggers(workflow)


def _postgres_services(job: dict) -> dict:
    services = job.get("services") or {}
    if not isinstance(services, dict):
        return {}
    return {
        name: spec
        for name, spec in services.items()
        if str((spec or {}).get("image", "") if isinstance(spec, dict) else spec).startswith(
            ("postgres", "docker.io/postgres", "docker.io/library/postgres", "postgis/")
        )
    }


def _runs(step) -> str:
    return str(step.get("run", "")) if isinstance(step, dict) else ""


def _test_steps(job: dict) -> list[dict]:
    return [step for step in job.get("steps") or [] if any(c in _runs(step) for c in TEST_COMMANDS)]


SELF_INSTALLING = ("run.py test", "workbook test")  # run.py makes its .venv and installs on first use


def _database_url(workflow: dict, job: dict, step: dict) -> str | None:
    """DATABASE_URL as the test step sees it: its run line, the step's env, the job's, the workflow's."""
    inline = re.search(r"(?:^|\s)DATABASE_URL=(\S+)", _runs(step))
    if inline:
        return inline.group(1).strip("'\"")
    for scope in (step.get("env"), job.get("env"), workflow.get("env")):
        if isinstance(scope, dict) and "DATABASE_URL" in scope:
            return str(scope["DATABASE_URL"])
    return None


URL = re.compile(r"^[\w+]+://(?:[^@/]*@)?(?P<host>\[[^\]]*\]|[^:/?]+)(?::(?P<port>[^/?]+))?")
MAPPED_PORT = re.compile(r"\$\{\{\s*job\.services\.([\w-]+)\.ports\[\s*['\"]?5432['\"]?\s*\]\s*\}\}")


def _host_ports(spec: dict) -> list[str]:
    """The runner's ports that a service's `ports:` maps to its 5432 ("5433:5432" gives 5433)."""
    found = []
    for entry in (spec or {}).get("ports") or []:
        parts = str(entry).split(":")
        if len(parts) >= 2 and parts[-1].split("/")[0] == "5432":
            found.append(parts[-2])
    return found


def _install_problem(job: dict, test_step: dict) -> str | None:
    """Why the tests would run without the project's packages; None when something installs them."""
    from ._shell import pip_installs, requirement_files

    if any(command in _runs(test_step) for command in SELF_INSTALLING):
        return None
    steps = job.get("steps") or []
    before = steps[: steps.index(test_step) + 1]
    bare = []
    for step in before:
        script = _runs(step)
        for arguments in pip_installs(script):
            given, packages = requirement_files(arguments)
            bare += packages
            if given or any(a in (".", "-e", "--editable") or a.startswith((".[", "-e.")) for a in arguments):
                return None
        if re.search(r"\b(uv sync|poetry install|pipenv install|pdm install)\b", script):
            return None
    if bare:
        return _(
            "pip install {bare} asks the package index for a project called {bare!r}: "
            "pip install -r {bare} reads the file"
        ).format(bare=bare[0])
    return _("nothing installs the project's packages before the tests: a run step with pip install -r ...")


def require_yaml_text(exercise: str, answer) -> None:
    """An answer at all, and a str: the workflow's YAML text, as the exercises ask for."""
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, _("the answer should be the workflow's YAML text"), got=type(answer).__name__
        )


def parsed_workflow(exercise: str, answer: str) -> dict:
    """The workflow the YAML text holds, or the YAML's own first error line as the ✗."""
    from ..files import load_workflow

    try:
        return load_workflow(answer)
    except Exception as exc:  # YAML errors, or a file that is not a mapping
        raise CheckFailed(
            exercise, _("this is not a workflow's YAML"), got=str(exc).splitlines()[0]
        ) from None


@guarded
def q1(answer) -> None:
    """A workflow that tests the project on every push, against a PostgreSQL service it can reach."""
    from ..files import jobs

    exercise = "q1"
    require_yaml_text(exercise, answer)
    lint(exercise, answer)
    workflow = parsed_workflow(exercise, answer)
    unpinned = _unpinned_actions(workflow)
    if unpinned:
        raise CheckFailed(
            exercise,
            _("{action} is pinned to {ref!r}, not to a commit").format(
                action=unpinned[0].partition("@")[0], ref=unpinned[0].partition("@")[2]
            ),
            expected=_("uses: owner/action@<the commit's full 40-character SHA> # v1.2.3"),
            got=", ".join(unpinned),
            hint=_(
                "a tag or a branch can be moved to other code; a full commit SHA cannot: section 3 pins "
                "each action that way, with the version in a comment"
            ),
        )
    if not _runs_on_push(workflow):
        raise CheckFailed(
            exercise,
            _("the workflow does not run on push"),
            got=f"on: {workflow.get('on')}",
            hint=_("on: push (with other events too, if you like)"),
        )
    testing = [(job_id, job) for job_id, job in jobs(workflow).items() if _test_steps(job)]
    if not testing:
        raise CheckFailed(
            exercise,
            _("no step runs the tests"),
            hint=_("a step `run: python -m pytest` (or `python3 run.py test`)"),
        )
    job_id, job = testing[0]
    services = _postgres_services(job)
    if not services:
        raise CheckFailed(
            exercise,
            _("job {job_id!r} runs the tests without a PostgreSQL service").format(job_id=job_id),
            hint=_("services: postgres: image: postgres:18, with env POSTGRES_PASSWORD"),
        )
    steps = job.get("steps") or []
    test_step = _test_steps(job)[0]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    if not checkouts or steps.index(checkouts[0]) > steps.index(test_step):
        raise CheckFailed(
            exercise,
            _(
                "job {job_id!r} never checks out the repository before the tests: the runner starts empty"
            ).format(job_id=job_id),
            hint=_("the first step: uses: actions/checkout@<commit> # v7.0.1"),
        )
    problem = _install_problem(job, test_step)
    if problem:
        raise CheckFailed(
            exercise,
            _("the tests would run without the project installed"),
            got=problem,
            hint=_("a step before the tests: run: python -m pip install -r requirements-dev.txt -e ."),
        )
    url = _database_url(workflow, job, test_step)
    if not url:
        raise CheckFailed(
            exercise,
            _("the tests are not told where PostgreSQL is"),
            hint=_(
                "env: DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres "
                "(on the workflow, the job or the step)"
            ),
        )
    match = URL.match(url)
    if not match:
        raise CheckFailed(
            exercise,
            _("DATABASE_URL is not a URL"),
            expected="postgres://user:password@host:port/name",
            got=url,
        )
    host, port = match["host"], match["port"] or "5432"
    name = host if host in services else next(iter(services))
    spec = services[name] if isinstance(services[name], dict) else {"image": services[name]}
    env = spec.get("env") or {}
    if not any(k in env for k in ("POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD")):
        raise CheckFailed(
            exercise,
            _(
                "service {name!r} would not start: the postgres image refuses to run without a password"
            ).format(name=name),
            hint=_("env: POSTGRES_PASSWORD: postgres under the service (the URL's password)"),
        )
    in_container = bool(job.get("container"))
    if in_container:
        if host != name:
            raise CheckFailed(
                exercise,
                _("the job runs in a container, where {host!r} is not the service").format(host=host),
                expected=_(
                    "{name!r}: in a container job, services are reached by their name, on port 5432"
                ).format(name=name),
                got=host,
            )
        if port != "5432":
            raise CheckFailed(
                exercise,
                _("service {name!r} listens on 5432 on the job's network").format(name=name),
                expected="5432",
                got=port,
            )
    else:
        if host in services:
            raise CheckFailed(
                exercise,
                _("the job runs on the runner, which cannot resolve the name {host!r}").format(host=host),
                expected=_("127.0.0.1 (or localhost) and the port that `ports:` maps to the service's 5432"),
                got=host,
                hint=_(
                    "only a job with `container:` reaches services by name; on the runner they are on "
                    "127.0.0.1 through their ports mapping"
                ),
            )
        if host not in LOCAL_HOSTS:
            raise CheckFailed(
                exercise,
                _("DATABASE_URL points at {host!r}, which is not where the service is").format(host=host),
                expected=_("127.0.0.1 with the port mapped to {name!r}'s 5432").format(name=name),
                got=host,
            )
        mapped = MAPPED_PORT.fullmatch(port)
        host_ports = _host_ports(spec)
        if mapped:
            if mapped.group(1) != name:
                raise CheckFailed(
                    exercise, _("the port comes from another service"), expected=name, got=mapped.group(1)
                )
            if not (spec.get("ports") or []):
                raise CheckFailed(
                    exercise,
                    _("service {name!r} publishes no port").format(name=name),
                    hint=_("ports: - 5432 under the service"),
                )
        elif port not in host_ports:
            raise CheckFailed(
                exercise,
                (
                    _("the tests connect to port {port}, but service {name!r} maps {ports} to its 5432")
                    if host_ports
                    else _(
                        "the tests connect to port {port}, but service {name!r} maps no port "
                        "of the runner to its 5432"
                    )
                ).format(port=port, name=name, ports=", ".join(host_ports)),
                expected=_("ports: - {port}:5432 under the service").format(port=port),
                got=f"ports: {spec.get('ports') or []}",
                hint=_(
                    "the runner reaches a service only through its ports mapping, host port:container port"
                ),
            )
    where = (
        _("{name}:5432 from its container").format(name=name)
        if in_container
        else _("127.0.0.1:{port} mapped to {name}").format(port=port, name=name)
    )
    ok(
        exercise,
        _("job {job_id!r} checks out, installs and tests every push against {image} at {where}").format(
            job_id=job_id, image=spec.get("image"), where=where
        ),
    )


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
        kind = type(order).__name__
        return (
            _("return a list of job ids, not an {kind}")
            if takes_an(kind)
            else _("return a list of job ids, not a {kind}")
        ).format(kind=kind)
    if sorted(order) != sorted(every):
        return _("every job exactly once: expected {every}, got {order}").format(
            every=sorted(every), order=sorted(order)
        )
    for position, job_id in enumerate(order):
        for needed in needs(jobs(workflow)[job_id]):
            if needed not in order[:position]:
                return _("{job_id!r} comes before {needed!r}, which it needs").format(
                    job_id=job_id, needed=needed
                )
    return None


@judged_on_returns
@guarded
def q2(function) -> None:
    """A function that orders a workflow's jobs so each comes after the jobs it needs."""
    from ..files import read_workflow

    exercise = "q2"
    expect_function(exercise, function)
    cases = [("ci.yml", read_workflow("ci.yml")), ("cd.yml", read_workflow("cd.yml"))]
    cases.append((_("a workflow of the check's"), SAMPLE_WORKFLOW))
    for label, workflow in cases:
        order = call_answer(
            exercise,
            function,
            workflow,
            label=_("on {label}").format(label=label),
            hint=_("`needs` may be one job id (a string) or a list of them"),
        )
        problem = order_problem(workflow, order)
        if problem:
            raise CheckFailed(
                exercise,
                f"{label}: {problem}",
                got=list(order) if isinstance(order, list | tuple) else order,
                hint=_("take a job only when every job it needs is already taken; repeat until none is left"),
            )
    ok(exercise, _("every job after the jobs it needs, in ci.yml, cd.yml and a workflow listed out of order"))


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


@guarded
def needs_and_matrix(answer) -> None:
    """The starter workflow with `deploy` waiting for `test`, and `test` on Python 3.11 and 3.12."""
    from ..files import jobs, needs

    exercise = "needs_and_matrix"
    require_yaml_text(exercise, answer)
    workflow = parsed_workflow(exercise, answer)
    lint(exercise, answer)
    found = jobs(workflow)
    if "test" not in found or "deploy" not in found:
        raise CheckFailed(exercise, _("keep the two jobs, test and deploy"), got=sorted(found))
    if "test" not in needs(found["deploy"]):
        raise CheckFailed(
            exercise,
            _("deploy does not wait for test"),
            got=_("deploy needs: {value}").format(value=needs(found["deploy"]) or "nothing"),
            hint=_(
                "without needs, GitHub starts both jobs at once, and deploy runs even when a test fails: "
                "needs: test"
            ),
        )
    values = _matrix_values(found["test"])
    if not values:
        raise CheckFailed(
            exercise,
            _("the test job has no matrix"),
            hint=_("strategy: matrix: python-version: [...] runs one copy of the job per value"),
        )
    # YAML reads 3.11 unquoted as a number whose text is still "3.11" (Actions passes it on as that
    # text): the same version. 3.10 becomes 3.1, another one: only such numbers are refused.
    floats = [
        v for vs in values.values() for v in vs if isinstance(v, float) and str(v) not in MATRIX_VERSIONS
    ]
    if floats:
        raise CheckFailed(
            exercise,
            _("a version in the matrix is a number, not a string"),
            got=floats,
            hint=_('YAML reads 3.10 as the number 3.1: quote versions, "3.11"'),
        )
    key = next((k for k, vs in values.items() if set(MATRIX_VERSIONS) <= {str(v) for v in vs}), None)
    if key is None:
        raise CheckFailed(
            exercise,
            _("no matrix key lists both Python versions"),
            expected=list(MATRIX_VERSIONS),
            got=values,
            hint=_('one key, for example python-version: ["3.11", "3.12"]'),
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
            _("each copy of the job installs the same Python"),
            got=f"python-version: {[(s.get('with') or {}).get('python-version') for s in setup]}",
            hint=_(
                "the matrix makes the copies; each must use its value: "
                "python-version: ${{{{ matrix.{key} }}}}"
            ).format(key=key),
        )
    ok(
        exercise,
        _("deploy needs test; test runs once per Python in matrix.{key}: {join}").format(
            key=key, join=", ".join(MATRIX_VERSIONS)
        ),
    )


# ------------------------------------------------------------------ least_privilege

# The scopes GITHUB_TOKEN's permissions name (GitHub's docs, "permissions" in workflow syntax).
TOKEN_SCOPES = (
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
)
READ_THE_CODE = {"contents": "read"}
PUBLISH_NEEDS = {"contents": "read", "packages": "write"}


def granted(permissions) -> dict[str, str] | None:
    """{scope: level} that a `permissions:` value grants, `none` left out; None when it is not set."""
    if permissions is None:
        return None
    if permissions in ("read-all", "write-all"):
        return dict.fromkeys(TOKEN_SCOPES, permissions.split("-")[0])
    if permissions == {} or permissions == "":
        return {}
    if not isinstance(permissions, dict):
        raise CheckFailed(
            "least_privilege",
            _("permissions: should be a mapping of scopes, read-all or write-all"),
            got=repr(permissions)[:80],
            hint="permissions:\n              contents: read",
        )
    return {str(scope): str(level) for scope, level in permissions.items() if level != "none"}


def job_grants(workflow: dict, job: dict) -> dict[str, str] | None:
    """What a job's token may do: its own permissions when it sets them (they replace the workflow's)."""
    return granted(job["permissions"]) if "permissions" in job else granted(workflow.get("permissions"))


@guarded
def least_privilege(answer) -> None:
    """The publish workflow with a read-only token everywhere but publish's packages: write."""
    from ..files import jobs

    exercise = "least_privilege"
    require_yaml_text(exercise, answer)
    workflow = parsed_workflow(exercise, answer)
    lint(exercise, answer)
    found = jobs(workflow)
    if "test" not in found or "publish" not in found:
        raise CheckFailed(exercise, _("keep the two jobs, test and publish"), got=sorted(found))
    top = granted(workflow.get("permissions"))
    if top is None:
        raise CheckFailed(
            exercise,
            _("the workflow sets no permissions: every job without its own gets the repository's default"),
            hint=_(
                "permissions: at the top level, beside jobs:, is what every job gets unless it sets its own"
            ),
        )
    if top != READ_THE_CODE:
        raise CheckFailed(
            exercise,
            _("the workflow's token may do more or less than read the code"),
            expected=READ_THE_CODE,
            got=top,
            hint=_("at the top level, one scope: contents: read"),
        )
    test = job_grants(workflow, found["test"])
    if test != READ_THE_CODE:
        raise CheckFailed(
            exercise,
            _("test's token may do more or less than read the code"),
            expected=READ_THE_CODE,
            got=test,
            hint=_("test needs nothing beyond the workflow's grant: leave permissions: out of it"),
        )
    publish = job_grants(workflow, found["publish"])
    if publish.get("packages") != "write":
        raise CheckFailed(
            exercise,
            _("publish's token may not write packages, so its push to ghcr.io would be refused"),
            expected=PUBLISH_NEEDS,
            got=publish,
            hint=_("permissions: under the publish job, with packages: write"),
        )
    if publish != PUBLISH_NEEDS:
        missing = [scope for scope in PUBLISH_NEEDS if scope not in publish]
        raise CheckFailed(
            exercise,
            _("publish's token cannot read the code: a job's permissions replace the workflow's")
            if missing
            else _("publish's token may do more than read the code and write packages"),
            expected=PUBLISH_NEEDS,
            got=publish,
            hint=_("a job's permissions name every scope it needs: contents: read and packages: write"),
        )
    ok(
        exercise,
        _("every token reads the code; only publish's may also write packages, as it must to push"),
    )


# ------------------------------------------------------------------ own_test: a test of your own


def _test_functions(tree) -> list:
    """The functions pytest would collect from a test file: module-level `test_*`, and `test_*`
    methods of `Test*` classes."""
    import ast

    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found += [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    return found


def _asserts(function) -> bool:
    """An assert statement, or a pytest.raises / assert* call (unittest's, DRF's), in the body."""
    import ast

    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "raises" or name.startswith("assert"):
                return True
    return False


def _unset(statement) -> bool:
    """`name = None`, all the student copy's stub holds besides its comment."""
    import ast

    return (
        isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is None
        and all(isinstance(t, ast.Name) for t in statement.targets)
    )


def _own_test_text(exercise: str, answer) -> tuple[str, str]:
    """(the file's name, its text) from the path the exercise cell wrote."""
    import ast

    hint = _("the exercise cell writes your test with %%writefile; run it, then this check")
    if not isinstance(answer, str | Path):
        raise CheckFailed(
            exercise, _("the answer should be the path of your test file"), got=repr(answer), hint=hint
        )
    path = Path(answer)
    if not path.is_file():
        raise CheckFailed(exercise, _("there is no file at {path}").format(path=path), hint=hint)
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise CheckFailed(
            exercise, _("your test file is not valid Python"), got=f"{exc.msg} (line {exc.lineno})", hint=hint
        ) from None
    if all(_unset(statement) for statement in tree.body):  # the student copy's stub: `name = None`
        require_answer(exercise, None)
    return path.name, text


@contextlib.contextmanager
def _runs_on_copies(name: str, text: str):
    """`run(key)` for the learner's file on a copy of the site made here ("site"), or with one of
    pipeline.BREAKS put in; the copy and the databases its runs made go at the end."""
    from ..pipeline import ProjectCopy

    work = ProjectCopy()
    kept_databases = work.databases() > 0  # the notebook's own copy made them: leave them to it
    target = work.folder / "project" / "posts" / "tests" / name
    target.write_text(text, encoding="utf-8")
    relative = target.relative_to(work.folder).as_posix()

    def run(key: str):
        if key == "site":
            return work.run_tests(relative)
        with work.broken(key):
            return work.run_tests(relative)

    try:
        yield run
    finally:
        work.remove(databases=not kept_databases)


@judged_on_runs
@guarded(asks_for=(str, Path))
def own_test(answer) -> None:
    """The learner's pytest-django test: collected and passing on a fresh copy of the site, and
    failing on each copy with one of pipeline.BREAKS in it (a test that cannot fail is no test).
    Run with the command and configuration of CI's test step, on PostgreSQL: here, on copies this
    check makes; in a grader's judge, by the grader, each run in a sandbox of its own (`test_runs`)."""
    import ast

    from ..pipeline import BREAKS, TestRun

    exercise = "own_test"
    require_answer(exercise, answer)
    name, text = _own_test_text(exercise, answer)
    if not name.startswith("test_") or not name.endswith(".py"):
        raise CheckFailed(
            exercise,
            _("pytest collects files named test_*.py, and this one is {name}").format(name=name),
            hint=_("keep the file name the exercise cell gives"),
        )
    tests = _test_functions(ast.parse(text))
    if not tests:
        raise CheckFailed(
            exercise,
            _("pytest collects no test from your file: a test is a function whose name starts with test_"),
            hint="@pytest.mark.django_db\ndef test_the_api_hides_a_deleted_post():",
        )
    silent = [t.name for t in tests if not _asserts(t)]
    if silent:
        raise CheckFailed(
            exercise,
            _("{names} asserts nothing: it passes whatever the site does").format(names=", ".join(silent)),
            hint=_("end with an assert on what the API answered, e.g. the ids in response.data"),
        )
    if _base.HANDED_RUNS is None and os.environ.get("WORKBOOK_GRADING_SANDBOX"):
        # A grader's kernel: the grader runs the file in sandboxes of its own, and its judge judges
        # (where HANDED_RUNS is set).
        print(
            _(
                "… {exercise}: the grader runs your test file outside this notebook; "
                "the grade says how it went"
            ).format(exercise=exercise)
        )
        return
    with test_runs(name, text, _runs_on_copies) as run_on:
        run = TestRun(*run_on("site"))
        if run.status != 0:
            output = "\n".join(run.failures)
            if "Database access not allowed" in output:
                problem = _("your test uses the database without asking for it, and pytest-django refuses")
                hint = _(
                    "mark it @pytest.mark.django_db (or take a fixture that does, such as alice or as_alice)"
                )
            elif run.status == 5:
                problem = _("pytest collected no test from your file")
                hint = "def test_the_api_hides_a_deleted_post():"
            else:
                problem = _("your test fails on the site as it is, so it would fail CI on every push")
                hint = _("run it on the copy and read pytest's E lines")
            raise CheckFailed(exercise, problem, got=run.failures[:3] or run.counts, hint=hint)
        for key, (what, *_rest) in BREAKS.items():
            broken_run = TestRun(*run_on(key))
            if broken_run.status == 0:
                raise CheckFailed(
                    exercise,
                    _("your test still passes when {what}: it cannot catch that bug").format(what=_(what)),
                    got=broken_run.counts,
                    hint=_(
                        "ask the API with the client, as a learner's browser would, and assert the "
                        "deleted post is not in what it answers"
                    )
                    if key == "posts_view"
                    else _("soft-delete a post in the test, then assert it is not in what the site shows"),
                )
    ok(
        exercise,
        _(
            "pytest ran your file as CI's test step does ({counts}) and it failed on each of "
            "{count} broken copies"
        ).format(counts=run.counts, count=len(BREAKS)),
    )
