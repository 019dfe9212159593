"""The Korean edition stays in step with the English notebooks.

Every markdown cell of every English notebook has a translation in notebooks/i18n/ko/, written
for the English text it has now (the catalogue stores a hash of it); notebooks/ko/ is exactly
what `python -m workbook translate` builds from them; and every code cell of the edition shows
the English outputs, except outputs that differ by translated messages only.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from workbook.authoring import translate
from workbook.authoring.conventions import notebook_paths
from workbook.i18n import MARKER
from workbook.paths import NOTEBOOKS_DIR

SOURCE = NOTEBOOKS_DIR
CATALOGUES = translate.CATALOGUE_DIR
LANG = "ko"
NOTEBOOKS = [p.name for p in notebook_paths(directory=NOTEBOOKS_DIR)]


def problems_of(
    kind: str, name: str, source: Path | None = None, catalogues: Path | None = None
) -> list[str]:
    """The build's own lines for one notebook, only those of one kind (missing, stale, unknown)."""
    source, catalogues = source or SOURCE, catalogues or CATALOGUES
    notebook = source / name
    found = translate.status(notebook, LANG, catalogue_dir=catalogues)
    wanted = set(found[kind])
    return [
        line
        for line in translate.problems(notebook, LANG, catalogue_dir=catalogues)
        if any(f" {cell_id} " in line or f" {cell_id}," in line for cell_id in wanted)
    ]


def assert_none(kind: str, name: str, source: Path | None = None, catalogues: Path | None = None) -> None:
    lines = problems_of(kind, name, source, catalogues)
    assert not lines, "\n".join(lines)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_markdown_cell_is_translated(name):
    assert_none("missing", name)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_translation_is_stale(name):
    assert_none("stale", name)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_translation_of_a_cell_that_is_not_there(name):
    assert_none("unknown", name)


def test_no_catalogue_without_a_notebook():
    stems = {Path(name).stem for name in NOTEBOOKS}
    strays = sorted(p.name for p in (CATALOGUES / LANG).glob("*.md") if p.stem not in stems)
    assert not strays, f"catalogues of no notebook in {CATALOGUES / LANG}: {', '.join(strays)}"


def _without_outputs(nb) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return json.loads(json.dumps(nb))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_edition_is_built_from_the_current_sources(name):
    """notebooks/ko/<name>: markdown from the catalogue, code sources, ids, metadata as in English."""
    fix = "run `python -m workbook translate` and commit notebooks/ko/"
    built = SOURCE / LANG / name
    assert built.exists(), f"{built.relative_to(SOURCE.parent)} is missing: {fix}"
    english = nbformat.read(str(SOURCE / name), as_version=4)
    entries = translate.read_catalogue(SOURCE / name, LANG, CATALOGUES)
    assert set(entries) >= {c.id for c in english.cells if c.cell_type == "markdown"}, (
        f"{name}: the catalogue lacks cells (see test_every_markdown_cell_is_translated)"
    )
    edition = nbformat.read(str(built), as_version=4)
    expected = _without_outputs(translate.edition_notebook(english, entries, LANG))
    actual = _without_outputs(edition)
    assert actual["metadata"] == expected["metadata"], f"{name}: the notebook's metadata differs: {fix}"
    assert [c["id"] for c in actual["cells"]] == [c["id"] for c in expected["cells"]], (
        f"{name}: cells added, removed or moved: {fix}"
    )
    for got, want in zip(actual["cells"], expected["cells"], strict=True):
        assert got == want, (
            f"{name}: cell {want['id']} ({want['cell_type']}) is not what the build makes: {fix}"
        )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_edition_shows_the_english_outputs_but_for_translated_messages(name):
    built = SOURCE / LANG / name
    assert built.exists(), (
        f"{built.relative_to(SOURCE.parent)} is missing: run `python -m workbook translate`"
    )
    english = {c.id: c for c in nbformat.read(str(SOURCE / name), as_version=4).cells}
    wrong = []
    for cell in nbformat.read(str(built), as_version=4).cells:
        if cell.cell_type == "code" and cell.id in english:
            wrong += [
                f"{name}, cell {cell.id}: {why}"
                for why in translate.output_differences(english[cell.id], cell)
            ]
    assert not wrong, "\n".join(wrong) + (
        f"\n`python -m workbook regenerate --lang {LANG} {name[:2]}` runs the edition again"
    )


