"""01-docker-2-project's name-parts exercise: every part as Docker reads it, either word for the namespace."""

import copy

import pytest

from workbook.checks import CheckFailed
from workbook.checks import docker as check

REFERENCE = {
    "postgres:18": {"registry": "docker.io", "namespace": "library", "name": "postgres", "tag": "18"},
    "bitnami/postgresql": {
        "registry": "docker.io",
        "namespace": "bitnami",
        "name": "postgresql",
        "tag": "latest",
    },
    "ghcr.io/acme/workbook-web:3f2a1c9": {
        "registry": "ghcr.io",
        "namespace": "acme",
        "name": "workbook-web",
        "tag": "3f2a1c9",
    },
    "localhost:5000/workbook-web": {
        "registry": "localhost:5000",
        "namespace": None,
        "name": "workbook-web",
        "tag": "latest",
    },
}


def changed(name, **parts):
    answer = copy.deepcopy(REFERENCE)
    answer[name].update(parts)
    return answer


def test_the_reference_passes(capsys):
    check.name_parts(REFERENCE)
    assert capsys.readouterr().out.startswith("✓ name_parts: the parts of all 4 names")


def test_the_course_word_repository_passes():
    answer = {
        name: {("repository" if k == "namespace" else k): v for k, v in parts.items()}
        for name, parts in REFERENCE.items()
    }
    check.name_parts(answer)


def test_docker_hubs_other_host_names_pass():
    check.name_parts(changed("postgres:18", registry="index.docker.io"))
    check.name_parts(changed("bitnami/postgresql", registry="registry-1.docker.io"))


@pytest.mark.parametrize(
    "answer, says, teaches",
    [
        (
            changed("bitnami/postgresql", registry="bitnami", namespace=None),
            "registry of 'bitnami/postgresql'",
            "'.' or a ':'",
        ),
        (changed("bitnami/postgresql", tag=None), "tag of 'bitnami/postgresql'", "latest"),
        (changed("postgres:18", namespace=None), "namespace of 'postgres:18'", "library"),
        (
            changed("localhost:5000/workbook-web", registry="docker.io", namespace="localhost:5000"),
            "registry of 'localhost:5000",
            "'.' or a ':'",
        ),
    ],
    ids=[
        "a namespace taken for a registry",
        "no tag",
        "an official image without library",
        "a port taken for a namespace",
    ],
)
def test_each_mistake_fails_with_its_hint(answer, says, teaches):
    with pytest.raises(CheckFailed, match=says) as failure:
        check.name_parts(answer)
    assert teaches in str(failure.value)


def test_a_missing_name_and_a_missing_part_are_said():
    answer = copy.deepcopy(REFERENCE)
    del answer["postgres:18"]
    with pytest.raises(CheckFailed, match="'postgres:18' is missing"):
        check.name_parts(answer)
    answer = copy.deepcopy(REFERENCE)
    del answer["postgres:18"]["tag"]
    with pytest.raises(CheckFailed, match="no tag for 'postgres:18'"):
        check.name_parts(answer)
    with pytest.raises(CheckFailed, match="no answer yet"):
        check.name_parts(...)
