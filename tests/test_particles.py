"""Korean particles agree with the word they follow, in every message: no 을(를)-style pair, no
"postgres:16를" or "id 11는"."""

import ast
import re
import string

import pytest

from workbook.authoring import messages
from workbook.i18n import gettext, ngettext
from workbook.i18n.particles import PAIRS, PARTICLES, attach, fill, final_sound, particle, particle_fields

PAIR_IN_TEXT = re.compile(r"[을를이가은는과와]\([을를이가은는과와]\)|\((으|이)\)[로라나]")


@pytest.mark.parametrize(
    ("word", "want"),
    [
        ("postgres:16", "postgres:16을"),  # 십육
        ("id 11", "id 11을"),  # 십일
        ("게시물 4", "게시물 4를"),  # 사
        ("10", "10을"),  # 십
        ("100", "100을"),  # 백
        ("1000", "1000을"),  # 천
        ("20000", "20000을"),  # 이만
        ("3.12", "3.12를"),  # 삼점일이
        ("0", "0을"),  # 영
        ("lab", "lab을"),  # 랩
        ("'lab'", "'lab'을"),  # a closing quote is skipped
        ("`web`", "`web`을"),  # and a backtick
        ("post", "post를"),  # 포스트
        ("postgres", "postgres를"),
        ("file", "file을"),  # 파일
        ("name", "name을"),  # 네임
        ("ORM", "ORM을"),  # 오알엠: an acronym letter by letter
        ("API", "API를"),  # 에이피아이
        ("URL", "URL을"),
        ("JupyterLab", "JupyterLab을"),  # the last word of a camel-cased name
        ("PostgreSQL", "PostgreSQL을"),
        ("readings_taken_at_idx", "readings_taken_at_idx를"),
        ("게시물", "게시물을"),
        ("사과", "사과를"),
        ("run(docker)", "run(docker)를"),  # a closing parenthesis is skipped
        (
            'Post #2 by bob: "Morning run along the Han Riv…"',
            'Post #2 by bob: "Morning run along the Han Riv…"를',
        ),
        ("file.txt", "file.txt를"),  # 티
    ],
)
def test_the_object_particle_follows_the_word_as_it_is_read(word, want):
    assert attach(word, "을") == want
    assert attach(word, "를") == want  # either form names the particle


@pytest.mark.parametrize(
    ("word", "subject", "topic", "towards"),
    [
        ("id 11", "id 11이", "id 11은", "id 11로"),  # 일: ㄹ takes 로
        ("파일", "파일이", "파일은", "파일로"),
        ("lab", "lab이", "lab은", "lab으로"),
        ("post", "post가", "post는", "post로"),
        ("3", "3이", "3은", "3으로"),
        ("SQL", "SQL이", "SQL은", "SQL로"),
        ("Docker", "Docker가", "Docker는", "Docker로"),
    ],
)
def test_subject_topic_and_direction(word, subject, topic, towards):
    assert attach(word, "이") == subject
    assert attach(word, "은") == topic
    assert attach(word, "으로") == towards


def test_a_template_names_its_particles_as_fields():
    template = "{image}{을} 받았고 `{name}`{이} {n}개{과} 함께 {path}{으로} 갑니다"
    got = fill(template, image="postgres:16", name="web", n=3, path="file")
    assert got == "postgres:16을 받았고 `web`이 3개와 함께 file로 갑니다"
    assert fill("{x!r}{이라}는", x="lab") == "'lab'이라는"
    assert fill("{n:,}{을}", n=1200) == "1,200을"  # a format spec still applies


def test_nothing_readable_takes_the_form_after_a_consonant():
    assert final_sound("") is None
    assert particle("→", "를") == "을"


VALUES = {
    "a vowel": ("사과", "post", "API", "4", "3.12", "'docker'"),
    "a consonant": ("게시물", "lab", "ORM", "16", "11", "`web`"),
}


def _values_for(template: str, value: str) -> dict:
    values = {}
    for _, name, spec, _conv in string.Formatter().parse(template):
        if name is None or name in PARTICLES:
            continue
        # a numeric spec ({n:,}) needs a number; any other field gets the word under test
        values[name] = int(value) if spec and value.isdigit() else value
    return values


