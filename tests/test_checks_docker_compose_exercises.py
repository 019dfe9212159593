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
        # list-form environment, a fully qualified 18.x image, the long volume syntax, CMD form, restart
        compose(
            db=DB.replace(
                "    environment:\n      POSTGRES_USER: app\n      POSTGRES_DB: app\n"
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}\n",
                "    environment:\n      - POSTGRES_USER=app\n"
                "      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD}\n",
            )
            .replace("image: postgres:18", "image: docker.io/library/postgres:18.1")
            .replace(
                "      - pgdata:/var/lib/postgresql\n",
                "      - type: volume\n        source: pgdata\n        target: /var/lib/postgresql\n",
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


# every requirement the text states, and right answers written another way


def test_rebuilds_takes_the_words_with_capitals_and_spaces(capsys):
    written = {path: f" {word.capitalize()} " for path, word in PREDICTION.items()}
    check.rebuilds(written)
    assert capsys.readouterr().out.startswith("✓ rebuilds: all five right")


def test_rebuilds_still_refuses_another_word():
    with pytest.raises(CheckFailed, match="not one of the three words"):
        check.rebuilds({**PREDICTION, "README.md": "Cached"})


# the compose exercise: postgres:18, the pgdata volume at /var/lib/postgresql, declared

HEALTH_WRONG = {
    "postgres:16": compose(db=DB.replace("image: postgres:18", "image: postgres:16")),
    "no tag": compose(db=DB.replace("image: postgres:18", "image: postgres")),
    "latest": compose(db=DB.replace("image: postgres:18", "image: postgres:latest")),
    "another image": compose(db=DB.replace("image: postgres:18", "image: bitnami/postgresql:18")),
    "the pre-18 data folder": compose(
        db=DB.replace("pgdata:/var/lib/postgresql\n", "pgdata:/var/lib/postgresql/data\n")
    ),
    "a bind mount": compose(db=DB.replace("pgdata:/var/lib/postgresql\n", "./pgdata:/var/lib/postgresql\n")),
    "another volume": compose(db=DB.replace("pgdata:/var/lib/postgresql\n", "dbdata:/var/lib/postgresql\n")),
    "the volume not declared": compose().replace("\nvolumes:\n  pgdata:\n", "\n"),
}


@pytest.mark.parametrize("name", sorted(HEALTH_WRONG))
def test_healthcheck_refuses_what_the_text_rules_out(name):
    with pytest.raises(CheckFailed):
        check.healthcheck(HEALTH_WRONG[name])


@pytest.mark.parametrize(
    "image", ["postgres:18", "postgres:18-alpine", "postgres:18.1-bookworm", "docker.io/library/postgres:18"]
)
def test_healthcheck_takes_postgres_18_however_it_is_named(image, capsys):
    check.healthcheck(compose(db=DB.replace("image: postgres:18", f"image: {image}")))
    assert capsys.readouterr().out.startswith("✓ healthcheck")


# q2: the files land where the later steps look for them

Q2_WRONG = {
    "requirements copied elsewhere": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt /tmp/\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
    "the code copied outside the working folder": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt ./\n"
        "RUN pip install -r requirements.txt\nCOPY . /src/\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
    "WORKDIR after the code": (
        "FROM python:3.12-slim\nCOPY requirements.txt ./\n"
        "RUN pip install -r requirements.txt\nCOPY . .\nWORKDIR /app\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
}
Q2_RIGHT = {
    "absolute paths": (
        "FROM python:3.12-slim\nCOPY requirements.txt /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\nWORKDIR /app\nCOPY . /app/\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
    "no WORKDIR": (
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
    "a renamed file": (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt deps.txt\n"
        "RUN pip install -r deps.txt\nCOPY . .\n"
        'CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]\n'
    ),
}


@pytest.mark.parametrize("name", sorted(Q2_WRONG))
def test_q2_refuses_files_put_where_the_next_step_does_not_look(name):
    with pytest.raises(CheckFailed, match="folder|where"):
        check.q2(Q2_WRONG[name])


@pytest.mark.parametrize("name", sorted(Q2_RIGHT))
def test_q2_takes_files_put_where_the_next_step_looks(name, capsys):
    check.q2(Q2_RIGHT[name])
    assert capsys.readouterr().out.startswith("✓ q2")


@pytest.mark.parametrize(
    "broken",
    [
        Q2_RIGHT["no WORKDIR"].replace("COPY requirements.txt .\n", "COPY requirements.txt\n"),
        Q2_RIGHT["no WORKDIR"].replace("COPY . .\n", "COPPY . .\n"),
    ],
    ids=["COPY without a destination", "a misspelt instruction"],
)
def test_q2_refuses_a_dockerfile_docker_would_not_build(broken):
    with pytest.raises(CheckFailed, match="build"):
        check.q2(broken)
