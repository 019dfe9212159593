"""The checks of 02-deploy: the reference answers pass, plausible wrong ones fail with the meant hint."""

from __future__ import annotations

import pytest

from workbook.checks import deploy as check
from workbook.checks._base import CheckFailed, NotAnswered

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "DATABASE_URL",
]


FIXED = check.GIVEN_STEP.replace("secrets.SSH_KEY", "secrets.SSH_PRIVATE_KEY")


def test_q1_accepts_the_step_fixed_however_it_is_written(capsys):
    check.q1(FIXED)
    check.q1(check.GIVEN_STEP.replace("${{ secrets.SSH_KEY }}", "${{secrets.SSH_PRIVATE_KEY}}"))
    indented = "\n".join("      " + line for line in FIXED.splitlines())  # as it sits in a job
    check.q1(indented)
    first, *rest = FIXED.removeprefix("- ").splitlines()
    check.q1("\n".join([first, *(line[2:] for line in rest)]))  # the step alone, not a list of one
    assert capsys.readouterr().out.count("✓ q1") == 4


def test_the_given_step_is_what_02_deploy_shows_and_hands_over():
    from workbook.authoring import conventions
    from workbook.paths import NOTEBOOKS_DIR

    cells = conventions.read(NOTEBOOKS_DIR / "02-deploy.ipynb").cells
    statement = next(c.source for c in cells if "Exercise q1" in c.source)
    assert check.GIVEN_STEP.strip() in statement
    assert any("given_step = check.GIVEN_STEP" in c.source for c in cells)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (check.GIVEN_STEP, "SSH_KEY is not a secret of the production environment"),
        (
            FIXED.replace("secrets.SSH_PRIVATE_KEY", "secrets.SSH_DEPLOY_KEY"),
            "SSH_DEPLOY_KEY is not a secret",
        ),
        (
            FIXED.replace("secrets.SSH_PRIVATE_KEY", "secrets.ssh_private_key"),
            "ssh_private_key is not a secret",
        ),
        (FIXED.replace("secrets.SSH_PRIVATE_KEY", "secrets.ENV_PROD"), "SSH_PRIVATE_KEY should read"),
        (FIXED.replace("secrets.SSH_PRIVATE_KEY", "secrets.SSH_HOST"), "SSH_PRIVATE_KEY should read"),
        (
            FIXED.replace("    SSH_PRIVATE_KEY: ${{ secrets.SSH_PRIVATE_KEY }}\n", ""),
            "SSH_PRIVATE_KEY should read",
        ),
        (FIXED.replace("SSH_PRIVATE_KEY: ${{", "SSH_KEY: ${{"), "SSH_PRIVATE_KEY should read"),
        (FIXED.replace("    install -d -m 700 ~/.ssh\n", ""), "only the secret's name"),
        (
            FIXED.replace(
                "    ENV_PROD: ${{", "    GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n    ENV_PROD: ${{"
            ),
            "only",
        ),
        (FIXED.replace("  env:", "env:"), "not valid YAML|not one step"),
        ("SSH_PRIVATE_KEY", "not one step"),
        (["SSH_PRIVATE_KEY"], "as a string"),
    ],
)
def test_q1_rejects_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q1(answer)


def test_q1_answers_every_hostile_value_with_a_cross():
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.q1(value)


def test_q1_and_q2_say_when_there_is_no_answer_yet():
    for q in (check.q1, check.q2, check.q3):
        with pytest.raises(NotAnswered):
            q(...)


LACKING = ["DJANGO_ALLOWED_HOSTS", "DATABASE_URL"]


def test_q2_accepts_the_lacking_values_in_any_order(capsys):
    check.q2(LACKING)
    check.q2(set(reversed(LACKING)))
    check.q2(tuple(name.lower() for name in LACKING))
    assert capsys.readouterr().out.count("✓ q2") == 3


def test_lacking_follows_the_scripts_own_test(tmp_path):
    """The same rule deploy.sh applies: an empty value, a commented line, a space before = all lack."""
    text = "\n".join(
        [
            "DJANGO_SECRET_KEY=x",
            "DJANGO_ALLOWED_HOSTS =a.example",
            "POSTGRES_DB=",
            "#POSTGRES_USER=u",
            "POSTGRES_PASSWORD=p",
            "DATABASE_URL=postgres://u:p@db/x",
        ]
    )
    assert check.lacking(text) == ["DJANGO_ALLOWED_HOSTS", "POSTGRES_DB", "POSTGRES_USER"]
    assert check.lacking(check.GIVEN_ENV_PROD) == LACKING


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (LACKING[:1], "not the values this .env.prod lacks"),
        ([*LACKING, "POSTGRES_PASSWORD"], "not the values"),
        (REQUIRED, "not the values"),
        ([*LACKING, "DJANGO_SUPERUSER_PASSWORD"], "DJANGO_SUPERUSER_PASSWORD is not checked"),
        (["ENV_PROD"], "ENV_PROD is not checked"),
        ("DJANGO_ALLOWED_HOSTS DATABASE_URL", "should be a list"),
    ],
)
def test_q2_rejects_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q2(answer)


