"""02-cicd's least-privilege exercise: read-only tokens but for the job that pushes, checked by what
each job's token ends up with; and the Dependabot file that keeps the SHA pins current."""

import json

import pytest
import yaml

from workbook.checks import CheckFailed
from workbook.checks import cicd as check
from workbook.paths import WORKFLOWS_DIR

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
LOGIN = "docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0"


def indented(block: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in block.strip("\n").splitlines()) if block else ""


def workflow(
    top="permissions:\n  contents: read", test="", publish="permissions:\n  contents: read\n  packages: write"
):
    """The exercise's workflow with these permissions blocks (empty: none): top, test, publish."""
    return f"""
name: publish
on:
  push:
    branches: [main]
{indented(top, 0)}jobs:
  test:
    runs-on: ubuntu-24.04
{indented(test, 4)}    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - run: python -m pip install -r requirements-dev.txt -e . && python -m pytest
  publish:
    needs: test
    runs-on: ubuntu-24.04
{indented(publish, 4)}    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - uses: {LOGIN}
        with:
          registry: ghcr.io
          username: ${{{{ github.actor }}}}
          password: ${{{{ secrets.GITHUB_TOKEN }}}}
      - run: docker build -t ghcr.io/example/site:latest . && docker push ghcr.io/example/site:latest
"""


REFERENCE = workflow()


def test_the_reference_passes(capsys):
    check.least_privilege(REFERENCE)
    assert capsys.readouterr().out.startswith("✓ least_privilege: every token reads the code")


@pytest.mark.parametrize(
    "answer",
    [
        # test says what it gets anyway
        workflow(test="permissions:\n  contents: read"),
        # scopes named none are no grant
        workflow(
            top="permissions:\n  contents: read\n  issues: none",
            publish="permissions:\n  contents: read\n  packages: write\n  id-token: none",
        ),
        # flow style
        workflow(
            top="permissions: {contents: read}", publish="permissions: {contents: read, packages: write}"
        ),
    ],
)
def test_the_same_grants_written_another_way_pass(answer):
    check.least_privilege(answer)


@pytest.mark.parametrize(
    "answer, says",
    [
        (workflow(top="", publish=""), "sets no permissions"),
        (workflow(top=""), "sets no permissions"),
        (workflow(top="permissions: write-all", publish=""), "more or less than read the code"),
        (workflow(top="permissions: read-all"), "more or less than read the code"),
        (
            workflow(top="permissions:\n  contents: read\n  packages: write", publish=""),
            "more or less than read",
        ),
        (workflow(test="permissions:\n  contents: write"), "test's token may do more or less"),
        (workflow(test="permissions: {}"), "test's token may do more or less"),
        (workflow(publish=""), "may not write packages"),
        (workflow(publish="permissions:\n  packages: write"), "cannot read the code"),
        (workflow(publish="permissions: write-all"), "may do more than read the code and write packages"),
        (
            workflow(publish="permissions:\n  contents: write\n  packages: write"),
            "may do more than read the code and write packages",
        ),
        (workflow(publish="permissions:\n  contents: read\n  packages: writ"), "actionlint found"),
        (
            workflow().replace("  publish:", "  release:"),
            "keep the two jobs",
        ),
        ("name: [unclosed", "not a workflow's YAML"),
        (42, "the workflow's YAML text"),
    ],
)
def test_a_token_that_may_do_too_much_or_too_little_is_refused(answer, says):
    with pytest.raises(CheckFailed, match=says):
        check.least_privilege(answer)


def test_no_answer_yet():
    with pytest.raises(CheckFailed, match="no answer yet"):
        check.least_privilege(None)


# ---------------------------------------------------------------- Dependabot

DEPENDABOT = WORKFLOWS_DIR.parent / "dependabot.yml"


def dependabot_schema_errors(config) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib.resources import files

    schema_file = files("check_jsonschema.builtin_schemas.vendor") / "dependabot.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [e.message for e in validator.iter_errors(config)]


def test_dependabot_updates_the_actions_pins_and_the_python_requirements():
    config = yaml.safe_load(DEPENDABOT.read_text())
    assert config["version"] == 2
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert {("github-actions", "/"), ("pip", "/")} <= watched
    assert dependabot_schema_errors(config) == []


def test_the_dependabot_schema_check_finds_a_broken_file():
    broken = {
        "version": 2,
        "updates": [{"package-ecosystem": "github-actions", "schedule": {"interval": "hourly"}}],
    }
    assert dependabot_schema_errors(broken)
