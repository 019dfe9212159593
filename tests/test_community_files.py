"""The files that make the repository an open project: licences, citation, issue forms, guides.

The issue forms in .github/ISSUE_TEMPLATE/ must be forms GitHub accepts (it ignores a broken one
and shows no form at all): the top-level keys, a body of typed elements with unique ids and labels,
`required` validations, checked here by the rules of GitHub's form schema and by the published JSON
schema. The licence is declared once in pyproject.toml and must agree with the licence files, the
installed package's metadata, CITATION.cff and both READMEs' last section. The commands
CONTRIBUTING.md and the pull-request template name are commands the command line accepts.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from workbook.cli import build_parser
from workbook.i18n.terms import variant_uses
from workbook.paths import REPO_ROOT

FORMS_DIR = REPO_ROOT / ".github" / "ISSUE_TEMPLATE"
FORMS = sorted(FORMS_DIR.glob("*.yml"))
PR_TEMPLATE = REPO_ROOT / ".github" / "pull_request_template.md"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# GitHub's syntax for issue forms: the top-level keys it accepts, and each element type's attributes.
TOP_LEVEL_KEYS = {"name", "description", "body", "title", "labels", "assignees", "projects", "type"}
REQUIRED_TOP_LEVEL = ("name", "description", "body")
ELEMENT_ATTRIBUTES = {
    "markdown": {"value"},
    "input": {"label", "description", "placeholder", "value"},
    "textarea": {"label", "description", "placeholder", "value", "render"},
    "dropdown": {"label", "description", "multiple", "options", "default"},
    "checkboxes": {"label", "description", "options"},
    "upload": {"label", "description"},
}
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]+")

# What each form must ask, by id: the issue's three kinds of report.
FORM_FIELDS = {
    "notebook-error.yml": {"notebook", "edition", "cell", "says", "right"},
    "wrong-check.yml": {"notebook", "exercise", "answer", "check-said", "wrong-how"},
    "does-not-start.yml": {"system", "python", "command", "output"},
}


def load_form(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def non_empty_string(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def is_required(element: dict) -> bool:
    validations = element.get("validations")
    return isinstance(validations, dict) and validations.get("required") is True


def element_problems(i: int, element) -> list[str]:
    """What GitHub would reject in one element of a form's body."""
    where = f"body[{i}]"
    if not isinstance(element, dict):
        return [f"{where} is not a mapping"]
    kind = element.get("type")
    if kind not in ELEMENT_ATTRIBUTES:
        return [f"{where}: type {kind!r} is not one of {sorted(ELEMENT_ATTRIBUTES)}"]
    where = f"{where} ({kind})"
    problems = []
    unknown = set(element) - {"type", "id", "attributes", "validations"}
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    attributes = element.get("attributes")
    if not isinstance(attributes, dict):
        return [*problems, f"{where}: no attributes"]
    unknown = set(attributes) - ELEMENT_ATTRIBUTES[kind]
    if unknown:
        problems.append(f"{where}: unknown attributes {sorted(unknown)}")
    if kind == "markdown":
        if not non_empty_string(attributes.get("value")):
            problems.append(f"{where}: a markdown element needs a non-empty value")
        if "id" in element or "validations" in element:
            problems.append(f"{where}: a markdown element takes neither an id nor validations")
        return problems
    if not non_empty_string(attributes.get("label")):
        problems.append(f"{where}: no label")
    if "id" in element and not (isinstance(element["id"], str) and ID_PATTERN.fullmatch(element["id"])):
        problems.append(f"{where}: id {element['id']!r} may hold only letters, digits, - and _")
    validations = element.get("validations", {})
    if not isinstance(validations, dict) or set(validations) - {"required"}:
        problems.append(f"{where}: validations may hold only `required`")
    elif not isinstance(validations.get("required", False), bool):
        problems.append(f"{where}: validations.required must be true or false")
    if kind in ("dropdown", "checkboxes"):
        options = attributes.get("options")
        labels = [o.get("label") if isinstance(o, dict) else None for o in options or []]
        values = labels if kind == "checkboxes" else options
        if not options or not all(non_empty_string(v) for v in values):
            problems.append(f"{where}: options must be a non-empty list of non-empty strings")
        elif len(set(values)) != len(values):
            problems.append(f"{where}: options repeat")
        elif kind == "dropdown" and any(v.strip().lower() == "none" for v in values):
            problems.append(
                f"{where}: 'None' is reserved by GitHub (no choice made) and may not be an option"
            )
    return problems


