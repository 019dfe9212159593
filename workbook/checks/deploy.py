"""Checks for 02-deploy: a deploy step's wrong secret name fixed, and what .env.prod must hold for
the deploy.

Both truths are read from the files (cd.yml, deploy/deploy.sh) each time, never from a copy.
"""

from __future__ import annotations

import re
import textwrap

from ..i18n import _
from ._base import CheckFailed, ok, require_answer
from ._probe import guarded


def _names(exercise: str, answer, what: str) -> set[str]:
    if isinstance(answer, str | dict) or not hasattr(answer, "__iter__"):
        raise CheckFailed(
            exercise,
            _("the answer should be a list (or set) of {what}").format(what=what),
            got=repr(answer),
            hint=_('for example ["NAME_ONE", "NAME_TWO"]'),
        )
    return {_name(name) for name in answer}


def _name(value) -> str:
    """A name as the learner may copy it: `${{ secrets.SSH_HOST }}`, `secrets.SSH_HOST`, `$DATABASE_URL`
    or `DATABASE_URL=` all name SSH_HOST or DATABASE_URL."""
    text = str(value).strip()
    match = re.fullmatch(r"\$\{\{\s*(.*?)\s*\}\}", text)
    text = (match.group(1) if match else text).removeprefix("secrets.").lstrip("$").strip("{}").rstrip("=")
    return text.strip().upper()


# A step as a teammate wrote it for the deploy job: it reads one secret under a name the
# production environment does not hold. q1 asks for it fixed.
GIVEN_STEP = """\
- name: Deploy key and .env.prod, in files
  env:
    SSH_PRIVATE_KEY: ${{ secrets.SSH_KEY }}
    ENV_PROD: ${{ secrets.ENV_PROD }}
  run: |
    install -d -m 700 ~/.ssh
    (umask 077 && printf '%s\\n' "$SSH_PRIVATE_KEY" > ~/.ssh/deploy_key)
    (umask 077 && printf '%s\\n' "$ENV_PROD" > "$RUNNER_TEMP/env.prod")
"""

SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _step(exercise: str, text) -> dict:
    import yaml

    if not isinstance(text, str):
        raise CheckFailed(
            exercise,
            _("the answer should be the step's YAML, as a string"),
            got=repr(text),
            hint=_('start from given_step: fixed_step = given_step.replace("…", "…")'),
        )
    try:
        step = yaml.safe_load(textwrap.dedent(text))
    except yaml.YAMLError as exc:
        raise CheckFailed(
            exercise,
            _("the step is not valid YAML"),
            got=str(exc).splitlines()[0],
            hint=_("keep the indentation"),
        ) from None
    if isinstance(step, list) and len(step) == 1:
        step = step[0]
    if not isinstance(step, dict) or not isinstance(step.get("env"), dict):
        raise CheckFailed(
            exercise,
            _("not one step with an env: block"),
            got=repr(step)[:120],
            hint=_("fix the name inside given_step; change nothing else"),
        )
    return step


@guarded(asks_for=(str,))
def q1(answer) -> None:
    """GIVEN_STEP with its one wrong secret's name fixed: every secret it reads is one the deploy
    job of cd.yml reads (the production environment holds them), each variable still reads its
    own secret, and the rest of the step is unchanged."""
    exercise = "q1"
    require_answer(exercise, answer)
    from ..files import deploy_secrets

    truth = set(deploy_secrets())
    given, step = _step(exercise, GIVEN_STEP), _step(exercise, answer)
    read = {key: SECRET.fullmatch(str(value).strip()) for key, value in step["env"].items()}
    unknown = sorted({m.group(1) for m in read.values() if m and m.group(1) not in truth | {"GITHUB_TOKEN"}})
    if unknown:
        raise CheckFailed(
            exercise,
            _("{names} is not a secret of the production environment").format(names=", ".join(unknown)),
            expected=sorted(truth),
            got=unknown,
            hint=_(
                "compare each ${{ secrets.… }} with the names the deploy job of cd.yml reads (shown above)"
            ),
        )
    for key in given["env"]:
        match = read.get(key)
        if match is None or match.group(1) != key:
            raise CheckFailed(
                exercise,
                _("{key} should read the secret that holds it").format(key=key),
                expected=f"{key}: ${{{{ secrets.{key} }}}}",
                got=f"{key}: {step['env'].get(key)}",
                hint=_("fix the wrong name only: keep every variable of env:, each reading its secret"),
            )
    if (
        set(step) != set(given)
        or set(step["env"]) != set(given["env"])
        or any(str(step[k]).split() != str(given[k]).split() for k in given if k != "env")
    ):
        raise CheckFailed(
            exercise,
            _("only the secret's name needed fixing: the rest of the step changed"),
            hint=_("start from given_step and replace the one wrong name"),
        )
    ok(
        exercise,
        _("every secret the step reads is one of the {count} the production environment holds").format(
            count=len(truth)
        ),
    )


def _env_prod_required() -> list[str]:
    from ..files.deploy import DEPLOY_SCRIPT

    match = re.search(r"^REQUIRED_ENV_PROD=\(([^)]*)\)", DEPLOY_SCRIPT.read_text(), re.M)
    return match.group(1).split() if match else []


