"""Checks for 01-docker-1-hands-on and 01-docker-2-project: one docker run, image names, a Dockerfile
that caches its dependencies, compose's start order.

The truth comes from a reference parser this module owns, from the project's own Dockerfile parser
(workbook.diagrams) and from the project's docker-compose.yml.
"""

from __future__ import annotations

from ..i18n import N_, _, ngettext
from ._base import CheckFailed, call_answer, expect_function, judged_on_returns, ok, require_answer
from ._probe import guarded, shown

FIELDS = ("registry", "namespace", "name", "tag", "digest")
DEFAULT_REGISTRY = "docker.io"
DIGEST = "sha256:" + "4f" * 32

# The names the parser is fed: official images, users' and organisations' images, other
# registries with and without ports, nested namespaces, digests with and without tags.
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
    """The parts of an image name, as Docker reads it: [registry/][namespace/]name[:tag][@digest].

    The first part is a registry only when it looks like a host: it has a "." or a ":" (a port),
    or it is "localhost". Without one, the registry is docker.io, where images with no namespace
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
    namespace, _, image = path.rpartition("/")
    if tag is None and not digest:
        tag = "latest"
    return {
        "registry": registry,
        "namespace": namespace or None,
        "name": image,
        "tag": tag,
        "digest": digest or None,
    }


HINTS = {
    "registry": N_(
        "the first part is a registry only if it has a '.' or a ':' (a port), or is 'localhost'; "
        "otherwise the registry is docker.io"
    ),
    "namespace": N_(
        "on docker.io a name with no namespace is an official image, under 'library'; "
        "elsewhere everything between the registry and the last '/' is the namespace"
    ),
    "name": N_("the name is the part after the last '/', without ':tag' or '@digest'"),
    "tag": N_("a ':' after the last '/' starts the tag; a ':' before it belongs to a registry port"),
    "digest": N_("everything after '@' is the digest"),
}


def _hint(key: str, name: str, expected: dict, got: dict) -> str:
    if key == "tag" and ":" in name.rpartition("/")[0] and got.get("tag") != expected["tag"]:
        return _(HINTS["tag"])  # a registry port read as a tag
    if key == "tag" and expected["tag"] is None:
        return _("a digest alone sets no tag: the tag is None")
    if key == "tag" and expected["tag"] == "latest":
        return _("no tag and no digest means the tag 'latest'")
    return _(HINTS[key])


@judged_on_returns
@guarded
def q1(parse) -> None:
    """An image-name parser, fed every name in IMAGE_NAMES."""
    exercise = "q1"
    expect_function(exercise, parse)
    for name in IMAGE_NAMES:
        expected = reference(name)
        hint = _(
            "the check feeds it names of its own, not only the notebook's: call it on that name in a cell"
        )
        got = call_answer(exercise, parse, name, label=_("for {name!r}").format(name=name), hint=hint)
        if not isinstance(got, dict):
            raise CheckFailed(
                exercise,
                _("the function should return a dict"),
                expected=expected,
                got=got,
                hint=_("keys: {keys}").format(keys=", ".join(FIELDS)),
            )
        if "namespace" not in got and "repository" in got:
            raise CheckFailed(
                exercise,
                _("{name!r}: the dict has no key 'namespace'").format(name=name),
                expected={"namespace": expected["namespace"]},
                got={"repository": got["repository"]},
                hint=_(
                    "in Docker's words the repository is namespace/name together: "
                    "the part before the last '/' goes under the key 'namespace'"
                ),
            )
        wrong = [key for key in FIELDS if got.get(key) != expected[key]]
        if wrong:
            raise CheckFailed(
                exercise,
                ngettext(
                    "{name!r}: {parts} is not right", "{name!r}: {parts} are not right", len(wrong)
                ).format(name=name, parts=", ".join(wrong)),
                expected={key: expected[key] for key in wrong},
                got={key: got.get(key) for key in wrong},
                hint=_hint(wrong[0], name, expected, got),
            )
    ok(exercise, _("all {count} names parsed as Docker reads them").format(count=len(IMAGE_NAMES)))


# ---------------------------------------------------------------------------------- q2

NAIVE_DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
"""
CODE_FILE = "config/settings.py"
# Files of the naive project's code, not only the one the exercise names: an answer that copies
# config/ alone brings settings.py and still leaves the rest of the code out.
CODE_FILES = (CODE_FILE, "manage.py", "posts/models.py", "config/wsgi.py")
REQUIREMENTS = "requirements.txt"


def run_script(instruction) -> str:
    """A RUN's command as the shell gets it, from either form (shell or JSON exec)."""
    import json
    import shlex

    args = instruction.args.strip()
    if args.startswith("["):
        try:
            words = json.loads(args)
            if isinstance(words, list) and all(isinstance(w, str) for w in words):
                return shlex.join(words)
        except ValueError:
            pass
    return args