def form_problems(form) -> list[str]:
    """Everything GitHub's issue-form syntax rejects in a loaded form, one line each."""
    if not isinstance(form, dict):
        return ["the file is not a YAML mapping"]
    problems = [f"the top-level key {key!r} is missing" for key in REQUIRED_TOP_LEVEL if key not in form]
    problems += [f"{key!r} is not a top-level key of an issue form" for key in set(form) - TOP_LEVEL_KEYS]
    strings = ("name", "description", "title")
    problems += [
        f"{k!r} must be a non-empty string" for k in strings if k in form and not non_empty_string(form[k])
    ]
    body = form.get("body")
    if "body" in form and (not isinstance(body, list) or not body):
        return [*problems, "body must be a non-empty list of elements"]
    for i, element in enumerate(body or []):
        problems += element_problems(i, element)
    fields = [e for e in body or [] if isinstance(e, dict) and e.get("type") not in (None, "markdown")]
    if body and not fields:
        problems.append("body needs at least one element that is not markdown")
    ids = [str(e["id"]) for e in fields if "id" in e]
    labels = [e.get("attributes", {}).get("label") for e in fields if isinstance(e.get("attributes"), dict)]
    problems += [f"the id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"the label {x!r} is used twice" for x in sorted({x for x in labels if labels.count(x) > 1})]
    if fields and not any(is_required(e) for e in fields):
        problems.append("no element is required: an empty report could be filed")
    return problems


# ---------------------------------------------------------------------------------------------
# The issue forms


def test_the_three_issue_forms_exist():
    assert sorted(p.name for p in FORMS) == sorted(FORM_FIELDS)


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_each_issue_form_has_githubs_required_keys(path):
    assert form_problems(load_form(path)) == []


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_each_issue_form_matches_githubs_published_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    try:
        from importlib.resources import files

        schema = json.loads(
            (files("check_jsonschema.builtin_schemas.vendor") / "github-issue-forms.json").read_text()
        )
    except ModuleNotFoundError:
        message = "check-jsonschema is not installed: `pip install -r requirements-dev.txt` installs it"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(load_form(path))
    ]
    assert not errors, errors


@pytest.mark.parametrize(
    "break_it, problem",
    [
        (lambda f: f.pop("name"), "the top-level key 'name' is missing"),
        (lambda f: f.pop("description"), "the top-level key 'description' is missing"),
        (lambda f: f.pop("body"), "the top-level key 'body' is missing"),
        (lambda f: f.update(body=[]), "body must be a non-empty list"),
        (lambda f: f.update(labels_="x"), "'labels_' is not a top-level key"),
        (lambda f: f.update(name=" "), "'name' must be a non-empty string"),
        (lambda f: f["body"][1].update(type="text"), "type 'text' is not one of"),
        (lambda f: f["body"][1].update(id="the notebook"), "may hold only letters"),
        (lambda f: f["body"][2].update(id=f["body"][1]["id"]), "is used twice"),
        (
            lambda f: f["body"][2]["attributes"].update(label=f["body"][1]["attributes"]["label"]),
            "is used twice",
        ),
        (lambda f: f["body"][1]["attributes"].pop("label"), "no label"),
        (lambda f: f["body"][1]["attributes"].update(options=[]), "options must be a non-empty list"),
        (lambda f: f["body"][1]["attributes"]["options"].append("None"), "'None' is reserved"),
        (lambda f: f["body"][1].update(validations={"required": "yes"}), "must be true or false"),
        (lambda f: f["body"][1].update(validations={"optional": True}), "may hold only `required`"),
        (lambda f: f["body"][1].update(validations=True), "may hold only `required`"),
        (
            lambda f: f["body"][0].update(validations={"required": True}),
            "takes neither an id nor validations",
        ),
        (lambda f: f["body"][0]["attributes"].update(value=""), "needs a non-empty value"),
        (lambda f: f.update(body=f["body"][:1]), "at least one element that is not markdown"),
        (lambda f: [e.pop("validations", None) for e in f["body"]], "no element is required"),
    ],
)
def test_the_form_check_finds_what_github_rejects(break_it, problem):
    form = copy.deepcopy(load_form(FORMS_DIR / "notebook-error.yml"))
    assert form["body"][0]["type"] == "markdown" and form["body"][1]["type"] == "dropdown"
    break_it(form)
    found = form_problems(form)
    assert any(problem in line for line in found), found


