"""The 01-docker checks (both parts) take the right answers and refuse plausible wrong ones; the file
readers work."""

import pytest

from workbook import files
from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import docker as check

# q1: the image-name parser


def right_parser(name):
    return check.reference(name)


def naive_split(name):
    """Splits at the first ':' and '/', as if neither registries nor ports existed."""
    path, _, tag = name.partition(":")
    namespace, _, image = path.rpartition("/")
    return {
        "registry": "docker.io",
        "namespace": namespace or "library",
        "name": image,
        "tag": tag or "latest",
        "digest": None,
    }


def no_library(name):
    parts = check.reference(name)
    if parts["namespace"] == "library" and not name.startswith("docker.io/library/"):
        parts["namespace"] = None
    return parts


def no_latest(name):
    parts = check.reference(name)
    if ":" not in name.rpartition("/")[2].partition("@")[0]:
        parts["tag"] = None
    return parts


def latest_with_digest(name):
    parts = check.reference(name)
    parts["tag"] = parts["tag"] or "latest"
    return parts


def port_is_a_tag(name):
    """Takes the first ':' anywhere as the tag, so localhost:5000/app breaks."""
    parts = check.reference(name)
    if ":" in name and "@" not in name:
        before, _, after = name.partition(":")
        parts["tag"] = after
    return parts


def test_reference_reads_the_examples_of_the_notebook():
    assert check.reference("postgres:16") == {
        "registry": "docker.io",
        "namespace": "library",
        "name": "postgres",
        "tag": "16",
        "digest": None,
    }
    assert check.reference("localhost:5000/workbook-web")["registry"] == "localhost:5000"
    assert check.reference("ghcr.io/acme/team/api")["namespace"] == "acme/team"
    digest_only = check.reference(f"nginx@{check.DIGEST}")
    assert digest_only["tag"] is None and digest_only["digest"] == check.DIGEST


def test_q1_accepts_a_right_parser(capsys):
    check.q1(right_parser)
    assert capsys.readouterr().out.startswith("✓ q1")


@pytest.mark.parametrize(
    "parser, says",
    [
        (naive_split, "registry"),
        (no_library, "library"),
        (no_latest, "latest"),
        (latest_with_digest, "digest alone sets no tag"),
        (port_is_a_tag, "registry port"),
    ],
)
def test_q1_rejects(parser, says):
    with pytest.raises(CheckFailed, match=says):
        check.q1(parser)


def the_namespace_called_repository(name):
    """Right parts, but the namespace under the course's word: Docker's repository is namespace/name."""
    parts = check.reference(name)
    parts["repository"] = parts.pop("namespace")
    return parts


def test_q1_says_which_key_holds_the_namespace():
    with pytest.raises(CheckFailed, match="no key 'namespace'") as caught:
        check.q1(the_namespace_called_repository)
    assert "namespace/name together" in str(caught.value)


def test_q1_reports_an_exception_and_a_wrong_type():
    with pytest.raises(CheckFailed, match="raised ValueError"):
        check.q1(lambda name: int(name))
    with pytest.raises(CheckFailed, match="return a dict"):
        check.q1(lambda name: tuple(check.reference(name).values()))
    with pytest.raises(CheckFailed, match="function itself"):
        check.q1(check.reference("nginx"))


def test_q1_treats_the_student_stub_as_no_answer():
    def stub(name):
        raise NotImplementedError("Exercise q1 is yours")

    with pytest.raises(NotAnswered, match="there is no answer yet"):
        check.q1(stub)


# q2: a Dockerfile that caches its dependencies

GOOD = """
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
"""


def test_q2_accepts_dependencies_first(capsys):
    check.q2(GOOD)
    assert "pip install -r requirements.txt stays cached" in capsys.readouterr().out


def test_q2_accepts_a_multi_stage_answer(capsys):
    check.q2(
        "FROM python:3.12-slim AS deps\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nFROM deps AS app\nCOPY config/ config/\nCOPY . .\n"
        'CMD ["gunicorn", "config.wsgi"]\n'
    )
    assert capsys.readouterr().out.startswith("✓ q2")


