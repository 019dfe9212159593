"""The translated messages' catalogue: find the messages in the code, keep the .po in step, compile the .mo.

A message is the literal argument of `_()`, `gettext()`, `N_()` (singular) or `ngettext()` (singular
and plural) in workbook/ and run.py. `python -m workbook messages` reads them all, rewrites
workbook/i18n/locale/ko/LC_MESSAGES/workbook.po (translations kept, new messages added with an empty
msgstr, messages no longer in the code dropped, entries grouped by the file that uses them first) and
compiles workbook.mo beside it. No msgfmt binary is needed: `compile_mo` writes GNU's .mo format.

Entries after a line `# plots` at the end of the .po (the plots' labels) are kept as they are written.
"""

from __future__ import annotations

import ast
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import DOMAIN, LOCALE_DIR
from ..paths import REPO_ROOT

LANGUAGE = "ko"
PO_PATH = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCES = ("workbook", "run.py")
SKIPPED = ("workbook/authoring/",)  # authors' tools: their messages are for authors, in English
MARKERS = {"_": 1, "gettext": 1, "N_": 1, "ngettext": 2}
PLOTS_MARKER = "# plots"
HEADER = """\
# Korean messages of the workbook: what a learner reads from its Python code (check messages,
# hints, "why it works" lines, the lab's and the command line's one-line notices).
# Generated from the code by `python -m workbook messages`, which keeps the translations below;
# write a msgstr for every new msgid, in the polite style (~합니다/~하세요), with the terms of
# workbook/i18n/glossary.csv. Placeholders such as {name} stay as they are; a particle right after
# a value is a field in its form after a consonant, {name}{을}, {name}{이}, {port}{으로}, and agrees
# with the value when the message is shown (workbook/i18n/particles.py).
"""
META = (
    "Project-Id-Version: workbook\\n"
    "Language: ko\\n"
    "MIME-Version: 1.0\\n"
    "Content-Type: text/plain; charset=UTF-8\\n"
    "Content-Transfer-Encoding: 8bit\\n"
    "Plural-Forms: nplurals=1; plural=0;\\n"
)


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    sources: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str | None]:
        return self.msgid, self.plural

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and bool(self.msgstr)


# ---------------------------------------------------------------- finding the messages


def source_files(root: Path = REPO_ROOT) -> list[Path]:
    files = []
    for name in SOURCES:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if not any(f.relative_to(root).as_posix().startswith(s) for s in SKIPPED)]


def messages_in(source: str, filename: str = "<source>") -> list[tuple[str, str | None, int]]:
    """(msgid, plural or None, line) of every marked call with literal arguments, in order."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS):
            continue
        wanted = MARKERS[node.func.id]
        literals = [
            a.value for a in node.args[:wanted] if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if len(literals) == wanted:
            found.append((literals[0], literals[1] if wanted == 2 else None, node.lineno))
    return sorted(found, key=lambda m: m[2])


def find_messages(root: Path = REPO_ROOT) -> dict[tuple[str, str | None], list[str]]:
    """{(msgid, plural): [files using it, first one first]} over the workbook's code."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        for msgid, plural, _line in messages_in(path.read_text(encoding="utf-8"), rel):
            users = found.setdefault((msgid, plural), [])
            if rel not in users:
                users.append(rel)
    return found


# ---------------------------------------------------------------- the .po file


def _unquote(text: str) -> str:
    body = text.strip()
    if not (body.startswith('"') and body.endswith('"')):
        raise ValueError(f"not a quoted string: {text!r}")
    return ast.literal_eval(body)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    pieces = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(pieces) <= 1 and len(escaped) < 70:
        return f'"{pieces[0] if pieces else ""}"'
    return '""\n' + "\n".join(f'"{p}"' for p in pieces)


def parse_po(text: str) -> tuple[list[Entry], str]:
    """The entries of a .po (the header entry left out), and the raw text from `# plots` on."""
    tail = ""
    marker = re.search(rf"^{re.escape(PLOTS_MARKER)}\b.*$", text, re.MULTILINE)
    if marker:
        text, tail = text[: marker.start()], text[marker.start() :]
    entries = parse_entries(text)
    return [e for e in entries if e.msgid], tail


