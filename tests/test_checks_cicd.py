"""The 02-cicd checks take the right answers and refuse plausible wrong ones; the workflow readers work."""

import pytest

from workbook import files
from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import cicd as check

needs_actionlint = pytest.mark.skipif(check.actionlint_path() is None, reason="actionlint is not installed")

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0"

GOOD = f"""
name: tests
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-24.04
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: postgres
        ports:
          - 5432:5432
    env:
      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres
    steps:
      - uses: {CHECKOUT}
      - uses: {SETUP_PYTHON}
        with:
          python-version: "3.12"
      - run: python -m pip install -r requirements-dev.txt -e .
      - run: python -m pytest
"""


# q1: the learner's workflow


@needs_actionlint
def test_q1_accepts_a_workflow_that_tests_every_push(capsys):
    check.q1(GOOD)
    assert capsys.readouterr().out.startswith("✓ q1")


@needs_actionlint
def test_q1_accepts_a_container_job_that_reaches_the_service_by_name(capsys):
    container_job = GOOD.replace(
        "    runs-on: ubuntu-24.04\n", "    runs-on: ubuntu-24.04\n    container: python:3.12\n"
    )
    container_job = container_job.replace("@127.0.0.1:5432", "@postgres:5432")
    check.q1(container_job)
    assert capsys.readouterr().out.startswith("✓ q1")


@needs_actionlint
@pytest.mark.parametrize(
    "workflow, says",
    [
        (GOOD.replace("    runs-on: ubuntu-24.04\n", ""), '"runs-on" section is missing'),
        (
            GOOD.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    timeout-minutes: soon"),
            "actionlint found",
        ),
        (GOOD.replace("  push:\n", ""), "does not run on push"),
        (GOOD.replace("python -m pytest", "python -m ruff check ."), "no step runs the tests"),
        (GOOD.replace("image: postgres:16", "image: redis:7"), "without a PostgreSQL service"),
        (GOOD.replace(f"      - uses: {CHECKOUT}\n", ""), "never checks out"),
        (
            GOOD.replace(
                "    env:\n      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres\n", ""
            ),
            "not told where",
        ),
        (GOOD.replace("        ports:\n          - 5432:5432\n", ""), "maps no port of the runner"),
        (GOOD.replace("@127.0.0.1:5432", "@db:5432"), "not where the service is"),
    ],
)
def test_q1_rejects(workflow, says):
    with pytest.raises(CheckFailed, match=says):
        check.q1(workflow)


# q1: what the wrong answers got past the first check, and right answers it refused

SHA_PINNED = GOOD
WORKFLOW_ENV = GOOD.replace(
    "    env:\n      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres\n", ""
).replace("jobs:\n", "env:\n  DATABASE_URL: postgres://postgres:postgres@localhost:5432/postgres\njobs:\n")
# The job context exists in a step's env (not the job's): the port GitHub picked for the service.
MAPPED_BY_GITHUB = (
    GOOD.replace("          - 5432:5432\n", "          - 5432\n")
    .replace("    env:\n      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres\n", "")
    .replace(
        "      - run: python -m pytest\n",
        "      - run: python -m pytest\n        env:\n          DATABASE_URL: "
        "postgres://postgres:postgres@127.0.0.1:${{ job.services.postgres.ports['5432'] }}/postgres\n",
    )
)
OTHER_HOST_PORT = GOOD.replace("- 5432:5432", "- 5433:5432").replace("@127.0.0.1:5432/", "@127.0.0.1:5433/")
RUN_PY = GOOD.replace("      - run: python -m pip install -r requirements-dev.txt -e .\n", "").replace(
    "python -m pytest", "python3 run.py test -m 'not docker'"
)
INLINE_URL = GOOD.replace(
    "    env:\n      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres\n", ""
).replace(
    "run: python -m pytest", "run: DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres pytest"
)


