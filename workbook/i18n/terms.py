"""The glossary: workbook/i18n/glossary.csv, one row per term, read by 00's table and the tests.

Columns: `en` (the English term; "a, b, c" for a group, "term (ABBR)" with its abbreviation), `ko`
(the Korean term the course writes; a group's terms in the same order), `running` (where
Korean developers write another word in running text: the word they write, ORM for 객체 관계 매핑;
then `ko` appears only where the term is introduced, glossed with it: 객체 관계 매핑(ORM)),
`definition`, `definition_ko`, and `variants`: other Korean spellings of the term, separated by
";", that the notebooks, the catalogues and the messages must not use (tests/test_glossary.py).
Docker's repository (리포지토리) and a git repository (저장소) are two rows whose words are told
apart by the sentence around them (`repository_sense_misuses`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent / "glossary.csv"


@dataclass(frozen=True)
class Term:
    en: str
    ko: str
    definition: str
    definition_ko: str
    variants: tuple[str, ...] = ()
    running: str = ""

    @property
    def in_text(self) -> str:
        """The word running text uses: `running` where the row has one, else the term itself."""
        return self.running or self.ko

    def pairs(self) -> list[tuple[str, str]]:
        """(English, Korean) for each term of a row: "job, step, runner" gives three, and
        "continuous integration (CI)" gives the term and its abbreviation, both glossed alike."""
        english = [part.strip() for part in self.en.split(",")]
        korean = [part.strip() for part in self.ko.split(",")]
        if len(english) != len(korean):
            english, korean = [self.en], [self.ko]
        pairs = []
        for en, ko in zip(english, korean, strict=True):
            match = re.fullmatch(r"(.+?)\s*\((\w+)\)", en)
            pairs += [(match[1], ko), (match[2], ko)] if match else [(en, ko)]
        return pairs


@cache
def terms(path: Path = GLOSSARY) -> tuple[Term, ...]:
    with open(path, encoding="utf-8", newline="") as f:
        return tuple(
            Term(
                en=row["en"],
                ko=row["ko"],
                definition=row["definition"],
                definition_ko=row["definition_ko"],
                variants=tuple(v.strip() for v in (row.get("variants") or "").split(";") if v.strip()),
                running=(row.get("running") or "").strip(),
            )
            for row in csv.DictReader(f)
        )


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def variant_uses(text: str, glossary: tuple[Term, ...] | None = None) -> list[tuple[Term, str]]:
    """(term, variant) for each variant spelling in `text`. A variant inside the right spelling
    (워크플로 in 워크플로우), or inside another glossary term (확장, the bare word the extension row
    forbids, in 수직 확장), is not one; nor is a variant made a verb by 하/되 right after it
    (확장하기 쉽다: scaling, not an extension)."""
    rows = glossary if glossary is not None else terms()
    found = []
    for term in rows:
        for variant in term.variants:
            holders = {
                ko
                for row in rows
                for ko in {row.ko, *(k for _, k in row.pairs())}
                if (row is term or variant in ko) and ko != variant
            }
            right = [m.span() for ko in holders for m in re.finditer(re.escape(ko), text)]
            for match in re.finditer(re.escape(variant), text):
                start, end = match.span()
                if text[end : end + 1] in ("하", "되"):
                    continue
                if not any(a <= start and end <= b for a, b in right):
                    found.append((term, variant))
    return found


# Two words for "repository", told apart by what the sentence around them speaks of: Docker's
# (리포지토리: an image's namespace/name, beside its namespace or registry; a tag is no sign, git
# has tags too) and git's (저장소: a project's files and history, beside commits, branches,
# workflows and secrets). The course's notes call an image name's namespace 저장소: a sentence
# that quotes them (노트, 과정) may use their word.
DOCKER_REPOSITORY = (
    "리포지토리",
    "저장소",
    ("네임스페이스", "namespace/", "REPOSITORY", "이미지 이름", "레지스트리"),
)
GIT_REPOSITORY = (
    "저장소",
    "리포지토리",
    ("git", "GitHub", "커밋", "브랜치", "체크아웃", "워크플로우", "시크릿"),
)
QUOTES_THE_NOTES = ("노트", "과정")
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n\s*\n|\n(?=\s*[-*#>])|\|")


def repository_sense_misuses(text: str) -> list[tuple[str, str]]:
    """(the word to write, the sentence) for each sentence (a table cell, a list item) that uses
    one sense's word for "repository" where it speaks of the other: 저장소 beside an image's
    namespace or registry (write 리포지토리), 리포지토리 beside commits or workflows (write 저장소)."""
    found = []
    for sentence in SENTENCE_END.split(text):
        for right, wrong, markers in (DOCKER_REPOSITORY, GIT_REPOSITORY):
            if wrong not in sentence or not any(marker in sentence for marker in markers):
                continue
            if wrong == "저장소" and any(word in sentence for word in QUOTES_THE_NOTES):
                continue
            found.append((right, " ".join(sentence.split())))
    return found


def running_text_misuses(text: str, glossary: tuple[Term, ...] | None = None) -> list[tuple[Term, str]]:
    """(term, the words around it) for each use of a term's introduced form where running text
    should have its running word: 객체 관계 매핑 is written only as the introduction 객체 관계 매핑(ORM)
    (the parentheses may hold the English too: 객체 관계 매핑(object-relational mapper, ORM))."""
    found = []
    for term in glossary if glossary is not None else terms():
        if not term.running or term.running == term.ko:
            continue
        for match in re.finditer(re.escape(term.ko), text):
            after = text[match.end() : match.end() + 80]
            gloss = re.match(r"\**\(([^()]*)\)", after)
            if not (gloss and term.running in gloss[1]):
                found.append((term, text[max(0, match.start() - 20) : match.end() + 20].replace("\n", " ")))
    return found


def gloss_mismatches(text: str, glossary: tuple[Term, ...] | None = None) -> list[tuple[str, str, str]]:
    """(English term, Korean gloss, glossary's Korean) for each "term (한국어)" in English text whose
    Korean is not the glossary's: "write-ahead log (WAL, 선행 기록 로그)" where the glossary says
    미리 쓰기 로그. The gloss is the last comma-separated part of the parentheses that has Hangul."""
    found = []
    for term in glossary if glossary is not None else terms():
        for en, ko in term.pairs():
            pattern = rf"(?<![\w-]){re.escape(en)}(?:s|es)?\s+\(([^()]*)\)"
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                parts = [part.strip() for part in match[1].split(",") if HANGUL.search(part)]
                if parts and parts[-1] != ko:
                    found.append((match[0], parts[-1], ko))
    return found