def _requirement_installs(instruction) -> tuple[list[str], list[str]]:
    """(requirements files this RUN gives pip with -r, requirements files it names as packages)."""
    from ._shell import pip_installs, requirement_files

    given, bare = [], []
    if instruction.keyword == "RUN":
        for arguments in pip_installs(run_script(instruction)):
            files, packages = requirement_files(arguments)
            given += files
            bare += packages
    return given, bare


def _installs_requirements(instruction) -> bool:
    return any(f.rsplit("/", 1)[-1] == REQUIREMENTS for f in _requirement_installs(instruction)[0])


KEYWORDS = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}  # FROM is read apart


def _buildable(exercise: str, dockerfile) -> None:
    """What docker build refuses before it runs a step: an unknown instruction, a COPY or ADD
    without both a source and a destination."""
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword not in KEYWORDS:
                problem = _("line {line}: docker build does not know the instruction {keyword}")
            elif instruction.keyword in ("COPY", "ADD") and not (instruction.sources and instruction.dest):
                problem = _(
                    "line {line}: docker build refuses a {keyword} without a source and a destination"
                )
            else:
                continue
            raise CheckFailed(
                exercise,
                problem.format(line=instruction.line, keyword=instruction.keyword),
                got=instruction.short(60),
                hint=_("COPY <what, from the build context> <where, in the image>: COPY requirements.txt ./"),
            )


def _workdirs(dockerfile) -> dict[int, str]:
    """The folder each instruction runs in (by id): WORKDIR as it stands, "/" where none was set, and
    a stage built FROM an earlier one starts in that one's last folder."""
    import posixpath

    where, last = {}, {}
    for stage in dockerfile.stages:
        folder = last.get(stage.base, "/")
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR":
                folder = posixpath.normpath(posixpath.join(folder, instruction.args.strip().strip('"')))
            where[id(instruction)] = folder
        last[stage.name] = folder
    return where


def _placed(instruction, path: str, folder: str) -> str | None:
    """Where a COPY/ADD run in `folder` puts the build context's `path` in the image, or None."""
    import posixpath

    from ..files import covers

    dest = instruction.dest or "."
    target = posixpath.normpath(posixpath.join(folder, dest))
    into_folder = dest.endswith("/") or dest in (".", "./") or len(instruction.sources) > 1
    for source in instruction.sources:
        if not covers(source, path):
            continue
        clean = source.strip().rstrip("/")
        if clean in (".", ""):
            return posixpath.join(target, path)
        if path.startswith(clean + "/"):  # a folder: its contents go into the destination
            return posixpath.join(target, path[len(clean) + 1 :])
        return posixpath.join(target, posixpath.basename(path)) if into_folder else target
    return None