def test_the_form_names_differ():
    names = [load_form(path)["name"] for path in FORMS]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_each_form_asks_what_its_kind_of_report_needs_and_requires_it(path):
    fields = {e["id"]: e for e in load_form(path)["body"] if "id" in e}
    missing = FORM_FIELDS[path.name] - set(fields)
    assert not missing, f"{path.name} does not ask for {sorted(missing)}"
    optional = sorted(i for i in FORM_FIELDS[path.name] if not is_required(fields[i]))
    assert not optional, f"{path.name}: {optional} should be required"


@pytest.mark.parametrize("path", [p for p in FORMS if p.name != "does-not-start.yml"], ids=lambda p: p.name)
def test_the_notebook_lists_of_the_forms_are_the_notebooks(path):
    [dropdown] = [e for e in load_form(path)["body"] if e.get("id") == "notebook"]
    notebooks = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    assert dropdown["attributes"]["options"] == notebooks, (
        f"{path.name}'s notebook list differs from notebooks/"
    )


@pytest.mark.parametrize("path", [*FORMS, PR_TEMPLATE, REPO_ROOT / "SECURITY.md"], ids=lambda p: p.name)
def test_english_with_a_korean_line_in_the_glossarys_terms(path):
    text = path.read_text(encoding="utf-8")
    korean = [line for line in text.splitlines() if HANGUL.search(line)]
    assert korean, f"{path.name} has no line in Korean"
    assert len(korean) < len([line for line in text.splitlines() if line.strip()]) / 2, "English first"
    assert variant_uses("\n".join(korean)) == []


# ---------------------------------------------------------------------------------------------
# CONTRIBUTING.md and the pull-request template


def run_py_commands(text: str) -> list[list[str]]:
    """Every `python3 run.py ...` written in backticks, as words (placeholders like NN kept)."""
    found = []
    for span in re.findall(r"`([^`]*python3 run\.py [^`]*)`", text):
        for command in re.split(r"&&|;", span):
            words = shlex.split(command)
            while words and re.fullmatch(r"\w+=\S*", words[0]):  # DJANGO_DB_NAME=... before it
                words.pop(0)
            if words[:2] == ["python3", "run.py"]:
                found.append(words[2:])
    return found


@pytest.mark.parametrize("path", [REPO_ROOT / "CONTRIBUTING.md", PR_TEMPLATE], ids=lambda p: p.name)
def test_the_commands_named_are_ones_the_command_line_accepts(path):
    commands = run_py_commands(path.read_text(encoding="utf-8"))
    assert {"test", "regenerate", "translate", "messages"} <= {c[0] for c in commands}
    parser = build_parser()
    for words in commands:
        try:
            parser.parse_args(words)
        except SystemExit:
            pytest.fail(
                f"{path.name} names `python3 run.py {shlex.join(words)}`, which the command line refuses"
            )


def test_the_command_check_can_fail():
    with pytest.raises(SystemExit):
        build_parser().parse_args(run_py_commands("`python3 run.py regenerate --language ko 05`")[0])


