"""The lab opens the learner's workspace (or a copy of the solved notebooks) and never changes a
tracked file: a real JupyterLab is started, and its contents API and a kernel are driven as the
browser would drive them (open, autosave with kernel metadata, run every cell, save, rename).

Each lab here has its own workspace and state folder in tmp_path and the tests' database; the
learner's my-notebooks/ and database are never touched.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from workbook.authoring import conventions
from workbook.authoring.stack import free_port
from workbook.paths import NOTEBOOKS_DIR, REPO_ROOT

TOKEN = "a-token-for-the-lab-test-" + uuid.uuid4().hex


class Lab:
    def __init__(self, tmp_path: Path, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workspace = tmp_path / "workspace"
        env = dict(os.environ, JUPYTER_TOKEN=TOKEN, WORKBOOK_HOME=str(tmp_path / "state"))
        command = [sys.executable, "-m", "workbook", "lab", "--no-browser", "--port", str(self.port)]
        self.log = open(tmp_path / "lab.log", "w+")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [*command, "--workspace", str(self.workspace), *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {TOKEN}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the lab stopped: {self.output()}")
            try:
                if self.session.get(f"{self.url}/api/status", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the lab did not answer within 120 s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.url}/api/contents/{path}", timeout=30, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def lab_factory(tmp_path):
    started = []

    def start(*args):
        lab = Lab(tmp_path, *args)
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.stop()


def autosave_like_jupyterlab(lab: Lab, path: str) -> dict:
    """Open a notebook and save it back as JupyterLab does after a kernel starts."""
    model = lab.api("GET", path).json()
    content = model["content"]
    content["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    content["metadata"]["language_info"] = {"name": "python", "version": "3.x"}
    saved = lab.api("PUT", path, json={"type": "notebook", "format": "json", "content": content})
    assert saved.status_code == 200, saved.text
    return content


def run_every_cell(lab: Lab, path: str, content: dict, timeout: float = 300) -> list[dict]:
    """Run the notebook's code cells in a kernel of the lab, over its websocket, in order."""
    import websocket

    session = lab.session.post(
        f"{lab.url}/api/sessions",
        json={"path": path, "type": "notebook", "kernel": {"name": "python3"}},
        timeout=30,
    ).json()
    kernel = session["kernel"]["id"]
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{lab.port}/api/kernels/{kernel}/channels?token={TOKEN}", timeout=timeout
    )
    replies = []
    try:
        for cell in content["cells"]:
            if cell["cell_type"] != "code":
                continue
            msg_id = uuid.uuid4().hex
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "msg_type": "execute_request",
                            "session": uuid.uuid4().hex,
                            "username": "test",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "content": {
                            "code": "".join(cell["source"]),
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                        "channel": "shell",
                    }
                )
            )
            while True:
                message = json.loads(ws.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "execute_reply":
                    replies.append(message["content"])
                    break
    finally:
        ws.close()
        lab.session.delete(f"{lab.url}/api/sessions/{session['id']}", timeout=30)
    return replies


def test_lab_opens_the_workspace_and_saving_and_running_leave_git_clean(lab_factory, git_status):
    before = git_status()
    solved = {p.name: p.read_bytes() for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    lab = lab_factory()
    listed = sorted(item["name"] for item in lab.api("GET", "").json()["content"])
    assert listed == sorted(p.name for p in conventions.notebook_paths())
    # The copies are exercise copies: no solution in them.
    copy = lab.api("GET", "05-orm-exercises.ipynb").json()["content"]
    sources = ["".join(c["source"]) for c in copy["cells"] if c["cell_type"] == "code"]
    assert not any(conventions.BEGIN_SOLUTION in s for s in sources)

    for name in listed:
        autosave_like_jupyterlab(lab, name)
    replies = run_every_cell(lab, "05-orm-exercises.ipynb", copy)
    assert replies and all(r["status"] == "ok" for r in replies), [r for r in replies if r["status"] != "ok"]
    # Saved with outputs, a new notebook, a rename: all inside the workspace.
    assert lab.api("PUT", "05-orm-exercises.ipynb", json={"type": "notebook", "content": copy}).ok
    assert lab.api("POST", "", json={"type": "notebook"}).status_code == 201
    assert lab.api("PATCH", "01-docker-2-project.ipynb", json={"path": "01-docker-mine.ipynb"}).ok
    # Nothing outside the workspace can be written through the lab.
    # (%2E%2E: requests would resolve a literal "..", and the server must see it.)
    outside = "%2E%2E/notebooks/05-orm-exercises.ipynb"
    escape = lab.api("PUT", outside, json={"type": "notebook", "content": copy})
    assert escape.status_code >= 400, escape.text
    assert not (lab.workspace.parent / "notebooks").exists()

    assert {p.name: p.read_bytes() for p in NOTEBOOKS_DIR.glob("*.ipynb")} == solved
    assert git_status() == before
    assert (lab.workspace / "01-docker-mine.ipynb").exists()


def test_a_later_start_keeps_edited_copies_and_adds_only_new_ones(lab_factory, tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    mine = workspace / "05-orm-exercises.ipynb"
    mine.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
    lab = lab_factory()
    assert mine.read_text(encoding="utf-8").startswith('{"cells": []')
    assert (workspace / "04-data-modeling.ipynb").exists()
    assert "exercise copies added" in lab.output()


def test_solutions_open_from_a_copy_and_saving_leaves_git_clean(lab_factory, tmp_path, git_status):
    before = git_status()
    solved = {p.name: p.read_bytes() for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    lab = lab_factory("--solutions")
    content = autosave_like_jupyterlab(lab, "05-orm-exercises.ipynb")
    sources = ["".join(c["source"]) for c in content["cells"] if c["cell_type"] == "code"]
    assert any(conventions.BEGIN_SOLUTION in s for s in sources), "--solutions opens the solved notebooks"
    content["cells"][0]["source"] = "# changed in the lab"
    assert lab.api("PUT", "05-orm-exercises.ipynb", json={"type": "notebook", "content": content}).ok
    assert (
        (tmp_path / "state" / "solutions" / "05-orm-exercises.ipynb").read_text().count("changed in the lab")
    )
    assert {p.name: p.read_bytes() for p in NOTEBOOKS_DIR.glob("*.ipynb")} == solved
    assert git_status() == before
    assert not (tmp_path / "workspace").exists(), "--solutions makes no workspace"


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbook", *args],
        cwd=REPO_ROOT,
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refresh_keeps_the_old_copy_and_says_where(tmp_path):
    workspace = tmp_path / "ws"
    assert cli("workspace", "--workspace", str(workspace)).returncode == 0
    mine = workspace / "05-orm-exercises.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("new_posts = None", "new_posts = ['mine']"))
    result = cli("workspace", "--workspace", str(workspace), "--refresh", "05-orm-exercises")
    assert result.returncode == 0, result.stderr
    [backup] = (workspace / "backups").iterdir()
    assert str(backup) in result.stdout
    assert "new_posts = ['mine']" in backup.read_text(encoding="utf-8")
    assert "new_posts = ['mine']" not in mine.read_text(encoding="utf-8")
    again = cli("workspace", "--workspace", str(workspace), "--refresh", "05-orm-exercises")
    assert len(list((workspace / "backups").iterdir())) == 2, again.stdout  # a second backup, not overwritten


def test_refresh_of_an_unknown_notebook_is_one_line(tmp_path):
    result = cli("workspace", "--workspace", str(tmp_path), "--refresh", "42")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "no notebook '42'" in result.stderr


def test_the_lab_refuses_to_open_the_tracked_notebooks():
    result = cli("lab", "--no-browser", "--root", "notebooks", JUPYTER_TOKEN=TOKEN)
    assert result.returncode == 2 and "--solutions" in result.stderr


def test_the_workspace_is_gitignored_but_its_folder_is_kept():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "my-notebooks/05-orm-exercises.ipynb"], cwd=REPO_ROOT
    )
    assert ignored.returncode == 0
    tracked = subprocess.run(
        ["git", "ls-files", "my-notebooks"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert tracked.stdout.split() == ["my-notebooks/.gitkeep"]


HANGUL = re.compile(r"[\uac00-\ud7a3]")
KO_DIR = NOTEBOOKS_DIR / "ko"


def test_the_korean_lab_opens_the_korean_edition_in_korean(lab_factory, git_status):
    """`lab --lang ko`: the Korean edition's exercise copies in a workspace marked Korean, kernels
    that speak Korean, JupyterLab's Korean language pack selected for this lab, git clean."""
    assert any(KO_DIR.glob("[0-9][0-9]-*.ipynb")), "no Korean edition: `python3 run.py translate` builds it"
    before = git_status()
    lab = lab_factory("--lang", "ko")
    assert (lab.workspace / ".workbook-lang").read_text(encoding="utf-8").strip() == "ko"
    listed = sorted(
        item["name"] for item in lab.api("GET", "").json()["content"] if item["type"] == "notebook"
    )
    assert listed == sorted(p.name for p in conventions.notebook_paths())
    copy = lab.api("GET", "05-orm-exercises.ipynb").json()["content"]
    markdown = "".join("".join(c["source"]) for c in copy["cells"] if c["cell_type"] == "markdown")
    assert HANGUL.search(markdown), "the copies are the Korean edition's"
    code = ["".join(c["source"]) for c in copy["cells"] if c["cell_type"] == "code"]
    assert not any(conventions.BEGIN_SOLUTION in source for source in code), "exercise copies"

    setting = lab.session.get(
        f"{lab.url}/lab/api/settings/@jupyterlab/translation-extension:plugin", timeout=30
    )
    assert setting.json()["schema"]["properties"]["locale"]["default"] == "ko_KR"
    pack = lab.session.get(f"{lab.url}/lab/api/translations/ko_KR", timeout=30).json()
    assert pack["data"] and not pack["message"], "jupyterlab-language-pack-ko-KR is installed"

    probe = {"cells": [{"cell_type": "code", "source": CHECK_LANGUAGE}]}
    replies = run_every_cell(lab, "05-orm-exercises.ipynb", probe)
    assert [r["status"] for r in replies] == ["ok"], replies
    assert git_status() == before


CHECK_LANGUAGE = """
import os
from workbook.i18n import current_language
assert os.environ["WORKBOOK_LANG"] == "ko" and current_language() == "ko"
"""


def test_the_english_lab_selects_no_language_pack(lab_factory):
    lab = lab_factory()
    setting = lab.session.get(
        f"{lab.url}/lab/api/settings/@jupyterlab/translation-extension:plugin", timeout=30
    )
    assert setting.json()["schema"]["properties"]["locale"]["default"] != "ko_KR"
    assert not (lab.workspace / ".workbook-lang").exists()


def test_korean_student_copies_and_a_missing_edition(tmp_path):
    assert any(KO_DIR.glob("[0-9][0-9]-*.ipynb")), "no Korean edition: `python3 run.py translate` builds it"
    result = cli("student", "05", "--lang", "ko", "--out", str(tmp_path / "ko"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ko" / ".workbook-lang").read_text(encoding="utf-8").strip() == "ko"
    copy = json.loads((tmp_path / "ko" / "05-orm-exercises.ipynb").read_text(encoding="utf-8"))
    assert HANGUL.search("".join("".join(c["source"]) for c in copy["cells"] if c["cell_type"] == "markdown"))
    refused = cli("student", "--lang", "xx")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr
    wrong = cli("workspace", WORKBOOK_LANG="fr")
    assert wrong.returncode == 2 and "WORKBOOK_LANG must be one of en, ko" in wrong.stderr


def test_each_edition_s_lab_keeps_its_own_layout(lab_factory, tmp_path):
    """The tabs an English lab has open are not what the Korean lab reopens: each edition keeps
    JupyterLab's workspace (its layout) in a folder of its own in the state folder."""
    english = lab_factory()
    layout = {"data": {"layout-restorer:data": {"main": {"current": "notebook:00-start-here.ipynb"}}}}
    saved = english.session.put(
        f"{english.url}/lab/api/workspaces/default",
        json={**layout, "metadata": {"id": "default"}},
        timeout=30,
    )
    assert saved.status_code == 204, saved.text
    english.stop()
    assert list((tmp_path / "state" / "jupyterlab-workspaces").glob("*.jupyterlab-workspace"))

    korean = lab_factory("--lang", "ko")
    opened = korean.session.get(f"{korean.url}/lab/api/workspaces/default", timeout=30).json()
    assert "layout-restorer:data" not in opened["data"], opened
    assert not list((tmp_path / "state" / "jupyterlab-workspaces-ko").glob("*.jupyterlab-workspace"))


def _workspace_from_before_01_was_split(workspace: Path) -> bytes:
    """A workspace as `workspace` made it when 01 was one notebook: every copy, 01-docker.ipynb among
    them with the learner's work in it, and neither of 01's two notebooks of today."""
    assert cli("workspace", "--workspace", str(workspace)).returncode == 0
    for name in ("01-docker-1-hands-on.ipynb", "01-docker-2-project.ipynb"):
        (workspace / name).unlink()
    old = json.loads((NOTEBOOKS_DIR / "01-docker-2-project.ipynb").read_text(encoding="utf-8"))
    old["cells"].append(
        {"cell_type": "markdown", "id": "mine", "metadata": {}, "source": "My notes: 3 layers"}
    )
    mine = json.dumps(old, indent=2).encode("utf-8")
    (workspace / "01-docker.ipynb").write_bytes(mine)
    return mine


def test_workspace_keeps_an_old_01_docker_copy_adds_the_two_and_says_so_once(tmp_path):
    workspace = tmp_path / "ws"
    mine = _workspace_from_before_01_was_split(workspace)
    result = cli("workspace", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    assert (workspace / "01-docker-1-hands-on.ipynb").is_file() and (
        workspace / "01-docker-2-project.ipynb"
    ).is_file()
    assert (workspace / "01-docker.ipynb").read_bytes() == mine
    [told] = [line for line in result.stdout.splitlines() if "is now split into" in line]
    assert "01-docker-1-hands-on, 01-docker-2-project" in told and str(workspace / "01-docker.ipynb") in told
    again = cli("workspace", "--workspace", str(workspace))
    assert again.returncode == 0 and "is now split into" not in again.stdout
    assert (workspace / "01-docker.ipynb").read_bytes() == mine


def test_the_lab_start_keeps_an_old_01_docker_copy_and_says_so_once(tmp_path, capsys):
    import argparse

    from workbook.cli import _lab_root

    workspace = tmp_path / "ws"
    mine = _workspace_from_before_01_was_split(workspace)
    args = argparse.Namespace(lang="en", solutions=False, workspace=str(workspace))
    assert _lab_root(args) == workspace.resolve()
    out = capsys.readouterr().out
    assert out.count("is now split into") == 1 and "01-docker-2-project" in out
    assert (workspace / "01-docker.ipynb").read_bytes() == mine
    assert (workspace / "01-docker-2-project.ipynb").is_file()
    _lab_root(args)
    assert "is now split into" not in capsys.readouterr().out


def test_progress_shows_what_was_checked_in_the_old_01_docker_under_01_docker_2_project():
    """Records are keyed by checks module and exercise, not notebook: 01-docker's checks are the
    docker module's, with the same names in 01-docker-2-project."""
    from workbook.records import PASSED, TRIED, table

    rows = table({("docker", "q2"): PASSED, ("docker", "healthcheck"): TRIED}).splitlines()
    [row] = [r for r in rows if r.startswith("01-docker-2-project")]
    assert re.search(r"1/\d+ passed, 1 tried", row) and "✓ q2" in row and "✗ healthcheck" in row
