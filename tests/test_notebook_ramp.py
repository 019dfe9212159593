"""The learner's ramp through the notebooks: each says what comes before it, how long it takes and
where it sits in the course, and 00's map agrees with it."""

import re

import pytest

from workbook.authoring import conventions
from workbook.paths import NOTEBOOKS_DIR

PATHS = conventions.notebook_paths()
IDS = [p.stem for p in PATHS]
TIME = re.compile(r"\*\*Time:\*\* about (\d+) minutes")
MAP_ROW = re.compile(r"^\| \[(\d\d-[a-z0-9-]+)\]\([^)]*\) \|.*\| (\d+) min \|$", re.MULTILINE)


def first_cell(path):
    return conventions.read(path).cells[0].source


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_starts_with_before_time_and_course_lines(path):
    text = first_cell(path)
    assert "**Before you start:**" in text
    assert TIME.search(text), "no '**Time:** about N minutes'"
    assert "**Course:**" in text


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_the_korean_edition_starts_with_the_same_lines(path):
    text = first_cell(NOTEBOOKS_DIR / "ko" / path.name)
    assert "**시작하기 전에:**" in text
    assert re.search(r"\*\*(소요 )?시간:\*\* 약 \d+분", text)
    assert re.search(r"\*\*(강의|과정):\*\*", text)


def test_the_map_in_00_gives_each_notebook_the_time_its_first_cell_gives():
    table = "\n".join(
        cell.source
        for cell in conventions.read(NOTEBOOKS_DIR / "00-start-here.ipynb").cells
        if cell.cell_type == "markdown"
    )
    rows = dict(MAP_ROW.findall(table))
    assert sorted(rows) == sorted(IDS), "00's table lists every notebook, each with a time in minutes"
    for path in PATHS:
        assert rows[path.stem] == TIME.search(first_cell(path))[1], path.stem


# ------------------------------------------------------------------ exercise titles and check names

HEADING = re.compile(r"^#{2,4} .*$", re.MULTILINE)
CHECK = re.compile(r"^check\.(\w+)\(", re.MULTILINE)


def titled_exercises(path):
    """[(the heading above the exercise, its check's name)] for every solution cell of the notebook."""
    cells = conventions.read(path).cells
    heading, found = None, []
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            heading = (HEADING.findall(cell.source) or [heading])[-1]
        elif "### BEGIN SOLUTION" in cell.source:
            following = next(c for c in cells[index + 1 :] if c.cell_type == "code")
            found.append((heading, CHECK.findall(following.source)[0]))
    return found


def word(name: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def title_problems(exercises) -> list[str]:
    """Each exercise's title names its check, and no other exercise's; no two share a name."""
    found = []
    names = [name for _, name in exercises]
    for heading, name in exercises:
        if heading is None or not word(name).search(heading):
            found.append(f"the exercise checked by check.{name}() is titled {heading!r}")
        elif any(word(other).search(heading) for other in set(names) - {name}):
            found.append(f"the title {heading!r} names another exercise's check too")
    if len(names) != len(set(names)):
        found.append("two exercises share a check")
    return found


@pytest.mark.parametrize("edition", ["", "ko"])
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_an_exercise_title_carries_its_checks_name(path, edition):
    """`check.hint("q1")` under the title that says q1 is that exercise's hint: one name per exercise."""
    assert title_problems(titled_exercises(NOTEBOOKS_DIR / edition / path.name)) == []


def test_progress_lists_the_names_the_titles_carry():
    from workbook import records

    listed = {stem: names for stem, _, names in records.exercises()}
    for path in PATHS:
        titled = [name for _, name in titled_exercises(path)]
        assert listed.get(path.stem, []) == titled, path.stem


def test_a_title_without_its_checks_name_is_found(tmp_path):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_markdown_cell("### Exercise 1: the parts"),
            new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
            new_code_cell("check.name_parts(x)"),
            new_markdown_cell("### Exercise q2: after q1"),
            new_code_cell("### BEGIN SOLUTION\ny = 1\n### END SOLUTION"),
            new_code_cell("check.q2(y)"),
            new_markdown_cell("### Exercise q1"),
            new_code_cell("### BEGIN SOLUTION\nz = 1\n### END SOLUTION"),
            new_code_cell("check.q1(z)"),
        ]
    )
    path = tmp_path / "01-x.ipynb"
    conventions.write(nb, path)
    exercises = titled_exercises(path)
    assert exercises[0] == ("### Exercise 1: the parts", "name_parts")
    assert title_problems(exercises) == [
        "the exercise checked by check.name_parts() is titled '### Exercise 1: the parts'",
        "the title '### Exercise q2: after q1' names another exercise's check too",
    ]
