"""02's demonstration of a CI test step: the site's tests, run by pytest on a copy of the site.

The copy holds what a runner's checkout needs for the step (pytest's configuration in
pyproject.toml and the Django project: the site stands alone) and uses a database of its own
on the same server as the notebook (the embedded one too, never a second server in the copy), so
breaking the copy breaks nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from . import forks
from .database import DEFAULT_DB_NAME, connect, database_name, database_url, drop_database, embedded_data_dir
from .i18n import N_, _
from .paths import REPO_ROOT


class TestRun(NamedTuple):
    status: int  # pytest's exit status: 0 passes the step, anything else fails it
    counts: str  # "2 failed, 24 passed"
    failures: list[str]  # pytest's FAILED and E lines

    @classmethod
    def read(cls, status: int, output: str) -> TestRun:
        """A run as pytest's -q output and exit status tell it."""
        last = output.splitlines()[-1] if output else ""
        counts = ", ".join(f"{n} {word}" for n, word in re.findall(r"(\d+) (passed|failed|error)", last))
        failures = [line for line in output.splitlines() if line.startswith(("FAILED", "E   "))]
        return cls(status, counts, failures[:50])


def pytest_command(*paths: str) -> list[str]:
    """pytest as CI's test step runs it on `paths` of a copy of the site; --reuse-db keeps (or uses
    the existing) test database.

    Only pytest-django is loaded: the site's tests need no other plugin, and importing every one
    installed here (nbval, schemathesis with hypothesis, xdist) took about 3 s of each run.
    pyproject.toml's addopts name nbval's options, so they are replaced for the same reason (and
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 goes in the run's environment)."""
    plugins = ["-p", "pytest_django.plugin", "-o", "addopts=-p no:cacheprovider"]
    return [sys.executable, "-m", "pytest", *plugins, *paths, "-q", "--reuse-db", "--color=no"]


