"""Every check answers whatever a learner assigns with a ✗ (CheckFailed or NotAnswered), never a traceback."""

import inspect

import pytest

from workbook.checks import CheckFailed, api, cicd, docker, modeling, postgresql
from workbook.checks._probe import HOSTILE


def _is_guarded(function) -> bool:
    """Decorated with _probe.guarded (a context manager also has __wrapped__: its generator)."""
    wrapped = getattr(function, "__wrapped__", None)
    return wrapped is not None and not inspect.isgeneratorfunction(wrapped)


# orm has its own hostile test (with QuerySets of every kind); modeling.q1 belongs to another exercise set.
CHECKS = [
    (module, name)
    for module in (api, cicd, docker, modeling, postgresql)
    for name, function in vars(module).items()
    if inspect.isfunction(function) and (name[:1] == "q" and name[1:].isdigit() or _is_guarded(function))
    if (module, name) != (modeling, "q1")
]


def test_every_exercise_check_is_in_the_list():
    """The checks the notebooks call by a name other than qN are fed the hostile values too."""
    names = {n for _, n in CHECKS}
    assert {"name_parts", "needs_and_matrix", "rebuilds", "healthcheck"} <= names


def _querysets():
    from posts.models import File, Post

    return [
        Post.objects.values(),
        File.objects.select_related("nope"),
        File.objects.values_list("id", flat=True),
        Post.objects.none(),
    ]


@pytest.mark.parametrize(
    "module, name", CHECKS, ids=[f"{m.__name__.rsplit('.', 1)[1]}.{n}" for m, n in CHECKS]
)
def test_every_check_answers_hostile_values_with_a_cross(seeded, module, name):
    for value in [*HOSTILE, *_querysets()]:
        with pytest.raises(CheckFailed) as failure:
            getattr(module, name)(value)
        assert str(failure.value).startswith(f"✗ {name}"), (value, str(failure.value))
