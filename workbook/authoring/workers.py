"""A pytest plugin for running the tests in several workers (pytest-xdist), each on databases of its own.

`python3 run.py test` loads it (`-p workbook.authoring.workers`). Imported in every worker before
Django's settings are, it gives the worker a database name of its own: DJANGO_DB_NAME plus
`_gw0`, `_gw1`, ... The kernels nbval starts inherit it, and pytest-django's `test_...` database
and every scratch database a test names after it follow. A pytest run inside a worker (02's CI
demonstration) inherits the name as it is.

Each test module, and each notebook, runs whole in one worker and in order (`--dist loadscope`):
a module's fixtures are set up once, and a notebook's cells run in sequence in one kernel. Which
worker gets which is this plugin's scheduler (`LongPolesFirst`), not xdist's own: xdist hands out
the modules with the most tests first, so the few-test modules that take minutes (the class hub,
the compose stack, the browser) started last, and the run waited for them on one worker while the
other had nothing left. Here the long ones go first, each to the worker with least left to do, and
a worker still busy with one is given only short ones meanwhile (xdist must send a worker its next
test before it runs its last one, so a worker always holds one more module than it is running).
"""

from __future__ import annotations

import os

from ..database import TEST_DB_NAME

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("WORKBOOK_TEST_WORKER") != _worker:
    os.environ["DJANGO_DB_NAME"] = f"{os.environ.get('DJANGO_DB_NAME') or TEST_DB_NAME}_{_worker}"
    os.environ["WORKBOOK_TEST_WORKER"] = _worker

# Rough seconds a module or notebook takes in one worker of `python3 run.py test` on a busy 2-core
# machine, with a Docker Engine (first) and under `-m "not docker"` (second). Only their order
# matters: the scheduler hands out the longest first. Anything not listed is guessed from its
# number of tests. tests/test_workers.py holds every name here to a path that exists.
COSTS: dict[str, tuple[float, float]] = {
    "tests/test_classroom_docker.py": (420, 1),
    "tests/test_compose.py": (400, 2),
    "tests/test_rehearsal.py": (200, 2),
    "notebooks/02-deploy.ipynb": (150, 8),
    "tests/test_notebooks.py": (150, 150),
    # Run All in every notebook's copy: each a whole edition's worth of notebooks in few tests.
    "tests/test_student_copies.py": (150, 150),
    "tests/test_korean_copies.py": (150, 150),
    "tests/test_browser.py": (90, 90),
    "notebooks/01-docker-1-hands-on.ipynb": (80, 10),
    "tests/test_dockerlab_hands_on.py": (60, 2),
    "tests/test_grade_sandbox.py": (60, 60),
    "project/core/tests/test_schemathesis.py": (60, 60),
    "notebooks/02-cicd.ipynb": (50, 50),
    "notebooks/ko/02-cicd.ipynb": (50, 50),
    "tests/test_lab.py": (45, 45),
    "tests/test_grade.py": (45, 45),
    "tests/test_grade_forgery_functions.py": (45, 45),
    "tests/test_grade_own_test.py": (40, 40),
    "tests/test_cli.py": (40, 40),
    "tests/test_workflows.py": (40, 40),
    "tests/test_check_runner.py": (30, 30),
}
# Seconds per test for what COSTS does not name: a unit test, a notebook's cell.
PER_TEST = 0.2
PER_CELL = 0.5
# A worker with more than this many seconds of work left is given the shortest module next.
BUSY = 30.0


def scope_cost(scope: str, tests: int, *, docker: bool = True) -> float:
    """The expected seconds of one module or notebook (its scope, as xdist's loadscope names it:
    `tests/test_lab.py`, or nbval's `notebooks/02-cicd::ipynb`)."""
    path = scope.replace("::ipynb", ".ipynb", 1).split("::", 1)[0]
    if path in COSTS:
        return COSTS[path][0 if docker else 1]
    return tests * (PER_CELL if path.endswith(".ipynb") else PER_TEST)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    return _scheduler_class()(config, log)


def _scheduler_class():
    from xdist.scheduler import LoadScopeScheduling

    class LongPolesFirst(LoadScopeScheduling):
        """loadscope, handing out the longest module first to a worker with little left, and the
        shortest to a worker still busy with a long one."""

        def __init__(self, config, log=None) -> None:
            super().__init__(config, log)
            self.docker = "not docker" not in (config.getoption("markexpr", "") or "")
            self.sizes: dict[str, int] = {}

        def cost(self, scope: str) -> float:
            return scope_cost(scope, self.sizes.get(scope, 1), docker=self.docker)

        def left(self, node) -> float:
            """Seconds of work the node holds and has not finished, as far as COSTS can tell."""
            seconds = 0.0
            for scope, unit in self.assigned_work.get(node, {}).items():
                pending = list(unit.values()).count(False)
                if pending:
                    seconds += self.cost(scope) * pending / len(unit)
            return seconds

        def _assign_work_unit(self, node) -> None:
            if not self.sizes:
                self.sizes = {scope: len(unit) for scope, unit in self.workqueue.items()}
            scopes = list(self.workqueue)
            if self.left(node) > BUSY:
                chosen = min(scopes, key=self.cost)
            else:
                chosen = max(scopes, key=self.cost)  # the first of equals: collection order
            self.workqueue.move_to_end(chosen, last=False)
            super()._assign_work_unit(node)

    return LongPolesFirst