@guarded
def q2(answer) -> None:
    """A Dockerfile for the naive project whose code changes reuse the dependencies' layer."""
    from ..files import parse_dockerfile, rebuilt

    exercise = "q2"
    require_answer(exercise, answer)
    if not isinstance(answer, str) or "FROM" not in answer.upper():
        raise CheckFailed(exercise, _("the answer should be the Dockerfile's text"), got=repr(answer)[:80])
    dockerfile = parse_dockerfile(answer)
    if not dockerfile.stages:
        raise CheckFailed(exercise, _("there is no FROM line"), hint=_("start from FROM python:3.12-slim"))
    target = dockerfile.stages[-1].name
    _buildable(exercise, dockerfile)
    steps = [i for stage in dockerfile.needed(target) for i in stage.instructions]
    copies = [i for i in steps if i.keyword in ("COPY", "ADD") and not i.flags.get("from")]
    missing = [path for path in CODE_FILES if not any(source_covers(i, path) for i in copies)]
    if missing:
        raise CheckFailed(
            exercise,
            _("the image no longer contains all the code"),
            expected=_("every file of the project, {join} among them").format(join=", ".join(CODE_FILES)),
            got=_("no COPY brings {join}").format(join=", ".join(missing)),
            hint=_("after the dependencies, copy the code too: COPY . . brings all of it"),
        )
    bare = [(i, f) for i in steps for f in _requirement_installs(i)[1]]
    if bare and not any(_installs_requirements(i) for i in steps):
        instruction, name = bare[0]
        raise CheckFailed(
            exercise,
            _("line {line} asks pip for a package called {name!r}").format(line=instruction.line, name=name),
            expected=f"pip install -r {REQUIREMENTS}",
            got=instruction.short(60),
            hint=_(
                "without -r, pip looks for a project named {name!r} on the package index and fails; "
                "-r reads the file and installs what it lists"
            ).format(name=name),
        )
    import posixpath

    folders = _workdirs(dockerfile)
    placed = {
        id(i): spot for i in copies if (spot := _placed(i, REQUIREMENTS, folders.get(id(i), "/"))) is not None
    }

    def reads_the_copy(instruction) -> bool:
        """This RUN gives pip -r the file a COPY put requirements.txt in (before it or not)."""
        before = set(placed.values())
        folder = folders.get(id(instruction), "/")
        given = _requirement_installs(instruction)[0]
        return any(posixpath.normpath(posixpath.join(folder, f)) in before for f in given)

    installs = [i for i in steps if reads_the_copy(i)]
    elsewhere = [i for i in steps if _installs_requirements(i) and not reads_the_copy(i)]
    if not installs and elsewhere and placed:
        instruction = elsewhere[0]
        folder = folders.get(id(instruction), "/")
        reads = [posixpath.normpath(posixpath.join(folder, f)) for f in _requirement_installs(instruction)[0]]
        raise CheckFailed(
            exercise,
            _("pip reads {reads}, but the COPY put {requirements} in another folder: {placed}").format(
                reads=", ".join(reads),
                requirements=REQUIREMENTS,
                placed=", ".join(sorted(set(placed.values()))),
            ),
            expected=_("pip install -r with the path the COPY gave the file"),
            got=instruction.short(60),
            hint=_("a relative path in RUN is relative to WORKDIR; COPY requirements.txt ./ puts it there"),
        )
    if not installs:
        raise CheckFailed(
            exercise,
            _("nothing runs pip install -r {requirements}").format(requirements=REQUIREMENTS),
            hint=_("keep the RUN pip install line"),
        )
    install = installs[0]
    folder = folders.get(id(install), "/")
    reads = {posixpath.normpath(posixpath.join(folder, f)) for f in _requirement_installs(install)[0]}
    earlier = {placed[id(c)] for c in steps[: steps.index(install)] if id(c) in placed}
    if earlier and not reads & earlier:
        raise CheckFailed(
            exercise,
            _("pip reads {reads}, but the COPY put {requirements} in another folder: {placed}").format(
                reads=", ".join(sorted(reads)), requirements=REQUIREMENTS, placed=", ".join(sorted(earlier))
            ),
            expected=_("pip install -r with the path the COPY gave the file"),
            got=install.short(60),
            hint=_("a relative path in RUN is relative to WORKDIR; COPY requirements.txt ./ puts it there"),
        )
    if not earlier:
        raise CheckFailed(
            exercise,
            _("pip install runs before {requirements} is in the image").format(requirements=REQUIREMENTS),
            hint=_("COPY {requirements} ./ first, then RUN pip install -r {requirements}").format(
                requirements=REQUIREMENTS
            ),
        )
    if not any(i.keyword in ("CMD", "ENTRYPOINT") for i in steps):
        raise CheckFailed(exercise, _("the image no longer says what to run"), hint=_("keep the CMD line"))
    runs = [i for i in steps if i.keyword in ("CMD", "ENTRYPOINT")][-1]
    code = [
        spot
        for i in copies
        if (spot := _placed(i, CODE_FILE, folders.get(id(i), "/"))) is not None
        and steps.index(i) < steps.index(runs)
    ]
    code_root = code[-1][: -len(CODE_FILE) - 1] or "/" if code else None
    if code_root is not None and code_root != folders.get(id(runs), "/"):
        raise CheckFailed(
            exercise,
            _("the command runs in {folder}, but the code is in another folder: {root}").format(
                folder=folders.get(id(runs), "/"), root=code_root
            ),
            expected=_("WORKDIR set before the COPYs, so the code lands where the command runs"),
            got=_("{code_file} is at {path}").format(code_file=CODE_FILE, path=code[-1]),
            hint=_("gunicorn config.wsgi imports config from the folder it runs in"),
        )
    for path in CODE_FILES:
        again = rebuilt(dockerfile, target, path, ignore=[])
        if install in again:
            first = again[0]
            raise CheckFailed(
                exercise,
                _("a change to {path} still runs pip install again").format(path=path),
                expected=_("the code's COPY after RUN pip install"),
                got=_("line {line} `{short}` is the first step a change to {path} reruns").format(
                    line=first.line, short=first.short(50), path=path
                ),
                hint=_("copy only {requirements} before installing; copy the rest after").format(
                    requirements=REQUIREMENTS
                ),
            )
    if install not in rebuilt(dockerfile, target, REQUIREMENTS, ignore=[]):
        raise CheckFailed(
            exercise,
            _("a change to {requirements} would not reinstall the dependencies").format(
                requirements=REQUIREMENTS
            ),
        )
    again = rebuilt(dockerfile, target, CODE_FILE, ignore=[])
    ok(
        exercise,
        ngettext(
            "a change to {code_file} (or {others} other code files) reruns {count} step from line {line}; "
            "pip install -r {requirements} stays cached",
            "a change to {code_file} (or {others} other code files) reruns {count} steps from line {line}; "
            "pip install -r {requirements} stays cached",
            len(again),
        ).format(
            code_file=CODE_FILE,
            others=len(CODE_FILES) - 1,
            count=len(again),
            line=again[0].line,
            requirements=REQUIREMENTS,
        ),
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


@judged_on_returns
@guarded
def q3(function) -> None:
    """A function that finds everything a service waits for, fed the project's compose file and another."""
    from ..files import read_compose

    exercise = "q3"
    expect_function(exercise, function)
    for label, compose in (
        ("docker-compose.yml", read_compose()),
        (_("a compose file of the check's"), SAMPLE_COMPOSE),
    ):
        for service in compose["services"]:
            expected = dependencies(compose, service)
            got = call_answer(
                exercise,
                function,
                compose,
                service,
                label=_("for {service!r} in {label}").format(service=service, label=label),
                hint=_("depends_on is a mapping or a list of names; iterating over either gives the names"),
            )
            if not isinstance(got, set | frozenset | list | tuple):
                raise CheckFailed(exercise, _("return a set of service names"), got=type(got).__name__)
            if set(got) != expected:
                missing, extra = expected - set(got), set(got) - expected
                if service in got:
                    hint = _("a service does not wait for itself")
                elif missing:
                    hint = _(
                        "follow depends_on further: what a dependency waits for, the service waits for too"
                    )
                else:
                    hint = _("only depends_on counts; not waited for: {extra}").format(extra=sorted(extra))
                raise CheckFailed(
                    exercise,
                    _("{service!r} in {label}").format(service=service, label=label),
                    expected=sorted(expected),
                    got=sorted(got),
                    hint=hint,
                )
    ok(exercise, _("right for every service, in docker-compose.yml and in another compose file"))


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
    "namespace": N_(
        "on Docker Hub a name without a namespace is an official image, under 'library'; "
        "a registry other than Docker Hub has none unless the name has one"
    ),
    "name": HINTS["name"],
    "tag": N_("no tag written means the tag latest"),
}


