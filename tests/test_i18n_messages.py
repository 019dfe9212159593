"""The Korean messages: the catalogue in step with the code, every message translated, the language
chosen by WORKBOOK_LANG or .workbook-lang, and the glossary's terms used as written."""

import ast
import csv
import re
import string
import subprocess
import sys

import pytest

from workbook.authoring import messages
from workbook.checks import CheckFailed
from workbook.i18n import MARKER, current_language, display_width, gettext, ngettext
from workbook.i18n.particles import PARTICLES
from workbook.paths import REPO_ROOT

HANGUL = re.compile(r"[\uac00-\ud7a3]")
GLOSSARY = REPO_ROOT / "workbook" / "i18n" / "glossary.csv"

# Spellings that contradict the glossary's Korean term (a pattern each, as a translator might slip).
CONTRADICTIONS = {
    "미리 쓰기 로그": [r"선행 기록 로그", r"선행 기입 로그", r"로그 선행 기입"],
    "워크플로우": [r"워크플로(?!우)"],
    "컨테이너": [r"콘테이너"],
    # 저장소 (git) against 리포지토리 (Docker): by sense, tests/test_glossary.py.
    "리포지토리": [r"리포지터리", r"레포지[토터]리"],
    "확장 모듈": [r"(?<!수직 )(?<!수평 )확장(?! 모듈|하|되)", r"익스텐션"],
    "트랜잭션": [r"트랜젝션"],
    "외래 키": [r"외래키", r"포린 ?키"],
    "기본 키": [r"기본키", r"프라이머리 ?키"],
    "제약 조건": [r"제약조건"],
    "소프트 삭제": [r"논리 삭제", r"소프트 딜리트"],
    "가상 머신": [r"가상머신", r"가상 기계"],
    "지속적 통합": [r"연속 ?통합", r"지속 통합"],
    "지속적 배포": [r"연속 ?배포", r"지속 배포"],
    "리버스 프록시": [r"역방향 프록시"],
    "레이어": [r"계층"],
    "쿼리셋": [r"쿼리 셋"],
    "데몬": [r"대몬", r"디먼"],
    "인덱스": [r"색인"],
}


@pytest.fixture(scope="module")
def po_text():
    return messages.PO_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def entries(po_text):
    """Every entry, the plots' block at the end (`# plots`) included."""
    return messages.all_entries(po_text)


def fields(text: str) -> set[str]:
    """The value fields of a message: not its particle fields ({을}, {이}), which only Korean has."""
    return {
        f"{name}!{conv}:{spec}"
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None and name not in PARTICLES
    }


def test_the_mo_is_compiled_from_the_po(po_text):
    """`python -m workbook messages` was run after the last edit of the .po."""
    compiled = messages.compile_mo(messages.all_entries(po_text))
    assert messages.MO_PATH.read_bytes() == compiled, "run `python -m workbook messages` and commit the .mo"


def test_every_message_in_the_code_has_a_korean_translation(entries):
    translated = {e.key: e for e in entries if e.translated}
    missing = [key for key in messages.find_messages() if key not in translated]
    assert not missing, f"{len(missing)} messages without Korean, e.g. {missing[:3]}"
    for entry in translated.values():
        assert HANGUL.search(" ".join(entry.msgstr)) or entry.msgstr[0] == entry.msgid, entry.msgid


def test_no_po_entry_is_left_over(po_text):
    found = messages.find_messages()
    unused = [e.msgid for e in messages.parse_po(po_text)[0] if e.key not in found]
    assert not unused, f"entries no code uses (run `python -m workbook messages`): {unused[:3]}"


def test_the_scan_finds_every_kind_of_marked_call():
    source = 'x = _("one")\ny = N_("two")\nz = ngettext("{n} file", "{n} files", n)\nw = _(name)\n'
    assert [m[:2] for m in messages.messages_in(source)] == [
        ("one", None),
        ("two", None),
        ("{n} file", "{n} files"),
    ]


def _own_scope(function):
    """The nodes of a function's own scope: not those of functions or comprehensions inside it."""
    nested = (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Lambda,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.ClassDef,
    )
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, nested):
            todo.extend(ast.iter_child_nodes(node))


def test_no_function_hides_gettext_behind_a_throwaway_underscore():
    """`_, x = pair` in a function that also calls `_()` makes that call fail at run time."""
    clashes = []
    for path in messages.source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            own = list(_own_scope(function))
            binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in own)
            binds = binds or any(isinstance(a, ast.arg) and a.arg == "_" for a in ast.walk(function.args))
            calls = any(
                isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_" for n in ast.walk(function)
            )
            if binds and calls:
                clashes.append(f"{path.relative_to(REPO_ROOT)}:{function.lineno} {function.name}")
    assert not clashes, clashes


def test_placeholders_are_the_same_in_both_languages(entries):
    for entry in entries:
        for msgstr in entry.msgstr:
            assert fields(msgstr) == fields(entry.msgid), (entry.msgid, msgstr)
            if entry.plural is not None:
                assert fields(msgstr) == fields(entry.plural), (entry.plural, msgstr)


