"""Korean particles that agree with the word they follow: 을/를, 이/가, 은/는, 과/와, (으)로 and the rest.

A Korean message written around a value cannot know the particle in advance: "postgres:16을",
"id 11은", "lab을", "file을", "ORM을" but "post를", "4를", "API를". The translation names the particle
as a field of its own, right after the text it follows, in its form after a consonant:

    "{image}{을} 내려받았습니다"     → "postgres:16을 내려받았습니다", "nginx를 내려받았습니다"
    "`{name}`{이} 없습니다"          → "`lab`이 없습니다" (a closing quote, backtick, bracket is skipped)
    "{path}{으로} 옮겼습니다"        → "notes로 옮겼습니다", "file로 옮겼습니다", "lab으로 옮겼습니다"

`Message.format()` (what `_()` returns) fills the values first, then each particle field from the
text just before it. The word is read as a Korean reader reads it aloud: Hangul by its last
syllable's final consonant, numbers as numbers (16 → 십육, 10 → 십, 1000 → 천), acronyms letter by
letter (ORM → 오알엠, API → 에이피아이), other Latin words as they sound (lab → 랩, post → 포스트,
file → 파일). Only the standard library: run.py uses this before any virtual environment exists.
"""

from __future__ import annotations

import re
import string

# Each particle: (after a final consonant, after a vowel). (으)로 also takes 로 after a final ㄹ.
PAIRS = {
    "을": ("을", "를"),
    "이": ("이", "가"),
    "은": ("은", "는"),
    "과": ("과", "와"),
    "으로": ("으로", "로"),
    "으로서": ("으로서", "로서"),
    "으로써": ("으로써", "로써"),
    "이라": ("이라", "라"),
    "이나": ("이나", "나"),
    "이고": ("이고", "고"),
    "이며": ("이며", "며"),
    "이면": ("이면", "면"),
    "이든": ("이든", "든"),
    "이랑": ("이랑", "랑"),
    "이에요": ("이에요", "예요"),
    "아": ("아", "야"),
}
# A field may name either form: {를} is {을}.
PARTICLES = {form: key for key, pair in PAIRS.items() for form in pair}

RIEUL = 8  # the index of ㄹ among the final consonants
# What a digit is read as, when it ends the number: (has a final consonant, the final is ㄹ).
_DIGITS = {
    "0": (True, False),  # 영
    "1": (True, True),  # 일
    "2": (False, False),  # 이
    "3": (True, False),  # 삼
    "4": (False, False),  # 사
    "5": (False, False),  # 오
    "6": (True, False),  # 육
    "7": (True, True),  # 칠
    "8": (True, True),  # 팔
    "9": (False, False),  # 구
}
# A whole number ending in zeros is read by its last unit: 10 십, 100 백, 1000 천, 10⁴ 만, 10⁸ 억, 10¹² 조.
_UNITS = {
    1: (True, False),
    2: (True, False),
    3: (True, False),
    4: (True, False),
    8: (True, False),
    12: (False, False),
}
# Latin letters read one by one (ORM, API, URL): only L 엘, M 엠, N 엔 and R 알 end in a consonant.
_LETTERS = {"l": (True, True), "r": (True, True), "m": (True, False), "n": (True, False)}
# Words in capitals read as words, not spelled out (where the two readings end differently).
_CAPITAL_WORDS = {"GET", "PUT", "SET", "USER", "ORDER", "TABLE", "LIMIT", "OFFSET", "GROUP", "WORKDIR"}
# Latin words whose ending the rules below misread.
_WORDS = {
    "ok": (False, False),  # 오케이
    "check": (False, False),  # 체크
    "type": (True, False),  # 타입
    "hub": (False, False),  # 허브
    "good": (True, False),  # 굿
    "out": (True, False),  # 아웃
    "about": (True, False),  # 어바웃
    "commit": (True, False),  # 커밋
    "git": (True, False),  # 깃
    "edit": (True, False),  # 에딧
}
# What follows the word but is not read: closing quotes, brackets, backticks, markup, an ellipsis
# or a full stop ("Morning run along the Han Riv…" is read as it stops: 리브).
_SKIPPED = set("'\"`’”»)]}>*_ \t….")
_VOWELS = set("aeiouy")