@needs_actionlint
@pytest.mark.parametrize(
    "workflow",
    [SHA_PINNED, WORKFLOW_ENV, MAPPED_BY_GITHUB, OTHER_HOST_PORT, RUN_PY, INLINE_URL],
    ids=[
        "pinned by SHA",
        "workflow-level env",
        "a port GitHub picks",
        "5433:5432",
        "run.py installs",
        "inline",
    ],
)
def test_q1_accepts_other_right_workflows(workflow, capsys):
    check.q1(workflow)
    assert capsys.readouterr().out.startswith("✓ q1")


@needs_actionlint
def test_old_action_versions_are_a_true_note_not_a_refusal(capsys):
    """Exercise 2 does not ask for pins: an old tag there is a note under the ✓."""
    from test_checks_cicd_matrix import REFERENCE

    check.needs_and_matrix(REFERENCE.replace(CHECKOUT, "actions/checkout@v4"))
    out = capsys.readouterr().out
    assert "✓ needs_and_matrix" in out and "note: line" in out and "actions/checkout@v4" in out
    assert "still runs" in out and "refuse" not in out


@pytest.mark.parametrize(
    "pinned",
    ["actions/checkout@v6", "actions/checkout@main", "actions/checkout@3d3c42e"],
)
def test_q1_refuses_an_action_not_pinned_to_a_commit(pinned):
    """The text asks to pin each action to a commit: a tag, a branch or a short SHA is not one."""
    with pytest.raises(CheckFailed, match="commit"):
        check.q1(GOOD.replace(CHECKOUT, pinned))


def test_q1_takes_local_and_docker_actions_unpinned(capsys):
    local = GOOD.replace(
        "      - run: python -m pytest\n",
        "      - run: python -m pytest\n      - uses: ./.github/actions/report\n"
        "      - uses: docker://alpine:3.20\n        with:\n          args: echo done\n",
    )
    check.q1(local)
    assert capsys.readouterr().out.startswith("✓ q1")


@needs_actionlint
@pytest.mark.parametrize(
    "workflow, says",
    [
        # the service's name from a job on the runner: only container jobs resolve it
        (GOOD.replace("@127.0.0.1:5432", "@postgres:5432"), "cannot resolve the name 'postgres'"),
        (
            GOOD.replace("- 5432:5432", "- 5433:5432"),
            "connect to port 5432, but service 'postgres' maps 5433",
        ),
        (
            GOOD.replace("      - run: python -m pip install -r requirements-dev.txt -e .\n", ""),
            "nothing installs",
        ),
        (
            GOOD.replace("pip install -r requirements-dev.txt -e .", "pip install requirements-dev.txt"),
            "project called 'requirements-dev.txt'",
        ),
        (
            GOOD.replace(
                "    runs-on: ubuntu-24.04\n", "    runs-on: ubuntu-24.04\n    container: python:3.12\n"
            ),
            "runs in a container, where '127.0.0.1' is not the service",
        ),
        (
            GOOD.replace("          POSTGRES_PASSWORD: postgres\n", "          POSTGRES_DB: app\n"),
            "without a password",
        ),
        (
            GOOD.replace(f"      - uses: {CHECKOUT}\n", "").replace(
                "      - run: python -m pytest\n",
                f"      - run: python -m pytest\n      - uses: {CHECKOUT}\n",
            ),
            "never checks out the repository before the tests",
        ),
    ],
    ids=[
        "service name on the runner",
        "port mapping",
        "no install",
        "no -r",
        "localhost in a container",
        "no password",
        "checkout after",
    ],
)
def test_q1_rejects_what_the_job_could_not_do(workflow, says):
    with pytest.raises(CheckFailed, match=says):
        check.q1(workflow)


def test_q1_rejects_something_that_is_not_text():
    with pytest.raises(CheckFailed, match="YAML text"):
        check.q1({"on": "push"})
    with pytest.raises(NotAnswered):
        check.q1(...)


def test_q1_without_actionlint_checks_the_content_and_says_so(monkeypatch, capsys):
    monkeypatch.setattr(check, "actionlint_path", lambda: None)
    check.q1(GOOD)
    out = capsys.readouterr().out
    assert "actionlint is not installed" in out and "✓ q1" in out
    with pytest.raises(CheckFailed, match="without a PostgreSQL service"):
        check.q1(GOOD.replace("image: postgres:16", "image: redis:7"))


