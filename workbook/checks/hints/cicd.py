"""Hints, "why it works" lines and the skeleton of 02-cicd's workflow exercise."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_("The skeleton has the shape: fill in each TODO. `on: push`; one job on `runs-on: ubuntu-24.04`."),
        N_(
            "services: postgres: with image postgres:16, env POSTGRES_PASSWORD, ports 5432:5432 and the "
            "pg_isready health options; env DATABASE_URL: postgres://postgres:<password>@127.0.0.1:5432/postgres."
        ),
        N_(
            "steps: actions/checkout and actions/setup-python pinned to a commit (copy them from section 3), "
            "`run: python -m pip install -r requirements-dev.txt -e .`, then `run: python -m pytest`."
        ),
    ],
    "needs_and_matrix": [
        N_("Two changes: one line in deploy, a strategy block in test."),
        N_('deploy gets `needs: test`; test gets `strategy: matrix: python-version: ["3.11", "3.12"]`.'),
        N_("setup-python must install the matrix's version: `python-version: ${{ matrix.python-version }}`."),
    ],
    "q2": [
        N_("Repeat: take every job whose needs are all in the order already, and append it."),
        N_(
            "files.needs(job) gives a job's needs as a list, whatever the YAML wrote; stop with an error "
            "when no job is ready but some are left (they need each other)."
        ),
    ],
    "least_privilege": [
        N_(
            "Two permissions: blocks. One at the top level, beside jobs:, for every job; one under "
            "publish, which replaces the top one for that job."
        ),
        N_("The top one grants contents: read; publish's grants contents: read and packages: write."),
    ],
    "own_test": [
        N_(
            "Four lines do it: make_user, two make_post, delete() one of the posts; then "
            'client_for(user).get("/api/posts/") and the ids in response.data["results"].'
        ),
        N_(
            "Put @pytest.mark.django_db above def test_…(), and assert both: the kept post's pk is in the "
            "ids and the deleted post's pk is not. Asking Post.objects instead of the API misses the bug "
            "in the view."
        ),
    ],
}

WHY = {
    "q1": N_(
        "the service container starts beside the job and its health options hold the steps until "
        "PostgreSQL accepts connections on the port mapped to 127.0.0.1."
    ),
    "needs_and_matrix": N_(
        "needs makes deploy wait for test and skips it when test fails; the matrix makes "
        "one copy of test per Python."
    ),
    "q2": N_(
        "a job runs only once every job it needs has finished: any order that respects needs "
        "(a topological order) is one GitHub could use."
    ),
    "least_privilege": N_(
        "GITHUB_TOKEN may do what permissions: grant: read the code everywhere, and write packages "
        "only in the job that pushes; a job's grant replaces the workflow's, so it names contents too."
    ),
    "own_test": N_(
        "a test earns its place by failing when the code breaks: yours passes on the site and fails on "
        "each bug, so CI would stop a push that brings either one back."
    ),
}

# What the student copy of q1 holds instead of an empty stub: the workflow's shape, with TODOs.
# Run unchanged, the check says "no answer yet"; each TODO is one of the points the check reads.
SKELETONS = {
    "q1": '''workflow_yaml = """
name: tests
on:
  # TODO: the event that starts the workflow on every push
jobs:
  test:
    runs-on: ubuntu-24.04
    services:
      postgres:
        # TODO: the image, POSTGRES_PASSWORD under env, ports 5432:5432, and the pg_isready
        #       health options so the steps wait until PostgreSQL answers
    env:
      # TODO: DATABASE_URL, pointing at the service on 127.0.0.1:5432
    steps:
      # TODO: check out the repository (an action pinned to a commit, as in section 3)
      # TODO: set up Python 3.12 (actions/setup-python, pinned too)
      # TODO: install the project: python -m pip install -r requirements-dev.txt -e .
      # TODO: run the tests: python -m pytest
"""
''',
}

# The same skeleton in the Korean copies: the YAML is the same, its TODO comments are Korean.
SKELETONS_KO = {
    "q1": '''workflow_yaml = """
name: tests
on:
  # TODO: push될 때마다 워크플로우를 시작하는 이벤트
jobs:
  test:
    runs-on: ubuntu-24.04
    services:
      postgres:
        # TODO: 이미지, env 아래의 POSTGRES_PASSWORD, 포트 5432:5432, 그리고 PostgreSQL이 응답할
        #       때까지 스텝이 기다리도록 하는 pg_isready 상태 확인 옵션
    env:
      # TODO: 127.0.0.1:5432의 서비스를 가리키는 DATABASE_URL
    steps:
      # TODO: 저장소 체크아웃 (3절처럼 커밋으로 고정한 액션)
      # TODO: Python 3.12 설정 (actions/setup-python, 이것도 고정)
      # TODO: 프로젝트 설치: python -m pip install -r requirements-dev.txt -e .
      # TODO: 테스트 실행: python -m pytest
"""
''',
}
