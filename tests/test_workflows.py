"""The GitHub Actions workflows: what ci.yml proves and how cd.yml deploys, checked here.

ci.yml must run the README's own test command on PostgreSQL, over every notebook, for every
Python version the README promises; cd.yml must deploy only what CI passed on main, and skip
(never fail) where the deploy secrets are absent. actionlint, with shellcheck on every `run:`
script, and GitHub's workflow schema check both files.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CI_FILE = WORKFLOWS / "ci.yml"
CD_FILE = WORKFLOWS / "cd.yml"
DEPLOY_SCRIPT = ROOT / "deploy" / "deploy.sh"
DEPLOY_SECRETS = ("SSH_HOST", "SSH_USER", "SSH_PRIVATE_KEY", "SSH_KNOWN_HOSTS", "ENV_PROD")
# GitHub's runners and .ci/run set CI=true: there a missing tool is a failure, not a skip.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# ---------------------------------------------------------------------------------------------
# Reading the files


def load_workflow(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # PyYAML reads YAML 1.1, where the key `on` is the boolean True; GitHub reads it as "on".
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def ci() -> dict:
    return load_workflow(CI_FILE)


@pytest.fixture(scope="module")
def cd() -> dict:
    return load_workflow(CD_FILE)


def readme_test_command() -> str:
    """The one command in the first fenced block of the README's section about running the tests."""
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"^##+ [^\n]*\btests?\b[^\n]*\n(.*?)(?=^##+ |\Z)", readme, re.M | re.S | re.I)
    assert section, "README.md has no section about running the tests (a heading that says 'test')"
    block = re.search(r"^```[\w-]*\n(.*?)^```", section.group(1), re.M | re.S)
    assert block, "the README's test section has no fenced code block with the command"
    lines = [line.strip() for line in block.group(1).splitlines()]
    commands = [line.removeprefix("$ ") for line in lines if line and not line.startswith("#")]
    assert len(commands) == 1, f"the README's test block should hold one command, not {commands}"
    return commands[0]


