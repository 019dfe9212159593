"""A first hint is at least as specific as the ✗ it follows: what the ✗ names, the hint names too."""

import re

import pytest

from workbook.checks import CheckFailed
from workbook.checks import orm as check
from workbook.checks.hints import orm as hints


def names_in(text: str) -> set[str]:
    """The code a line names: attributes after a dot and calls (`.all_objects`, `filter()`)."""
    return set(re.findall(r"\.(\w+)", text)) | set(re.findall(r"\b(\w+)\(\)", text))


def failure_hint(function, *args) -> str:
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    lines = [line for line in str(failure.value).splitlines() if line.strip().startswith("hint:")]
    assert lines, str(failure.value)
    return lines[0]


def test_names_in_reads_attributes_and_calls():
    assert names_in("Model.all_objects sees deleted rows; filter() narrows") == {"all_objects", "filter"}


def test_q3s_first_hint_names_the_managers_its_failure_names(seeded):
    from posts.models import Post

    said = failure_hint(check.q3, Post.all_objects.filter(author__username="carol"))
    assert "all_objects" in said
    first = hints.HINTS["q3"][0]
    assert names_in(said) <= names_in(first), (said, first)
