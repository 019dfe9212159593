"""The translation catalogues: Korean text for every markdown cell, keyed by the cell's id.

One file per notebook, notebooks/i18n/<lang>/<notebook stem>.md, reviewed like code:

    <!-- cell 4f1c2a90 · en 3b9d0c1e7a2f -->
    # 05 · ORM 연습
    ...

`cell` is the English cell's id; `en` the first 12 hex digits of the SHA-256 of that cell's
English source when the translation was written, so an English edit leaves the translation stale
until it is translated again. The text between one header and the next is the cell's markdown.

    python -m workbook.authoring.translate skeleton notebooks/05-orm-exercises.ipynb
        prints a catalogue with the English text in place, to be translated
    python -m workbook.authoring.translate status [ko]
        lists missing, stale and unknown cells per notebook
    python -m workbook translate [NN ...]
        builds the edition, notebooks/ko/*.ipynb, from the English notebooks and the catalogues

The edition is made, never edited: its markdown cells are the catalogue's Korean, its code cells
the English ones (source, metadata, tags, ids), its outputs the English ones until
`python -m workbook regenerate --lang ko` runs it with Korean messages. The build refuses, one
line per problem and nothing written, while a cell has no translation or a stale one.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook.i18n import MARKER
from workbook.paths import NOTEBOOKS_DIR

CATALOGUE_DIR = NOTEBOOKS_DIR / "i18n"
EDITIONS = ("ko",)
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
IGNORE_OUTPUT = "nbval-ignore-output"
HEADER = re.compile(r"^<!-- cell (?P<id>\S+) · en (?P<hash>[0-9a-f]{12}) -->$")


@dataclass(frozen=True)
class Entry:
    cell_id: str
    en_hash: str
    text: str


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def catalogue_path(notebook: Path, lang: str = "ko", *, catalogue_dir: Path = CATALOGUE_DIR) -> Path:
    return Path(catalogue_dir) / lang / f"{Path(notebook).stem}.md"


def edition_dir(lang: str = "ko", *, source_dir: Path = NOTEBOOKS_DIR) -> Path:
    """Where an edition's notebooks are: notebooks/ko/ beside the English ones."""
    return Path(source_dir) / lang


def parse(text: str, *, name: str = "catalogue") -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    current: tuple[str, str] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            cell_id, en_hash = current
            if cell_id in entries:
                raise ValueError(f"{name}: cell {cell_id} is translated twice")
            entries[cell_id] = Entry(cell_id, en_hash, "\n".join(body).strip("\n"))

    for number, line in enumerate(text.splitlines(), 1):
        match = HEADER.match(line)
        if match:
            close()
            current, body = (match["id"], match["hash"]), []
        elif current is None:
            if line.strip():
                raise ValueError(f"{name}:{number}: text before the first <!-- cell ... --> header")
        else:
            body.append(line)
    close()
    return entries


def read(path: Path) -> dict[str, Entry]:
    return parse(path.read_text(encoding="utf-8"), name=str(path)) if path.exists() else {}


def render(entries: list[Entry]) -> str:
    blocks = [f"<!-- cell {e.cell_id} · en {e.en_hash} -->\n{e.text.strip(chr(10))}\n" for e in entries]
    return "\n".join(blocks)


def markdown_cells(notebook: Path) -> list[dict]:
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return [cell for cell in nb["cells"] if cell["cell_type"] == "markdown"]


def skeleton(notebook: Path) -> str:
    cells = markdown_cells(notebook)
    return render([Entry(c["id"], source_hash(source_of(c)), source_of(c)) for c in cells])


def status(notebook: Path, lang: str = "ko", *, catalogue_dir: Path = CATALOGUE_DIR) -> dict[str, list[str]]:
    """Cell ids with no translation, whose English changed since, or that no longer exist."""
    cells = {c["id"]: source_hash(source_of(c)) for c in markdown_cells(notebook)}
    entries = read(catalogue_path(notebook, lang, catalogue_dir=catalogue_dir))
    return {
        "missing": [i for i in cells if i not in entries],
        "stale": [i for i, h in cells.items() if i in entries and entries[i].en_hash != h],
        "unknown": [i for i in entries if i not in cells],
    }


