"""The Korean edition as a learner meets it: Run All in a fresh Korean exercise copy, on a machine
without a Docker Engine, reaches the end with one Korean ✗ line per exercise and prints no English
sentence of the workbook's own.

What may stay English is listed in README.ko.md ("영어로 남는 것") and matched below by ALLOWED:
code and identifiers, the project's files shown as they are, the seed data, and what a library or
a tool says in its own words (PostgreSQL's and Django's errors, the API's error bodies, pip,
pytest, actionlint). A line that holds Hangul is a Korean sentence that quotes such words.
"""

import os
import re

import pytest

from workbook import database
from workbook.authoring import conventions, scratch, student
from workbook.authoring import regenerate as regen
from workbook.paths import NOTEBOOKS_DIR

KO_DIR = NOTEBOOKS_DIR / "ko"
PATHS = conventions.notebook_paths(directory=KO_DIR)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Words that make a run of Latin words an English sentence rather than a name or a value.
FUNCTION_WORDS = set(
    "the a an is are was were be been of to in on for with and or not no it its this that these those "
    "yet by from here there has have had what when which who will would can could should does do did "
    "your you we our they their than then so as at all every each only".split()
)
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z']*(?:[ ,;:]+[A-Za-z][A-Za-z']*){3,}")
MERMAID = re.compile(r"-->|==>|-\.|\[\(|\[\"|\(\[|subgraph ")
QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'|`[^`]*`|“[^”]*”')
# What stays English on purpose (README.ko.md lists the same): one pattern per kind of line.
ALLOWED = {
    "a line of a file the notebook shows (its number, then the file's text)": r"^\s*\d+\s",
    "a comment or a key of a file shown (Dockerfile, YAML, shell)": (
        r"^\s*(#|- name:|name:|run:|uses:|with:|echo )"
    ),
    "PostgreSQL's own version string": r"^PostgreSQL \d+(\.\d+)? on ",
    "Python's repr of a QuerySet or a model": r"^[<\[(]|^\s*<",
    "a model's __str__, the site's own words": r"^(Post|Comment|Like|File) #\d+ by ",
    "Django's and PostgreSQL's errors": (
        r"violates|duplicate key|could not serialize|canceling statement|"
        r"value too long|invalid input value|Ensure this value|This field|This list|Enter an? "
    ),
    "Django's migrate": (
        r"^\s*(Apply all migrations|No migrations to apply|Operations to perform|Running migrations)"
    ),
    "a workflow's step, named in its file": r"^\d+\. .*  \[(run|uses [^\]]+)\]$",
    "a line of a diff of a project file": r"^(\+|-|@@)",
    "SQL the notebook shows (DDL, a constraint's definition)": (
        r"^\s*(CREATE|ALTER|SELECT|INSERT|UPDATE|DELETE|DROP|BEGIN|COMMIT|FROM|WHERE|ORDER BY|GROUP BY)\b"
        r"|\bCHECK \("
    ),
    "pytest's summary and tracebacks": r"^(=+|_+|E |FAILED|PASSED|ERROR)|\b(passed|failed|error)s? in \d",
    "actionlint's findings": r"^line \d+:\d+: .*\[[a-z-]+\]$",
    "deploy/deploy.sh's own lines, and the logs of the containers it starts": (
        r"^\s*(deploy: |(web|proxy) \(new\): )"
    ),
    "a shell line of a file shown": r"^\s*(for \w+ in |if \[|org\.opencontainers)",
}
ALLOWED_LINE = re.compile("|".join(f"(?:{p})" for p in ALLOWED.values()))


# Cells whose output is a project file (or part of one) as it is written: its text is the file's.
SHOWS_A_FILE = re.compile(r"files\.(job_text|script_header|read_dockerignore)\(|test_step\[")


def english_sentences(text: str) -> list[str]:
    """The lines of an output that hold an English sentence the workbook wrote."""
    found = []
    for line in text.splitlines():
        if HANGUL.search(line) or ALLOWED_LINE.search(line):
            continue
        # A quoted value is data (a post's text, an API body); a diagram's quoted label is not.
        bare = line if MERMAID.search(line) else QUOTED.sub(" ", line)
        for run in LATIN_RUN.finditer(bare):
            words = [w.lower() for w in re.findall(r"[A-Za-z']+", run.group(0))]
            if sum(w in FUNCTION_WORDS for w in words) >= 2:
                found.append(line)
                break
    return found