@guarded
def name_parts(answer) -> None:
    """For each of NAME_PARTS_NAMES, its registry, namespace (the course's "repository"), name and tag."""
    exercise = "name_parts"
    require_answer(exercise, answer)
    if not isinstance(answer, dict):
        raise CheckFailed(
            exercise, _("the answer should be a dict: image name → its parts"), got=type(answer).__name__
        )
    for image_name in NAME_PARTS_NAMES:
        if image_name not in answer:
            raise CheckFailed(
                exercise,
                _("{image_name!r} is missing").format(image_name=image_name),
                hint=_("keep the four names as the dict's keys"),
            )
        parts = answer[image_name]
        if not isinstance(parts, dict):
            raise CheckFailed(
                exercise,
                _("the parts of {image_name!r} should be a dict").format(image_name=image_name),
                got=parts,
            )
        truth = reference(image_name)
        given = dict(parts)
        if "namespace" not in given and "repository" in given:
            given["namespace"] = given["repository"]  # the course's word for the same part
        if given.get("registry") in DOCKER_HUB_NAMES and truth["registry"] == DEFAULT_REGISTRY:
            given["registry"] = DEFAULT_REGISTRY
        for key in ("registry", "namespace", "name", "tag"):
            if given.get(key, ...) is ...:
                raise CheckFailed(
                    exercise,
                    _("no {key} for {image_name!r}").format(key=key, image_name=image_name),
                    hint=_("use None for a part that is not there"),
                )
            if given[key] != truth[key]:
                raise CheckFailed(
                    exercise,
                    _("the {key} of {image_name!r}").format(key=key, image_name=image_name),
                    expected=truth[key],
                    got=given[key],
                    hint=_(NAME_PARTS_HINTS[key]),
                )
    ok(
        exercise,
        _("the parts of all {count} names, as Docker reads them").format(count=len(NAME_PARTS_NAMES)),
    )


# ---------------------------------------------------------------- predict, then run: what a change rebuilds

REBUILD_TARGET = "web"
REBUILD_CHANGES = (
    "requirements-site.txt",
    "project/posts/models.py",
    "docker/web-entrypoint.sh",
    "README.md",
    ".env",
)
REBUILD_WORDS = {
    "install": N_("pip install runs again (and everything after it)"),
    "code": N_("from a later COPY on: the installed packages come from the cache"),
    "nothing": N_("the whole build comes from the cache"),
}
REBUILD_HINTS = {
    "install": N_(
        "this file is copied before pip install: changing it invalidates that COPY and every step after it"
    ),
    "code": N_(
        "site-deps copies only requirements-site.txt before pip install; this file is copied later, "
        "so the layer of installed packages is reused"
    ),
    "nothing": N_(
        "a file the web image never copies (or that .dockerignore keeps out of the build context) "
        "cannot invalidate a layer of it"
    ),
}


