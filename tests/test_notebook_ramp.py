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


# ------------------------------------------------------------------ no answer given away

STOP_WORDS = {"does", "do", "did", "are", "is", "will", "would", "can", "must", "should", "run", "runs"}


def _plain(text: str) -> str:
    """Text compared without spacing or the kind of quotes: `filter(a="b")` is `filter(a='b')`."""
    return re.sub(r"\s+", "", text).replace("'", '"')


def _cell_text(cell) -> str:
    parts = [cell.source]
    for output in cell.get("outputs", []):
        parts.append(str(output.get("text", "")))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _answer_value(cell):
    """The value the solved exercise cell shows for its answer (its last line names it), if it is a
    literal: a string, a number, or a list of strings."""
    import ast

    shown = [
        o["data"]["text/plain"] for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"
    ]
    if not shown:
        return None
    try:
        return ast.literal_eval(shown[-1])
    except (ValueError, SyntaxError):
        return None


def spoilers(nb) -> list[str]:
    """Exercises whose reference answer the learner's copy shows before they answer it: in any cell
    above the exercise, or between its check and the next heading. Compared: each expression the
    solution assigns an answer from, and the answer's value (a name, a list of names, a count)."""
    import ast

    from workbook.authoring import student

    copy = student.student_copy(nb)
    cells, found = nb.cells, []
    for index, cell in enumerate(cells):
        if not conventions.is_exercise(cell):
            continue
        name = conventions.exercise_name(nb, index)
        check_at = next(i for i in range(index + 1, len(cells)) if cells[i].cell_type == "code")
        after = []
        for later in copy.cells[check_at + 1 :]:
            if later.cell_type == "markdown" and HEADING.search(later.source):
                break
            after.append(later)
        statement = next((c.source for c in reversed(cells[:index]) if c.cell_type == "markdown"), "")
        seen = "\n".join(_cell_text(c) for c in [*copy.cells[:index], *after])
        solution = conventions._solution_text(cell.source)
        try:
            tree = ast.parse(solution)
        except SyntaxError:
            tree = None
        answers = set(conventions.answer_names(cells[check_at].source))
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in answers for t in node.targets
            ):
                expression = _plain(ast.get_source_segment(solution, node.value) or "")
                if len(expression) >= 16 and expression in _plain(seen):
                    found.append(f"{name}: its solution {expression!r} is shown before it is answered")
        value = _answer_value(cell)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in answers for t in node.targets
            ):
                try:
                    value = ast.literal_eval(node.value)  # an answer written as a literal
                except ValueError:
                    pass
        if isinstance(value, str) and len(value) >= 6 and value in seen:
            found.append(f"{name}: its answer {value!r} is shown before it is answered")
        elif isinstance(value, list) and len(value) >= 2 and all(isinstance(v, str) for v in value):
            separator = r"[\s,'\"\[\]<>/br]+"
            if re.search(separator.join(re.escape(v) for v in value), seen):
                found.append(f"{name}: its answer {value!r} is listed, in order, before it is answered")
        elif isinstance(value, int) and not isinstance(value, bool):
            phrase = re.search(r"[Hh]ow many ((?:[\w-]+ )+?)(?:" + "|".join(STOP_WORDS) + r")\b", statement)
            nouns = phrase[1].split() if phrase else []
            for noun in nouns:
                if re.search(rf"(?<![\w.]){value} (?:[\w-]+ )?{re.escape(noun)}\b", seen):
                    found.append(f"{name}: its answer, {value} {noun}, is printed before it is answered")
                    break
    return found


# Given away on purpose.
KNOWN = {
    # 00 shows what a check's ✗ looks like on the warm-up itself, expected answer included: its
    # exercise is the mechanics of running a solution and its check.
    ("00-start-here", "warmup"),
}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_no_answer_is_given_away(path):
    found = spoilers(conventions.read(path))
    unexpected = [line for line in found if (path.stem, line.split(":")[0]) not in KNOWN]
    assert unexpected == []
    still = {(path.stem, line.split(":")[0]) for line in found}
    gone = {known for known in KNOWN if known[0] == path.stem} - still
    assert not gone, f"no longer given away, take it off KNOWN: {sorted(gone)}"


def test_a_given_away_answer_is_found():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def notebook(before: str, solution: str, shown: str | None = None):
        exercise = new_code_cell(f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION\nanswer")
        if shown is not None:
            exercise.outputs = [
                {
                    "output_type": "execute_result",
                    "data": {"text/plain": shown},
                    "metadata": {},
                    "execution_count": 2,
                }
            ]
        return new_notebook(
            cells=[
                new_markdown_cell(before),
                new_markdown_cell("### Exercise q1\n\nHow many SQL queries does the list run?"),
                exercise,
                new_code_cell("check.q1(answer)"),
            ]
        )

    assert spoilers(
        notebook(
            "try `Post.objects.filter(author__username='carol')`",
            'answer = Post.objects.filter(author__username="carol")',
        )
    )
    assert spoilers(
        notebook(
            "the index `one_live_like_per_user_and_post`",
            "answer = fetch()",
            "'one_live_like_per_user_and_post'",
        )
    )
    assert spoilers(
        notebook(
            "for name in SSH_HOST SSH_USER ENV_PROD; do", 'answer = ["SSH_HOST", "SSH_USER", "ENV_PROD"]'
        )
    )
    assert spoilers(notebook("page_size=1: 3 queries", "answer = count()", "3"))
    assert not spoilers(notebook("page_size=1: 2 queries", "answer = count()", "3"))
    assert not spoilers(notebook("SSH_USER and SSH_HOST", 'answer = ["SSH_HOST", "SSH_USER"]'))
