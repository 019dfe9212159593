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


# A deploy job whose last step is missing: its earlier step writes the key, the host key and
# .env.prod into $RUNNER_TEMP (not where cd.yml's does). deploy_step asks for the step that runs
# deploy/deploy.sh with every value its caller() checks.
GIVEN_JOB = """\
deploy:
  needs: build-and-push
  runs-on: ubuntu-24.04
  environment: production
  permissions:
    contents: read
    packages: read
  steps:
    - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      with:
        persist-credentials: false
    - name: SSH key, host key and .env.prod, in files
      env:
        SSH_PRIVATE_KEY: ${{ secrets.SSH_PRIVATE_KEY }}
        SSH_KNOWN_HOSTS: ${{ secrets.SSH_KNOWN_HOSTS }}
        ENV_PROD: ${{ secrets.ENV_PROD }}
      run: |
        (umask 077 && printf '%s\\n' "$SSH_PRIVATE_KEY" > "$RUNNER_TEMP/deploy_key")
        printf '%s\\n' "$SSH_KNOWN_HOSTS" > "$RUNNER_TEMP/known_hosts"
        (umask 077 && printf '%s\\n' "$ENV_PROD" > "$RUNNER_TEMP/env.prod")
    # the step that deploys goes here
"""
# Which file of the given step each of deploy.sh's file variables names.
FILE_VARIABLES = {
    "SSH_KEY_FILE": "deploy_key",
    "SSH_KNOWN_HOSTS_FILE": "known_hosts",
    "ENV_PROD_FILE": "env.prod",
}
EXPRESSION = re.compile(r"^\$\{\{\s*(.*?)\s*\}\}$")


def script_requires() -> list[str]:
    """The values caller() of deploy/deploy.sh checks before anything else (its `for name in …` list)."""
    from ..files.deploy import DEPLOY_SCRIPT

    caller = DEPLOY_SCRIPT.read_text().split("caller() {", 1)[1]
    match = re.search(r"for name in (.*?); do", caller.replace("\\\n", " "), re.S)
    return match.group(1).split() if match else []


def build_outputs() -> dict[str, str]:
    """{output: expression} of cd.yml's build-and-push job, which another job reads through needs."""
    from ..files import jobs, read_workflow

    return dict(jobs(read_workflow("cd.yml")).get("build-and-push", {}).get("outputs", {}))


def _given_files() -> dict[str, str]:
    """{variable: path} of the files GIVEN_JOB's step writes, read from its own redirections."""
    written = re.findall(r'> "\$RUNNER_TEMP/([\w.]+)"', GIVEN_JOB)
    return {name: f"$RUNNER_TEMP/{file}" for name, file in FILE_VARIABLES.items() if file in written}


def _the_step(exercise: str, text) -> dict:
    import yaml

    hint = _("one step: a `- name:` line, an env: block and a run: line that runs deploy/deploy.sh")
    if not isinstance(text, str):
        raise CheckFailed(
            exercise, _("the answer should be the step's YAML, as a string"), got=repr(text), hint=hint
        )
    try:
        step = yaml.safe_load(textwrap.dedent(text))
    except yaml.YAMLError as exc:
        raise CheckFailed(
            exercise, _("the step is not valid YAML"), got=str(exc).splitlines()[0], hint=hint
        ) from None
    if isinstance(step, list) and len(step) == 1:
        step = step[0]
    if not isinstance(step, dict) or not isinstance(step.get("env", {}), dict):
        raise CheckFailed(exercise, _("not one step"), got=repr(step)[:120], hint=hint)
    return step


def _script_environment(exercise: str, step: dict) -> tuple[dict[str, str], set[str]]:
    """What deploy.sh sees: the step's env:, then NAME=value words before the script on its line
    and `export NAME=value` lines before it. Returns ({name: value}, names set on the run: line)."""
    import shlex

    run = str(step.get("run") or "")
    env = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
    inline: set[str] = set()
    for line in run.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if words[:1] == ["export"]:
            words = words[1:]
        assignments = []
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            assignments.append(words.pop(0).split("=", 1))
        if not words or words[0] == "export" or any(w.endswith("deploy/deploy.sh") for w in words[:2]):
            for name, value in assignments:
                env[name] = value
                inline.add(name)
        if any(w.endswith("deploy/deploy.sh") for w in words[:2]):
            return env, inline
    raise CheckFailed(
        exercise,
        _("the step does not run deploy/deploy.sh")
        if "uses" not in step
        else _("an action cannot run deploy/deploy.sh: this step runs it with run:"),
        got=run.strip()[:120] or repr(step.get("uses")),
        hint=_("run: bash deploy/deploy.sh, with its values in env:"),
    )


def _expression(value: str) -> str | None:
    match = EXPRESSION.match(value.strip())
    return re.sub(r"\s+", "", match.group(1)) if match else None


