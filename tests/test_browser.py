"""A learner's first session, in a real browser: Chromium, driven by Playwright, opens the lab on a
fresh workspace, runs every cell of 05's exercise copy, then types the answers to q1-q3 into
their cells, runs them and sees each check pass.

Run All must reach the end with no error output and exactly one ✗ line per exercise. Screenshots
of each step go to .workbook/screenshots/ (gitignored; WORKBOOK_HOME moves it) and are kept.

The browser: Playwright's own Chromium where `playwright install chromium` put it (GitHub
Actions), else Debian's /usr/bin/chromium, which the test installs with apt-get when it is missing
and it runs as root; elsewhere the test is skipped with the reason. The lab runs on a free
loopback port with a token, on a workspace in tmp_path and a database of the test's own, so the
learner's my-notebooks/ and database are never touched.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from workbook import database
from workbook.authoring import conventions, scratch
from workbook.authoring.browser import CHROMIUM_FLAGS
from workbook.authoring.stack import free_port
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT, state_dir

NOTEBOOK = "05-orm-exercises.ipynb"
TOKEN = "a-token-for-the-browser-test-" + uuid.uuid4().hex
DEBIAN_CHROMIUM = "/usr/bin/chromium"
RUN_ALL_SECONDS = 300
CELL_SECONDS = 60

# What a learner types: written here, not read from the solved notebook.
ANSWERS = {
    "q1": (
        "new_posts = [\n"
        '    post_create(author=bob, content="Tteokbokki near Sinchon",\n'
        '                files=[{"type": "image", "url": "https://media.example.com/tteok.jpg"}]),\n'
        '    post_create(author=bob, content="Han river at night",\n'
        '                files=[{"type": "video", "url": "https://media.example.com/river.mp4"}]),\n'
        '    post_create(author=bob, content="Two photos of Bukchon",\n'
        '                files=[{"type": "image", "url": "https://media.example.com/bukchon-1.jpg"},\n'
        '                       {"type": "image", "url": "https://media.example.com/bukchon-2.jpg"}]),\n'
        "]\n"
        'why_no_file = "b"\n'
    ),
    "q2": (
        "class ReadablePost(Post):\n"
        "    class Meta:\n"
        "        proxy = True\n"
        '        app_label = "lab"\n'
        "\n"
        "    def __str__(self):\n"
        "        return f'Post #{self.pk} by {self.author.username}: \"{self.content[:30]}\"'\n"
        "\n"
        "\n"
        "answer = ReadablePost.objects.filter(pk__in=[p.pk for p in new_posts])\n"
        "answer\n"
    ),
    # Typed key by key, as a person would (the editor closes brackets and quotes itself).
    "q3": 'carol_posts = Post.objects.filter(author__username="carol")',
}
# The line of each exercise cell's stub the test finds the cell by, and its check call.
STUBS = {"q1": "new_posts = None", "q2": "class ReadablePost(Post)", "q3": "carol_posts = None"}
CHECKS = {
    "q1": "check.q1(new_posts, why_no_file)",
    "q2": "check.q2(answer, new_posts)",
    "q3": "check.q3(carol_posts)",
}


def _own_chromium(browser_type) -> str | None:
    """Playwright's own build, where `playwright install chromium` put it."""
    path = browser_type.executable_path
    return path if path and Path(path).exists() else None


def _debian_chromium() -> str | None:
    found = shutil.which("chromium") or (DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None)
    if found:
        return found
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    for command in (install, ["apt-get", "update", "-q"], install):
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            return None
        if Path(DEBIAN_CHROMIUM).exists():
            return DEBIAN_CHROMIUM
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_type):
    """pytest-playwright's launch options, with a Chromium that is there and the flags above."""
    if browser_type.name != "chromium":
        pytest.skip("the browser test drives Chromium (--browser chromium)")
    args = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS]}
    if _own_chromium(browser_type):
        return args
    chromium = _debian_chromium()
    if chromium is None:
        pytest.skip(
            "no Chromium here: `.venv/bin/playwright install --with-deps chromium`, or "
            "`apt-get install chromium` (the test installs it itself when run as root)"
        )
    return {**args, "executable_path": chromium}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def throwaway_database():
    base = os.environ.get("DJANGO_DB_NAME") or database.TEST_DB_NAME
    name = f"{base}_browser"
    config = dict(scratch.django_config(), NAME=name)
    scratch.fresh_database(config, name)
    yield name
    database.drop_database(config, name)


