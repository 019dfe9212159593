"""The classroom: everything on the instructor's side, in one folder.

The hub (jupyterhub_config.py, classlist.py, studentdb.py, lab_start.py, make_template.py, the
Dockerfiles, compose and kubernetes/), the grader (grade.py) and its sandbox (sandbox.py), the
drivers the tests and benchmarks start a hub with (classhub.py) and the made-up class the grader's
tests mark (fake_class.py), and the grader's command line (`python -m classroom grade`, which
`python3 run.py grade` runs). It builds on `workbook`; `workbook` never imports it
(tests/test_grade_cli.py): `python -m workbook grade` starts `python -m classroom grade`.

The judge, which decides each answer inside the grading sandbox, stays in workbook/authoring/judge.py:
the sandbox shows only workbook/ and project/, never this folder, which can hold the class list.
"""