def test_the_edition_folder_speaks_korean():
    assert (SOURCE / LANG / MARKER).read_text(encoding="utf-8").strip() == LANG


# The machinery, on notebooks and catalogues in a temporary folder.


def _scratch(tmp_path: Path, names=("00-start-here.ipynb", "05-orm-exercises.ipynb")) -> tuple[Path, Path]:
    source, catalogues = tmp_path / "notebooks", tmp_path / "i18n"
    (catalogues / LANG).mkdir(parents=True)
    source.mkdir()
    for name in names:
        shutil.copyfile(NOTEBOOKS_DIR / name, source / name)
        english = translate.skeleton(source / name)
        korean = "".join(
            line if line.startswith("<!-- cell") else f"한국어 {line}" for line in english.splitlines(True)
        )
        (catalogues / LANG / f"{Path(name).stem}.md").write_text(korean, encoding="utf-8")
    return source, catalogues


def _edit_first_markdown(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.source += "\n\nOne more English sentence."
    nbformat.write(nb, str(path))
    return cell.id


def test_staleness_is_found_when_an_english_cell_changes(tmp_path):
    source, catalogues = _scratch(tmp_path)
    assert_none("stale", "05-orm-exercises.ipynb", source, catalogues)
    cell_id = _edit_first_markdown(source / "05-orm-exercises.ipynb")
    with pytest.raises(AssertionError) as failed:
        assert_none("stale", "05-orm-exercises.ipynb", source, catalogues)
    message = str(failed.value)
    assert f"cell {cell_id}" in message and "05-orm-exercises.ipynb" in message
    assert "translate the new English" in message and "en " in message


def test_missing_and_unknown_cells_are_found(tmp_path):
    source, catalogues = _scratch(tmp_path)
    catalogue = catalogues / LANG / "00-start-here.md"
    entries = translate.read(catalogue)
    first, *rest = entries.values()
    rest.append(translate.Entry("no-such-cell", "0" * 12, "없는 셀"))
    catalogue.write_text(translate.render(rest), encoding="utf-8")
    with pytest.raises(AssertionError, match=f"cell {first.cell_id} has no translation"):
        assert_none("missing", "00-start-here.ipynb", source, catalogues)
    with pytest.raises(AssertionError, match="translates cell no-such-cell"):
        assert_none("unknown", "00-start-here.ipynb", source, catalogues)


def test_the_build_refuses_and_writes_nothing(tmp_path):
    source, catalogues = _scratch(tmp_path)
    cell_id = _edit_first_markdown(source / "00-start-here.ipynb")
    with pytest.raises(translate.BuildError) as refused:
        translate.build(LANG, source_dir=source, catalogue_dir=catalogues)
    assert len(refused.value.lines) == 1 and f"markdown cell {cell_id} changed" in refused.value.lines[0]
    assert not (source / LANG).exists()


def test_the_build(tmp_path):
    source, catalogues = _scratch(tmp_path)
    written = translate.build(LANG, source_dir=source, catalogue_dir=catalogues)
    assert [p.name for p in written] == ["00-start-here.ipynb", "05-orm-exercises.ipynb"]
    assert (source / LANG / MARKER).read_text(encoding="utf-8") == "ko\n"
    english = nbformat.read(str(source / "05-orm-exercises.ipynb"), as_version=4)
    edition = nbformat.read(str(source / LANG / "05-orm-exercises.ipynb"), as_version=4)
    assert edition.metadata["workbook"] == {"language": "ko"}
    assert [c.id for c in edition.cells] == [c.id for c in english.cells]
    for en, ko in zip(english.cells, edition.cells, strict=True):
        if en.cell_type == "markdown":
            assert ko.source.startswith("한국어 ") and ko.source != en.source
        else:
            assert (ko.source, ko.metadata, ko.outputs) == (en.source, en.metadata, en.outputs)


def test_building_again_keeps_translated_outputs_and_drops_wrong_ones(tmp_path):
    source, catalogues = _scratch(tmp_path, names=("05-orm-exercises.ipynb",))
    translate.build(LANG, source_dir=source, catalogue_dir=catalogues)
    path = source / LANG / "05-orm-exercises.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    code = [
        c for c in nb.cells if c.cell_type == "code" and c.outputs and c.outputs[0].output_type == "stream"
    ]
    translated, wrong = code[0], code[1]
    translated.outputs[0].text = "✓ 정답입니다\n"
    wrong.outputs[0].text = "a different English output\n"
    nbformat.write(nb, str(path))
    translate.build(LANG, source_dir=source, catalogue_dir=catalogues)
    again = {c.id: c for c in nbformat.read(str(path), as_version=4).cells}
    english = {c.id: c for c in nbformat.read(str(source / "05-orm-exercises.ipynb"), as_version=4).cells}
    assert again[translated.id].outputs[0].text == "✓ 정답입니다\n"
    assert again[wrong.id].outputs == english[wrong.id].outputs