@guarded(asks_for=(str,))
def deploy_step(answer) -> None:
    """The deploy job's last step: deploy/deploy.sh run with every value its caller() checks, the
    server's address and user from the production environment's secrets, the files the step before
    wrote, the images of the build job's outputs (the tested commit's tag, never latest), the
    registry login of the job's own token, and no secret pasted into run:."""
    exercise = "deploy_step"
    require_answer(exercise, answer)
    from ..files import deploy_secrets

    step = _the_step(exercise, answer)
    if SECRET.search(str(step.get("run") or "")):
        raise CheckFailed(
            exercise,
            _(
                "a secret is pasted into run:, where Actions writes its value into the script "
                "before the shell reads it"
            ),
            hint=_("give the script each secret through the step's env: and let the shell read $NAME"),
        )
    env, inline = _script_environment(exercise, step)
    missing = [name for name in script_requires() if not env.get(name, "").strip()]
    if missing:
        raise CheckFailed(
            exercise,
            _("deploy/deploy.sh stops with `missing {names}` before it connects").format(
                names=" ".join(missing)
            ),
            expected=script_requires(),
            got=sorted(env),
            hint=_(
                "give it every name of the for loop in caller() (shown above), in env: or on the run: line"
            ),
        )
    secrets = set(deploy_secrets())
    for name, value in env.items():
        for used in SECRET.findall(value):
            if used not in secrets | {"GITHUB_TOKEN"}:
                raise CheckFailed(
                    exercise,
                    _("{names} is not a secret of the production environment").format(names=used),
                    expected=sorted(secrets),
                    got=f"{name}: {value}",
                    hint=_("use the names the deploy job of cd.yml reads (shown above)"),
                )
    for name in sorted(secrets & set(script_requires())):
        if _expression(env[name]) != f"secrets.{name}":
            raise CheckFailed(
                exercise,
                _("{name} should come from the secret {name}, never be written in the workflow").format(
                    name=name
                ),
                expected=f"{name}: ${{{{ secrets.{name} }}}}",
                got=f"{name}: {env[name]}",
                hint=_("the server's address and user are secrets of the production environment"),
            )
    for name, path in _given_files().items():
        value = env[name].strip().strip("'\"")
        if SECRET.search(value):
            raise CheckFailed(
                exercise,
                _("{name} is the path of a file; the step before wrote the secret into it").format(name=name),
                expected=path,
                got=f"{name}: {value}",
                hint=_("point each *_FILE at a file the step before wrote into $RUNNER_TEMP"),
            )
        if name not in inline and "$" in value.replace("${{", ""):
            raise CheckFailed(
                exercise,
                _(
                    "in env:, {value} stays as written: only ${{{{ }}}} expressions are filled in there"
                ).format(value=value),
                expected=f"{name}: ${{{{ runner.temp }}}}/{path.split('/')[-1]}",
                got=f"{name}: {value}",
                hint=_(
                    "write ${{ runner.temp }} in env:, or set the variable on the run: line, "
                    "where the shell expands it"
                ),
            )
        written = re.sub(
            r"^(\$\{\{\s*runner\.temp\s*\}\}|\$\{RUNNER_TEMP\}|\$RUNNER_TEMP)/", "$RUNNER_TEMP/", value
        )
        if written != path:
            raise CheckFailed(
                exercise,
                _("{name} names no file the step before wrote").format(name=name),
                expected=path,
                got=f"{name}: {value}",
                hint=_(
                    "the job's earlier step writes its three files into $RUNNER_TEMP, not where cd.yml's does"
                ),
            )
    outputs = build_outputs()
    for name, output in (("IMAGE_TAG", "tag"), ("IMAGE_PREFIX", "image-prefix")):
        wanted = f"needs.build-and-push.outputs.{output}"
        got = _expression(env[name]) or env[name].strip()
        if got == wanted and output in outputs:
            continue
        if name == "IMAGE_TAG" and got.split(":")[-1] == "latest":
            problem = _(
                "latest is whatever was pushed last, not the commit CI tested, and no roll back can name it"
            )
        elif got in ("github.sha", "github.event.workflow_run.head_sha"):
            problem = _(
                "{got} is a commit, not the tag build-and-push chose (a roll back deploys an earlier one)"
            ).format(got=got)
        elif got.startswith("steps."):
            problem = _("{got} is a step of another job: a job reads another's outputs through needs").format(
                got=got
            )
        else:
            problem = _("{name} should be the output {output} of build-and-push").format(
                name=name, output=output
            )
        raise CheckFailed(
            exercise,
            problem,
            expected=f"{name}: ${{{{ {wanted} }}}}",
            got=f"{name}: {env[name]}",
            hint=_("the job needs build-and-push, whose outputs are {outputs}").format(
                outputs=", ".join(outputs)
            ),
        )
    login = {"REGISTRY_USER": {"github.actor"}, "REGISTRY_PASSWORD": {"secrets.GITHUB_TOKEN", "github.token"}}
    for name, accepted in login.items():
        if _expression(env[name]) not in accepted:
            raise CheckFailed(
                exercise,
                _("{name} should be the job's own registry login: github.actor and its GITHUB_TOKEN").format(
                    name=name
                ),
                got=f"{name}: {env[name]}",
                hint=_(
                    "the server pulls the images with the job's short-lived token, "
                    "which packages: read allows"
                ),
            )
    ok(
        exercise,
        _(
            "deploy/deploy.sh gets its {count} values: secrets by the environment's names, "
            "the files of the step before, the tested commit's images"
        ).format(count=len(script_requires())),
    )
