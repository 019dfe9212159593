"""The test command's scheduler: the long modules first, on different workers, whatever their size."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

from workbook.authoring import workers
from workbook.paths import REPO_ROOT


def test_every_module_the_costs_name_exists():
    """A renamed module would silently lose its place at the front."""
    missing = [path for path in workers.COSTS if not (REPO_ROOT / path).is_file()]
    assert missing == []


def test_a_module_not_named_is_guessed_from_its_number_of_tests():
    assert workers.scope_cost("tests/test_particles.py", 50) == 50 * workers.PER_TEST
    assert workers.scope_cost("notebooks/ko/07-sql::ipynb", 30) == 30 * workers.PER_CELL
    assert workers.scope_cost("notebooks/02-cicd::ipynb", 60) == workers.COSTS["notebooks/02-cicd.ipynb"][0]
    assert workers.scope_cost("tests/test_compose.py", 23) == workers.COSTS["tests/test_compose.py"][0]
    assert (
        workers.scope_cost("tests/test_compose.py", 5, docker=False)
        == workers.COSTS["tests/test_compose.py"][1]
    )


def test_the_two_longest_modules_start_first_on_different_workers_though_they_have_fewest_tests(tmp_path):
    """xdist's own loadscope hands out the modules with most tests first: here the two one-test
    modules the costs call longest would start last, and on the same worker."""
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """
            from workbook.authoring import workers

            workers.COSTS.clear()
            workers.COSTS.update({"test_long_a.py": (100, 100), "test_long_b.py": (90, 90)})
            """
        )
    )
    for name in ("long_a", "long_b"):
        (tmp_path / f"test_{name}.py").write_text("def test_one():\n    pass\n")
    for number in range(6):
        tests = "".join(f"def test_{n}():\n    pass\n\n\n" for n in range(10 + number))
        (tmp_path / f"test_short_{number}.py").write_text(tests)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "WORKBOOK_TEST_WORKER"))}
    env.update(PYTHONPATH=str(REPO_ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-p", "workbook.authoring.workers"]
        + ["-n", "2", "--dist", "loadscope", "-v", "-p", "no:cacheprovider"]
        + ["-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    first: dict[str, str] = {}
    for worker, module in re.findall(
        r"^\[(gw\d)\] \[ *\d+%\] PASSED (?:\S*/)?(test_\w+)\.py::", result.stdout, re.M
    ):
        first.setdefault(worker, module)
    assert sorted(first.values()) == ["test_long_a", "test_long_b"], result.stdout[-3000:]