def rebuild_truth(dockerfile=None) -> dict[str, tuple[str, list]]:
    """{changed file: (install | code | nothing, the instructions run again)} for the web image."""
    from ..files import read_dockerfile, rebuilt

    dockerfile = dockerfile or read_dockerfile()
    truth = {}
    for path in REBUILD_CHANGES:
        again = rebuilt(dockerfile, REBUILD_TARGET, path)
        if not again:
            word = "nothing"
        elif any(i.keyword == "RUN" and _installs_any(i) for i in again):
            word = "install"
        else:
            word = "code"
        truth[path] = (word, again)
    return truth


def _installs_any(instruction) -> bool:
    from ._shell import pip_installs

    return bool(pip_installs(run_script(instruction)))


def _word(value):
    """A prediction as the learner may type it: " Install", "CODE" read as install and code."""
    return value.strip().lower() if isinstance(value, str) else value


@guarded
def rebuilds(answer) -> None:
    """Predict, then run: for each changed file, what a rebuild of the web image runs again."""
    exercise = "rebuilds"
    require_answer(exercise, answer)
    if not isinstance(answer, dict):
        raise CheckFailed(
            exercise,
            _("the answer should be a dict: changed file → install, code or nothing"),
            got=type(answer).__name__,
        )
    missing = [path for path in REBUILD_CHANGES if path not in answer]
    if missing:
        raise CheckFailed(
            exercise,
            _("{missing!r} is missing").format(missing=missing[0]),
            hint=_("keep the five files as the dict's keys"),
        )
    answer = {path: _word(answer[path]) for path in REBUILD_CHANGES}
    for path in REBUILD_CHANGES:
        word = answer[path]
        if word not in REBUILD_WORDS:
            raise CheckFailed(
                exercise,
                _("the prediction for {path!r} is not one of the three words").format(path=path),
                expected=_(" or ").join(repr(w) for w in REBUILD_WORDS),
                got=shown(word),
            )
    truth = rebuild_truth()
    for path in REBUILD_CHANGES:
        word, again = truth[path]
        if answer[path] != word:
            first = (
                _("; the first step run again: line {line} `{short}`").format(
                    line=again[0].line, short=again[0].short(50)
                )
                if again
                else ""
            )
            raise CheckFailed(
                exercise,
                _("a change to {path} rebuilds otherwise").format(path=path),
                expected=f"{word!r}: {_(REBUILD_WORDS[word])}{first}",
                got=f"{answer[path]!r}: {_(REBUILD_WORDS[answer[path]])}",
                hint=_(REBUILD_HINTS[word]),
            )
    ok(
        exercise,
        _("all five right, as the Dockerfile and .dockerignore say: {results}").format(
            results=", ".join(f"{path} {truth[path][0]}" for path in REBUILD_CHANGES)
        ),
    )


# ---------------------------------------------------------------- a database service with a healthcheck

HEALTH_STARTER = """\
services:
  web:
    build: .
    environment:
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD:?set it in .env}@db:5432/app
    ports:
      - "127.0.0.1:8000:8000"

volumes:
  pgdata:
"""
DATA_DIRS = ("/var/lib/postgresql", "/var/lib/postgresql/data")
PROBES = ("pg_isready", "psql")


def _url_host(url: str) -> str | None:
    import re

    match = re.match(r"^[\w+]+://(?:[^@/]*@)?([^:/?]+)", str(url))
    return match.group(1) if match else None


def _health_test(health) -> str:
    """A healthcheck's test as one command line ("" when there is none, or it is switched off)."""
    if not isinstance(health, dict) or health.get("disable"):
        return ""
    test = health.get("test")
    if isinstance(test, str):
        return test
    if isinstance(test, list) and test and test[0] in ("CMD", "CMD-SHELL"):
        return " ".join(str(word) for word in test[1:])
    return ""


def _mount_target(volume: str) -> str:
    """Where a volume entry (source:target[:mode], or a target alone) mounts, without a trailing /."""
    parts = volume.split(":")
    if len(parts) >= 3 and parts[-1] in ("ro", "rw", "z", "Z"):
        parts = parts[:-1]
    return parts[-1].rstrip("/")


HEALTH_IMAGE, HEALTH_MAJOR, HEALTH_VOLUME, HEALTH_DATA = "postgres", "18", "pgdata", "/var/lib/postgresql"


def _official_postgres(image: str) -> tuple[bool, str]:
    """(the official postgres image?, its tag): postgres:18, library/postgres:18-alpine and
    docker.io/library/postgres:18.1 are all the official image; bitnami/postgresql is not."""
    text = str(image).partition("@")[0]
    name, tag = text.rsplit(":", 1) if ":" in text.rsplit("/", 1)[-1] else (text, "")
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    name = name.removeprefix("library/")
    return name == HEALTH_IMAGE, tag


