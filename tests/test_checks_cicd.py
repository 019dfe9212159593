"""The 02-cicd checks take the right answers and refuse plausible wrong ones; the workflow readers work."""

import pytest

from workbook import files
from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import cicd as check

needs_actionlint = pytest.mark.skipif(check.actionlint_path() is None, reason="actionlint is not installed")

GOOD = """
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
      - uses: actions/checkout@v6
      - uses: actions/setup-python@v6
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
        (GOOD.replace("actions/checkout@v6", "actions/checkout@v4"), "actionlint found"),
        (GOOD.replace("  push:\n", ""), "does not run on push"),
        (GOOD.replace("python -m pytest", "python -m ruff check ."), "no step runs the tests"),
        (GOOD.replace("image: postgres:16", "image: redis:7"), "without a PostgreSQL service"),
        (GOOD.replace("      - uses: actions/checkout@v6\n", ""), "never checks out"),
        (
            GOOD.replace(
                "    env:\n      DATABASE_URL: postgres://postgres:postgres@127.0.0.1:5432/postgres\n", ""
            ),
            "not told where",
        ),
        (GOOD.replace("        ports:\n          - 5432:5432\n", ""), "publishes no port"),
        (GOOD.replace("@127.0.0.1:5432", "@db:5432"), "neither the runner nor the service"),
    ],
)
def test_q1_rejects(workflow, says):
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