@pytest.mark.parametrize(
    "dockerfile, says",
    [
        (check.NAIVE_DOCKERFILE, "still runs pip install again"),
        (GOOD.replace("COPY . .\n", ""), "no longer contains all the code"),
        (
            GOOD.replace(
                "COPY requirements.txt ./\nRUN pip install -r requirements.txt\n",
                "RUN pip install -r requirements.txt\nCOPY requirements.txt ./\n",
            ),
            "before requirements.txt is in the image",
        ),
        (GOOD.replace("RUN pip install -r requirements.txt\n", ""), "nothing runs pip install"),
        (GOOD.replace('CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n', ""), "what to run"),
        ("python:3.12-slim", "Dockerfile's text"),
    ],
)
def test_q2_rejects(dockerfile, says):
    with pytest.raises(CheckFailed, match=says):
        check.q2(dockerfile)


# q3: what a service waits for


def test_q3_accepts_the_transitive_dependencies(capsys):
    check.q3(check.dependencies)
    assert capsys.readouterr().out.startswith("✓ q3")


def direct_only(compose, service):
    return set(compose["services"][service].get("depends_on") or [])


def including_itself(compose, service):
    return check.dependencies(compose, service) | {service}


def mapping_only(compose, service):
    found = set()
    for name in (compose["services"][service].get("depends_on") or {}).items():
        found.add(name[0])
        found |= mapping_only(compose, name[0])
    return found


@pytest.mark.parametrize(
    "function, says",
    [
        (direct_only, "follow depends_on further"),
        (including_itself, "does not wait for itself"),
        (mapping_only, "raised AttributeError"),
        (lambda compose, service: sorted(compose["services"]), "only depends_on counts|itself"),
    ],
)
def test_q3_rejects(function, says):
    with pytest.raises(CheckFailed, match=says):
        check.q3(function)


def test_project_compose_waits_are_read_from_the_file():
    compose = files.read_compose()
    for service in compose["services"]:
        for dependency in check.dependencies(compose, service):
            assert files.start_order(compose).index(dependency) < files.start_order(compose).index(service)


# the readers the checks and notebooks share


def test_dockerfile_parser_joins_continuations_and_reads_stages():
    parsed = files.parse_dockerfile(
        "ARG V=3.12\nFROM python:${V}-slim AS base\n# comment\n"
        "RUN apt-get update \\\n    && apt-get install -y curl\n"
        'FROM base AS app\nCOPY --chown=1000 ["a.txt", "b/", "/app/"]\nCMD ["python"]\n'
    )
    assert parsed.args == {"V": "3.12"}
    assert [(s.name, s.base) for s in parsed.stages] == [("base", "python:3.12-slim"), ("app", "base")]
    run = parsed.stage("base").instructions[0]
    assert run.text == "RUN apt-get update && apt-get install -y curl" and run.line == 4
    copy = parsed.stage("app").instructions[0]
    assert copy.flags == {"chown": "1000"} and copy.sources == ["a.txt", "b/"] and copy.dest == "/app/"
    assert files.dockerfile_cmd(parsed, "app") == ["python"]


def test_rebuilt_follows_from_and_copy_from_and_dockerignore():
    parsed = files.parse_dockerfile(
        "FROM python:3.12-slim AS deps\nCOPY req.txt .\nRUN pip install -r req.txt\n"
        "FROM deps AS build\nCOPY src/ src/\nRUN make\n"
        "FROM nginx:1.28 AS site\nCOPY conf /etc/nginx/\nCOPY --from=build /out /usr/share/nginx/html\n"
    )
    assert [i.line for i in files.rebuilt(parsed, "site", "src/app.py", ignore=[])] == [5, 6, 9]
    assert [i.line for i in files.rebuilt(parsed, "site", "req.txt", ignore=[])] == [2, 3, 5, 6, 9]
    assert files.rebuilt(parsed, "site", "src/app.py", ignore=["src"]) == []
    assert files.rebuilt(parsed, "deps", "src/app.py", ignore=[]) == []


def test_dockerignore_negation_and_globs():
    patterns = [".env", ".env.*", "!.env.example", "**/__pycache__", "*.egg-info"]
    assert files.ignored(".env.prod", patterns)
    assert not files.ignored(".env.example", patterns)
    assert files.ignored("project/posts/__pycache__/models.cpython-312.pyc", patterns)
    assert files.ignored("django_docker_workbook.egg-info/PKG-INFO", patterns)
    assert not files.ignored("project/posts/models.py", patterns)


def test_compose_interpolation_shows_defaults_not_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "9999")
    assert files.interpolate("127.0.0.1:${WEB_PORT:-8000}:8080") == "127.0.0.1:8000:8080"
    assert files.interpolate("${POSTGRES_PASSWORD:?set it}") == "<POSTGRES_PASSWORD>"
    assert files.interpolate("pg_isready -U $$POSTGRES_USER") == "pg_isready -U $POSTGRES_USER"
    assert files.interpolate("${A:-x}", {"A": "y"}) == "y"


