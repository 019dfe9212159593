"""Grading a hub's workspaces: which notebook of each workspace is graded, under which student's name,
against which class list.

A hub's workspace holds every notebook of the workbook (the exercise copies the lab makes on its
first start), so `grade ~/workspaces --notebook 05` must take each workspace's 05 by its name and
leave its other notebooks alone; the student is the workspace's folder (the hub's volume of that
student), so the roster lines up; the roster comes from the hub's class list, instructors left out.
"""

import json
import os

import pytest

from classroom import grade
from workbook.authoring import asyncrun
from workbook.paths import NOTEBOOKS_DIR

EVERY = sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))


def notebook(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def picked(arguments, names):
    originals = grade.load_originals(NOTEBOOKS_DIR, names)
    found = grade.only_the_named(grade.find_submissions(arguments), originals, NOTEBOOKS_DIR)
    return sorted((s.student, s.path.name) for s in found)


def workspaces(root, students=("alice", "bob")):
    for student in students:
        for name in EVERY:
            notebook(root / student / name)
    return root


def test_only_the_named_notebook_of_each_workspace_is_graded(tmp_path):
    root = workspaces(tmp_path / "workspaces")
    assert len(EVERY) > 5  # every notebook of the workbook is in each workspace
    assert picked([root], ["05"]) == [("alice", "05-orm-exercises.ipynb"), ("bob", "05-orm-exercises.ipynb")]
    assert picked([root], ["05-orm-exercises"]) == picked([root], ["05"])
    # Two named: each workspace's two, nothing else.
    assert picked([root], ["05", "07"]) == [
        ("alice", "05-orm-exercises.ipynb"),
        ("alice", "07-sql.ipynb"),
        ("bob", "05-orm-exercises.ipynb"),
        ("bob", "07-sql.ipynb"),
    ]


def test_a_whole_name_tells_apart_notebooks_that_share_a_number(tmp_path):
    root = workspaces(tmp_path / "workspaces", ["alice"])
    assert picked([root], ["03-postgresql-2-engine"]) == [("alice", "03-postgresql-2-engine.ipynb")]
    assert picked([root], ["02-deploy"]) == [("alice", "02-deploy.ipynb")]


def test_a_renamed_copy_with_the_notebooks_number_is_still_its_submission(tmp_path):
    root = tmp_path / "workspaces"
    notebook(root / "alice" / "05-orm-exercises-final.ipynb")
    notebook(root / "alice" / "06-rest-api.ipynb")
    assert picked([root], ["05"]) == [("alice", "05-orm-exercises-final.ipynb")]


def test_files_whose_name_is_no_notebooks_and_files_named_on_the_command_line_are_kept(tmp_path):
    # An LMS download: one file per student, named by the student; --notebook says what they are.
    flat = tmp_path / "downloads"
    notebook(flat / "kim.ipynb")
    notebook(flat / "lee.ipynb")
    assert picked([flat], ["05"]) == [("kim", "kim.ipynb"), ("lee", "lee.ipynb")]
    # The instructor names a file: graded as the notebook named, whatever its name says.
    named = notebook(tmp_path / "park" / "06-rest-api.ipynb")
    assert picked([named], ["05"]) == [("park", "06-rest-api.ipynb")]


def test_one_workspace_given_alone_is_named_by_its_folder(tmp_path):
    root = workspaces(tmp_path / "workspaces", ["alice"])
    assert picked([root / "alice"], ["05"]) == [("alice", "05-orm-exercises.ipynb")]


def test_without_notebook_every_workspace_notebook_is_identified_by_its_name(tmp_path):
    """No --notebook: nothing is left out here; identify() matches each by its name."""
    root = workspaces(tmp_path / "workspaces", ["alice"])
    assert len(grade.find_submissions([root])) == len(EVERY)


def test_the_hubs_class_list_gives_the_roster_without_its_instructors(tmp_path):
    class_list = tmp_path / "class.csv"
    class_list.write_text(
        "username,password,role\n"
        "teacher,change-this-first-password,instructor\n"
        "alice,alice-first-password,student\n"
        "bob,bob-first-password,\n"
        "assistant,assistant-password,Instructor\n",
        encoding="utf-8",
    )
    assert grade.read_roster(class_list) == ["alice", "bob"]
    # A plain list of usernames (no role column) is everyone on it.
    plain = tmp_path / "plain.csv"
    plain.write_text("username\nkim\nlee\n", encoding="utf-8")
    assert grade.read_roster(plain) == ["kim", "lee"]


def test_a_roster_from_the_hub_lines_up_with_the_workspaces(tmp_path, monkeypatch):
    """The report's rows: each student once, the instructor nowhere, a student without a workspace
    'not submitted'."""
    class_list = tmp_path / "class.csv"
    class_list.write_text(
        "username,role\nteacher,instructor\nalice,student\nbob,student\ncarol,student\n", encoding="utf-8"
    )
    root = workspaces(tmp_path / "workspaces")
    originals = grade.load_originals(NOTEBOOKS_DIR, ["05"])
    subs = grade.only_the_named(grade.find_submissions([root]), originals, NOTEBOOKS_DIR)
    for sub in subs:
        grade.identify(sub, originals)
    grade.label_students(subs)
    results = [grade.Result(submission=s, problem="not run here") for s in subs]
    run = grade.Run(results, originals, grade.read_roster(class_list), 0.0, 0.0, tmp_path / "out")
    table = {row["username"]: row for row in grade.rows(run)}
    assert sorted(table) == ["alice", "bob", "carol"]
    assert [row["on_roster"] for row in table.values()] == [True, True, True]
    assert {cell["status"] for cell in table["carol"]["cells"].values()} == {grade.NOT_SUBMITTED}


@pytest.mark.parametrize("text", ["", "role\ninstructor\n"])
def test_a_class_list_without_usernames_is_refused_with_its_name(tmp_path, text):
    path = tmp_path / "class.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="username"):
        grade.read_roster(path)


def test_the_grader_reads_the_class_list_the_hub_writes_in_the_instructors_lab(tmp_path):
    """lab_start.py writes the roster the hub hands the instructor's lab (no passwords in it)."""
    from classroom import lab_start

    roster = json.dumps([["teacher", "instructor"], ["alice", "student"], ["bob", "student"]])
    path = lab_start.write_roster(roster, tmp_path)
    assert path == tmp_path / "class.csv"
    assert "password" not in path.read_text()
    assert grade.read_roster(path) == ["alice", "bob"]
    assert path.stat().st_mode & 0o077 == 0


def test_a_workspaces_backups_are_no_submissions_but_a_backup_named_is_graded(tmp_path):
    """`workspace --refresh 05` keeps the replaced copy in backups/: not a second 05 of the student."""
    from workbook.authoring.student import refresh

    root = workspaces(tmp_path / "workspaces")
    (kept,) = [backup for _, backup in refresh(["05"], root / "alice", directory=NOTEBOOKS_DIR)]
    assert kept.parent.name == "backups" and kept.name.startswith("05-orm-exercises.")
    notebook(root / "bob" / "backups" / "05-orm-exercises.20261207-1200.ipynb")
    notebook(root / "bob" / "ko" / "backups" / "05-orm-exercises.20261207-120000-2.ipynb")
    assert picked([root], ["05"]) == [("alice", "05-orm-exercises.ipynb"), ("bob", "05-orm-exercises.ipynb")]
    assert picked([root / "alice"], ["05"]) == [("alice", "05-orm-exercises.ipynb")]
    # Without --notebook neither: each workspace's notebooks, no backup.
    found = grade.find_submissions([root])
    assert len(found) == 2 * len(EVERY) and not any("backups" in s.path.parts for s in found)
    # Named on the command line, a backup is graded as given.
    assert picked([kept], ["05"]) == [(kept.stem, kept.name)]
    # A student whose username is backups keeps their workspace: only stamped copies are backups.
    notebook(root / "backups" / "05-orm-exercises.ipynb")
    assert ("backups", "05-orm-exercises.ipynb") in picked([root], ["05"])


def two_editions(workspace, english_changed, korean_changed):
    """A workspace with 05 in English (its own folder) and in Korean (ko/, as `lab --lang ko` makes
    it), each changed at the time given (seconds since the epoch)."""
    from workbook.authoring.student import mark_language

    english = notebook(workspace / "05-orm-exercises.ipynb")
    notebook(workspace / "06-rest-api.ipynb")
    korean = notebook(workspace / "ko" / "05-orm-exercises.ipynb")
    mark_language(workspace / "ko", "ko")
    os.utime(english, (english_changed, english_changed))
    os.utime(korean, (korean_changed, korean_changed))
    return english, korean


def graded_copies(arguments):
    """Which copies the grader takes, as `grade(arguments, notebooks=["05"])` does, labelled."""
    originals = grade.load_originals(NOTEBOOKS_DIR, ["05"])
    return grade.submissions_to_grade(arguments, originals, named=True), originals


def test_a_workspace_with_both_editions_of_the_notebook_is_one_row_of_the_copy_changed_last(tmp_path):
    root = tmp_path / "workspaces"
    english, korean = two_editions(root / "alice", 1_700_000_000, 1_700_003_600)
    two_editions(root / "bob", 1_700_003_600, 1_700_000_000)
    two_editions(root / "carol", 1_700_000_000, 1_700_000_000)
    subs, originals = graded_copies([root])
    assert sorted((s.label, str(s.path.relative_to(root))) for s in subs) == [
        ("alice", "alice/ko/05-orm-exercises.ipynb"),
        ("bob", "bob/05-orm-exercises.ipynb"),
        ("carol", "carol/05-orm-exercises.ipynb"),  # a tie: the workspace's own folder
    ]
    alice = next(s for s in subs if s.student == "alice")
    assert len(alice.notes) == 1
    assert alice.notes[0].startswith("not graded: workspaces/alice/05-orm-exercises.ipynb, the same notebook")
    assert "this copy was changed last" in alice.notes[0]
    # The note reaches the report: one row for alice, the note beside it.
    result = asyncrun.run(
        grade.grade_submission(alice, None, 0, cell_timeout=5, notebook_timeout=5, memory_mb=64)
    )
    assert result.problem.startswith("not a notebook: ")  # the files here are "{}"
    run = grade.Run([result], originals, ["alice"], 0.0, 0.0, tmp_path / "out")
    (row,) = grade.rows(run)
    assert row["student"] == "alice" and row["sources"] == ["workspaces/alice/ko/05-orm-exercises.ipynb"]
    assert row["notes"] == [f"05-orm-exercises.ipynb: {alice.notes[0]}"]
    # One workspace given alone: still its student's name and one copy, not a student named ko.
    subs, _ = graded_copies([root / "alice"])
    assert [(s.label, s.path) for s in subs] == [("alice", korean)]
    subs, _ = graded_copies([root / "alice" / "ko"])
    assert [(s.label, s.path) for s in subs] == [("alice", korean)]


def test_a_student_named_like_an_edition_is_still_a_student(tmp_path):
    """workspaces/ko/ of a hub is the workspace of a student named ko, even in a Korean class."""
    from workbook.authoring.student import mark_language

    root = workspaces(tmp_path / "workspaces", ["alice", "ko"])
    mark_language(root / "ko", "ko")
    subs, _ = graded_copies([root])
    assert sorted((s.label, s.path.name) for s in subs) == [
        ("alice", "05-orm-exercises.ipynb"),
        ("ko", "05-orm-exercises.ipynb"),
    ]


def test_grading_the_workspaces_gives_each_student_one_row_and_grades_no_backup(tmp_path):
    """The whole run, as `grade ~/workspaces --notebook 05`: alice's Korean copy (changed last) is
    her row, her English copy and her backup are not graded, and her report says which was."""
    from workbook.authoring.scratch import django_config

    root = tmp_path / "workspaces"
    two_editions(root / "alice", 1_700_000_000, 1_700_003_600)
    notebook(root / "alice" / "backups" / "05-orm-exercises.20261207-120000.ipynb")
    notebook(root / "bob" / "05-orm-exercises.ipynb")
    run = grade.grade(
        [root],
        out=tmp_path / "grades",
        notebooks=["05"],
        jobs=1,
        config=django_config(),
        sandbox=False,
        progress=lambda result: None,
    )
    assert sorted(str(r.submission.path.relative_to(root)) for r in run.results) == [
        "alice/ko/05-orm-exercises.ipynb",
        "bob/05-orm-exercises.ipynb",
    ]
    report = json.loads((tmp_path / "grades" / "grades.json").read_text(encoding="utf-8"))
    students = {s["student"]: s for s in report["students"]}
    assert sorted(students) == ["alice", "bob"]
    assert students["alice"]["submissions"] == ["workspaces/alice/ko/05-orm-exercises.ipynb"]
    assert [n.split(", the same notebook")[0] for n in students["alice"]["notes"]] == [
        "05-orm-exercises.ipynb: not graded: workspaces/alice/05-orm-exercises.ipynb"
    ]
    feedback = (tmp_path / "grades" / "feedback" / "alice.html").read_text(encoding="utf-8")
    assert "not graded: workspaces/alice/05-orm-exercises.ipynb" in feedback