# A .env.prod that deploy/deploy.sh refuses before it connects. q2 asks which required values it lacks.
GIVEN_ENV_PROD = """\
DJANGO_SECRET_KEY=k3v9q-a-long-random-string-from-a-password-manager
DJANGO_ALLOWED_HOSTS=
CSRF_TRUSTED_ORIGINS=https://workbook.example.com
POSTGRES_DB=workbook
POSTGRES_USER=workbook
POSTGRES_PASSWORD=s3cret-from-the-password-manager
# DATABASE_URL=postgres://workbook:s3cret-from-the-password-manager@db:5432/workbook
DJANGO_SUPERUSER_USERNAME=admin
DJANGO_SUPERUSER_PASSWORD=
"""


def lacking(env_prod: str) -> list[str]:
    """The required names deploy.sh finds no value for, by its own test: a line `NAME=` followed by
    at least one character (grep -E "^NAME=.+")."""
    lines = env_prod.splitlines()
    return [name for name in _env_prod_required() if not any(re.match(rf"{name}=.", line) for line in lines)]


@guarded
def q2(answer) -> None:
    """The required values the given .env.prod lacks: deploy.sh stops at the first, and a fix that
    adds all of them at once is the one that lets the deploy go on."""
    exercise = "q2"
    require_answer(exercise, answer)
    truth = set(lacking(GIVEN_ENV_PROD))
    names = _names(exercise, answer, _("variable names"))
    if names == truth:
        ok(
            exercise,
            _("deploy/deploy.sh finds no value for these {count} and stops before it connects").format(
                count=len(truth)
            ),
        )
        return
    not_required = sorted(names - set(_env_prod_required()))
    raise CheckFailed(
        exercise,
        _("{names} is not checked by deploy/deploy.sh").format(names=", ".join(not_required))
        if not_required
        else _("not the values this .env.prod lacks"),
        expected=_("{count} names").format(count=len(truth)),
        got=sorted(names),
        hint=_(
            "take each name of REQUIRED_ENV_PROD (deploy/deploy.sh, shown above) and look for a line "
            "NAME= with something after the ="
        ),
    )


# Three deploys' messages, as the CD runs logged them. q3: since 14:20 the feed answers 500 while
# /api/health/ still answers 200; the learner rolls back to the release before the one that did it.
GIVEN_LOG = """\
09:14:05 deploy: server deploy@203.0.113.10 answers; it runs 3f9c2e1a7b40; deploying 8d41b07c93ef
09:15:31 deploy: serving 8d41b07c93ef; /api/health/ answers 200 through nginx (before: 3f9c2e1a7b40)
11:40:12 deploy: server deploy@203.0.113.10 answers; it runs 8d41b07c93ef; deploying 5be7d94a2c01
11:43:02 deploy: the new web never became healthy: removed it; 8d41b07c93ef kept answering and still does
14:18:44 deploy: server deploy@203.0.113.10 answers; it runs 8d41b07c93ef; deploying c2a6f5e0d118
14:19:58 deploy: serving c2a6f5e0d118; /api/health/ answers 200 through nginx (before: 8d41b07c93ef)
"""
Q3_SINCE = "14:20:00"

SERVING = re.compile(r"^(\S+) deploy: serving (\S+);.*\(before: (\S+)\)$")


def release_before_the_break(log: str, since: str) -> tuple[str, str]:
    """(the release serving when the errors began, the one it replaced), from the log's own lines:
    the last `serving` line before `since` (times of one day compare as text)."""
    served = [m.groups() for m in map(SERVING.match, log.splitlines()) if m and m.group(1) <= since]
    _at, broken, before = served[-1]
    return broken, before


def _rollback_command(exercise: str, answer) -> dict:
    """The parts of `[cd ~/workbook &&] IMAGE_TAG=<tag> docker compose up --detach [--wait]`."""
    import shlex

    hint = _("IMAGE_TAG=<the release to go back to> docker compose up --detach --wait")
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, _("the answer should be the command, as a string"), got=repr(answer), hint=hint
        )
    text = answer.strip()
    text = re.sub(r"^cd\s+\S+\s*&&\s*", "", text)
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise CheckFailed(exercise, _("not a shell command"), got=str(exc), hint=hint) from None
    env = {}
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if words[:3] != ["docker", "compose", "up"] or not {"-d", "--detach"} & set(words[3:]):
        raise CheckFailed(
            exercise,
            _("not a docker compose up --detach with the tag to run"),
            got=answer,
            hint=hint,
        )
    return env


@guarded(asks_for=(str,))
def q3(rollback) -> None:
    """The command that puts back the release before the one serving when the errors began."""
    exercise = "q3"
    require_answer(exercise, rollback)
    broken, before = release_before_the_break(GIVEN_LOG, Q3_SINCE)
    env = _rollback_command(exercise, rollback)
    tag = env.get("IMAGE_TAG")
    hint = _("find the last `serving` line before the errors began: the release it names replaced another")
    if tag is None:
        raise CheckFailed(
            exercise, _("the command does not say which release: IMAGE_TAG=…"), got=rollback, hint=hint
        )
    if tag == broken:
        raise CheckFailed(exercise, _("{tag} is the release that broke the feed").format(tag=tag), hint=hint)
    if tag != before:
        problem = (
            _("{tag} never served: its new web was removed").format(tag=tag)
            if f"deploying {tag}" in GIVEN_LOG
            else _("{tag} is not the release before the break").format(tag=tag)
        )
        raise CheckFailed(exercise, problem, got=tag, hint=hint)
    ok(
        exercise,
        _("{before} answered before {broken} replaced it at the last deploy before the errors").format(
            before=before, broken=broken
        ),
    )