def test_compose_graph_has_every_service_and_dependency():
    compose = files.read_compose()
    graph = str(files.compose_graph(compose))
    for name, service in compose["services"].items():
        assert f'    {name}["{name}<br/>' in graph
        for dependency in files.depends_on(service):
            assert f"{dependency} -. " in graph


def test_nginx_site_reads_locations():
    site = files.nginx_site()
    answers = {location.match: location.answer for location in site["locations"]}
    assert answers.get("/static/") == "files" and answers.get("/") == "proxy"


# q1, q2: answers written another way, answers right only on what the notebook shows


def test_q1_rejects_a_table_of_the_notebooks_examples():
    """A parser that looks names up in a literal dict fails on the check's own names, and says so."""
    table = {name: check.reference(name) for name in ("postgres:16", "localhost:5000/workbook-web")}
    with pytest.raises(CheckFailed, match="raised KeyError") as failure:
        check.q1(lambda name: table[name])
    assert "names of its own" in str(failure.value)


def test_q1_accepts_a_parser_written_with_a_regular_expression(capsys):
    import re

    pattern = re.compile(
        r"^(?:(?P<host>[^/]*[.:][^/]*|localhost)/)?(?P<path>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<d>.+))?$"
    )

    def parse(name):
        m = pattern.match(name)
        path = m["path"]
        registry = m["host"] or "docker.io"
        if registry == "docker.io" and "/" not in path:
            path = "library/" + path
        namespace, _, image = path.rpartition("/")
        tag = m["tag"] or (None if m["d"] else "latest")
        return {
            "registry": registry,
            "namespace": namespace or None,
            "name": image,
            "tag": tag,
            "digest": m["d"],
        }

    check.q1(parse)
    assert capsys.readouterr().out.startswith("✓ q1")


DEPENDENCIES_FIRST_VARIANTS = [
    # python -m pip, the long flag, a file in /tmp, a RUN in exec form, ADD for the code
    GOOD.replace(
        "RUN pip install -r requirements.txt",
        "RUN python -m pip install --no-cache-dir --requirement requirements.txt",
    ),
    GOOD.replace(
        "COPY requirements.txt ./\nRUN pip install -r requirements.txt\n",
        "COPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt\n",
    ),
    GOOD.replace(
        "RUN pip install -r requirements.txt", 'RUN ["pip", "install", "-r", "requirements.txt"]'
    ).replace("COPY . .", "ADD . /app/"),
]


@pytest.mark.parametrize(
    "dockerfile", DEPENDENCIES_FIRST_VARIANTS, ids=["python -m pip --requirement", "/tmp", "exec form, ADD"]
)
def test_q2_accepts_other_right_dockerfiles(dockerfile, capsys):
    check.q2(dockerfile)
    assert "stays cached" in capsys.readouterr().out


@pytest.mark.parametrize(
    "dockerfile, says",
    [
        (
            GOOD.replace("pip install -r requirements.txt", "pip install requirements.txt"),
            "package called 'requirements.txt'",
        ),
        # right for the file the exercise names, wrong for the rest of the code
        (GOOD.replace("COPY . .", "COPY config/ config/"), "no COPY brings manage.py"),
        (
            GOOD.replace("COPY requirements.txt ./\n", "COPY requirements.txt ./\nCOPY posts/ posts/\n"),
            "a change to posts/models.py still runs pip install",
        ),
        (
            GOOD.replace("RUN pip install -r requirements.txt", "RUN echo pip install -r requirements.txt"),
            "nothing runs pip install",
        ),
    ],
    ids=["no -r", "config only", "part of the code before", "an echo"],
)
def test_q2_rejects_more(dockerfile, says):
    with pytest.raises(CheckFailed, match=says):
        check.q2(dockerfile)


def test_q3_rejects_a_table_of_the_projects_answers():
    compose = files.read_compose()
    table = {service: check.dependencies(compose, service) for service in compose["services"]}
    with pytest.raises(CheckFailed, match="raised KeyError|in a compose file of the check's"):
        check.q3(lambda compose, service: table[service])


def test_q3_accepts_a_recursive_function_returning_a_list(capsys):
    def waits_for(compose, service):
        found = []
        for name in compose["services"][service].get("depends_on") or []:
            for dependency in [name, *waits_for(compose, name)]:
                if dependency not in found:
                    found.append(dependency)
        return found

    check.q3(waits_for)
    assert capsys.readouterr().out.startswith("✓ q3")