def _mounts(service: dict) -> list[tuple[str, str, str]]:
    """(type, source, target) of each volume entry, short or long syntax; type volume or bind."""
    found = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            source, target = str(entry.get("source", "")), str(entry.get("target", ""))
            kind = str(entry.get("type", "volume"))
        else:
            parts = str(entry).split(":")
            if len(parts) >= 3 and parts[-1] in ("ro", "rw", "z", "Z"):
                parts = parts[:-1]
            source, target = (parts[0], parts[-1]) if len(parts) >= 2 else ("", parts[0])
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        found.append((kind, source, target.rstrip("/") or "/"))
    return found


def _environment(service: dict) -> dict:
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(str(item).partition("=")[::2] for item in value)
    return dict(value)


@guarded
def healthcheck(answer) -> None:
    """HEALTH_STARTER with a PostgreSQL service the web service waits for, healthy, unpublished."""
    from ..files import depends_on, load_compose

    exercise = "healthcheck"
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, _("the answer should be the compose file's text"), got=type(answer).__name__
        )
    import yaml

    raw = yaml.safe_load(answer)
    compose = load_compose(answer)  # ${VAR:-default} as compose fills it with nothing set
    services = compose.get("services") or {}
    web = services.get("web")
    if not isinstance(web, dict):
        raise CheckFailed(exercise, _("keep the web service"), got=sorted(services))
    host = _url_host(_environment(web).get("DATABASE_URL", ""))
    databases = {
        name: spec
        for name, spec in services.items()
        if isinstance(spec, dict) and str(spec.get("image", "")).rsplit("/", 1)[-1].startswith("postgres")
    }
    if not databases:
        raise CheckFailed(
            exercise,
            _("there is no PostgreSQL service"),
            hint=_("a service with image: postgres:18 (an official image, pulled from Docker Hub)"),
        )
    if host not in databases:
        raise CheckFailed(
            exercise,
            _("web connects to {host!r}, and no PostgreSQL service has that name").format(host=host),
            expected=_("a service named {host!r}, or the URL naming yours ({join})").format(
                host=host, join=", ".join(sorted(databases))
            ),
            got=sorted(databases),
            hint=_("on the compose network each service is reached by its name"),
        )
    db = databases[host]
    official, tag = _official_postgres(db.get("image", ""))
    if not official or not (tag == HEALTH_MAJOR or tag.startswith((HEALTH_MAJOR + ".", HEALTH_MAJOR + "-"))):
        raise CheckFailed(
            exercise,
            _("{host} runs {image}, not the official postgres:{major} image the exercise asks for").format(
                host=host, image=db.get("image"), major=HEALTH_MAJOR
            ),
            expected=f"image: {HEALTH_IMAGE}:{HEALTH_MAJOR}",
            got=f"image: {db.get('image')}",
            hint=_(
                "name the major version: without a tag (or with latest) the version changes under you "
                "when a new one comes out, and a data folder of one major version does not start another"
            ),
        )
    password = _environment(((raw.get("services") or {}).get(host)) or {}).get("POSTGRES_PASSWORD")
    if password is None and "POSTGRES_PASSWORD_FILE" not in _environment(db) and not db.get("env_file"):
        raise CheckFailed(
            exercise,
            _("{host} would not start: the postgres image refuses to run without POSTGRES_PASSWORD").format(
                host=host
            ),
            hint=_("environment: POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}"),
        )
    if password is not None and "$" not in str(password):
        raise CheckFailed(
            exercise,
            _("the password is written in the file, which goes to git"),
            expected=_(
                "${POSTGRES_PASSWORD} (or ${POSTGRES_PASSWORD:?...}): from .env, as web's URL takes it"
            ),
            got=password,
            hint=_("web's DATABASE_URL reads ${POSTGRES_PASSWORD}; the database must get the same value"),
        )
    test = _health_test(db.get("healthcheck"))
    if not test:
        raise CheckFailed(
            exercise,
            _("{host} has no healthcheck").format(host=host),
            hint=_(
                'healthcheck: test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U app -d app"], with an interval'
            ),
        )
    if not any(probe in test for probe in PROBES):
        raise CheckFailed(
            exercise,
            _("{host}'s healthcheck does not ask PostgreSQL").format(host=host),
            expected=_("pg_isready (or psql), which the postgres image has"),
            got=test,
            hint=_("PostgreSQL does not speak HTTP and the image has no curl: pg_isready asks the server"),
        )
    condition = depends_on(web).get(host)
    if condition != "service_healthy":
        raise CheckFailed(
            exercise,
            _("web does not wait for {host} to be healthy").format(host=host),
            expected=f"depends_on: {host}: condition: service_healthy",
            got=f"depends_on {host}: {condition}" if condition else _("no depends_on"),
            hint=_(
                "the list form (depends_on: [db]) waits only for the container to start, not for PostgreSQL "
                "to accept connections"
            ),
        )
    published = [
        str(p)
        for p in db.get("ports") or []
        if str(p.get("target") if isinstance(p, dict) else p).split(":")[-1].split("/")[0] == "5432"
    ]
    if published:
        raise CheckFailed(
            exercise,
            _("{host} publishes PostgreSQL's port on the host").format(host=host),
            got=f"ports: {published}",
            hint=_(
                "web reaches it as {host}:5432 on the compose network; a published 5432 opens the database "
                "to the machine (and, without 127.0.0.1, to the network)"
            ).format(host=host),
        )
    mounts = [str(v.get("target") if isinstance(v, dict) else v) for v in db.get("volumes") or []]
    if not any(_mount_target(m) in DATA_DIRS for m in mounts):
        raise CheckFailed(
            exercise,
            _("{host} keeps its data in the container's writable layer").format(host=host),
            expected="volumes: - pgdata:/var/lib/postgresql",
            got=mounts or _("no volumes"),
            hint=_("the writable layer goes with the container: docker compose down would lose the data"),
        )
    wanted = f"{HEALTH_VOLUME}:{HEALTH_DATA}"
    if (("volume", HEALTH_VOLUME, HEALTH_DATA)) not in _mounts(db):
        at_data = [m for m in _mounts(db) if m[2] == HEALTH_DATA]
        raise CheckFailed(
            exercise,
            _("{host}'s data is not in the pgdata volume at /var/lib/postgresql").format(host=host),
            expected=f"volumes: - {wanted}",
            got=mounts,
            hint=(
                _("a bind mount or another volume is not the pgdata volume the starter declares")
                if at_data
                else _(
                    "the postgres:18 image keeps its data below /var/lib/postgresql (in 18/docker); "
                    "/var/lib/postgresql/data is where images before 18 kept it"
                )
            ),
        )
    declared = raw.get("volumes") if isinstance(raw.get("volumes"), dict) else {}
    if HEALTH_VOLUME not in declared:
        raise CheckFailed(
            exercise,
            _("the volume pgdata is used but not declared: docker compose would refuse the file"),
            expected="volumes:\n  pgdata:",
            got=_("top-level volumes: {names}").format(names=sorted(declared) or _("none")),
            hint=_("keep the starter's top-level volumes: pgdata: at the end of the file"),
        )
    ok(
        exercise,
        _(
            "{host} ({db}) answers `{test}`; web waits for it to be healthy; 5432 unpublished; "
            "data in a volume; the password from .env"
        ).format(host=host, db=db["image"], test=test),
    )


