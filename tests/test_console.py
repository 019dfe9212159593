"""Any console: output never fails on an encoding. Where Python writes in the locale's code page (a
Korean Windows laptop's cp949 in Git Bash or with output redirected, a bare `LANG=C`'s ASCII), ✓, ✗
and the other marks become marks that code page has, Hangul stays where it can be shown, and
nothing raises UnicodeEncodeError. Each command runs with PYTHONIOENCODING naming that encoding,
its output read back in it, strictly.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
ENCODINGS = ("cp949", "ascii")
# What ✓ and ✗ become in each.
MARKS = {"cp949": ("√", "×"), "ascii": ("v", "x")}


def run(command: list[str], encoding: str, lang: str, tmp_path: Path) -> tuple[int, str, str]:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONIOENCODING": encoding,
            "WORKBOOK_LANG": lang,
            "WORKBOOK_VENV": str(VENV),
            "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    # Strictly: a byte the console could not show would fail here.
    out, err = result.stdout.decode(encoding), result.stderr.decode(encoding)
    assert "UnicodeEncodeError" not in err and "Traceback" not in err, err[-3000:]
    return result.returncode, out, err


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_run_py_commands_write_in_a_console_that_lacks_the_marks(encoding, lang, tmp_path):
    run_py = [sys.executable, str(ROOT / "run.py")]
    code, out, _ = run([*run_py, "--help"], encoding, lang, tmp_path)
    assert code == 0 and "python3 run.py lab" in out
    code, _, err = run([*run_py, "labb"], encoding, lang, tmp_path)
    assert code == 2 and "'lab'" in err
    code, out, _ = run([*run_py, "lab", "--help"], encoding, lang, tmp_path)
    assert code == 0 and "--port" in out
    code, out, _ = run([*run_py, "workspace", "--workspace", str(tmp_path / "ws")], encoding, lang, tmp_path)
    assert code == 0 and "00-start-here.ipynb" in out
    code, out, _ = run([*run_py, "progress"], encoding, lang, tmp_path)
    assert code == 0, out
    passed, tried = MARKS[encoding]
    legend = out.strip().splitlines()[-1]
    assert legend.startswith(f"{passed} ") and f"  {tried} " in legend, legend
    if encoding == "cp949" and lang == "ko":
        assert "통과" in legend, "Hangul is kept where the console has it"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_check_lines_write_in_a_console_that_lacks_the_marks(encoding, tmp_path):
    """A check's ✓ and ✗ lines (a notebook kernel sends UTF-8 to the lab; a script or a grader
    prints them in the console's encoding)."""
    script = (
        "import workbook\n"
        "from workbook.checks import _runner\n"
        "from workbook.checks._base import ok\n"
        "ok('q1', 'the right rows — all 3')\n"
        "_runner._no_answer('q2')\n"
    )
    for lang in ("en", "ko"):
        code, out, _ = run([sys.executable, "-c", script], encoding, lang, tmp_path)
        assert code == 0
        first, second = out.splitlines()
        passed, tried = MARKS[encoding]
        assert first == f"{passed} q1: the right rows - all 3"
        assert second.startswith(f"{tried} q2: ")


def test_a_console_that_takes_utf8_gets_the_marks_themselves(tmp_path):
    code, out, _ = run([sys.executable, "-c", "import workbook; print('✓ ✗ 한글')"], "utf-8", "en", tmp_path)
    assert code == 0 and out.strip() == "✓ ✗ 한글"


def test_every_fallback_is_ascii_at_the_end():
    """The last candidate of each mark is ASCII: any console can show it."""
    from workbook.i18n import FALLBACKS

    for mark, candidates in FALLBACKS.items():
        assert candidates[-1].isascii(), mark