def test_the_pull_request_checklist_holds_contributings_rules():
    template = PR_TEMPLATE.read_text(encoding="utf-8")
    contributing = (REPO_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "CONTRIBUTING.md" in template
    boxes = re.findall(r"^- \[ \] (.+)$", template, re.M)
    rules = (
        "python3 run.py test",
        "ruff",
        "notebooks/i18n/ko/",
        "translate",
        "messages",
        "regenerate",
        "migration",
    )
    for needle in (*rules, "README.ko.md"):
        assert any(needle in box for box in boxes), f"no checkbox about {needle!r}"
        assert needle in contributing, f"CONTRIBUTING.md says nothing of {needle!r}"


# ---------------------------------------------------------------------------------------------
# Licences and citation


def licence_ids() -> list[str]:
    return re.split(r"\s+AND\s+", PYPROJECT["license"])


def test_pyproject_declares_both_licences_with_their_files():
    assert licence_ids() == ["MIT", "CC-BY-4.0"]
    assert PYPROJECT["license-files"] == ["LICENSE", "LICENSE-CC-BY-4.0.md"]
    mit = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert (
        mit.startswith("MIT License\n\nCopyright (c) ")
        and "Permission is hereby granted, free of charge" in mit
    )
    cc = (REPO_ROOT / "LICENSE-CC-BY-4.0.md").read_text(encoding="utf-8")
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in cc


def test_the_classifiers_agree_with_the_licence_and_the_python_versions():
    classifiers = PYPROJECT["classifiers"]
    # PEP 639: a licence expression replaces the License :: classifiers; setuptools refuses both.
    assert not [c for c in classifiers if c.startswith("License ::")]
    low, high = re.fullmatch(r">=3\.(\d+),<3\.(\d+)", PYPROJECT["requires-python"]).groups()
    versions = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert versions == {f"3.{minor}" for minor in range(int(low), int(high))}


def test_the_installed_package_reports_the_licence():
    try:
        metadata = importlib.metadata.metadata(PYPROJECT["name"])
    except importlib.metadata.PackageNotFoundError:
        message = (
            f"{PYPROJECT['name']} is not installed: `python3 run.py test` installs it (pip install -e .)"
        )
        pytest.fail(message) if IN_CI else pytest.skip(message)
    assert metadata["License-Expression"] == PYPROJECT["license"], (
        "the installed metadata is stale or wrong: `pip install -e .` again"
    )
    assert sorted(metadata.get_all("License-File")) == sorted(PYPROJECT["license-files"])


def test_citation_cff_is_valid_and_agrees_with_pyproject():
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == PYPROJECT["version"]
    assert citation["license"] == licence_ids()
    jsonschema = pytest.importorskip("jsonschema")
    try:
        from importlib.resources import files

        schema = json.loads(
            (files("check_jsonschema.builtin_schemas.vendor") / "citation-file-format.json").read_text()
        )
    except ModuleNotFoundError:
        message = "check-jsonschema is not installed: `pip install -r requirements-dev.txt` installs it"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(citation)] == []
    assert list(validator.iter_errors({**citation, "license": "MIT License"})), "the schema check can fail"


# ---------------------------------------------------------------------------------------------
# The READMEs


def last_section(path: Path) -> tuple[str, str]:
    *_, heading, body = re.split(r"^## (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
    return heading, body


@pytest.mark.parametrize("name", ["README.md", "README.ko.md"])
def test_the_readmes_last_section_says_which_paths_fall_under_which_licence(name):
    heading, body = last_section(REPO_ROOT / name)
    assert heading in ("Licences", "라이선스"), f"{name}'s last section is {heading!r}, not the licences"
    rows = [row for row in body.splitlines() if row.startswith("| ") and "](" in row]
    by_licence = {
        "LICENSE-CC-BY-4.0.md": {"notebooks/*.ipynb", "notebooks/ko/*.ipynb", "notebooks/i18n/"},
        "LICENSE": {"project/", "workbook/", "run.py", "classroom/", "tests/"},
    }
    for target, paths in by_licence.items():
        named = {p for row in rows if row.endswith(f"]({target}) |") for p in re.findall(r"`([^`]+)`", row)}
        assert paths <= named, f"{name}: {sorted(paths - named)} are not listed under {target}"
    for row in rows:
        for path in re.findall(r"`([^`]+)`", row):
            assert list(REPO_ROOT.glob(path.rstrip("/"))), f"{name} names {path}, which does not exist"


@pytest.mark.parametrize("name", ["README.md", "README.ko.md"])
def test_the_readmes_link_the_community_files(name):
    text = (REPO_ROOT / name).read_text(encoding="utf-8")
    top = "\n".join(text.splitlines()[:6])
    for target in ("CONTRIBUTING.md", "SECURITY.md", "CITATION.cff"):
        assert f"]({target})" in top, f"{name} does not link {target} near its top"
    for target in ("LICENSE", "LICENSE-CC-BY-4.0.md", "CONTRIBUTING.md", "SECURITY.md", "CITATION.cff"):
        assert (REPO_ROOT / target).is_file()
        assert f"]({target})" in last_section(REPO_ROOT / name)[1], f"{name}'s licence section lacks {target}"