def test_the_po_round_trips_through_its_reader_and_writer(po_text):
    """What `python -m workbook messages` writes is what it read: no entry lost or changed."""
    entries, tail = messages.parse_po(po_text)
    main = po_text[: len(po_text) - len(tail)]
    assert messages.render_po(entries).rstrip("\n") == main.rstrip("\n")
    rewritten = messages.render_po(entries, tail)
    assert messages.all_entries(rewritten) == messages.all_entries(po_text)
    assert rewritten.endswith(tail)


def test_no_translation_contradicts_the_glossary(entries):
    with GLOSSARY.open(encoding="utf-8") as handle:
        korean_terms = " | ".join(row["ko"] for row in csv.DictReader(handle))
    for term, wrong in CONTRADICTIONS.items():
        assert term in korean_terms, f"{term} is no longer the glossary's term: update CONTRADICTIONS"
        for entry in entries:
            for pattern in wrong:
                found = re.search(pattern, " ".join(entry.msgstr))
                assert not found, f"{found.group(0)!r} where the glossary says {term!r}: {entry.msgstr}"


def test_the_language_comes_from_workbook_lang(monkeypatch):
    monkeypatch.setenv("WORKBOOK_LANG", "ko_KR")
    assert current_language() == "ko"
    assert gettext("there is no answer yet") == "아직 답이 없습니다"
    assert ngettext("{n} file", "{n} files", 3).format(n=3) == "파일 3개"
    monkeypatch.setenv("WORKBOOK_LANG", "en")
    assert gettext("there is no answer yet") == "there is no answer yet"
    assert ngettext("{n} file", "{n} files", 1).format(n=1) == "1 file"


def test_the_workbook_lang_marker_selects_korean(monkeypatch, tmp_path):
    (tmp_path / MARKER).write_text("ko\n", encoding="utf-8")
    inside = tmp_path / "05"
    inside.mkdir()
    monkeypatch.delenv("WORKBOOK_LANG", raising=False)
    monkeypatch.chdir(inside)
    assert current_language() == "ko"
    assert gettext("got:") == "받은 값:"
    (tmp_path / MARKER).write_text("fr\n", encoding="utf-8")  # a language the workbook lacks
    assert current_language() == "en"
    assert gettext("got:") == "got:"


def _failure(function, *args) -> str:
    with pytest.raises(CheckFailed) as failure:
        function(*args)
    return str(failure.value)


def test_a_failing_orm_check_speaks_the_learners_language(seeded, monkeypatch):
    """05's q3 given every post instead of carol's: the same ✗, in English and in Korean."""
    from posts.models import Post
    from workbook.checks import orm

    monkeypatch.setenv("WORKBOOK_LANG", "en")
    english = _failure(orm.q3, Post.objects.all())
    assert english.startswith("✗ q3: not asked for [")
    assert "\n  expected: [" in english and "\n  got:      [" in english and "\n  hint:     " in english
    assert not HANGUL.search(english)

    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    korean = _failure(orm.q3, Post.objects.all())
    assert korean.startswith("✗ q3: ")
    assert "요청하지 않은 행" in korean.splitlines()[0]
    assert "\n  기대값:" in korean and "\n  받은 값:" in korean and "\n  힌트:" in korean
    assert "expected:" not in korean and "hint:" not in korean
    # the values line up under each other, Hangul counted two columns wide
    columns = set()
    for line in korean.splitlines()[1:]:
        label, _, value = line.partition(":")
        columns.add(display_width(label) + 1 + (len(value) - len(value.lstrip(" "))))
    assert len(columns) == 1, korean


def test_a_failing_postgresql_check_speaks_the_learners_language(monkeypatch):
    """03-2's predict_visibility given a list: its ✗ in each language (it fails before any SQL)."""
    from workbook.checks import postgresql

    monkeypatch.setenv("WORKBOOK_LANG", "en")
    english = _failure(postgresql.predict_visibility, [70])
    assert english.splitlines()[0] == "✗ predict_visibility: the answer should be a dict"
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    korean = _failure(postgresql.predict_visibility, [70])
    assert korean.splitlines()[0] == "✗ predict_visibility: 답은 딕셔너리여야 합니다"
    assert "힌트:" in korean


def test_hints_and_why_lines_are_translated_when_shown(monkeypatch, capsys):
    from workbook.checks import hints

    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    hints._shown.clear()
    hints.hint("orm", "q4", step=2)
    out = capsys.readouterr().out
    assert "q4 힌트 1/2: exclude()는 filter()를 뒤집은 것입니다." in out
    assert 'Post.objects.exclude(author__username="carol")' in out  # a code-only step reads the same
    assert HANGUL.search(hints.why("orm", "q4"))
    monkeypatch.setenv("WORKBOOK_LANG", "en")
    assert hints.why("orm", "q4") == "exclude() wrapped the condition in WHERE NOT (...)."


def test_run_py_speaks_korean_with_the_standard_library_only(tmp_path):
    """run.py runs before the venv exists: -I -S keeps site-packages (and Django) out of reach."""
    env = {"WORKBOOK_LANG": "ko", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(REPO_ROOT / "run.py"), "no-such-command"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert "알 수 없는 명령 'no-such-command'." in result.stderr
    assert "사용법: python3 run.py" in result.stderr
    english = subprocess.run(
        [sys.executable, "-I", "-S", str(REPO_ROOT / "run.py"), "no-such-command"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert "Unknown command 'no-such-command'." in english.stderr
