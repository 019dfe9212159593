"""Shell commands read as a shell would split them, for checks on a Dockerfile's RUN or a workflow's run.

What the 01 and 02 checks ask of a command line: does it install with pip, and does it give pip a
requirements file the way pip reads one (`-r file`), not as a package to look for (`pip install
requirements.txt` asks the package index for a project named "requirements.txt").
"""

from __future__ import annotations

import re
import shlex

SEPARATORS = {"&&", "||", ";", "|", "&"}
REQUIREMENTS_FILE = re.compile(r"(^|/)requirements[\w.-]*\.(txt|in)$")
REQUIREMENT_FLAGS = ("-r", "--requirement", "-c", "--constraint")


def commands(script: str) -> list[list[str]]:
    """Each simple command of a script (lines, `&&`, `;`, pipes), as its words; backslash-newlines joined."""
    found: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError:  # an unclosed quote: split on spaces
            words = line.split()
        current: list[str] = []
        for word in words:
            if word in SEPARATORS:
                if current:
                    found.append(current)
                current = []
            else:
                current.append(word)
        if current:
            found.append(current)
    return found


def pip_install_arguments(command: list[str]) -> list[str] | None:
    """The words after `install` when the command is pip's install (pip, pip3, python -m pip, uv pip)."""
    words = [w for w in command if not re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", w)]  # VAR=value prefixes
    for index, word in enumerate(words):
        name = word.rsplit("/", 1)[-1]
        is_pip = re.fullmatch(r"pip[\d.]*", name) is not None
        if (
            is_pip
            and index + 1 < len(words)
            and words[index + 1] == "install"
            and (index == 0 or words[index - 1] in ("-m", "uv") or "/" in word)
        ):
            return words[index + 2 :]
    return None


def pip_installs(script: str) -> list[list[str]]:
    """The arguments of every pip install in a script."""
    return [args for c in commands(script) if (args := pip_install_arguments(c)) is not None]


def requirement_files(arguments: list[str]) -> tuple[list[str], list[str]]:
    """(files given with -r, requirements files given as if they were packages)."""
    given, bare = [], []
    skip = False
    for index, word in enumerate(arguments):
        if skip:
            skip = False
            continue
        if word in REQUIREMENT_FLAGS:
            if index + 1 < len(arguments):
                given.append(arguments[index + 1])
            skip = True
        elif word.startswith("--requirement=") or word.startswith("--constraint="):
            given.append(word.split("=", 1)[1])
        elif re.fullmatch(r"-[rc]\S+", word):
            given.append(word[2:])
        elif REQUIREMENTS_FILE.search(word):
            bare.append(word)
    return given, bare