def _latin_word(word: str) -> tuple[bool, bool]:
    """How a Latin word read aloud in Korean ends: (has a final consonant, the final is ㄹ)."""
    lower = word.lower()
    if lower in _WORDS:
        return _WORDS[lower]
    if not _VOWELS & set(lower) or (word.isupper() and len(word) <= 3 and word not in _CAPITAL_WORDS):
        return _LETTERS.get(lower[-1], (False, False))  # spelled out: SQL 에스큐엘, db 디비
    last, before = lower[-1], lower[-2:-1]
    if last == "l" or lower.endswith("le"):
        return True, True  # file 파일, table 테이블, html
    if last in "mn" or lower.endswith(("me", "ne", "ng")):
        return True, False  # name 네임, line 라인, json 제이슨, ping 핑
    if last == "b" or (last == "p" and before not in "mls"):
        return True, False  # lab 랩, web 웹, app 앱, step 스텝 (but help 헬프, jump 점프)
    if last == "k" and (before in "co"):
        return True, False  # stack 스택, book 북 (but desk 데스크, link 링크)
    if last == "t" and before in "aeiou" and lower[-3:-2] not in _VOWELS:
        return True, False  # set 셋, cat 캣 (but test 테스트, post 포스트, seat 시트)
    return False, False  # post 포스트, docker 도커, id 아이디, tag 태그, postgres 포스트그레스


def _number(text: str) -> tuple[bool, bool]:
    """How a run of digits at the end of the text is read: 16 십육, 10 십, 3.5 삼점오, 0 영."""
    digits = re.search(r"[0-9][0-9,]*$", text).group(0).replace(",", "")
    before = text[: len(text) - len(re.search(r"[0-9][0-9,]*$", text).group(0))]
    if before.endswith(".") and before[-2:-1].isdigit():
        return _DIGITS[digits[-1]]  # a decimal part is read digit by digit
    stripped = digits.lstrip("0")
    if not stripped:
        return _DIGITS["0"]
    zeros = len(stripped) - len(stripped.rstrip("0"))
    if zeros == 0:
        return _DIGITS[stripped[-1]]
    unit = max((u for u in _UNITS if u <= zeros), default=1)
    if zeros >= 16:
        return True, False  # 경
    return _UNITS[unit]


def final_sound(text: str) -> tuple[bool, bool] | None:
    """(ends in a final consonant, that consonant is ㄹ) for the text as read aloud, or None when
    nothing readable ends it."""
    end = len(text)
    while end and text[end - 1] in _SKIPPED:
        end -= 1
    text = text[:end]
    if not text:
        return None
    last = text[-1]
    if "\uac00" <= last <= "\ud7a3":
        final = (ord(last) - 0xAC00) % 28
        return final != 0, final == RIEUL
    if last.isdigit() and last.isascii():
        return _number(text)
    if last == "%":
        return False, False  # 퍼센트
    if last.isascii() and last.isalpha():
        word = re.search(r"[A-Za-z]+$", text).group(0)
        # JupyterLab → Lab, PostgreSQL → SQL: the last word of a camel-cased name.
        parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", word)
        return _latin_word(parts[-1] if parts else word)
    return None


def particle(text: str, name: str) -> str:
    """The form of particle `name` (either form: 을 or 를) that follows `text`."""
    after_consonant, after_vowel = PAIRS[PARTICLES[name]]
    sound = final_sound(text)
    if sound is None:
        return after_consonant
    has_final, rieul = sound
    if after_consonant.startswith("으") and rieul:
        return after_vowel  # 파일로, 서울로
    return after_consonant if has_final else after_vowel


def attach(text: str, name: str) -> str:
    """The text and the particle that agrees with it: attach("postgres:16", "를") → "postgres:16을"."""
    return text + particle(text, name)


_MARK = re.compile("\ue000([^\ue001]+)\ue001")


class _Formatter(string.Formatter):
    """str.format, where a field named by a particle ({을}, {이}, {으로}) is left as a mark that
    `fill` then replaces by the form agreeing with the text before it."""

    def get_value(self, key, args, kwargs):
        if isinstance(key, str) and key in PARTICLES and key not in kwargs:
            return f"\ue000{key}\ue001"
        return super().get_value(key, args, kwargs)

    def check_unused_args(self, used_args, args, kwargs):
        return None


_FORMATTER = _Formatter()


def resolve(text: str) -> str:
    """Replace each particle mark left by the formatter, reading the text before it."""
    out = []
    position = 0
    for mark in _MARK.finditer(text):
        out.append(text[position : mark.start()])
        out.append(particle("".join(out), mark.group(1)))
        position = mark.end()
    out.append(text[position:])
    return "".join(out)


def fill(template: str, *args, **kwargs) -> str:
    """`template.format(*args, **kwargs)` with its particle fields agreeing with what they follow."""
    return resolve(_FORMATTER.vformat(template, args, kwargs))


def particle_fields(template: str) -> list[str]:
    """The particle fields a template holds, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name in PARTICLES]


class Message(str):
    """A translated message: `.format()` also chooses its particles (see the module's docstring)."""

    __slots__ = ()

    def format(self, *args, **kwargs) -> str:
        return fill(str(self), *args, **kwargs)

    def format_map(self, mapping) -> str:
        return fill(str(self), **mapping)
