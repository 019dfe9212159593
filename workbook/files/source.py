"""A project file as it is in the repository, or the part that matters, with its line numbers."""

from __future__ import annotations

from pathlib import Path

from ..i18n import _
from ..paths import REPO_ROOT, shown


def show_file(
    path, start: str | None = None, stop: str | None = None, *, skip_comments: bool = False
) -> None:
    """Print `path` (relative to the repository) from the first line containing `start` up to,
    not including, the next line containing `stop`; the whole file without them."""
    path = Path(path) if Path(path).is_absolute() else REPO_ROOT / path
    lines = path.read_text(encoding="utf-8").splitlines()
    first = 0
    if start is not None:
        first = next(i for i, line in enumerate(lines) if start in line)
    last = len(lines)
    if stop is not None:
        last = next((i for i in range(first + 1, len(lines)) if stop in lines[i]), len(lines))
    while last > first and not lines[last - 1].strip():
        last -= 1  # no trailing blank lines
    print(
        _("# {path}, lines {first}-{last}").format(path=shown(path), first=first + 1, last=last)
        if (first, last) != (0, len(lines))
        else f"# {shown(path)}"
    )
    for number in range(first, last):
        if skip_comments and lines[number].lstrip().startswith("#"):
            continue
        print(f"{number + 1:4}  {lines[number]}")
