"""01-docker-2-project's checkpoint (what a change rebuilds) and compose exercise (a database with a
healthcheck)."""

import pytest

from workbook.checks import CheckFailed, NotAnswered
from workbook.checks import docker as check

# predict, then run: what a change rebuilds

PREDICTION = {
    "requirements-site.txt": "install",
    "project/posts/models.py": "code",
    "docker/web-entrypoint.sh": "code",
    "README.md": "nothing",
    ".env": "nothing",
}


def test_the_right_prediction_passes(capsys):
    check.rebuilds(dict(PREDICTION))
    assert capsys.readouterr().out.startswith("✓ rebuilds: all five right")


def test_the_truth_is_read_from_the_dockerfile_now(monkeypatch):
    """Move the code's COPY before pip install in a Dockerfile of the test's: the truth follows."""
    from workbook import files

    text = (
        "FROM python:3.12-slim AS site-deps\nWORKDIR /app\nCOPY requirements-site.txt ./\n"
        "COPY project/ project/\n"
        "RUN pip install -r requirements-site.txt\nFROM site-deps AS web\nCOPY docker/web-entrypoint.sh /e\n"
        'CMD ["gunicorn"]\n'
    )
    monkeypatch.setattr(files, "read_dockerfile", lambda *a, **k: files.parse_dockerfile(text))
    truth = {path: word for path, (word, _) in check.rebuild_truth().items()}
    assert truth["project/posts/models.py"] == "install"
    with pytest.raises(CheckFailed, match="a change to project/posts/models.py rebuilds otherwise"):
        check.rebuilds(dict(PREDICTION))


@pytest.mark.parametrize(
    "change, says, teaches",
    [
        ({"project/posts/models.py": "install"}, "project/posts/models.py rebuilds otherwise", "reused"),
        ({".env": "code"}, ".env rebuilds otherwise", ".dockerignore"),
        ({"README.md": "code"}, "README.md rebuilds otherwise", "never copies"),
        ({"requirements-site.txt": "code"}, "requirements-site.txt rebuilds otherwise", "copied before pip"),
        ({"README.md": "cache"}, "not one of the three words", "'nothing'"),
    ],
    ids=["code reinstalls", "ignored file", "file web never copies", "requirements", "another word"],
)
def test_each_wrong_prediction_fails_with_its_hint(change, says, teaches):
    with pytest.raises(CheckFailed, match=says) as failure:
        check.rebuilds({**PREDICTION, **change})
    assert teaches in str(failure.value)


def test_all_one_word_and_a_missing_key_fail():
    with pytest.raises(CheckFailed, match="rebuilds otherwise"):
        check.rebuilds(dict.fromkeys(PREDICTION, "code"))
    partial = dict(PREDICTION)
    del partial[".env"]
    with pytest.raises(CheckFailed, match="'.env' is missing"):
        check.rebuilds(partial)
    with pytest.raises(NotAnswered):
        check.rebuilds(...)


# a database service with a healthcheck

DB = """\
  db:
    image: postgres:18
    environment:
      POSTGRES_USER: app
      POSTGRES_DB: app
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}
    volumes:
      - pgdata:/var/lib/postgresql
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U app -d app"]
      interval: 5s
      timeout: 5s
      retries: 10
"""
WAITS = """\
    depends_on:
      db:
        condition: service_healthy
"""


def compose(db=DB, waits=WAITS):
    starter = check.HEALTH_STARTER.replace("    build: .\n", "    build: .\n" + waits)
    return starter.replace("services:\n", "services:\n" + db)


REFERENCE = compose()


def test_the_reference_passes(capsys):
    check.healthcheck(REFERENCE)
    out = capsys.readouterr().out
    assert out.startswith("✓ healthcheck: db (postgres:18) answers `pg_isready -h 127.0.0.1 -U app -d app`")


@pytest.mark.parametrize(
    "answer",
    [
        # another name for the service, with the URL naming it; the string form of the test
        compose(
            db=DB.replace("  db:", "  database:").replace(
                'test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U app -d app"]',
                "test: pg_isready -U $$POSTGRES_USER",
            ),
            waits=WAITS.replace("      db:", "      database:"),
        ).replace("@db:5432", "@database:5432"),
        # list-form environment, the long volume syntax, the pre-18 data folder, CMD form, restart
        compose(
            db=DB.replace(
                "    environment:\n      POSTGRES_USER: app\n      POSTGRES_DB: app\n"
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}\n",
                "    environment:\n      - POSTGRES_USER=app\n"
                "      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD}\n",
            )
            .replace("image: postgres:18", "image: postgres:16")
            .replace(
                "      - pgdata:/var/lib/postgresql\n",
                "      - type: volume\n        source: pgdata\n        target: /var/lib/postgresql/data\n",
            )
            .replace(
                '["CMD-SHELL", "pg_isready -h 127.0.0.1 -U app -d app"]', '["CMD", "pg_isready", "-U", "app"]'
            ),
            waits=WAITS + "        restart: true\n",
        ),
    ],
    ids=["named database, string test", "list env, long volume, CMD form"],
)
def test_other_right_answers_pass(answer, capsys):
    check.healthcheck(answer)
    assert capsys.readouterr().out.startswith("✓ healthcheck")


@pytest.mark.parametrize(
    "answer, says",
    [
        (compose(waits="    depends_on:\n      - db\n"), "does not wait for db to be healthy"),
        (compose(waits=""), "no depends_on"),
        (
            compose(db=DB.replace("    healthcheck:\n", "    healthcheck:\n      disable: true\n")),
            "has no healthcheck",
        ),
        (
            compose(
                db=DB.replace(
                    '["CMD-SHELL", "pg_isready -h 127.0.0.1 -U app -d app"]',
                    '["CMD", "curl", "-f", "http://localhost:5432"]',
                )
            ),
            "does not ask PostgreSQL",
        ),
        (compose(db=DB + '    ports:\n      - "127.0.0.1:5432:5432"\n'), "publishes PostgreSQL's port"),
        (compose(db=DB + "    ports:\n      - 5432\n"), "publishes PostgreSQL's port"),
        (compose(db=DB.replace("${POSTGRES_PASSWORD:?set it in .env}", "s3cret")), "written in the file"),
        (
            compose(db=DB.replace("      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}\n", "")),
            "refuses to run",
        ),
        (compose(db=DB.replace("    volumes:\n      - pgdata:/var/lib/postgresql\n", "")), "writable layer"),
        # right only for the name the starter's URL uses: the service is called postgres
        (
            compose(
                db=DB.replace("  db:", "  postgres:"), waits=WAITS.replace("      db:", "      postgres:")
            ),
            "web connects to 'db', and no PostgreSQL service has that name",
        ),
        (compose(db=DB.replace("image: postgres:18", "image: redis:7")), "no PostgreSQL service"),
        (check.HEALTH_STARTER, "no PostgreSQL service"),
    ],
    ids=[
        "list depends_on",
        "no depends_on",
        "healthcheck disabled",
        "curl",
        "5432 published on 127.0.0.1",
        "5432 on a random port",
        "literal password",
        "no password",
        "no volume",
        "URL names another service",
        "redis",
        "the starter unchanged",
    ],
)
def test_each_mistake_fails(answer, says):
    with pytest.raises(CheckFailed, match=says):
        check.healthcheck(answer)


def test_not_text_and_not_yaml():
    with pytest.raises(CheckFailed, match="compose file's text"):
        check.healthcheck({"services": {}})
    with pytest.raises(CheckFailed, match="cannot be used"):
        check.healthcheck("services: [")
