"""Checks for 01-docker: image names, a Dockerfile that caches its dependencies, compose's start order.

The truth comes from a reference parser this module owns, from the project's own Dockerfile parser
(workbook.diagrams) and from the project's docker-compose.yml.
"""

from __future__ import annotations

from ._base import CheckFailed, call_answer, expect_function, ok, require_answer
from ._probe import guarded

FIELDS = ("registry", "repository", "name", "tag", "digest")
DEFAULT_REGISTRY = "docker.io"
DIGEST = "sha256:" + "4f" * 32

# The names the parser is fed: official images, users' and organisations' images, other
# registries with and without ports, nested repositories, digests with and without tags.
IMAGE_NAMES = [
    "nginx",
    "nginx:1.28",
    "postgres:16-alpine",
    "python:3.12-slim",
    "bitnami/postgresql:16",
    "myuser/app",
    "docker.io/library/python:3.12",
    "ghcr.io/acme/workbook-web:3f2a1c9",
    "ghcr.io/acme/team/api",
    "localhost:5000/workbook-web",
    "localhost/app:dev",
    "my-registry:5000/app:1.0",
    "registry.example.com:8443/ml/models/bert:v2",
    f"nginx@{DIGEST}",
    f"nginx:1.28@{DIGEST}",
    f"ghcr.io/acme/api@{DIGEST}",
    "workbook_web",
]


def reference(name: str) -> dict:
    """The parts of an image name, as Docker reads it: [registry/][repository/]name[:tag][@digest].

    The first part is a registry only when it looks like a host: it has a "." or a ":" (a port),
    or it is "localhost". Without one, the registry is docker.io, where images with no repository
    are the official ones, under library/. No tag and no digest means the tag latest.
    """
    rest, _, digest = name.partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = DEFAULT_REGISTRY, rest
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    tag = None
    if colon > last_slash:
        path, tag = path[:colon], path[colon + 1 :]
    if registry == DEFAULT_REGISTRY and "/" not in path:
        path = "library/" + path
    repository, _, image = path.rpartition("/")
    if tag is None and not digest:
        tag = "latest"
    return {
        "registry": registry,
        "repository": repository or None,
        "name": image,
        "tag": tag,
        "digest": digest or None,
    }


HINTS = {
    "registry": "the first part is a registry only if it has a '.' or a ':' (a port), or is 'localhost'; "
    "otherwise the registry is docker.io",
    "repository": "on docker.io a name with no repository is an official image, under 'library'; "
    "elsewhere everything between the registry and the last '/' is the repository",
    "name": "the name is the part after the last '/', without ':tag' or '@digest'",
    "tag": "a ':' after the last '/' starts the tag; a ':' before it belongs to a registry port",
    "digest": "everything after '@' is the digest",
}


def _hint(key: str, name: str, expected: dict, got: dict) -> str:
    if key == "tag" and ":" in name.rpartition("/")[0] and got.get("tag") != expected["tag"]:
        return HINTS["tag"]  # a registry port read as a tag
    if key == "tag" and expected["tag"] is None:
        return "a digest alone sets no tag: the tag is None"
    if key == "tag" and expected["tag"] == "latest":
        return "no tag and no digest means the tag 'latest'"
    return HINTS[key]


@guarded
def q1(parse) -> None:
    """An image-name parser, fed every name in IMAGE_NAMES."""
    exercise = "q1"
    expect_function(exercise, parse)
    for name in IMAGE_NAMES:
        expected = reference(name)
        hint = "call it on that name in a cell to see the error"
        got = call_answer(exercise, parse, name, label=f"for {name!r}", hint=hint)
        if not isinstance(got, dict):
            raise CheckFailed(
                exercise,
                "the function should return a dict",
                expected=expected,
                got=got,
                hint="keys: " + ", ".join(FIELDS),
            )
        wrong = [key for key in FIELDS if got.get(key) != expected[key]]
        if wrong:
            raise CheckFailed(
                exercise,
                f"{name!r}: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right",
                expected={key: expected[key] for key in wrong},
                got={key: got.get(key) for key in wrong},
                hint=_hint(wrong[0], name, expected, got),
            )
    ok(exercise, f"all {len(IMAGE_NAMES)} names parsed as Docker reads them")