def test_q2_answers_every_hostile_value_with_a_cross():
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.q2(value)


def test_names_written_as_the_files_write_them_pass(capsys):
    """A name copied with its surroundings from deploy.sh is the same name."""
    check.q2([f"${name}" for name in LACKING])
    check.q2([f" {name}= " for name in LACKING])
    assert capsys.readouterr().out.count("✓") == 2


def test_a_dict_is_not_the_list_asked_for():
    with pytest.raises(CheckFailed, match="list"):
        check.q2(dict.fromkeys(LACKING, "value"))


# q3 the roll back, from the log

ROLLBACK = "IMAGE_TAG=8d41b07c93ef docker compose up --detach --wait"


def test_the_log_gives_the_release_that_broke_and_the_one_before():
    assert check.release_before_the_break(check.GIVEN_LOG, check.Q3_SINCE) == ("c2a6f5e0d118", "8d41b07c93ef")
    # before the last deploy, the one before it: the rule reads the log, not a stored answer
    assert check.release_before_the_break(check.GIVEN_LOG, "12:00:00") == ("8d41b07c93ef", "3f9c2e1a7b40")


@pytest.mark.parametrize(
    "answer",
    [
        ROLLBACK,
        "cd ~/workbook && IMAGE_TAG=8d41b07c93ef docker compose up --detach --wait",
        "IMAGE_TAG='8d41b07c93ef' docker compose up -d",
        "  IMAGE_TAG=8d41b07c93ef docker compose up --wait --detach\n",
    ],
)
def test_q3_accepts_the_roll_back_however_it_is_written(answer, capsys):
    check.q3(answer)
    assert capsys.readouterr().out.startswith("✓ q3")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (ROLLBACK.replace("8d41b07c93ef", "c2a6f5e0d118"), "the release that broke the feed"),
        (ROLLBACK.replace("8d41b07c93ef", "5be7d94a2c01"), "never served"),
        (ROLLBACK.replace("8d41b07c93ef", "3f9c2e1a7b40"), "not the release before the break"),
        (ROLLBACK.replace("8d41b07c93ef", "latest"), "not the release before the break"),
        ("docker compose up --detach --wait", "does not say which release"),
        ("IMAGE_TAG=8d41b07c93ef docker compose up", "not a docker compose up --detach"),
        ("IMAGE_TAG=8d41b07c93ef docker compose restart", "not a docker compose up"),
        ("8d41b07c93ef", "not a docker compose up"),
        ("IMAGE_TAG='8d41b07c93ef docker compose up -d", "not a shell command"),
        (["IMAGE_TAG=8d41b07c93ef"], "as a string"),
    ],
)
def test_q3_rejects_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q3(answer)


def test_q3_answers_every_hostile_value_with_a_cross():
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.q3(value)


# deploy_step: the deploy job's last step, written from the given pieces

STEP = """\
- name: Deploy over SSH
  env:
    SSH_HOST: ${{ secrets.SSH_HOST }}
    SSH_USER: ${{ secrets.SSH_USER }}
    SSH_KEY_FILE: ${{ runner.temp }}/deploy_key
    SSH_KNOWN_HOSTS_FILE: ${{ runner.temp }}/known_hosts
    ENV_PROD_FILE: ${{ runner.temp }}/env.prod
    IMAGE_PREFIX: ${{ needs.build-and-push.outputs.image-prefix }}
    IMAGE_TAG: ${{ needs.build-and-push.outputs.tag }}
    REGISTRY_USER: ${{ github.actor }}
    REGISTRY_PASSWORD: ${{ secrets.GITHUB_TOKEN }}
  run: bash deploy/deploy.sh
"""

# The files named on the run: line, where the shell expands $RUNNER_TEMP, as cd.yml's own step does.
STEP_FILES_ON_THE_RUN_LINE = """\
- name: Deploy
  env:
    SSH_HOST: ${{secrets.SSH_HOST}}
    SSH_USER: ${{ secrets.SSH_USER }}
    IMAGE_PREFIX: ${{ needs.build-and-push.outputs.image-prefix }}
    IMAGE_TAG: ${{ needs.build-and-push.outputs.tag }}
    REGISTRY_USER: ${{ github.actor }}
    REGISTRY_PASSWORD: ${{ github.token }}
  run: |
    SSH_KEY_FILE="$RUNNER_TEMP/deploy_key" SSH_KNOWN_HOSTS_FILE=${RUNNER_TEMP}/known_hosts \\
      ENV_PROD_FILE="$RUNNER_TEMP/env.prod" bash deploy/deploy.sh
"""

STEP_WITH_EXPORTS = STEP.replace("    SSH_KEY_FILE: ${{ runner.temp }}/deploy_key\n", "").replace(
    "  run: bash deploy/deploy.sh\n",
    '  run: |\n    export SSH_KEY_FILE="$RUNNER_TEMP/deploy_key"\n    ./deploy/deploy.sh\n',
)


