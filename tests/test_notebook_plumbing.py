"""No notebook cell holds more than a few lines of helper plumbing: helpers live in workbook modules."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from workbook.authoring import conventions

PATHS = conventions.notebook_paths()


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_no_cell_has_more_than_15_lines_of_helper_plumbing(path):
    assert conventions.plumbing_problems(conventions.read(path)) == []


def _function(lines: int) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return f"def helper():\n{body}    return x0\n"


def test_the_rule_counts_functions_classes_and_try_statements():
    assert conventions.plumbing_lines(_function(15)) == 15
    assert conventions.plumbing_lines(_function(16) + "\nhelper()\n") == 16
    assert conventions.plumbing_lines("try:\n    a = 1\nexcept ValueError:\n    pass\nprint(a)\n") == 4
    assert conventions.plumbing_lines("@decorator\nclass A:\n    def f(self):\n        return 1\n") == 4
    assert conventions.plumbing_lines("%timeit 1\nfor i in range(3):\n    print(i)\n") == 0


def test_a_long_helper_is_found_and_an_exercise_is_not():
    nb = new_notebook(cells=[new_code_cell(_function(16)), new_code_cell("x = 1")])
    (problem,) = conventions.plumbing_problems(nb)
    assert problem.startswith("cell 0") and "16 lines of helper plumbing" in problem
    exercise = f"{conventions.BEGIN_SOLUTION}\n{_function(30)}{conventions.END_SOLUTION}\n"
    assert conventions.plumbing_problems(new_notebook(cells=[new_code_cell(exercise)])) == []