def output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        for kind in ("text/plain", "text/markdown"):
            if kind in output.get("data", {}):
                parts.append(output["data"][kind])
    return "\n".join(parts)


def test_the_detector_finds_english_and_lets_the_exceptions_through():
    assert english_sentences("✓ Django is set up in this kernel")
    assert english_sentences(
        "No image of this project on this engine yet: `docker compose build` makes them."
    )
    assert english_sentences(
        '    nginx -->|"/static/"| files1[("files in the image<br/>/usr/share/nginx/static/")]'
    )
    assert not english_sentences("✓ 이 커널에 Django가 설정되어 있습니다")
    assert not english_sentences('Post #1 by alice: "Sunset at Haeundae beach"')
    assert not english_sentences("이체가 거부되었습니다: new row for relation violates check constraint")
    assert not english_sentences(
        "  21  # The standard library compiled once, here: the official image ships it"
    )
    assert not english_sentences(
        "select_related('author'):           10 queries"
    )  # no sentence: code and a count


@pytest.fixture
def throwaway_database(request):
    base = os.environ.get("DJANGO_DB_NAME") or "workbook_tests"
    name = f"{base}_ko_{request.node.callspec.id.split('-')[0]}"
    config = dict(scratch.django_config(), NAME=name)
    scratch.fresh_database(config, name)
    yield name
    database.drop_database(config, name)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_a_korean_copy_runs_all_in_korean_without_docker(path, tmp_path, throwaway_database):
    [copy_path] = student.write_student_copies(tmp_path, [path.stem], directory=KO_DIR)
    copy = conventions.read(copy_path)
    env = dict(
        os.environ,
        DJANGO_DB_NAME=throwaway_database,
        WORKBOOK_LANG="ko",
        WORKBOOK_REHEARSAL_LIVE="0",
        DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock",  # no Docker Engine answers here
    )
    env.pop("WORKBOOK_API_URL", None)
    regen.execute(copy, cwd=tmp_path, env=env, allow_errors=True)

    original = conventions.read(path)
    check_cells = conventions.check_cells(original)
    english = []
    for index, cell in enumerate(copy.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if "raises-exception" not in cell.metadata.get("tags", []):
            assert not errors, f"{path.name} cell {index} failed:\n" + "\n".join(e.evalue for e in errors)
        if index in check_cells:
            [name, *_] = conventions.check_names(original.cells[index])
            assert output_text(cell).startswith(f"✗ {name}: 아직 답이 없습니다"), output_text(cell)
        if "raises-exception" in cell.metadata.get("tags", []) or SHOWS_A_FILE.search(cell.source):
            continue  # a traceback is Python's own words; a file is shown as it is written
        english += [f"cell {index}: {line}" for line in english_sentences(output_text(cell))]
    assert not english, f"{path.name}: English on the learner's path:\n" + "\n".join(english)


PAIR = re.compile(r"[을를이가은는과와]\([을를이가은는과와]\)|\((으|이)\)[로라나]")


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_the_korean_edition_s_saved_outputs_speak_korean(path):
    """The edition's saved outputs (regenerated where a Docker Engine answers, so the live parts
    ran) hold no English sentence of the workbook's own and no 을(를)-style particle pair."""
    nb = conventions.read(path)
    english, pairs = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        text = output_text(cell)
        pairs += [f"cell {index}: {line}" for line in text.splitlines() if PAIR.search(line)]
        if "raises-exception" in cell.metadata.get("tags", []) or SHOWS_A_FILE.search(cell.source):
            continue
        english += [f"cell {index}: {line}" for line in english_sentences(text)]
    assert not pairs, f"{path.name}: particle pairs:\n" + "\n".join(pairs)
    assert not english, (
        f"{path.name}: English in the saved outputs (`regenerate --lang ko` after a message changed):\n"
        + "\n".join(english)
    )