def test_deploy_step_accepts_the_step_however_it_is_written(capsys):
    check.deploy_step(STEP)
    check.deploy_step(STEP_FILES_ON_THE_RUN_LINE)
    check.deploy_step(STEP_WITH_EXPORTS)
    check.deploy_step("\n".join("      " + line for line in STEP.splitlines()))  # as it sits in the job
    assert capsys.readouterr().out.count("✓ deploy_step") == 4


CD_YML_STEP = """\
- name: Deploy over SSH (deploy/deploy.sh)
  env:
    SSH_HOST: ${{ secrets.SSH_HOST }}
    SSH_USER: ${{ secrets.SSH_USER }}
    SSH_PORT: ${{ secrets.SSH_PORT }}
    REGISTRY_USER: ${{ github.actor }}
    REGISTRY_PASSWORD: ${{ secrets.GITHUB_TOKEN }}
  run: |
    SSH_KEY_FILE=~/.ssh/deploy_key SSH_KNOWN_HOSTS_FILE=~/.ssh/known_hosts \\
      ENV_PROD_FILE="$RUNNER_TEMP/env.prod" bash deploy/deploy.sh
"""


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (STEP.replace("    IMAGE_TAG: ${{ needs.build-and-push.outputs.tag }}\n", ""), "missing IMAGE_TAG"),
        # cd.yml's step as it is: its job sets the images in env:, and its files are elsewhere
        (CD_YML_STEP, "missing IMAGE_PREFIX IMAGE_TAG"),
        (
            CD_YML_STEP.replace(
                "  env:\n",
                "  env:\n    IMAGE_PREFIX: ${{ needs.build-and-push.outputs.image-prefix }}\n"
                "    IMAGE_TAG: ${{ needs.build-and-push.outputs.tag }}\n",
            ),
            "SSH_KEY_FILE names no file the step before wrote",
        ),
        (
            STEP.replace("${{ needs.build-and-push.outputs.tag }}", "latest"),
            "latest is whatever",
        ),
        (STEP.replace("needs.build-and-push.outputs.tag", "github.sha"), "github.sha is a commit"),
        (
            STEP.replace("needs.build-and-push.outputs.tag", "steps.names.outputs.tag"),
            "is a step of another job",
        ),
        (
            STEP.replace("needs.build-and-push.outputs.image-prefix", "needs.build-and-push.outputs.prefix"),
            "IMAGE_PREFIX should be the output image-prefix",
        ),
        (STEP.replace("secrets.SSH_HOST", "secrets.EC2_HOST"), "EC2_HOST is not a secret"),
        (STEP.replace("${{ secrets.SSH_USER }}", "ubuntu"), "SSH_USER should come from the secret SSH_USER"),
        (
            STEP.replace("${{ runner.temp }}/deploy_key", "${{ secrets.SSH_PRIVATE_KEY }}"),
            "SSH_KEY_FILE is the path of a file",
        ),
        (
            STEP.replace("${{ runner.temp }}/env.prod", "$RUNNER_TEMP/env.prod"),
            r"in env:, \$RUNNER_TEMP/env.prod stays as written",
        ),
        (
            STEP.replace("${{ secrets.GITHUB_TOKEN }}", "${{ secrets.REGISTRY_PASSWORD }}"),
            "REGISTRY_PASSWORD is not a secret",
        ),
        (
            STEP.replace("${{ github.actor }}", "deploy"),
            "REGISTRY_USER should be the job's own registry login",
        ),
        (
            STEP.replace(
                "run: bash deploy/deploy.sh", 'run: SSH_HOST="${{ secrets.SSH_HOST }}" bash deploy/deploy.sh'
            ),
            "a secret is pasted into run:",
        ),
        (
            STEP.replace("run: bash deploy/deploy.sh", "run: docker compose up --detach"),
            "does not run deploy/deploy.sh",
        ),
        (
            STEP.replace("run: bash deploy/deploy.sh", "uses: appleboy/ssh-action@v1"),
            "an action cannot run deploy/deploy.sh",
        ),
        ("- name: Deploy\n  run: [bash deploy.sh", "not valid YAML"),
        (check.GIVEN_JOB, "not one step|does not run deploy/deploy.sh"),
    ],
)
def test_deploy_step_rejects_wrong_steps(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.deploy_step(answer)


def test_deploy_step_reads_its_truths_from_the_files():
    assert "IMAGE_TAG" in check.script_requires() and "REGISTRY_PASSWORD" in check.script_requires()
    assert set(check.build_outputs()) == {"tag", "image-prefix"}


def test_deploy_step_answers_every_hostile_value_with_a_cross():
    from workbook.checks._probe import HOSTILE

    for value in HOSTILE:
        with pytest.raises((CheckFailed, NotAnswered)):
            check.deploy_step(value)
    with pytest.raises(NotAnswered):
        check.deploy_step(None)


def test_the_given_job_is_what_02_deploy_shows():
    from workbook.authoring import conventions
    from workbook.paths import NOTEBOOKS_DIR

    cells = conventions.read(NOTEBOOKS_DIR / "02-deploy.ipynb").cells
    statement = next(c.source for c in cells if "Exercise deploy_step" in c.source)
    assert check.GIVEN_JOB.strip() in statement