def parse_entries(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    field_name = None
    sources: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#:"):
            sources += line[2:].split()
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = _unquote(line)
            if field_name == "msgid":
                current.msgid += value
            elif field_name == "msgid_plural":
                current.plural += value
            else:
                current.msgstr[field_name] += value
            continue
        if keyword == "msgid":
            current = Entry(_unquote(rest), sources=sources)
            current.msgstr = []
            sources = []
            entries.append(current)
            field_name = "msgid"
        elif keyword == "msgid_plural":
            current.plural = _unquote(rest)
            field_name = "msgid_plural"
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _unquote(rest)
            field_name = index
        else:
            raise ValueError(f"cannot read this .po line: {raw!r}")
    return entries


def render_po(entries: list[Entry], tail: str = "") -> str:
    out = [HEADER, 'msgid ""', 'msgstr ""']
    out += [f'"{line}\\n"' for line in META.split("\\n") if line]
    group = None
    for entry in entries:
        first = entry.sources[0] if entry.sources else ""
        if first != group:
            group = first
            out += ["", f"# ---------------------------------------------------------------- {first}"]
        out.append("")
        if entry.sources:
            out.append("#: " + " ".join(entry.sources))
        out.append("msgid " + _quote(entry.msgid))
        if entry.plural is not None:
            out.append("msgid_plural " + _quote(entry.plural))
            out += [f"msgstr[{i}] " + _quote(s) for i, s in enumerate(entry.msgstr or [""])]
        else:
            out.append("msgstr " + _quote(entry.msgstr[0] if entry.msgstr else ""))
    text = "\n".join(out) + "\n"
    return text + ("\n" + tail.lstrip("\n") if tail else "")


def updated_entries(existing: list[Entry], found: dict) -> list[Entry]:
    """The code's messages in file order, each with the translation the .po already had."""
    known = {e.key: e for e in existing}
    order = {path.relative_to(REPO_ROOT).as_posix(): n for n, path in enumerate(source_files())}
    entries = []
    for key, users in found.items():
        old = known.get(key)
        msgstr = old.msgstr if old and old.msgstr else [""]
        entries.append(Entry(key[0], key[1], list(msgstr), list(users)))
    # stable: grouped by the first file that uses each message, in the code's order within it
    return sorted(entries, key=lambda e: order.get(e.sources[0], len(order)))


# ---------------------------------------------------------------- the .mo file


def compile_mo(entries: list[Entry]) -> bytes:
    """GNU gettext's binary catalogue (what Python's gettext reads), untranslated entries left out."""
    catalogue = {"": META.replace("\\n", "\n")}
    for entry in entries:
        if not entry.translated:
            continue
        key = entry.msgid if entry.plural is None else f"{entry.msgid}\0{entry.plural}"
        catalogue[key] = "\0".join(entry.msgstr)
    keys = sorted(catalogue, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [catalogue[k].encode("utf-8") for k in keys]
    count = len(keys)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    offsets, blob = [], b""
    for data in ids + strs:
        offsets.append((len(data), data_start + len(blob)))
        blob += data + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, data_start)
    for length, offset in offsets:
        out += struct.pack("<2I", length, offset)
    return out + blob


def all_entries(po_text: str) -> list[Entry]:
    """Every entry of the .po, the plots' block included."""
    entries, tail = parse_po(po_text)
    return entries + [e for e in parse_entries(tail) if e.msgid]


def regenerate(po_path: Path = PO_PATH, mo_path: Path = MO_PATH) -> tuple[list[Entry], list[Entry]]:
    """Rewrite the .po from the code and compile the .mo; returns (untranslated, dropped) entries."""
    text = po_path.read_text(encoding="utf-8") if po_path.exists() else ""
    existing, tail = parse_po(text)
    tail_keys = {e.key for e in parse_entries(tail) if e.msgid}
    found = {k: v for k, v in find_messages().items() if k not in tail_keys}
    entries = updated_entries(existing, found)
    dropped = [e for e in existing if e.key not in found]
    po_path.parent.mkdir(parents=True, exist_ok=True)
    new_text = render_po(entries, tail)
    po_path.write_text(new_text, encoding="utf-8")
    mo_path.write_bytes(compile_mo(all_entries(new_text)))
    return [e for e in all_entries(new_text) if not e.translated], dropped