# ---------------------------------------------------------------------------------- q2

NAIVE_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
"""
CODE_FILE = "config/settings.py"
REQUIREMENTS = "requirements.txt"


def _pip_installs(instruction) -> bool:
    return (
        instruction.keyword == "RUN"
        and "pip install" in instruction.args
        and REQUIREMENTS in instruction.args
    )


@guarded
def q2(answer) -> None:
    """A Dockerfile for the naive project whose code changes reuse the dependencies' layer."""
    from ..files import parse_dockerfile, rebuilt

    exercise = "q2"
    require_answer(exercise, answer)
    if not isinstance(answer, str) or "FROM" not in answer.upper():
        raise CheckFailed(exercise, "the answer should be the Dockerfile's text", got=repr(answer)[:80])
    dockerfile = parse_dockerfile(answer)
    if not dockerfile.stages:
        raise CheckFailed(exercise, "there is no FROM line", hint="start from FROM python:3.12-slim")
    target = dockerfile.stages[-1].name
    steps = [i for stage in dockerfile.needed(target) for i in stage.instructions]
    copies = [i for i in steps if i.keyword in ("COPY", "ADD") and not i.flags.get("from")]
    if not any(source_covers(i, CODE_FILE) for i in copies):
        raise CheckFailed(
            exercise,
            "the image no longer contains the code",
            hint=f"after the dependencies, copy the code too (COPY . . brings {CODE_FILE})",
        )
    installs = [i for i in steps if _pip_installs(i)]
    if not installs:
        raise CheckFailed(
            exercise, f"nothing runs pip install -r {REQUIREMENTS}", hint="keep the RUN pip install line"
        )
    install = installs[0]
    copied_before = any(source_covers(i, REQUIREMENTS) for i in steps[: steps.index(install)] if i in copies)
    if not copied_before:
        raise CheckFailed(
            exercise,
            f"pip install runs before {REQUIREMENTS} is in the image",
            hint=f"COPY {REQUIREMENTS} ./ first, then RUN pip install -r {REQUIREMENTS}",
        )
    if not any(i.keyword in ("CMD", "ENTRYPOINT") for i in steps):
        raise CheckFailed(exercise, "the image no longer says what to run", hint="keep the CMD line")
    again = rebuilt(dockerfile, target, CODE_FILE, ignore=[])
    if install in again:
        first = again[0]
        raise CheckFailed(
            exercise,
            "a change to the code still runs pip install again",
            expected="the code's COPY after RUN pip install",
            got=f"line {first.line} `{first.short(50)}` is the first step a code change reruns",
            hint=f"copy only {REQUIREMENTS} before installing; copy the rest after",
        )
    if install not in rebuilt(dockerfile, target, REQUIREMENTS, ignore=[]):
        raise CheckFailed(exercise, f"a change to {REQUIREMENTS} would not reinstall the dependencies")
    ok(
        exercise,
        f"a code change reruns {len(again)} step{'s' * (len(again) != 1)} from line {again[0].line}; "
        "pip install stays cached",
    )


def source_covers(instruction, path: str) -> bool:
    from ..files import covers

    return any(covers(source, path) for source in instruction.sources)


# ---------------------------------------------------------------------------------- q3


def dependencies(compose: dict, service: str) -> set[str]:
    """Every service that compose starts before `service`, directly or through others."""
    from ..files import depends_on

    found: set[str] = set()
    pending = list(depends_on(compose["services"][service]))
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(depends_on(compose["services"][name]))
    return found


