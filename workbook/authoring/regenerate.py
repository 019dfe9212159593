"""Executing notebooks, and regenerating their committed outputs on a scratch database of their own."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..paths import NOTEBOOKS_DIR
from .conventions import clear_outputs, notebook_paths, read, write

DEFAULT_TIMEOUT = 300


def execute(
    nb,
    *,
    cwd: Path = NOTEBOOKS_DIR,
    env: dict | None = None,
    allow_errors: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
):
    """Run every cell in a fresh kernel of this environment; returns the notebook with outputs."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    kernel_env = dict(os.environ if env is None else env)
    # The kernel must not inherit pytest's or nbval's view of the settings; it reads the same
    # DJANGO_SETTINGS_MODULE and DJANGO_DB_NAME the learner's kernel would.
    kernel_env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # The deploy notebook brings up a rehearsal when a Docker Engine answers: one of this run's
    # own (name and folder), never one the author has up, and never the same as another run's.
    kernel_env.setdefault("WORKBOOK_REHEARSAL_HOME", tempfile.mkdtemp(prefix="workbook-rehearsal-run-"))
    kernel_env.setdefault("WORKBOOK_REHEARSAL_NAME", f"wbrun{os.getpid()}-{secrets.token_hex(3)}")
    client.execute(env=kernel_env)
    return nb


def coalesce_streams(outputs: list) -> list:
    """One stream output per run of stdout (or stderr) text: how the kernel split it depends on timing."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def normalize(nb):
    """Drop what changes between runs or machines but means nothing: timing, Python version."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nb.metadata.pop("widgets", None)
    return nb


def regenerate(
    names: Sequence[str] | None = None,
    *,
    directory: Path = NOTEBOOKS_DIR,
    fresh_database: bool = True,
    timeout: int = DEFAULT_TIMEOUT,
    report=print,
    lang: str = "en",
) -> list[Path]:
    """Execute notebooks in place, in order, on a freshly made database, and save their outputs.

    Uses the database DJANGO_DB_NAME names (the caller sets it; never the learner's). A
    notebook whose cell fails is left untouched and the error is raised after the others ran.

    `lang="ko"` runs the Korean edition instead: built afresh from `directory` and the catalogues
    (refused, nothing run, while a translation is missing or stale), then executed in
    notebooks/ko/ with WORKBOOK_LANG=ko, so its checks speak Korean. A cell tagged
    nbval-ignore-output keeps the English notebook's outputs unless its own show Korean.
    """
    from .. import database
    from . import scratch

    name = database.database_name()
    if not name or name == database.DEFAULT_DB_NAME:
        raise ValueError(
            f"set DJANGO_DB_NAME to a database of its own (not {database.DEFAULT_DB_NAME!r}): "
            "regenerating resets it"
        )
    english_dir = Path(directory)
    env = None
    if lang != "en":
        from . import translate

        translate.build(lang, names, source_dir=english_dir)
        directory = translate.edition_dir(lang, source_dir=english_dir)
        env = dict(os.environ, WORKBOOK_LANG=lang)
    paths = notebook_paths(names, directory=directory)
    if fresh_database:
        # By name: Django may be configured in this process for another database (a test's).
        scratch.fresh_database(scratch.django_config(), name)
    failures = []
    for path in paths:
        started = time.perf_counter()
        nb = read(path)
        for cell in nb.cells:
            if cell.cell_type == "code":
                clear_outputs(cell)
        try:
            execute(nb, cwd=path.parent, env=env, timeout=timeout)
        except Exception as exc:  # nbclient's CellExecutionError, a dead kernel, a timeout
            failures.append((path, exc))
            last = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines() or [repr(exc)]
            report(f"✗ {path.name}: {last[-1]}")
            continue
        nb = normalize(nb)
        if lang != "en":
            from .translate import keep_english_outputs

            nb = keep_english_outputs(nb, read(english_dir / path.name))
        write(nb, path)
        report(f"✓ {path.name} ({time.perf_counter() - started:.1f} s)")
    if failures:
        raise RegenerateError(failures)
    return paths


class RegenerateError(RuntimeError):
    def __init__(self, failures):
        self.failures = failures
        names = ", ".join(path.name for path, _ in failures)
        super().__init__(f"not regenerated (a cell failed): {names}")
