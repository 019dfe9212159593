"""benchmarks/nbgrader_compare.py feeds the forgeries to nbgrader, which runs a submission's code with
the grader's own rights: its kernels run inside `walls()`, so a forgery that writes into every file
of the working folder, /tmp and ~ reaches the benchmark's course directory only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

nbgrader_compare = pytest.importorskip("nbgrader_compare")

FORGE = """
import glob, os, sys
for place in (os.getcwd(), "/tmp", os.path.expanduser("~"), sys.argv[1]):
    for path in glob.glob(os.path.join(place, "*")) + glob.glob(os.path.join(place, ".*")):
        if os.path.isfile(path):
            try:
                with open(path, "a") as f:
                    f.write("passed\\n")
            except OSError:
                pass
    try:
        with open(os.path.join(place, "forged"), "w") as f:
            f.write("passed\\n")
    except OSError:
        pass
"""


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_a_forgery_in_nbgraders_kernel_writes_into_the_course_directory_only(tmp_path):
    course, outside = tmp_path / "course", tmp_path / "outside"
    outside.mkdir()
    victim = outside / "instructor.txt"
    victim.write_text("the instructor's\n")
    home_file = Path(os.path.expanduser("~")) / ".bashrc"
    before = home_file.read_bytes() if home_file.is_file() else None
    walls = nbgrader_compare.walls(course)
    done = subprocess.run(
        [*walls, sys.executable, "-c", FORGE, str(outside)],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "No permissions to create new namespace" in done.stderr or "Operation not permitted" in done.stderr:
        pytest.skip(f"this machine refuses bubblewrap's namespaces: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "the instructor's\n"
    assert not (outside / "forged").exists()
    assert not (Path("/tmp") / "forged").exists()
    if before is not None:
        assert home_file.read_bytes() == before
    # Where it may write: the course directory, its HOME and TMPDIR.
    assert (course / "forged").read_text() == "passed\n"
    assert (course / "home" / "forged").read_text() == "passed\n"