@pytest.fixture
def lab(tmp_path, throwaway_database):
    """`python -m workbook lab` on a workspace of its own, as a learner starts it."""
    port = free_port()
    workspace = tmp_path / "workspace"
    env = dict(
        os.environ,
        JUPYTER_TOKEN=TOKEN,
        WORKBOOK_HOME=str(tmp_path / "state"),
        DJANGO_DB_NAME=throwaway_database,
        # JupyterLab keeps the layout (open tabs) and settings per user: the test's stay in tmp_path,
        # so the learner's next lab opens as they left it.
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
    )
    log = open(tmp_path / "lab.log", "w+")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "workbook", "lab", "--no-browser", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workspace", str(workspace)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def output() -> str:
        log.seek(0)
        return log.read()

    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the lab stopped: {output()}")
            try:
                if requests.get(f"{url}/api/status", params={"token": TOKEN}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the lab did not answer within 120 s: {output()}")
            time.sleep(0.5)
        yield url, workspace
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _cell(page, text: str):
    """The code cell whose editor holds `text` (every cell is in the page: JupyterLab's default
    windowing mode, contentVisibility, keeps them all attached)."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".cm-content", has_text=text))


def _replace_source(page, cell, text: str, *, type_it: bool) -> None:
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    if type_it:
        page.keyboard.type(text, delay=5)
    else:  # several lines: as pasted, so the editor's auto-indent leaves them as written
        page.keyboard.insert_text(text)


def _menu(page, menu: str, item: str) -> None:
    """A menu of the menu bar, then one of its items, by their labels."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{menu}$")).click()
    page.locator(
        ".lm-Menu-item", has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$"))
    ).click()


def _saved_outputs(page, path: Path) -> dict:
    """File ▸ Save Notebook, then the file as JupyterLab wrote it."""
    _menu(page, "File", "Save Notebook")
    page.locator(".lm-TabBar-tab.jp-mod-dirty").wait_for(state="detached", timeout=30_000)
    return json.loads(path.read_text(encoding="utf-8"))


def _stream_text(cell: dict) -> str:
    return "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )


def test_a_learner_runs_05_then_answers_q1_to_q3_in_the_browser(lab, page, git_status):
    url, workspace = lab
    shots = state_dir() / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    before = git_status()
    try:
        _first_session(page, url, workspace, shots)
    except BaseException:
        page.screenshot(path=shots / "failed.png")
        raise
    assert git_status() == before


def _first_session(page, url: str, workspace: Path, shots: Path) -> None:
    from playwright.sync_api import expect

    original = conventions.read(NOTEBOOKS_DIR / NOTEBOOK)
    checks = conventions.check_cells(original)
    exercises = [conventions.check_names(original.cells[i])[0] for i in sorted(checks)]

    page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={TOKEN}")
    # Every cell is in the page, and the kernel has started and waits (the status bar says Idle).
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length === n",
        arg=len(original.cells),
        timeout=120_000,
    )
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=120_000)
    page.screenshot(path=shots / "1-opened.png")
    # Opened, its kernel started, nothing typed: not shown as edited (no ● on its tab).
    page.wait_for_timeout(2000)
    assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0, "the copy shows as edited on open"

    # Run ▸ Run All Cells, from the menu bar.
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_ALL_SECONDS * 1000,
    )
    _cell(page, CHECKS["q1"]).scroll_into_view_if_needed()
    page.screenshot(path=shots / "2-run-all.png")

    # In the page: one ✗ line per exercise, and no output that is an error.
    marks = page.locator(".jp-OutputArea-output").evaluate_all(
        "outputs => outputs.map(o => o.textContent).filter(t => t.startsWith('✗'))"
    )
    assert len(marks) == len(exercises), marks
    # In the file JupyterLab saves: no error output anywhere; each check cell says "no answer yet".
    saved = _saved_outputs(page, workspace / NOTEBOOK)
    errors = [
        (index, output.get("ename"), output.get("evalue"))
        for index, cell in enumerate(saved["cells"])
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
    for index, name in zip(sorted(checks), exercises, strict=True):
        text = _stream_text(saved["cells"][index])
        assert text.startswith(f"✗ {name}: no answer yet") and text.count("\n") == 1, (name, text)

    # Now the answers, typed into the exercise cells, each run with Shift+Enter, then its check.
    for number, name in enumerate(("q1", "q2", "q3"), start=3):
        cell = _cell(page, STUBS[name])
        expect(cell).to_have_count(1)
        _replace_source(page, cell, ANSWERS[name], type_it=name == "q3")
        page.keyboard.press("Shift+Enter")  # runs the exercise, moves to its check cell
        page.keyboard.press("Shift+Enter")  # queues the check: the kernel runs it after the exercise
        check = _cell(page, CHECKS[name])
        expect(check.locator(".jp-OutputArea-output").first).to_contain_text(
            f"✓ {name}", timeout=CELL_SECONDS * 1000
        )
        expect(check.locator(".jp-OutputArea-output").first).to_contain_text("why it works")
        check.scroll_into_view_if_needed()
        page.screenshot(path=shots / f"{number}-{name}-passed.png")

    saved = _saved_outputs(page, workspace / NOTEBOOK)
    passed = [_stream_text(saved["cells"][i]) for i in sorted(checks)[:3]]
    assert [text.split(":")[0] for text in passed] == ["✓ q1", "✓ q2", "✓ q3"], passed


def test_ci_installs_the_browser_before_the_test_command():
    """On GitHub the browser test runs inside the README's test command, with Playwright's Chromium."""
    import yaml

    steps = yaml.safe_load((REPO_ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["test"]["steps"]
    runs = [step.get("run", "") for step in steps]
    install = next(i for i, run in enumerate(runs) if "playwright install --with-deps chromium" in run)
    test = next(i for i, run in enumerate(runs) if "python3 run.py test" in run and "--version" not in run)
    assert install < test
    assert "python3 run.py test --version" in runs[install].split("playwright")[0], "the .venv comes first"
