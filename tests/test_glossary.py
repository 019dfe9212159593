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
from workbook.i18n.terms import Term, gloss_mismatches, repository_sense_misuses, terms, variant_uses
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
    # 확장 alone is the extension row's variant; inside another term (수직 확장, 수평 확장) or made a
    # verb (확장하기: scaling) it is not; an extension is a 확장 모듈.
    assert variant_uses("수직 확장과 *수평 확장*, 확장하기 쉽고 확장되는 앱, 확장 모듈 hstore") == []
    assert [v for _, v in variant_uses("설치된 확장: hstore. **확장**으로 제공")] == ["확장", "확장"]


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


def test_dockers_repository_and_gits_have_a_word_each():
    """리포지토리 for Docker's repository (an image's namespace/name), 저장소 for a git repository;
    the course's notes' own word for the namespace (저장소) may be quoted as theirs."""
    wrong = [
        f"{where}: write {right!r} in {sentence!r}"
        for where, text in korean_texts()
        for right, sentence in repository_sense_misuses(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_repository_check_tells_the_two_senses_apart():
    assert repository_sense_misuses(
        "도커의 용어로 저장소는 네임스페이스/이름 전체입니다. `REPOSITORY` 열에 나오는 저장소."
    ) == [
        ("리포지토리", "도커의 용어로 저장소는 네임스페이스/이름 전체입니다."),
        ("리포지토리", "`REPOSITORY` 열에 나오는 저장소."),
    ]
    git = "잡은 리포지토리를 체크아웃합니다. GitHub 리포지토리"
    assert [right for right, _ in repository_sense_misuses(git)] == ["저장소", "저장소"]
    fine = (
        "도커는 `namespace/name` 전체를 리포지토리라고 부릅니다. "
        "과정의 노트는 네임스페이스를 저장소라고 부릅니다.\n"
        "| 네임스페이스 (노트에서는 저장소) | 이름 |\n"
        "잡은 저장소를 체크아웃합니다. `v7` 같은 태그는 그 저장소를 관리하는 사람이 옮길 수 있습니다.\n"
        "이 저장소에서 web을 빌드하고 태그를 붙여 push합니다. 저장소 밖의 임시 폴더."
    )
    assert repository_sense_misuses(fine) == []
