"""A student copy keeps what the learner must not invent: a dict exercise's keys stay in its stub.

Every exercise whose solution builds a dict with fixed keys must be answerable from the copy
alone: the stub lists each key (with None), and a stub of Nones still reads as "no answer yet"."""

import ast

import pytest

from workbook.answers import answered, is_stub
from workbook.authoring import conventions, student

PATHS = conventions.notebook_paths()


def _dict_solutions(nb):
    """(cell index, variable, keys) of each top-level `name = {constant keys: ...}` in a solution."""
    for index, cell in enumerate(nb.cells):
        if not conventions.is_exercise(cell):
            continue
        lines = cell.source.splitlines()
        begin = [i for i, line in enumerate(lines) if line.strip() == conventions.BEGIN_SOLUTION]
        end = [i for i, line in enumerate(lines) if line.strip() == conventions.END_SOLUTION]
        for b, e in zip(begin, end, strict=True):
            body = "\n".join(lines[b + 1 : e])
            try:
                tree = ast.parse(body)
            except SyntaxError:
                continue
            for node in tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Dict)
                    and node.value.keys
                    and all(isinstance(k, ast.Constant) for k in node.value.keys)
                ):
                    yield index, node.targets[0].id, [k.value for k in node.value.keys]


DICTS = [(path, *found) for path in PATHS for found in _dict_solutions(conventions.read(path))]


def test_there_are_dict_exercises():
    assert len(DICTS) >= 5, DICTS


@pytest.mark.parametrize("path, index, variable, keys", DICTS, ids=[f"{d[0].stem}-{d[2]}" for d in DICTS])
def test_a_dict_exercise_keeps_its_keys_in_the_student_copy(path, index, variable, keys):
    copy = student.student_copy(conventions.read(path))
    source = copy.cells[index].source
    namespace = {}
    exec(compile(ast.parse(source), "<student cell>", "exec"), {"__builtins__": __builtins__}, namespace)
    stub = namespace[variable]
    assert isinstance(stub, dict) and list(stub) == keys, f"{path.name} {variable}:\n{source}"
    assert is_stub(stub) and not answered(stub)


def test_a_dict_with_an_answer_in_it_is_an_answer():
    assert not is_stub({"a": None, "b": "x"}) and answered({"a": 1})
    assert not is_stub({})
