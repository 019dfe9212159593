"""The workbook's two languages: which one a learner reads, and the translated messages.

English is the source. The language is `WORKBOOK_LANG` when set ("en" or "ko"); otherwise the
nearest `.workbook-lang` file in the current folder or above it (the Korean notebooks' folder and
a Korean workspace hold one, and a kernel starts in its notebook's folder); otherwise English.

Messages go through Python's gettext: `_("text")` returns the text in the current language, from
`workbook/i18n/locale/<lang>/LC_MESSAGES/workbook.mo` (compiled from the `.po` beside it).
A Korean message names each particle that follows a value as a field, `{name}{을} 찾을 수
없습니다`, and `.format()` chooses 을 or 를 from the value (`particles.py`).
Nothing here imports Django, so run.py's CLI and the kernels can both use it.
"""

from __future__ import annotations

import codecs
import gettext as _gettext
import os
import sys
import unicodedata
from functools import cache
from pathlib import Path

from .particles import Message, attach, particle

LANGUAGES = ("en", "ko")
DEFAULT = "en"
MARKER = ".workbook-lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "workbook"


def _from_marker(start: Path) -> str | None:
    for folder in (start, *start.parents):
        marker = folder / MARKER
        if marker.is_file():
            value = marker.read_text(encoding="utf-8").strip()
            return value if value in LANGUAGES else None
    return None


def current_language() -> str:
    """The language, "en" or "ko": WORKBOOK_LANG, else the nearest .workbook-lang, else English."""
    value = os.environ.get("WORKBOOK_LANG", "").strip().lower()
    if value:
        value = value.split("_")[0].split("-")[0]  # ko_KR, ko-KR → ko
        return value if value in LANGUAGES else DEFAULT
    try:
        return _from_marker(Path.cwd()) or DEFAULT
    except OSError:  # the current folder was removed
        return DEFAULT


@cache
def translation(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def gettext(message: str) -> Message:
    """The message in the current language; its `.format()` also makes Korean particles agree."""
    return Message(translation(current_language()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> Message:
    return Message(translation(current_language()).ngettext(singular, plural, n))


def display_width(text: str) -> int:
    """Columns a terminal gives the text: Hangul and other wide letters take two (for aligning)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def N_(message: str) -> str:
    """Marks a message defined at import time (a module-level table) for the catalogue; the code
    that shows it translates it then, with `_()`, in the language current at that moment."""
    return message


_ = gettext


# --- a console that cannot show every character -------------------------------------------------

# What a mark becomes where the console's code page lacks it (a Korean Windows console or Git
# Bash writes cp949; a bare `LANG=C` writes ASCII): the first candidate it can show, else "?".
FALLBACKS = {
    "✓": ("√", "v"),
    "✗": ("×", "x"),
    "·": ("-",),
    "…": ("...",),
    "→": ("->",),
    "←": ("<-",),
    "—": ("-",),
    "–": ("-",),
    "●": ("*",),
    "─": ("-",),
    "━": ("-",),
    "│": ("|",),
    "┃": ("|",),
    **dict.fromkeys("┌┐└┘├┤┬┴┼", ("+",)),
    "‘": ("'",),
    "’": ("'",),
    "“": ('"',),
    "”": ('"',),
}
ERRORS = "workbook-marks"


def _marks(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    shown = []
    for char in exc.object[exc.start : exc.end]:
        for candidate in FALLBACKS.get(char, ()):
            try:
                candidate.encode(exc.encoding)
            except (UnicodeError, LookupError):
                continue
            shown.append(candidate)
            break
        else:
            shown.append("?")
    return "".join(shown), exc.end


codecs.register_error(ERRORS, _marks)


def fit_console(*streams) -> None:
    """Output that never fails on an encoding: a stream (sys.stdout and sys.stderr by default)
    whose encoding cannot write ✓ and Hangul keeps its encoding (what reads it expects that) and
    writes a mark it can show instead of each character it lacks. A stream that takes UTF-8, or
    cannot be reconfigured (a notebook kernel's, which sends UTF-8), is left as it is."""
    for stream in streams or (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or not hasattr(stream, "reconfigure"):
            continue
        try:
            "✓✗·…→한글".encode(encoding)
        except UnicodeEncodeError:
            stream.reconfigure(errors=ERRORS)
        except LookupError:
            continue


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "MARKER",
    "Message",
    "N_",
    "attach",
    "current_language",
    "display_width",
    "fit_console",
    "gettext",
    "ngettext",
    "particle",
]