@needs_actionlint
def test_the_project_workflows_pass_actionlint():
    for name in ("ci.yml", "cd.yml"):
        assert check.actionlint((files.WORKFLOWS_DIR / name).read_text()) == []


# q2: run order


def right_order(workflow):
    pending, order = dict(workflow["jobs"]), []
    while pending:
        for job_id, job in list(pending.items()):
            if all(n in order for n in files.needs(job)):
                order.append(job_id)
                del pending[job_id]
    return order


def test_q2_accepts_a_topological_order(capsys):
    check.q2(right_order)
    assert capsys.readouterr().out.startswith("✓ q2")


@pytest.mark.parametrize(
    "function, says",
    [
        (lambda workflow: list(workflow["jobs"]), "comes before"),
        (lambda workflow: sorted(workflow["jobs"]), "comes before"),
        (lambda workflow: set(workflow["jobs"]), "list of job ids"),
        (
            lambda workflow: [j for j in workflow["jobs"] if workflow["jobs"][j].get("needs")],
            "every job exactly once",
        ),
    ],
)
def test_q2_rejects(function, says):
    with pytest.raises(CheckFailed, match=says):
        check.q2(function)


def test_q2_a_string_needs_is_one_job_not_letters():
    """`needs: deploy` read as a list gives the letters d, e, p...: that loops for ever or fails."""
    workflow = check.SAMPLE_WORKFLOW
    assert files.needs(workflow["jobs"]["announce"]) == ["deploy"]
    assert check.order_problem(workflow, right_order(workflow)) is None
    assert check.order_problem(workflow, ["build", "test", "announce", "deploy", "docs"]) == (
        "'announce' comes before 'deploy', which it needs"
    )


def test_q2_treats_the_student_stub_as_no_answer():
    def stub(workflow):
        raise NotImplementedError("Exercise q2 is yours")

    with pytest.raises(NotAnswered, match="there is no answer yet"):
        check.q2(stub)


# the workflow readers


def test_on_is_read_back_from_yaml_true():
    workflow = files.load_workflow("on: [push, pull_request]\njobs: {}\n")
    assert list(files.triggers(workflow)) == ["push", "pull_request"]
    assert files.triggers(files.load_workflow("on: push\n")) == {"push": None}


def test_secrets_are_read_from_expressions_only():
    workflow = files.load_workflow(
        "on: push\njobs:\n  a:\n    steps:\n"
        "      - id: secrets\n        run: python -c 'import secrets; secrets.token_hex()'\n"
        "      - if: steps.secrets.outputs.ready == 'true'\n"
        "        env:\n          KEY: ${{ secrets.SSH_KEY }}\n"
        "        run: echo\n"
    )
    assert files.secrets_used(workflow) == ["SSH_KEY"]


def test_job_graph_links_cd_to_ci():
    graph = str(files.job_graph({n: files.read_workflow(n) for n in ("ci.yml", "cd.yml")}))
    assert "wf_ci_yml ==>" in graph
    for name in ("ci.yml", "cd.yml"):
        for job_id in files.jobs(files.read_workflow(name)):
            assert f'["{job_id}' in graph


def test_q2_rejects_the_order_of_ci_yml_typed_in():
    typed = list(files.jobs(files.read_workflow("ci.yml")))
    with pytest.raises(CheckFailed, match="cd.yml|every job exactly once"):
        check.q2(lambda workflow: list(typed))


def test_q2_accepts_graphlib_and_a_depth_first_order(capsys):
    import graphlib

    def with_graphlib(workflow):
        graph = {job_id: set(files.needs(job)) for job_id, job in workflow["jobs"].items()}
        return list(graphlib.TopologicalSorter(graph).static_order())

    def depth_first(workflow):
        order = []

        def visit(job_id):
            for needed in files.needs(workflow["jobs"][job_id]):
                visit(needed)
            if job_id not in order:
                order.append(job_id)

        for job_id in workflow["jobs"]:
            visit(job_id)
        return tuple(order)

    check.q2(with_graphlib)
    check.q2(depth_first)
    assert capsys.readouterr().out.count("✓ q2") == 2
