"""The checks of 02-deploy: the reference answers pass, plausible wrong ones fail with the meant hint."""

from __future__ import annotations

import pytest

from workbook.checks import deploy as check
from workbook.checks._base import CheckFailed, NotAnswered

SECRETS = ["SSH_HOST", "SSH_USER", "SSH_PRIVATE_KEY", "SSH_KNOWN_HOSTS", "ENV_PROD"]
REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "DATABASE_URL",
]


def test_q1_accepts_the_secrets_with_or_without_the_optional_port(capsys):
    check.q1(SECRETS)
    check.q1({*SECRETS, "SSH_PORT"})
    check.q1(tuple(name.lower() for name in SECRETS))
    assert capsys.readouterr().out.count("✓ q1") == 3


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (SECRETS[:-1], "not the secrets"),
        ([*SECRETS, "GITHUB_TOKEN"], "GITHUB_TOKEN"),
        ([*SECRETS, "DJANGO_SECRET_KEY"], "not a secret of its own"),
        ("SSH_HOST SSH_USER", "should be a list"),
    ],
)
def test_q1_rejects_wrong_answers(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q1(answer)


def test_q1_and_q2_say_when_there_is_no_answer_yet():
    for q in (check.q1, check.q2):
        with pytest.raises(NotAnswered):
            q(...)


def test_q2_accepts_the_required_values_in_any_order(capsys):
    check.q2(REQUIRED)
    check.q2(set(reversed(REQUIRED)))
    assert capsys.readouterr().out.count("✓ q2") == 2


@pytest.mark.parametrize(
    "answer",
    [REQUIRED[:-1], [*REQUIRED, "DJANGO_SUPERUSER_PASSWORD"], ["ENV_PROD"]],
)
def test_q2_rejects_wrong_answers(answer):
    with pytest.raises(CheckFailed, match="not the variables"):
        check.q2(answer)


def test_names_written_as_the_files_write_them_pass(capsys):
    """A name copied with its surroundings from cd.yml or deploy.sh is the same name."""
    check.q1([f"${{{{ secrets.{name} }}}}" for name in SECRETS])
    check.q1([f"secrets.{name}" for name in SECRETS])
    check.q2([f"${name}" for name in REQUIRED])
    check.q2([f" {name}= " for name in REQUIRED])
    assert capsys.readouterr().out.count("✓") == 4


def test_a_dict_is_not_the_list_asked_for():
    with pytest.raises(CheckFailed, match="list"):
        check.q2(dict.fromkeys(REQUIRED, "value"))
