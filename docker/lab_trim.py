"""Run once while the lab image is built, after pip install: removes files nothing in a lab reads.

- gettext catalogues' sources (*.po): Django and the others read the compiled *.mo beside them.
- jedi's bundled type stubs for packages the lab does not have (typeshed's stubs/ folder: Flask,
  TensorFlow, pywin32 and some 200 more). The stubs of installed packages stay, as do the
  standard library's and Django's, so completion in the notebooks is what it was.
- Babel's data for languages other than the lab's two, English and Korean (JupyterLab uses it
  to name its language packs; a locale it lacks is reported as unknown, which JupyterLab handles).
- debugpy's C, C++ and Cython sources, and its Windows and macOS binaries: on Linux it runs the
  compiled modules it ships for this platform (JupyterLab's debugger works as before).

Prints what it freed. Nothing here runs in a learner's lab or on a host.
"""

from __future__ import annotations

import re
import shutil
import sysconfig
from importlib import metadata
from pathlib import Path

SITE = Path(sysconfig.get_paths()["purelib"])
LANGUAGES = ("root", "en", "ko")  # the workbook's languages (workbook.i18n) and Babel's base
SOURCES = {".c", ".cpp", ".pyx", ".pxd", ".dll", ".exe", ".dylib", ".pdb", ".lib"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return path.stat().st_size


def remove(path: Path) -> int:
    freed = size(path)
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    return freed


def main() -> None:
    freed = 0
    freed += sum(remove(po) for po in list(SITE.rglob("*.po")))

    installed = {normalized(dist.metadata["Name"]) for dist in metadata.distributions()}
    stubs = SITE / "jedi" / "third_party" / "typeshed" / "stubs"
    if stubs.is_dir():
        # typeshed names each folder after the distribution it types (PyYAML, psycopg2, docker, ...)
        freed += sum(remove(d) for d in list(stubs.iterdir()) if normalized(d.name) not in installed)

    babel = SITE / "babel" / "locale-data"
    if babel.is_dir():
        freed += sum(
            remove(data)
            for data in list(babel.glob("*.dat"))
            if re.split(r"[_.]", data.name)[0] not in LANGUAGES
        )

    debugpy = SITE / "debugpy"
    if debugpy.is_dir():
        freed += sum(remove(f) for f in list(debugpy.rglob("*")) if f.is_file() and f.suffix in SOURCES)

    print(f"lab_trim: {freed / 1e6:.1f} MB of files no lab reads removed")


if __name__ == "__main__":
    main()