# ---------------------------------------------------------------- 01-docker-1: one docker run, typed

RUN_IMAGE, RUN_NAME, RUN_VOLUME, RUN_TARGET = "hello", "web", "visits", "/data"
RUN_HOST_PORT, RUN_CONTAINER_PORT = "8081", "8000"
# docker run's options that take a value (the ones a learner may plausibly write here)
RUN_VALUED = {
    "--name",
    "-p",
    "--publish",
    "-v",
    "--volume",
    "--mount",
    "-e",
    "--env",
    "--env-file",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "--network",
    "--net",
    "--restart",
    "-h",
    "--hostname",
    "-l",
    "--label",
    "--entrypoint",
    "--platform",
    "--pull",
    "--memory",
    "-m",
    "--cpus",
    "--expose",
    "--add-host",
    "-a",
    "--attach",
    "-c",
    "--cpu-shares",
    "--cap-add",
    "--cap-drop",
    "--device",
    "--dns",
    "--group-add",
    "--health-cmd",
    "--ip",
    "--label-file",
    "--link",
    "--log-driver",
    "--log-opt",
    "--network-alias",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--tmpfs",
    "--ulimit",
    "--volumes-from",
}
RUN_VALUED_SHORT = {"p", "v", "e", "w", "u", "h", "l", "m", "a", "c"}