def shown_as_written() -> set[str]:
    """Messages the code shows without `.format()` (their braces are text: `${POSTGRES_PASSWORD}`)."""
    plain, formatted = set(), set()
    for path in messages.source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext")):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.IfExp):
                parent = parents.get(parent)
            is_formatted = isinstance(parent, ast.Attribute) and parent.attr == "format"
            (formatted if is_formatted else plain).add(node.args[0].value)
    return plain - formatted


def korean_messages():
    text = messages.PO_PATH.read_text(encoding="utf-8")
    for entry in messages.all_entries(text):
        for msgstr in entry.msgstr:
            yield entry.msgid, msgstr


_VALUE_FIELD = r"\{(?!(?:" + "|".join(PARTICLES) + r")\})\w+(?:![rsa])?(?::[^{}]*)?\}"
_FIXED = r"[`'\"’”]?(을|를|이|가|은|는|과|와|으로|로|이라|라)(?=[\s,.:;)]|$)"
FIXED_AFTER_VALUE = re.compile(_VALUE_FIELD + _FIXED)


def test_no_message_holds_a_particle_pair():
    pairs = [(msgid, s) for msgid, s in korean_messages() if PAIR_IN_TEXT.search(s)]
    assert not pairs, pairs[:3]


def test_no_message_fixes_the_particle_after_a_value():
    """`{image}를` is wrong for postgres:16: a particle after a value is a field, `{image}{을}`."""
    as_written = shown_as_written()
    fixed = [s for msgid, s in korean_messages() if msgid not in as_written and FIXED_AFTER_VALUE.search(s)]
    assert not fixed, fixed[:3]


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_every_message_with_every_kind_of_value_agrees(kind, monkeypatch):
    """Each Korean message formatted (through gettext, as the code does) with values ending in a
    vowel, a consonant, a digit and a Latin letter: each particle field after a value gets the form
    for that value, and no pair is left."""
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    checked = 0
    as_written = shown_as_written()
    for msgid, msgstr in korean_messages():
        if msgid in as_written:
            assert not particle_fields(msgstr), msgstr  # nothing would fill them
            continue
        try:
            names = [n for _, n, _, _ in string.Formatter().parse(msgid) if n is not None]
        except ValueError:
            continue
        if not names or not all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
            continue  # a message shown as it is (its braces are text)
        try:
            msgid.format(**_values_for(msgid, "x"))
        except (ValueError, KeyError, IndexError):
            continue  # a table's message shown as written (`${POSTGRES_PASSWORD:?...}`)
        for value in VALUES[kind]:
            template = gettext(msgid) if msgstr == gettext(msgid) else msgstr
            out = type(gettext(msgid))(template).format(**_values_for(template, value))
            assert not PAIR_IN_TEXT.search(out), out
            assert "\ue000" not in out, out
            # every particle field that directly follows a value agrees with that value
            for match in re.finditer(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}([`'\"’”]?)\{(\w+)\}", template):
                if match.group(3) not in PARTICLES:
                    continue
                shown = repr(value) if "!r" in match.group(0) else str(value)
                want = attach(shown + match.group(2), match.group(3))
                assert want in out, (msgstr, out, want)
                checked += 1
    assert checked > 100


def test_a_plural_message_is_formatted_like_any_other(monkeypatch):
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    assert ngettext("{n} file", "{n} files", 3).format(n=3) == "파일 3개"


def test_the_issue_s_examples_through_the_real_messages(monkeypatch):
    """The catalogue's own messages give "postgres:16을" and "id 11은"."""
    monkeypatch.setenv("WORKBOOK_LANG", "ko")
    tests_against = gettext(
        "job {job_id!r} checks out, installs and tests every push against {image} at {where}"
    )
    assert "postgres:16을 상대로" in tests_against.format(
        job_id="test", image="postgres:16", where="localhost:5432"
    )
    rolled_back = gettext("the error rolled back the post too: id {pk} was handed out, yet no row has it")
    assert "id 11은 발급되었지만" in rolled_back.format(pk=11)
    assert "id 4는" in rolled_back.format(pk=4)


def test_every_pair_has_two_forms():
    for key, (after_consonant, after_vowel) in PAIRS.items():
        assert key == after_consonant and after_consonant != after_vowel