# A compose file of the check's own: a longer chain, both depends_on forms, a service with none.
SAMPLE_COMPOSE = {
    "services": {
        "db": {"image": "postgres:16"},
        "cache": {"image": "redis:7"},
        "migrate": {"build": ".", "depends_on": {"db": {"condition": "service_healthy"}}},
        "api": {"build": ".", "depends_on": {"migrate": {"condition": "service_completed_successfully"}}},
        "worker": {"build": ".", "depends_on": ["cache", "api"]},
        "proxy": {"image": "nginx:1.28", "depends_on": ["api"]},
    }
}


@guarded
def q3(function) -> None:
    """A function that finds everything a service waits for, fed the project's compose file and another."""
    from ..files import read_compose

    exercise = "q3"
    expect_function(exercise, function)
    for label, compose in (
        ("docker-compose.yml", read_compose()),
        ("a compose file of the check's", SAMPLE_COMPOSE),
    ):
        for service in compose["services"]:
            expected = dependencies(compose, service)
            got = call_answer(
                exercise,
                function,
                compose,
                service,
                label=f"for {service!r} in {label}",
                hint="depends_on is a mapping or a list of names; iterating over either gives the names",
            )
            if not isinstance(got, set | frozenset | list | tuple):
                raise CheckFailed(exercise, "return a set of service names", got=type(got).__name__)
            if set(got) != expected:
                missing, extra = expected - set(got), set(got) - expected
                if service in got:
                    hint = "a service does not wait for itself"
                elif missing:
                    hint = "follow depends_on further: what a dependency waits for, the service waits for too"
                else:
                    hint = f"only depends_on counts; not waited for: {sorted(extra)}"
                raise CheckFailed(
                    exercise, f"{service!r} in {label}", expected=sorted(expected), got=sorted(got), hint=hint
                )
    ok(exercise, "right for every service, in docker-compose.yml and in another compose file")


# ---------------------------------------------------------------- predict the parts of image names

NAME_PARTS_NAMES = (
    "postgres:18",
    "bitnami/postgresql",
    "ghcr.io/acme/workbook-web:3f2a1c9",
    "localhost:5000/workbook-web",
)
DOCKER_HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")
NAME_PARTS_HINTS = {
    "registry": HINTS["registry"],
    "namespace": "on Docker Hub a name without a namespace is an official image, under 'library'; "
    "a registry other than Docker Hub has none unless the name has one",
    "name": HINTS["name"],
    "tag": "no tag written means the tag latest",
}


def name_parts(answer) -> None:
    """For each of NAME_PARTS_NAMES, its registry, namespace (repository), name and tag."""
    exercise = "name_parts"
    require_answer(exercise, answer)
    if not isinstance(answer, dict):
        raise CheckFailed(
            exercise, "the answer should be a dict: image name → its parts", got=type(answer).__name__
        )
    for image_name in NAME_PARTS_NAMES:
        if image_name not in answer:
            raise CheckFailed(
                exercise, f"{image_name!r} is missing", hint="keep the four names as the dict's keys"
            )
        parts = answer[image_name]
        if not isinstance(parts, dict):
            raise CheckFailed(exercise, f"the parts of {image_name!r} should be a dict", got=parts)
        truth = reference(image_name)
        truth["namespace"] = truth["repository"]
        given = dict(parts)
        if "namespace" not in given and "repository" in given:
            given["namespace"] = given["repository"]  # the course's word for the same part
        if given.get("registry") in DOCKER_HUB_NAMES and truth["registry"] == DEFAULT_REGISTRY:
            given["registry"] = DEFAULT_REGISTRY
        for key in ("registry", "namespace", "name", "tag"):
            if given.get(key, ...) is ...:
                raise CheckFailed(
                    exercise, f"no {key} for {image_name!r}", hint="use None for a part that is not there"
                )
            if given[key] != truth[key]:
                raise CheckFailed(
                    exercise,
                    f"the {key} of {image_name!r}",
                    expected=truth[key],
                    got=given[key],
                    hint=NAME_PARTS_HINTS[key],
                )
    ok(exercise, f"the parts of all {len(NAME_PARTS_NAMES)} names, as Docker reads them")
