"""Checks for 02-deploy: the secrets cd.yml's deploy job reads, and what .env.prod must hold for the deploy.

Both truths are read from the files (cd.yml, deploy/deploy.sh) each time, never from a copy.
"""

from __future__ import annotations

import re

from ..i18n import _
from ._base import CheckFailed, ok, require_answer

OPTIONAL_SECRETS = {"SSH_PORT"}  # the job reads it, but 22 is used when it is empty


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


def q1(answer) -> None:
    """The secrets a deploy cannot do without (SSH_PORT may be named or not)."""
    exercise = "q1"
    require_answer(exercise, answer)
    from ..files import deploy_secrets

    truth = set(deploy_secrets())
    names = _names(exercise, answer, _("secret names"))
    required = truth - OPTIONAL_SECRETS
    if "GITHUB_TOKEN" in names:
        raise CheckFailed(
            exercise,
            _("GITHUB_TOKEN is not yours to set"),
            hint=_(
                "GitHub makes a fresh one for every job; the deploy passes it on as the registry password"
            ),
        )
    inside = names & set(_env_prod_required())
    if inside:
        raise CheckFailed(
            exercise,
            _("{join} is not a secret of its own").format(join=", ".join(sorted(inside))),
            hint=_("the site's settings travel together, as the whole .env.prod file in one secret"),
        )
    missing, extra = required - names, names - truth
    if missing or extra:
        raise CheckFailed(
            exercise,
            _("not the secrets the deploy job reads"),
            expected=sorted(required),
            got=sorted(names),
            hint=_("look for ${{ secrets.… }} in the deploy job of cd.yml (shown above)"),
        )
    ok(
        exercise,
        _("the deploy job reads these {count} secrets from the production environment").format(
            count=len(required)
        ),
    )


def _env_prod_required() -> list[str]:
    from ..files.deploy import DEPLOY_SCRIPT

    match = re.search(r"^REQUIRED_ENV_PROD=\(([^)]*)\)", DEPLOY_SCRIPT.read_text(), re.M)
    return match.group(1).split() if match else []


def q2(answer) -> None:
    """The .env.prod values without which deploy/deploy.sh stops before it connects."""
    exercise = "q2"
    require_answer(exercise, answer)
    truth = set(_env_prod_required())
    names = _names(exercise, answer, _("variable names"))
    if names == truth:
        ok(
            exercise,
            _(
                "deploy/deploy.sh stops, naming the first missing one, unless these {count} have values"
            ).format(count=len(truth)),
        )
        return
    raise CheckFailed(
        exercise,
        _("not the variables deploy/deploy.sh checks"),
        expected=sorted(truth),
        got=sorted(names),
        hint=_("read REQUIRED_ENV_PROD near the top of deploy/deploy.sh (printed above)"),
    )
