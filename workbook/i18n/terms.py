"""The glossary: workbook/i18n/glossary.csv, one row per term, read by 00's table and the tests.

Columns: `en` (the English term; "a, b, c" for a group, "term (ABBR)" with its abbreviation), `ko`
(the Korean term as the course's notes use it; a group's terms in the same order), `running` (where
Korean developers write another word in running text: the word they write, ORM for 객체 관계 매핑;
then `ko` appears only where the term is introduced, glossed with it: 객체 관계 매핑(ORM)),
`definition`, `definition_ko`, and `variants`: other Korean spellings of the term, separated by
";", that the notebooks, the catalogues and the messages must not use (tests/test_glossary.py).
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
    (워크플로 in 워크플로우) is not one."""
    found = []
    for term in glossary if glossary is not None else terms():
        right = [
            m.span()
            for ko in {term.ko, *(k for _, k in term.pairs())}
            for m in re.finditer(re.escape(ko), text)
        ]
        for variant in term.variants:
            for match in re.finditer(re.escape(variant), text):
                start, end = match.span()
                if not any(a <= start and end <= b for a, b in right):
                    found.append((term, variant))
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