def command_lines(script: str) -> list[list[str]]:
    """Each command of a `run:` script as words: continuations joined, pipes and redirections cut."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:  # a quote spanning lines (jq programs, here-documents): no command
            continue
        words: list[str] = []
        tokens.reverse()
        while tokens and tokens[-1] not in ("|", "||", "&&", ";", "&"):
            word = tokens.pop()
            if word in (">", ">>", "<"):
                tokens.pop() if tokens else None  # the file it redirects to
            elif not re.fullmatch(r"\d?(>>?|<)(&\d|\S+)?", word):
                words.append(word)
        if words:
            commands.append(words)
    return commands


def readme_test_step(ci: dict) -> dict:
    """The test job's step that runs the README's test command."""
    command = shlex.split(readme_test_command())
    steps = [s for s in ci["jobs"]["test"]["steps"] if command in command_lines(s.get("run", ""))]
    assert len(steps) == 1, f"{len(steps)} steps of the test job run {shlex.join(command)!r}"
    return steps[0]


def steps_running(job: dict, needle: str) -> list[dict]:
    return [step for step in job.get("steps", []) if needle in step.get("run", "")]


def steps_using(job: dict, action: str) -> list[dict]:
    return [step for step in job.get("steps", []) if step.get("uses", "").startswith(f"{action}@")]


def python_versions_promised() -> set[str]:
    """Every 'Python 3.N' the README names, and the lowest version pyproject.toml accepts."""
    readme = (ROOT / "README.md").read_text()
    promised = set(re.findall(r"Python (3\.\d+)", readme))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    promised.add(re.search(r">=\s*(3\.\d+)", requires).group(1))
    return promised


def dockerfile_stages() -> set[str]:
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M | re.I))


def compose_build_targets() -> set[str]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {
        service["build"]["target"]
        for service in services.values()
        if isinstance(service.get("build"), dict) and "target" in service["build"]
    }


# ---------------------------------------------------------------------------------------------
# ci.yml: the test job


def test_ci_runs_on_every_push_and_pull_request(ci):
    assert "push" in ci["on"] and "pull_request" in ci["on"]
    push = ci["on"]["push"] or {}
    assert not push.get("branches-ignore") and not push.get("paths"), "every push is tested"
    assert set(ci["jobs"]) >= {"lint", "test", "docker"}


def test_the_test_job_runs_the_readme_test_command_exactly(ci):
    command = shlex.split(readme_test_command())
    job = ci["jobs"]["test"]
    runs = [words for step in job["steps"] for words in command_lines(step.get("run", ""))]
    assert command in runs, (
        f"the test job should run the README's command {shlex.join(command)!r} as it is; it runs {runs}"
    )


def test_the_test_job_deselects_no_notebook(ci):
    """Extra pytest options may add a report and leave the docker tests to the docker job; nothing else."""
    job = ci["jobs"]["test"]
    step = readme_test_step(ci)
    for scope in (ci.get("env", {}), job.get("env", {})):
        assert "PYTEST_ADDOPTS" not in scope, "PYTEST_ADDOPTS belongs on the test step, where it is checked"
    words = shlex.split(step.get("env", {}).get("PYTEST_ADDOPTS", ""))
    allowed = []
    while words:
        word = words.pop(0)
        if word == "-m":
            allowed.append(f"-m {words.pop(0)}")
        elif word.startswith("--junitxml="):
            allowed.append("--junitxml")
        else:
            pytest.fail(f"PYTEST_ADDOPTS of the test step has {word!r}: it could leave notebooks out")
    assert all(item in ("-m not docker", "--junitxml") for item in allowed), allowed

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--nbval" in config["addopts"].split(), "nbval must be on for every run (pyproject addopts)"
    assert "notebooks" in config["testpaths"]
    assert not re.search(r"--ignore|--deselect|no:nbval|-k\b", config["addopts"])


def test_every_notebook_is_collected_with_the_test_jobs_options(ci, tmp_path):
    """pytest, with the workflow's options, collects each notebooks/*.ipynb for nbval."""
    notebooks = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks/*.ipynb: nothing for nbval to check"
    addopts = readme_test_step(ci).get("env", {}).get("PYTEST_ADDOPTS", "")
    addopts = re.sub(r"--junitxml=\S+", "", addopts)
    # The root conftest recreates the notebooks' database when it sees notebooks collected:
    # give it one of its own, dropped afterwards, so the running suite's database is untouched.
    scratch_db = f"{os.environ.get('DJANGO_DB_NAME', 'workbook_tests')}_collect"
    env = dict(os.environ, PYTEST_ADDOPTS=addopts, DJANGO_DB_NAME=scratch_db)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        from workbook import database
        from workbook.authoring import scratch

        database.drop_database(scratch.django_config(), scratch_db)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = {line.split("::", 1)[0] for line in result.stdout.splitlines() if ".ipynb::" in line}
    missing = [nb for nb in notebooks if nb not in collected]
    assert not missing, f"nbval does not collect {missing} with the test job's options"


def test_the_test_job_covers_every_promised_python_version(ci):
    matrix = [str(v) for v in ci["jobs"]["test"]["strategy"]["matrix"]["python"]]
    promised = python_versions_promised()
    assert promised <= set(matrix), f"README/pyproject promise {sorted(promised)}, CI tests {matrix}"
    setup = steps_using(ci["jobs"]["test"], "actions/setup-python")
    assert setup and setup[0]["with"]["python-version"] == "${{ matrix.python }}"


def test_the_test_job_uses_a_postgresql_service_through_database_url(ci):
    job = ci["jobs"]["test"]
    (name, service), *_ = [(n, s) for n, s in job["services"].items() if s["image"].startswith("postgres:")]
    assert "pg_isready" in service["options"] and "--health-cmd" in service["options"], (
        "without a health check the tests may start before PostgreSQL accepts connections"
    )
    published = {str(p).split(":")[0] for p in service["ports"]}
    url = urlsplit(job["env"]["DATABASE_URL"])
    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname in ("127.0.0.1", "localhost") and str(url.port or 5432) in published, (url, published)


def test_a_failed_test_run_leaves_its_output_and_the_executed_notebooks(ci):
    job = ci["jobs"]["test"]
    executed = [s for s in steps_running(job, "nbconvert") if s.get("if") == "failure()"]
    run = executed[0]["run"] if executed else ""
    assert "--execute" in run and "notebooks/*.ipynb" in run and "notebooks/ko/*.ipynb" in run, run
    uploads = [s for s in steps_using(job, "actions/upload-artifact") if s.get("if") == "failure()"]
    assert uploads, "nothing is uploaded when the tests fail"
    kept = uploads[0]["with"]["path"]
    assert "test-results" in kept and '--output-dir "test-results/' in run


# ---------------------------------------------------------------------------------------------
# ci.yml: lint and docker


def test_the_lint_job_runs_every_linter(ci):
    scripts = "\n".join(step.get("run", "") for step in ci["jobs"]["lint"]["steps"])
    for needle in (
        "ruff check",
        "ruff format --check",
        "makemigrations --check --dry-run",
        "hadolint Dockerfile",
        "actionlint",
    ):
        assert needle in scripts, f"the lint job does not run `{needle}`"
    assert "ci.yml" in scripts and "cd.yml" in scripts


def test_the_docker_job_builds_every_target_compose_runs_with_the_actions_cache(ci):
    job = ci["jobs"]["docker"]
    [bake] = steps_using(job, "docker/bake-action")
    built = set(bake["with"]["targets"].split(","))
    wanted = compose_build_targets()
    assert wanted == {"web", "lab", "proxy"}, f"docker-compose.yml builds {wanted}"
    assert wanted <= dockerfile_stages()
    assert built == wanted, f"CI builds {built}, docker-compose.yml needs {wanted}"
    assert bake["with"]["files"] == "docker-compose.yml", "bake reads the targets from the compose file"
    assert bake["with"]["load"] is True, "compose runs the images CI built"
    [names] = [step for step in job["steps"] if step.get("id") == bake["with"]["set"].split(".")[1]]
    for target in wanted:
        assert f"{target}.cache-from=type=gha" in names["run"].replace("$service", target)
        assert f"{target}.cache-to=type=gha" in names["run"].replace("$service", target)
    assert not steps_using(job, "docker/build-push-action"), "one bake, not a copied step per target"
    assert steps_using(job, "docker/setup-buildx-action")


def test_the_docker_job_starts_the_stack_runs_the_smoke_test_and_always_tears_down(ci):
    steps = ci["jobs"]["docker"]["steps"]
    runs = [(step.get("if"), words) for step in steps for words in command_lines(step.get("run", ""))]
    ups = [w for _, w in runs if w[:3] == ["docker", "compose", "up"]]
    assert ups and "--wait" in ups[0] and "--no-build" in ups[0]
    assert any("tests/test_compose.py" in w for _, w in runs)
    downs = [(cond, w) for cond, w in runs if w[:3] == ["docker", "compose", "down"]]
    assert downs and downs[-1][0] == "always()" and {"-v", "--volumes"} & set(downs[-1][1])
    logs = [cond for cond, w in runs if w[:3] == ["docker", "compose", "logs"]]
    assert logs == ["failure()"]
    uploads = steps_using(ci["jobs"]["docker"], "actions/upload-artifact")
    assert [s for s in uploads if s.get("if") == "failure()"]
    # The stack gets a fresh JUPYTER_TOKEN and passwords, never the example's.
    env_step = next(s for s in steps if "cp .env.example .env" in s.get("run", ""))
    for name in ("JUPYTER_TOKEN", "POSTGRES_PASSWORD", "DJANGO_SECRET_KEY"):
        assert name in env_step["run"]


# ---------------------------------------------------------------------------------------------
# Both workflows: pinning, permissions, time limits


@pytest.mark.parametrize("path", [CI_FILE, CD_FILE], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_of_a_named_release(path):
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned to a commit SHA"
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{ref} lacks its release as `# vX.Y.Z`"


@pytest.mark.parametrize("path", [CI_FILE, CD_FILE], ids=lambda p: p.name)
def test_least_privilege_and_every_job_has_a_time_limit(path):
    workflow = load_workflow(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "concurrency" in workflow
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"job {name} has no timeout-minutes"
        for scope, level in job.get("permissions", {}).items():
            if level == "write":
                assert (path, name, scope) == (CD_FILE, "build-and-push", "packages"), (
                    f"{path.name}: job {name} may write {scope}"
                )


def test_ci_cancels_superseded_runs_but_not_on_main(ci):
    concurrency = ci["concurrency"]
    assert "github.ref" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.ref != 'refs/heads/main' }}"


# ---------------------------------------------------------------------------------------------
# cd.yml


def test_cd_starts_only_after_ci_succeeded_on_a_push_to_main(ci, cd):
    trigger = cd["on"]["workflow_run"]
    assert trigger["workflows"] == [ci["name"]]
    assert trigger["types"] == ["completed"]
    assert trigger["branches"] == ["main"]
    gate = " ".join(cd["jobs"]["build-and-push"]["if"].split())
    for condition in (
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.head_branch == 'main'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
    ):
        assert condition in gate, f"the build job's gate lacks {condition}"
    assert "workflow_dispatch" in cd["on"]
    assert cd["concurrency"]["cancel-in-progress"] is False, "a started deploy must finish"


def test_cd_pushes_web_and_proxy_tagged_with_the_tested_sha_and_latest(cd):
    job = cd["jobs"]["build-and-push"]
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    (login,) = steps_using(job, "docker/login-action")
    assert login["with"]["registry"] == "ghcr.io"
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    names = next(s for s in job["steps"] if s.get("id") == "names")
    assert names["env"]["TESTED_SHA"] == "${{ github.event.workflow_run.head_sha || github.sha }}"
    pushed = {}
    for step in steps_using(job, "docker/build-push-action"):
        assert step["with"]["push"] is True
        pushed[step["with"]["target"]] = step["with"]["tags"].strip().splitlines()
    assert set(pushed) == {"web", "proxy"}
    for target, tags in pushed.items():
        prefix = f"${{{{ steps.names.outputs.prefix }}}}-{target}"
        assert sorted(tags) == sorted([f"{prefix}:${{{{ steps.names.outputs.tag }}}}", f"{prefix}:latest"])


def test_deploy_needs_the_pushed_images_and_waits_in_the_production_environment(cd):
    job = cd["jobs"]["deploy"]
    assert job["needs"] in ("build-and-push", ["build-and-push"])
    environment = job["environment"]
    assert (environment if isinstance(environment, str) else environment["name"]) == "production"
    assert "write" not in job["permissions"].values()
    deploy = next(s for s in job["steps"] if s.get("id") == "deploy")
    commands = [
        [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)] for words in command_lines(deploy["run"])
    ]
    assert ["bash", "deploy/deploy.sh"] in commands
    script = DEPLOY_SCRIPT.read_text()
    for needle in ("docker-compose.prod.yml", ".env.prod", "compose pull", "--wait", "/api/health/"):
        assert needle in script, f"deploy/deploy.sh does not do {needle!r}"
    assert "StrictHostKeyChecking=yes" in script
    assert "roll" in next(s for s in job["steps"] if s.get("name") == "How to roll back")["run"].lower()


def test_cd_and_the_rehearsal_run_the_same_deploy_script_with_the_same_variables(cd):
    """One script, two callers: cd.yml's deploy step and `rehearse deploy` (workbook/rehearsal.py)."""
    from workbook import rehearsal

    job = cd["jobs"]["deploy"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert "deploy/deploy.sh" in checkout["with"]["sparse-checkout"].split()
    assert rehearsal.DEPLOY_SCRIPT == ROOT / "deploy" / "deploy.sh"
    deploy = next(s for s in job["steps"] if s.get("id") == "deploy")
    # What the script reads, as cd.yml sets it (job env, step env, the command line) and as the
    # rehearsal sets it: the same names on both sides.
    from_cd = set(job["env"]) | set(deploy["env"]) | set(re.findall(r"\b([A-Z_]+)=", deploy["run"]))
    state = {"ssh_port": 2222, "registry_port": 5000, "web_port": 8000}
    r = rehearsal.Rehearsal("name-only")
    r.state = lambda: state
    r._password = lambda: "x"
    from_rehearsal = set(r.script_env("tag")) - {"PATH", "HOME", "DEPLOY_PROJECT"}
    assert from_rehearsal == from_cd, from_rehearsal ^ from_cd
    read_by_script = set(re.findall(r"\$\{?([A-Z][A-Z_]+)", DEPLOY_SCRIPT.read_text()))
    assert from_cd - {"DEPLOY_DIR"} <= read_by_script | {"SSH_PORT"}


def secrets_check(cd) -> dict:
    (step,) = [s for s in cd["jobs"]["deploy"]["steps"] if s.get("id") == "secrets"]
    return step


def run_secrets_check(cd, tmp_path, values: dict[str, str]) -> tuple[subprocess.CompletedProcess, str]:
    step = secrets_check(cd)
    output = tmp_path / "github_output"
    output.write_text("")
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **values}
    # As GitHub runs a `shell: bash` step.
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env,
        capture_output=True,
        text=True,
    )
    return result, output.read_text()


def test_deploy_is_skipped_with_a_notice_never_failed_without_its_secrets(cd, tmp_path):
    step = secrets_check(cd)
    assert set(step["env"]) == set(DEPLOY_SECRETS)
    assert all(step["env"][name] == f"${{{{ secrets.{name} }}}}" for name in DEPLOY_SECRETS)

    result, output = run_secrets_check(cd, tmp_path, {})
    assert result.returncode == 0, result.stderr
    assert "::notice" in result.stdout and "SSH_HOST" in result.stdout
    assert output.split() == ["ready=false"]

    one_missing = {name: "x" for name in DEPLOY_SECRETS if name != "ENV_PROD"}
    result, output = run_secrets_check(cd, tmp_path, one_missing)
    assert result.returncode == 0 and output.split() == ["ready=false"]
    assert "ENV_PROD" in result.stdout and "SSH_HOST" not in result.stdout

    result, output = run_secrets_check(cd, tmp_path, {name: "x" for name in DEPLOY_SECRETS})
    assert result.returncode == 0 and output.split() == ["ready=true"]
    assert "::notice" not in result.stdout

    later = cd["jobs"]["deploy"]["steps"][cd["jobs"]["deploy"]["steps"].index(step) + 1 :]
    assert later and all("steps.secrets.outputs.ready == 'true'" in s.get("if", "") for s in later), (
        "every step after the check must wait for ready == 'true'"
    )


def test_the_deploy_script_rolls_back_when_the_new_images_are_unhealthy():
    script = DEPLOY_SCRIPT.read_text()
    assert "set -o errexit -o nounset -o pipefail" in script
    after_failure = script.split("the new web never became healthy", 1)[0].rsplit("wait_healthy", 1)[1]
    assert "restore_previous_files" in after_failure and 'retire "${new_web[@]}"' in after_failure
    retire = script.split("\nretire() {", 1)[1].split("\n}", 1)[0]
    assert "docker stop" in retire and "docker rm" in retire


# ---------------------------------------------------------------------------------------------
# actionlint, shellcheck and GitHub's workflow schema


def tool(name: str) -> str:
    """An installed tool: beside this Python (the virtual environment), else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed: `pip install -r requirements-dev.txt` installs it"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def actionlint(*paths: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def test_actionlint_finds_nothing_in_either_workflow():
    result = actionlint(CI_FILE.relative_to(ROOT), CD_FILE.relative_to(ROOT))
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


def test_actionlint_checks_the_inputs_of_each_pinned_action_too(tmp_path):
    """actionlint knows actions by their major tag: lint a copy with each SHA replaced by `@vN`."""
    copies = tmp_path / ".github" / "workflows"
    copies.mkdir(parents=True)
    for path in (CI_FILE, CD_FILE):
        text = re.sub(r"@[0-9a-f]{40}\s*# v(\d+)\.\d+\.\d+", r"@v\1", path.read_text())
        assert not re.search(r"@[0-9a-f]{40}", text)
        (copies / path.name).write_text(text)
    result = actionlint(copies / "ci.yml", copies / "cd.yml", cwd=tmp_path)
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    """The check can fail: a mistyped input and an unknown job in `needs` are both reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: nowhere\n    steps:\n"
        "      - uses: actions/checkout@v7\n        with:\n          fetch_depth: 1\n"
    )
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode == 1
    assert "fetch_depth" in result.stdout and "nowhere" in result.stdout


@pytest.mark.parametrize("script", [DEPLOY_SCRIPT, ROOT / "deploy" / "rehearsal" / "server-entrypoint.sh"])
def test_shellcheck_finds_nothing_in_the_deploy_scripts(script):
    result = subprocess.run([tool("shellcheck"), str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", [CI_FILE, CD_FILE], ids=lambda p: p.name)
def test_workflows_match_githubs_workflow_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    try:
        from importlib.resources import files

        schema_file = files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
        schema = json.loads(schema_file.read_text())
    except ModuleNotFoundError:
        tool("check-jsonschema")  # fails in CI, skips elsewhere, with the install hint
        raise
    validator = jsonschema.validators.validator_for(schema)(schema)
    found = validator.iter_errors(load_workflow(path))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
    assert not errors, errors


def test_deploy_md_documents_every_secret_cd_reads():
    names = set(re.findall(r"\$\{\{\s*secrets\.(\w+)", CD_FILE.read_text())) - {"GITHUB_TOKEN"}
    assert set(DEPLOY_SECRETS) <= names
    deploy_md = (ROOT / "DEPLOY.md").read_text()
    undocumented = sorted(name for name in names if f"| `{name}` |" not in deploy_md)
    assert not undocumented, f"DEPLOY.md's table of secrets lacks {undocumented}"


def test_the_cicd_notebook_shows_the_step_that_runs_the_tests(ci):
    """02-cicd's "test step of CI" prints the step that runs the suite, not the one that installs it."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "02-cicd.ipynb", as_version=4)
    cell = next(cell for cell in nb.cells if cell.get("id") == "c015")
    printed = "".join(output.get("text", "") for output in cell.outputs)
    step = readme_test_step(ci)
    assert printed.splitlines()[0] == step["name"], printed
    assert step["run"].strip() in printed