class ProjectCopy:
    """The site and pytest's configuration in a temporary folder."""

    def __init__(self, folder: Path | None = None) -> None:
        """The copy in a new temporary folder, or in `folder` (made here; the grader's sandbox)."""
        if folder is None:
            forks.start()  # for run_tests, importing while the copy is made
            folder = Path(tempfile.mkdtemp(prefix="workbook-ci-"))
        else:
            folder.mkdir(parents=True)
        self.folder = folder
        shutil.copy2(REPO_ROOT / "pyproject.toml", self.folder / "pyproject.toml")
        shutil.copytree(
            REPO_ROOT / "project",
            self.folder / "project",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        self.db_name = f"{database_name() or DEFAULT_DB_NAME}_ci_demo"

    def contents(self) -> list[str]:
        return sorted(path.name for path in self.folder.iterdir())

    def run_tests(self, *paths: str) -> TestRun:
        """pytest as the CI step runs it, on `paths` of the copy (`pytest_command`)."""
        env = dict(os.environ, DJANGO_DB_NAME=self.db_name, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest's configuration sets it, as on the runner
        if not database_url():
            # The copy's settings would put an embedded server's data beside the copy's project/
            # and start a second server there (seconds of initdb, left running once the copy is
            # deleted); this one keeps the copy on the notebook's server, as DATABASE_URL does.
            env["EMBEDDED_POSTGRES_DATA"] = str(embedded_data_dir())
        # A fork of a helper that has pytest and Django imported (workbook.forks): the run starts
        # without a new Python importing them again, and imports the copy's own modules afresh.
        result = forks.run(pytest_command(*paths), cwd=self.folder, env=env, timeout=300)
        return TestRun.read(result.returncode, result.stdout)

    def databases(self) -> int:
        """How many of the runs' databases (the copy's and pytest's test_ one) exist on the server."""
        from django.db import connection

        conn = connect(connection.settings_dict, "postgres")
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_database WHERE datname IN (%s, %s)",
                    [self.db_name, f"test_{self.db_name}"],
                )
                return cursor.fetchone()[0]
        finally:
            conn.close()

    def remove(self, *, databases: bool = True) -> bool:
        """Delete the folder and (unless told not to) the databases the runs made; True when
        nothing is left."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if not databases:
            return not self.folder.exists()
        from django.db import connection

        for name in (f"test_{self.db_name}", self.db_name):
            drop_database(connection.settings_dict, name)
        return not self.folder.exists() and self.databases() == 0

    def put_in(self, name: str) -> str:
        """One of BREAKS put into the copy; returns the file's text as it was."""
        _what, relative, right, wrong = BREAKS[name]
        path = self.folder / relative
        before = path.read_text(encoding="utf-8")
        if before.count(right) != 1:
            raise RuntimeError(f"{relative} no longer holds the line {name!r} breaks: {right.strip()}")
        path.write_text(before.replace(right, wrong), encoding="utf-8")
        return before

    @contextmanager
    def broken(self, name: str):
        """The copy with one of BREAKS put in, for the time of the block; then as it was."""
        before = self.put_in(name)
        try:
            yield
        finally:
            (self.folder / BREAKS[name][1]).write_text(before, encoding="utf-8")


# Bugs a test of the soft delete must catch, each put into a copy of the site: (what it breaks,
# the file, the line as the site has it, the line with the bug). Marked for translation here,
# translated where shown.
BREAKS = {
    "manager": (
        N_("the default manager returns deleted rows too"),
        "project/core/models.py",
        "        return super().get_queryset().filter(is_deleted=False)\n",
        "        return super().get_queryset()  # a bug, on purpose\n",
    ),
    "posts_view": (
        N_("the posts API lists all_objects, deleted posts included"),
        "project/posts/views.py",
        "        queryset = Post.objects.for_feed(self.request.user)\n",
        "        queryset = Post.all_objects.for_feed(self.request.user)  # a bug, on purpose\n",
    ),
}


def break_post_str(copy: ProjectCopy) -> str:
    """Put a bug in the copy's Post.__str__ (found with ast, so any text of the method works);
    the change as a unified diff."""
    import ast
    import difflib

    models = copy.folder / "project" / "posts" / "models.py"
    before = models.read_text()
    post = next(n for n in ast.parse(before).body if isinstance(n, ast.ClassDef) and n.name == "Post")
    method = next(n for n in post.body if isinstance(n, ast.FunctionDef) and n.name == "__str__")
    lines = before.splitlines(keepends=True)
    indent = " " * method.body[0].col_offset
    lines[method.body[0].lineno - 1 : method.body[-1].end_lineno] = [
        f'{indent}return f"Post {{self.pk}}"  # a bug, on purpose\n'
    ]
    models.write_text("".join(lines))
    return "".join(
        difflib.unified_diff(before.splitlines(keepends=True), lines, "models.py", "models.py (broken)", n=1)
    )


def follow(ci_job: str, cd_workflow: dict, test_status: int) -> None:
    """Which jobs of cd.yml run when CI's test step ends with `test_status`, following the files'
    `if:` and `needs:` (read from the workflow, not run: GitHub does that part)."""
    from .files import jobs, needs

    ci_ok = test_status == 0
    verdict = (
        _("CI: {job} passed (exit status {status}), so the run succeeded")
        if ci_ok
        else _("CI: {job} failed (exit status {status}), so the run failed")
    )
    print(verdict.format(job=ci_job, status=test_status))
    ran = set()
    for job_id, job in jobs(cd_workflow).items():
        condition = str(job.get("if", ""))
        if not needs(job):
            runs = ci_ok if "success" in condition else True
            why = _("its if asks for a successful CI run") if "success" in condition else _("no condition")
        else:
            missing = [n for n in needs(job) if n not in ran]
            runs = not missing
            why = (_("needs {jobs}, which did not run") if missing else _("needs {jobs}")).format(
                jobs=", ".join(needs(job))
            )
        if runs:
            ran.add(job_id)
        print(f"CD: {job_id:15} {_('runs') if runs else _('skipped')} ({why})")