def parse_run(command: str) -> dict:
    """The parts of a `docker run` command line: detach, name, publish, volume and mount values, and
    the image (the first word that is not an option or an option's value). Raises ValueError."""
    import shlex

    words = shlex.split(command.strip().lstrip("!$ ").replace("\\\n", " "))
    if words[:1] == ["sudo"]:
        words = words[1:]
    if words[:2] == ["docker", "run"]:
        words = words[2:]
    elif words[:3] == ["docker", "container", "run"]:
        words = words[3:]
    else:
        raise ValueError("not docker run")
    found = {"detach": False, "name": None, "publish": [], "volume": [], "mount": [], "image": None}
    keys = {"--name": "name", "-p": "publish", "--publish": "publish", "-v": "volume", "--volume": "volume"}
    keys["--mount"] = "mount"
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            found["image"] = word
            break
        option, equals, value = word.partition("=")
        if option in ("-d", "--detach"):
            found["detach"] = True
            continue
        if not option.startswith("--") and len(option) > 2:  # -itd, -dp 8081:8000, -p8081:8000
            for at, flag in enumerate(word[1:], start=1):
                if flag in RUN_VALUED_SHORT:
                    option, equals, value = "-" + flag, word[at + 1 :] != "", word[at + 1 :].lstrip("=")
                    break
                found["detach"] |= flag == "d"
            else:
                continue
        if option in RUN_VALUED:
            if not equals:
                if index >= len(words):
                    raise ValueError(f"{option} without a value")
                value = words[index]
                index += 1
            if option in keys:
                key = keys[option]
                if key == "name":
                    found["name"] = value
                else:
                    found[key].append(value)
    return found


def _mount_parts(value: str) -> tuple[str, str | None, str | None]:
    """(type, source, target) of a --mount value: type=volume,source=visits,target=/data."""
    fields = dict(part.partition("=")[::2] for part in value.split(","))
    source = fields.get("source") or fields.get("src")
    target = fields.get("target") or fields.get("destination") or fields.get("dst")
    return fields.get("type", "volume"), source, target


@guarded
def run_command(answer) -> None:
    """One `docker run` line: image hello, detached, named web, 127.0.0.1:8081 → 8000, visits at /data."""
    exercise = "run_command"
    require_answer(exercise, answer)
    if not isinstance(answer, str):
        raise CheckFailed(
            exercise, _("the answer should be the command, as a string"), got=type(answer).__name__
        )
    try:
        run = parse_run(answer)
    except ValueError:
        raise CheckFailed(
            exercise,
            _("this is not a docker run command Docker would read"),
            got=answer,
            hint=_("start with docker run, put the options next, and the image name after them"),
        ) from None
    image = run["image"] or ""
    if image.removesuffix(":latest").removeprefix("docker.io/library/") != RUN_IMAGE:
        raise CheckFailed(
            exercise,
            _("the image to run"),
            expected=RUN_IMAGE,
            got=run["image"],
            hint=_("the image comes after every option: docker run [options] IMAGE"),
        )
    if not run["detach"]:
        raise CheckFailed(
            exercise,
            _("the container would run in the foreground"),
            hint=_("-d (--detach) starts it in the background and prints its id"),
        )
    if run["name"] != RUN_NAME:
        raise CheckFailed(
            exercise,
            _("the container's name"),
            expected=RUN_NAME,
            got=run["name"],
            hint=_("--name web, before the image"),
        )
    mappings = [p.removesuffix("/tcp").split(":") for p in run["publish"]]
    wanted = ["127.0.0.1", RUN_HOST_PORT, RUN_CONTAINER_PORT]
    if wanted not in mappings:
        reversed_ = any(m[-2:] == [RUN_CONTAINER_PORT, RUN_HOST_PORT] for m in mappings)
        everywhere = any(m == wanted[1:] or m == ["0.0.0.0", *wanted[1:]] for m in mappings)
        hint = _("-p takes HOST_ADDRESS:HOST_PORT:CONTAINER_PORT")
        if reversed_:
            hint = _("the host's port comes first and the container's last: -p 127.0.0.1:8081:8000")
        elif everywhere:
            hint = _(
                "without 127.0.0.1 the port is published on every address of the host, the network's too"
            )
        raise CheckFailed(
            exercise,
            _("the container's port 8000 is not published on 127.0.0.1:8081"),
            got=run["publish"] or _("no -p"),
            hint=hint,
        )
    mounts = [(v.split(":") + [""])[:2] for v in run["volume"]] + [
        [source, target or ""] for kind, source, target in map(_mount_parts, run["mount"]) if kind == "volume"
    ]
    mounts = [[source, target.rstrip("/") or target] for source, target in mounts]  # /data/ is /data
    binds = [v for v in run["volume"] if v.startswith(("/", ".", "~", "$"))]
    binds += [v for v in run["mount"] if _mount_parts(v)[0] == "bind"]
    if [RUN_VOLUME, RUN_TARGET] not in mounts:
        hint = _("-v NAME:/path mounts the named volume NAME at /path inside the container")
        if binds:
            hint = _(
                "a source that is a path (/, ., ~) is a bind mount of a host folder; "
                "a volume is named by its name"
            )
        raise CheckFailed(
            exercise,
            _("the named volume visits is not mounted at /data"),
            got=(run["volume"] + run["mount"]) or _("no -v"),
            hint=hint,
        )
    ok(
        exercise,
        _("hello runs in the background as web, 127.0.0.1:8081 → 8000, the volume visits at /data"),
    )
