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
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from workbook.paths import NOTEBOOKS_DIR

CATALOGUE_DIR = NOTEBOOKS_DIR / "i18n"
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


def catalogue_path(notebook: Path, lang: str = "ko") -> Path:
    return CATALOGUE_DIR / lang / f"{Path(notebook).stem}.md"


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


def status(notebook: Path, lang: str = "ko") -> dict[str, list[str]]:
    """Cell ids with no translation, whose English changed since, or that no longer exist."""
    cells = {c["id"]: source_hash(source_of(c)) for c in markdown_cells(notebook)}
    entries = read(catalogue_path(notebook, lang))
    return {
        "missing": [i for i in cells if i not in entries],
        "stale": [i for i, h in cells.items() if i in entries and entries[i].en_hash != h],
        "unknown": [i for i in entries if i not in cells],
    }


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