def _cell(source: str, outputs: list, tags=()) -> dict:
    return {
        "cell_type": "code",
        "id": "x",
        "source": source,
        "metadata": {"tags": list(tags)},
        "outputs": outputs,
    }


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def _image(png: str) -> dict:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"},
    }


@pytest.mark.parametrize(
    ("english", "edition", "agree"),
    [
        (_cell("check.q1()", [_stream("✓ q1\n")]), _cell("check.q1()", [_stream("✓ q1\n")]), True),
        (
            _cell("check.q1()", [_stream("✗ q1: no answer yet\n")]),
            _cell("check.q1()", [_stream("✗ q1: 아직 답이 없습니다\n")]),
            True,
        ),
        (_cell("print(3)", [_stream("3\n")]), _cell("print(3)", [_stream("4\n")]), False),
        (
            _cell("scan()", [_stream("rows: 50  ≈ 2.18 ms\n")]),
            _cell("scan()", [_stream("rows: 50  ≈ 1.45 ms\n")]),
            True,
        ),
        (
            _cell("scan()", [_stream("rows: 50  ≈ 2.18 ms\n")]),
            _cell("scan()", [_stream("rows: 51  ≈ 1.45 ms\n")]),
            False,
        ),
        (_cell("print(3)", [_stream("3\n")]), _cell("print(3)", []), False),
        (_cell("print(3)", [_stream("3\n")]), _cell("print(3)", [_stream("3\n"), _stream("3\n")]), False),
        (_cell("plot()", [_image("AAA")]), _cell("plot()", [_image("BBB")]), False),
        (
            _cell('ax.set_xlabel(_("rows"))', [_image("AAA")]),
            _cell('ax.set_xlabel(_("rows"))', [_image("BBB")]),
            True,
        ),
        (
            _cell('ax.set_xlabel(_("rows"))', [_stream("1 ms\n")]),
            _cell('ax.set_xlabel(_("rows"))', [_stream("2 ms\n")]),
            False,
        ),
    ],
)
def test_output_differences(english, edition, agree):
    assert (translate.output_differences(english, edition) == []) is agree


