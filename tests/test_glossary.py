"""One glossary, workbook/i18n/glossary.csv, and the notebooks held to it.

No English notebook, Korean catalogue, README or message uses a spelling the glossary lists as a
variant (선행 기록 로그 for 미리 쓰기 로그), and every Korean gloss right after a glossary term in the
English notebooks ("write-ahead log (WAL, 미리 쓰기 로그)") is the glossary's Korean term.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from workbook.authoring.conventions import notebook_paths
from workbook.authoring.translate import CATALOGUE_DIR
from workbook.display import glossary
from workbook.i18n import LOCALE_DIR
from workbook.i18n.terms import Term, gloss_mismatches, terms, variant_uses
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT

NOTEBOOKS = notebook_paths(directory=NOTEBOOKS_DIR)


def markdown_of(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["id"], "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"]


def msgstrs(path: Path) -> list[str]:
    """Every msgstr of a .po file (continuation lines joined)."""
    found, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("msgstr"):
            current = ast.literal_eval(line.split(" ", 1)[1])
            found.append(current)
        elif line.startswith('"') and current is not None:
            found[-1] += ast.literal_eval(line)
        else:
            current = None
    return found


def korean_texts() -> list[tuple[str, str]]:
    texts = [
        (str(p.relative_to(REPO_ROOT)), p.read_text(encoding="utf-8")) for p in CATALOGUE_DIR.glob("*/*.md")
    ]
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        texts += [(str(po.relative_to(REPO_ROOT)), text) for text in msgstrs(po)]
    readme = REPO_ROOT / "README.ko.md"
    if readme.exists():
        texts.append(("README.ko.md", readme.read_text(encoding="utf-8")))
    return texts


def described(uses: list[tuple[Term, str]]) -> list[str]:
    return [f"{variant!r} where the glossary says {term.ko!r} ({term.en})" for term, variant in uses]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_english_notebooks_use_no_variant_spelling(path):
    wrong = [
        f"{path.name}, cell {cell_id}: {line}"
        for cell_id, text in markdown_of(path)
        for line in described(variant_uses(text))
    ]
    assert not wrong, "\n".join(wrong) + "\n(workbook/i18n/glossary.csv has the term to use)"


def test_the_korean_catalogues_messages_and_readme_use_no_variant_spelling():
    wrong = [f"{where}: {line}" for where, text in korean_texts() for line in described(variant_uses(text))]
    assert not wrong, "\n".join(wrong) + "\n(workbook/i18n/glossary.csv has the term to use)"


@pytest.mark.parametrize("path", [*NOTEBOOKS, REPO_ROOT / "README.md"], ids=lambda p: p.name)
def test_every_korean_gloss_is_the_glossarys(path):
    texts = markdown_of(path) if path.suffix == ".ipynb" else [("", path.read_text(encoding="utf-8"))]
    wrong = [
        f"{path.name}{', cell ' + cell_id if cell_id else ''}: {found!r} glosses it as {gloss!r}, "
        f"the glossary as {ko!r}"
        for cell_id, text in texts
        for found, gloss, ko in gloss_mismatches(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checks_find_what_they_look_for():
    text = "the write-ahead log (WAL, 선행 기록 로그), a workflow (워크플로) and jobs (잡)"
    assert {(found, gloss) for found, gloss, _ in gloss_mismatches(text)} == {
        ("write-ahead log (WAL, 선행 기록 로그)", "선행 기록 로그"),
        ("workflow (워크플로)", "워크플로"),
    }
    assert {v for _, v in variant_uses(text)} == {"워크플로", "선행 기록 로그"}
    # The right spelling holds the variant's letters: not a variant.
    assert variant_uses("워크플로우와 미리 쓰기 로그, 워크플로우가") == []
    assert variant_uses("워크플로가 돈다") != []


def test_the_glossary_is_well_formed():
    rows = terms()
    assert len({t.en for t in rows}) == len(rows), "a term is listed twice"
    for term in rows:
        assert term.ko and term.definition and term.definition_ko, term.en
        assert term.ko not in term.variants, term.en
        english, korean = term.en.split(","), term.ko.split(",")
        assert len(english) == len(korean) or len(korean) == 1, (
            f"{term.en}: the group's Korean does not pair up"
        )


def test_the_glossary_table_in_each_edition():
    english = glossary("en")._repr_markdown_().splitlines()
    korean = glossary("ko")._repr_markdown_().splitlines()
    assert english[0] == "| term | 한국어 | in one line |"
    assert korean[0] == "| 한국어 | English | 한 줄 설명 |"
    assert len(english) == len(korean) == len(terms()) + 2
    assert any(line.startswith("| write-ahead log (WAL) | 미리 쓰기 로그 | every change") for line in english)
    wal = "| 미리 쓰기 로그(WAL) | write-ahead log (WAL) | 모든 변경을"
    assert any(line.startswith(wal) for line in korean)


def test_00_shows_the_glossary_from_the_file():
    nb = json.loads((NOTEBOOKS_DIR / "00-start-here.ipynb").read_text(encoding="utf-8"))
    index = next(i for i, c in enumerate(nb["cells"]) if "## 9. Glossary" in "".join(c["source"]))
    assert nb["cells"][index]["cell_type"] == "markdown"
    shown = nb["cells"][index + 1]
    assert "glossary()" in "".join(shown["source"])
    markdown = "".join(shown["outputs"][0]["data"]["text/markdown"])
    assert markdown == glossary("en")._repr_markdown_(), "regenerate 00: the glossary changed"


def test_running_text_uses_the_word_korean_developers_write():
    """Where the glossary has a running-text word (ORM for 객체 관계 매핑, WAL for 미리 쓰기 로그),
    the introduced form appears only glossed with it; everywhere else the text says ORM, WAL."""
    from workbook.i18n.terms import running_text_misuses

    wrong = [
        f"{where}: {around!r} (write {term.running!r}, or introduce it as {term.ko}({term.running}))"
        for where, text in korean_texts()
        for term, around in running_text_misuses(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_running_text_check_finds_what_it_looks_for():
    from workbook.i18n.terms import running_text_misuses

    introduced = (
        "Django 객체 관계 매핑(ORM)을, 그리고 **미리 쓰기 로그**(WAL)와 "
        "객체 관계 매핑(object-relational mapper, ORM)"
    )
    assert running_text_misuses(introduced) == []
    found = running_text_misuses("객체 관계 매핑이 그 오류를 잡아서 어쨌든 저장한다. 미리 쓰기 로그를 읽는다")
    assert sorted(term.running for term, _ in found) == ["ORM", "WAL"]
    assert [t for t in terms() if t.en == "ORM"][0].in_text == "ORM"
    assert [t for t in terms() if t.en == "index"][0].in_text == "인덱스"


def test_the_korean_glossary_table_shows_the_running_word():
    korean = glossary("ko")._repr_markdown_()
    assert "| 객체 관계 매핑(ORM) | ORM |" in korean
    assert "| 활성 행 | live row |" in korean