def problems(notebook: Path, lang: str = "ko", *, catalogue_dir: Path = CATALOGUE_DIR) -> list[str]:
    """One line per cell that keeps the edition from being built, each saying how to fix it."""
    notebook = Path(notebook)
    catalogue = catalogue_path(notebook, lang, catalogue_dir=catalogue_dir)
    where = _shown(catalogue)
    try:
        found = status(notebook, lang, catalogue_dir=catalogue_dir)
    except ValueError as exc:  # a malformed catalogue
        return [str(exc)]
    current = {c["id"]: source_hash(source_of(c)) for c in markdown_cells(notebook)}
    lines = []
    for cell_id in found["missing"]:
        lines.append(
            f"{notebook.name}: markdown cell {cell_id} has no translation in {where}: add a block "
            f"`<!-- cell {cell_id} · en {current[cell_id]} -->` with its Korean "
            f"(`python -m workbook.authoring.translate skeleton {_shown(notebook)}` prints every cell)"
        )
    for cell_id in found["stale"]:
        lines.append(
            f"{notebook.name}: markdown cell {cell_id} changed in English since its translation in "
            f"{where} was written: translate the new English and set its header to `en {current[cell_id]}`"
        )
    for cell_id in found["unknown"]:
        lines.append(
            f"{notebook.name}: {where} translates cell {cell_id}, which is not a markdown cell of the "
            "notebook (removed, or its id changed): delete that block"
        )
    return lines


def _shown(path: Path) -> str:
    from workbook.paths import shown

    return shown(path)


class BuildError(ValueError):
    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def texts_of(output: dict) -> list[str]:
    """The text an output shows: a stream's, an error's, and every text/* or JSON display value."""
    if output.get("output_type") == "stream":
        return [_joined(output.get("text", ""))]
    if output.get("output_type") == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    data = output.get("data", {})
    return [_joined(value) for key, value in data.items() if key.startswith("text/") or key.endswith("json")]


def _joined(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value)
    return json.dumps(value, ensure_ascii=False)


def has_hangul(outputs: list[dict]) -> bool:
    return any(HANGUL.search(text) for output in outputs for text in texts_of(output))


def draws_translated_labels(cell: dict) -> bool:
    """A code cell whose labels go through gettext (`_("...")`): its images differ by edition."""
    return re.search(r"(?<![\w.])_\(", source_of(cell)) is not None


def output_differences(english: dict, edition: dict) -> list[str]:
    """Why an edition's code cell outputs are not the English ones, beyond translated messages.

    An output may differ from its English counterpart only where it shows Korean (a check's
    message in the edition's language) or, in a cell that draws labels through `_()`, where it is
    an image. Everything else (count, kinds, numbers, tables) must be the English output exactly.
    """
    en_outputs = [_plain(o) for o in english.get("outputs", [])]
    ko_outputs = [_plain(o) for o in edition.get("outputs", [])]
    if len(en_outputs) != len(ko_outputs):
        return [f"{len(ko_outputs)} outputs where the English cell has {len(en_outputs)}"]
    reasons = []
    for number, (en, ko) in enumerate(zip(en_outputs, ko_outputs, strict=True), 1):
        if en == ko or sanitized(en) == sanitized(ko):
            continue
        if en.get("output_type") != ko.get("output_type") or en.get("name") != ko.get("name"):
            reasons.append(f"output {number} is a {_kind(ko)} where the English one is a {_kind(en)}")
        elif has_hangul([ko]):
            continue
        elif draws_translated_labels(edition) and _is_image(en) and _is_image(ko):
            continue
        else:
            reasons.append(f"output {number} differs from the English one and shows no Korean")
    return reasons


def sanitizers(path: Path | None = None) -> list[tuple[re.Pattern, str]]:
    """nbval's replacements (notebooks/sanitize.cfg): what may differ between two runs anyway."""
    path = Path(path) if path is not None else NOTEBOOKS_DIR / "sanitize.cfg"
    pairs, pattern = [], None
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.startswith("regex:"):
            pattern = re.compile(line.removeprefix("regex:").strip())
        elif line.startswith("replace:") and pattern is not None:
            pairs.append((pattern, line.removeprefix("replace:").strip()))
            pattern = None
    return pairs


def sanitized(value, rules: list[tuple[re.Pattern, str]] | None = None):
    """An output as nbval compares it: every text through sanitize.cfg's replacements."""
    rules = sanitizers() if rules is None else rules
    if isinstance(value, str):
        for pattern, replacement in rules:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        text = all(isinstance(v, str) for v in value)
        return sanitized("".join(value), rules) if text and value else [sanitized(v, rules) for v in value]
    if isinstance(value, dict):
        return {k: sanitized(v, rules) for k, v in value.items()}
    return value


def _plain(output) -> dict:
    output = json.loads(json.dumps(output))
    output.get("metadata", {}).pop("execution", None)
    return output


def _kind(output: dict) -> str:
    return output.get("name") or output.get("output_type", "?")


def _is_image(output: dict) -> bool:
    return any(key.startswith("image/") for key in output.get("data", {}))


