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