def test_machine_dependent_outputs_stay_english_unless_translated():
    english = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("timing()", id="a", metadata={"tags": ["nbval-ignore-output"]}),
            nbformat.v4.new_code_cell("check.q1()", id="b", metadata={"tags": ["nbval-ignore-output"]}),
            nbformat.v4.new_code_cell("print(1)", id="c"),
        ]
    )
    english.cells[0].outputs = [nbformat.v4.new_output("stream", text="12 ms\n")]
    english.cells[1].outputs = [nbformat.v4.new_output("stream", text="✓ q1 (3 ms)\n")]
    english.cells[2].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    english.cells.append(nbformat.v4.new_code_cell("api()", id="d"))
    english.cells[3].outputs = [
        nbformat.v4.new_output("stream", text="created 2026-01-02T03:04:05.123+09:00\n")
    ]
    edition = copy.deepcopy(english)
    edition.cells[0].outputs = [nbformat.v4.new_output("stream", text="15 ms\n")]
    edition.cells[1].outputs = [nbformat.v4.new_output("stream", text="✓ q1 통과 (4 ms)\n")]
    edition.cells[2].outputs = [nbformat.v4.new_output("stream", text="2\n")]
    edition.cells[3].outputs = [
        nbformat.v4.new_output("stream", text="created 2026-05-06T07:08:09.456+09:00\n")
    ]
    kept = translate.keep_english_outputs(edition, english)
    assert kept.cells[0].outputs[0].text == "12 ms\n"
    assert kept.cells[1].outputs[0].text == "✓ q1 통과 (4 ms)\n"
    assert kept.cells[2].outputs[0].text == "2\n"  # not machine-dependent: left for the test to catch
    assert kept.cells[3].outputs[0].text == "created 2026-01-02T03:04:05.123+09:00\n"  # a sanitized moment


def _po_messages(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (continuation lines joined; the header left out)."""
    import ast

    messages, key, current = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgid "):
            key, current = "id", ast.literal_eval(line[6:])
            msgid = current
        elif line.startswith("msgstr "):
            key, current = "str", ast.literal_eval(line[7:])
            messages[msgid] = current
        elif line.startswith('"') and key == "id":
            msgid += ast.literal_eval(line)
        elif line.startswith('"') and key == "str":
            messages[msgid] += ast.literal_eval(line)
    messages.pop("", None)
    return messages


def test_every_label_a_notebook_draws_has_its_korean():
    """A notebook's `_("...")` (a plot's labels) has a Korean msgstr in workbook.po."""
    import re

    from workbook.i18n import LOCALE_DIR

    messages = _po_messages(LOCALE_DIR / LANG / "LC_MESSAGES" / "workbook.po")
    used = {
        (path.name, cell.id, match[1])
        for path in notebook_paths(directory=NOTEBOOKS_DIR)
        for cell in nbformat.read(str(path), as_version=4).cells
        if cell.cell_type == "code"
        for match in re.finditer(r'(?<![\w.])_\("((?:[^"\\]|\\.)*)"\)', cell.source)
    }
    assert used, "the plots of 03-2 and 05 draw their labels through _()"
    missing = [
        f"{name}, cell {cell_id}: {text!r}" for name, cell_id, text in sorted(used) if not messages.get(text)
    ]
    assert not missing, "no Korean in workbook/i18n/locale/ko/LC_MESSAGES/workbook.po for:\n" + "\n".join(
        missing
    )


def test_the_test_command_runs_the_korean_edition():
    """pytest's configuration reaches notebooks/ko/: nbval is on, notebooks/ is a test path and no
    pattern keeps pytest from recursing into ko/ (nbval collects every .ipynb it finds)."""
    import fnmatch
    import tomllib

    config = tomllib.loads((SOURCE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    options = config["ini_options"]
    assert "notebooks" in options["testpaths"] and "--nbval" in options["addopts"].split()
    skipped = [p for p in options.get("norecursedirs", []) if fnmatch.fnmatch(LANG, p)]
    assert not skipped, f"norecursedirs keeps pytest out of notebooks/{LANG}/: {skipped}"
    built = sorted(p.name for p in (SOURCE / LANG).glob("*.ipynb"))
    assert built == NOTEBOOKS, f"notebooks/{LANG}/ holds {built}: run `python -m workbook translate`"