def ignores_output(cell: dict) -> bool:
    return IGNORE_OUTPUT in cell.get("metadata", {}).get("tags", [])


def edition_notebook(english, entries: dict[str, Entry], lang: str = "ko", previous=None):
    """The edition of one notebook: markdown from the catalogue, code cells as in English.

    Outputs are the English ones, except where `previous` (the edition as it stands, run with
    the edition's messages) has the same code cell with outputs that differ only by translated
    messages: those are kept, so building again does not undo `regenerate --lang ko`.
    """
    nb = copy.deepcopy(english)
    kept = {c["id"]: c for c in (previous.cells if previous is not None else []) if c["cell_type"] == "code"}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = entries[cell.id].text
        elif cell.cell_type == "code":
            old = kept.get(cell.id)
            if old is not None and source_of(old) == source_of(cell) and not output_differences(cell, old):
                cell.outputs = copy.deepcopy(old.outputs)
    workbook_meta = dict(nb.metadata.get("workbook", {}))
    workbook_meta["language"] = lang
    nb.metadata["workbook"] = workbook_meta
    return nb


def build(
    lang: str = "ko",
    names: Sequence[str] | None = None,
    *,
    source_dir: Path = NOTEBOOKS_DIR,
    catalogue_dir: Path = CATALOGUE_DIR,
    out_dir: Path | None = None,
) -> list[Path]:
    """Write the edition's notebooks (all, or `names`) and its language marker.

    Raises BuildError, having written nothing, when any catalogue is missing a cell, is stale or
    translates a cell that is not there.
    """
    from .conventions import notebook_paths, read, write

    if lang not in EDITIONS:
        raise ValueError(f"no edition {lang!r}: the workbook has {', '.join(EDITIONS)} besides English")
    out = Path(out_dir) if out_dir is not None else edition_dir(lang, source_dir=source_dir)
    paths = notebook_paths(names, directory=source_dir)
    lines = [line for path in paths for line in problems(path, lang, catalogue_dir=catalogue_dir)]
    if lines:
        raise BuildError(lines)
    built = []
    for path in paths:
        entries = read_catalogue(path, lang, catalogue_dir)
        target = out / path.name
        previous = read(target) if target.exists() else None
        built.append((target, edition_notebook(read(path), entries, lang, previous)))
    out.mkdir(parents=True, exist_ok=True)
    for target, nb in built:
        write(nb, target)
    marker = out / MARKER
    if not marker.exists() or marker.read_text(encoding="utf-8").strip() != lang:
        marker.write_text(f"{lang}\n", encoding="utf-8")
    return [target for target, _ in built]


def read_catalogue(notebook: Path, lang: str = "ko", catalogue_dir: Path = CATALOGUE_DIR) -> dict[str, Entry]:
    return read(catalogue_path(notebook, lang, catalogue_dir=catalogue_dir))


def keep_english_outputs(edition, english):
    """After running the edition, what differs from English only because the machine or the
    moment differs takes the English output back, so the edition's diff holds only what
    translation changed: a cell tagged nbval-ignore-output (timings, sizes, plans) that shows no
    Korean and draws no translated labels, and any output without Korean that is equal to the
    English one once nbval's sanitize.cfg has replaced timestamps and timings in both (an output
    in Korean stays: the status line is sanitized whole, yet the learner reads it)."""
    cells = {c["id"]: c for c in english.cells if c["cell_type"] == "code"}
    rules = sanitizers()
    for cell in edition.cells:
        en = cells.get(cell.get("id"))
        if cell.cell_type != "code" or en is None:
            continue
        if ignores_output(cell) and not has_hangul(cell.outputs) and not draws_translated_labels(cell):
            cell.outputs = copy.deepcopy(en.outputs)
        elif len(cell.outputs) == len(en.outputs):
            cell.outputs = [
                copy.deepcopy(e)
                if sanitized(_plain(e), rules) == sanitized(_plain(k), rules) and not has_hangul([k])
                else k
                for e, k in zip(en.outputs, cell.outputs, strict=True)
            ]
    return edition


def main(argv: list[str]) -> int:
    if argv[:1] == ["skeleton"] and len(argv) == 2:
        sys.stdout.write(skeleton(Path(argv[1])))
        return 0
    if argv[:1] == ["status"]:
        lang = argv[1] if len(argv) > 1 else "ko"
        bad = 0
        for notebook in sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb")):
            found = status(notebook, lang)
            counts = ", ".join(f"{len(v)} {k}" for k, v in found.items())
            print(f"{notebook.name}: {counts}")
            bad += sum(len(v) for v in found.values())
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
