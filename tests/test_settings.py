"""Settings come from the environment only: production values are mandatory, booleans are booleans."""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = REPO_ROOT / "project" / "config" / "settings" / "base.py"
DJANGO_VARIABLES = [
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_USE_X_FORWARDED_HOST",
    "DJANGO_STATIC_ROOT",
    "DJANGO_LOG_LEVEL",
    "DJANGO_CONN_MAX_AGE",
    "DJANGO_ENV_FILE",
    "WORKBOOK_SECRETS_FILE",
    "POSTGRES_PASSWORD",
]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "workbook.example.com,www.workbook.example.com",
    "DJANGO_DEBUG": "false",
}


def load_settings(monkeypatch, **env: str):
    """Execute the base settings afresh under exactly these Django variables (the live settings stay)."""
    for name in DJANGO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py on the base settings, as the images run it (DATABASE_URL is only read: no server runs)."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is the notebook kernels' (this test process set it): not a site's.
    environment = {
        k: v for k, v in os.environ.items() if k not in DJANGO_VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL="postgres://site@db.invalid:5432/site"
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "project/manage.py", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_production_sends_no_hsts():
    """The check above can fail: no HSTS is a deploy warning."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DJANGO_SECURE_HSTS_SECONDS": "0"}
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_without_a_mandatory_value_does_not_start(monkeypatch, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ImproperlyConfigured, match=f"Set the {missing} environment variable"):
        load_settings(monkeypatch, **env)


@pytest.mark.parametrize("empty", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_with_an_empty_mandatory_value_does_not_start(monkeypatch, empty):
    """`DJANGO_SECRET_KEY=` copied unchanged from an example env file is as missing as no line at all."""
    with pytest.raises(ImproperlyConfigured, match=f"Set the {empty} environment variable; it is empty."):
        load_settings(monkeypatch, **{**PRODUCTION, empty: ""})


EXAMPLE_SECRET_KEY = "local-dev-only-secret-key-replace-before-any-deploy-4f9c2a7e1b"
EXAMPLE_PASSWORD = "workbook-dev-password"


@pytest.mark.parametrize("key", [EXAMPLE_SECRET_KEY, "django-insecure-" + "x" * 50])
def test_production_refuses_a_published_secret_key(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is an example value"):
        load_settings(monkeypatch, **{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    # Development may keep it: its server listens on 127.0.0.1 only.
    assert load_settings(monkeypatch, DJANGO_SECRET_KEY=key).SECRET_KEY == key


def test_production_refuses_the_example_database_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"postgres://workbook:{EXAMPLE_PASSWORD}@db:5432/workbook")
    with pytest.raises(ImproperlyConfigured, match="The password in DATABASE_URL is an example value"):
        load_settings(monkeypatch, **PRODUCTION)
    monkeypatch.setenv("DATABASE_URL", f"postgres://workbook:{secrets.token_urlsafe(16)}@db:5432/workbook")
    assert load_settings(monkeypatch, **PRODUCTION).DATABASES["default"]["HOST"] == "db"


def test_the_example_env_file_publishes_no_secret():
    values = dict(
        line.split("=", 1)
        for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    for name in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DJANGO_SUPERUSER_PASSWORD", "JUPYTER_TOKEN"):
        assert values[name] == "", f"{name} must be left blank in .env.example"


def test_development_falls_back_to_its_defaults_when_values_are_empty(monkeypatch):
    settings = load_settings(monkeypatch, DJANGO_SECRET_KEY="", DJANGO_ALLOWED_HOSTS="")
    assert settings.SECRET_KEY == "dev-only-insecure-key-for-local-development"
    assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "testserver"]


def test_manage_py_names_the_missing_secret_key_in_production():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_production_settings_are_secure_by_default(monkeypatch):
    settings = load_settings(monkeypatch, **PRODUCTION)
    assert settings.DEBUG is False
    assert settings.SECRET_KEY == PRODUCTION["DJANGO_SECRET_KEY"]
    assert settings.ALLOWED_HOSTS == ["workbook.example.com", "www.workbook.example.com"]
    assert settings.SESSION_COOKIE_SECURE is settings.CSRF_COOKIE_SECURE is True
    assert settings.SECURE_SSL_REDIRECT is True
    assert settings.SECURE_HSTS_SECONDS == 31536000


def test_development_defaults_are_local_and_not_debug(monkeypatch):
    settings = load_settings(monkeypatch)
    assert settings.DEBUG is False
    assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "testserver"]
    assert settings.SESSION_COOKIE_SECURE is False and settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0


@pytest.mark.parametrize("value", ["0", "false", "False", "FALSE", "no", "off", ""])
def test_django_debug_false_strings_are_false(monkeypatch, value):
    assert load_settings(monkeypatch, DJANGO_DEBUG=value).DEBUG is False


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "on"])
def test_django_debug_true_strings_are_true(monkeypatch, value):
    assert load_settings(monkeypatch, DJANGO_DEBUG=value).DEBUG is True


def test_the_secure_switches_parse_booleans_and_numbers(monkeypatch):
    settings = load_settings(
        monkeypatch,
        **PRODUCTION,
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="60",
        CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example",
    )
    assert settings.SESSION_COOKIE_SECURE is False and settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 60
    assert settings.CSRF_TRUSTED_ORIGINS == ["https://a.example", "https://b.example"]


def test_the_database_comes_from_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shop:pw@db.example:6543/shop")
    database = load_settings(monkeypatch).DATABASES["default"]
    assert (database["HOST"], str(database["PORT"]), database["NAME"]) == ("db.example", "6543", "shop")


def test_a_database_url_without_its_password_takes_the_secrets_files(monkeypatch, tmp_path):
    """The local compose stack: DATABASE_URL names no password (`docker inspect` shows it), the
    password is in .env, mounted as a file; quoted there or not, and put into the URL escaped."""
    secrets_file = tmp_path / "workbook_env"
    secrets_file.write_text('POSTGRES_PASSWORD=old\n# a comment\nPOSTGRES_PASSWORD="p@ss:w/rd"\n')
    monkeypatch.setenv("DATABASE_URL", "postgres://shop@db.example:6543/shop")
    database = load_settings(monkeypatch, WORKBOOK_SECRETS_FILE=str(secrets_file)).DATABASES["default"]
    assert (database["USER"], database["PASSWORD"], database["HOST"]) == ("shop", "p@ss:w/rd", "db.example")
    # A URL that has its password keeps it.
    monkeypatch.setenv("DATABASE_URL", "postgres://shop:own@db.example:6543/shop")
    database = load_settings(monkeypatch, WORKBOOK_SECRETS_FILE=str(secrets_file)).DATABASES["default"]
    assert database["PASSWORD"] == "own"


def test_web_reads_the_password_and_secret_key_from_its_env_file(monkeypatch, tmp_path):
    env_file = tmp_path / "workbook_env"
    key = secrets.token_urlsafe(50)
    env_file.write_text(f"POSTGRES_PASSWORD=from-the-file\nDJANGO_SECRET_KEY={key}\n")
    monkeypatch.setenv("DATABASE_URL", "postgres://shop@db.example:6543/shop")
    for name in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY"):  # gone again after the test
        monkeypatch.setenv(name, "")
    settings = load_settings(monkeypatch, DJANGO_ENV_FILE=str(env_file))
    assert settings.DATABASES["default"]["PASSWORD"] == "from-the-file"
    assert settings.SECRET_KEY == key


def test_an_unreadable_secrets_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://shop@db.example:6543/shop")
    with pytest.raises(ImproperlyConfigured, match="WORKBOOK_SECRETS_FILE names .*missing"):
        load_settings(monkeypatch, WORKBOOK_SECRETS_FILE=str(tmp_path / "missing"))


def test_connections_persist_with_health_checks(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shop:pw@db.example:6543/shop")
    database = load_settings(monkeypatch).DATABASES["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)
    database = load_settings(monkeypatch, DJANGO_CONN_MAX_AGE="0").DATABASES["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (0, True)


@pytest.mark.django_db
def test_the_models_and_the_committed_migrations_agree():
    # makemigrations --check exits with status 1 when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# Weak production settings: each refused at start, in one line that names the variable.


@pytest.mark.parametrize(
    "key",
    ["changeme", secrets.token_urlsafe(32), "x" * 60, "abcd" * 15],
    ids=["changeme", "43 random characters", "one character", "four characters"],
)
def test_production_refuses_a_short_or_low_entropy_secret_key(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY") as refused:
        load_settings(monkeypatch, **{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert "\n" not in str(refused.value)
    # Development keeps what it is given.
    assert load_settings(monkeypatch, DJANGO_SECRET_KEY=key).SECRET_KEY == key


@pytest.mark.parametrize("password", ["PASSWORD", "changeme", "Postgres"])
def test_production_refuses_a_placeholder_database_password(monkeypatch, password):
    monkeypatch.setenv("DATABASE_URL", f"postgres://workbook:{password}@db:5432/workbook")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as refused:
        load_settings(monkeypatch, **PRODUCTION)
    assert "\n" not in str(refused.value)


def test_production_refuses_debug_on(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG") as refused:
        load_settings(monkeypatch, **{**PRODUCTION, "DJANGO_DEBUG": "true"})
    assert "\n" not in str(refused.value)


def test_manage_py_refuses_a_weak_production_setting_in_one_line_naming_it():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": "changeme"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY"), last


def env_file_values(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def test_run_py_env_writes_a_secret_key_check_deploy_takes(tmp_path):
    spec = importlib.util.spec_from_file_location("run_py_under_test", REPO_ROOT / "run.py")
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    assert run_py.write_env(tmp_path / ".env") == 0
    key = env_file_values(tmp_path / ".env")["DJANGO_SECRET_KEY"]
    assert len(key) >= 50
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DJANGO_SECRET_KEY": key}
    )
    assert result.returncode == 0, result.stderr
    assert "W009" not in result.stderr


def test_production_answers_json_only_unless_the_browsable_api_is_turned_on(monkeypatch):
    renderers = load_settings(monkeypatch, **PRODUCTION).REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    assert renderers == ["rest_framework.renderers.JSONRenderer"]
    on = load_settings(monkeypatch, **PRODUCTION, DJANGO_BROWSABLE_API="true")
    assert "rest_framework.renderers.BrowsableAPIRenderer" in on.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    # Development keeps it: the notebooks and a learner's browser show it.
    development = load_settings(monkeypatch).REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]
    assert "rest_framework.renderers.BrowsableAPIRenderer" in development


def test_production_answers_a_browser_in_json(tmp_path):
    """The live effect, in a process of its own: a browser's Accept gets JSON, not the HTML page."""
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/', HTTP_ACCEPT='text/html,application/xhtml+xml,*/*;q=0.8',"
        " HTTP_HOST='workbook.example.com', secure=True);"
        "print(r.status_code, r['Content-Type'])"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "401 application/json", result.stdout


def written_env_prod(**overrides: str) -> dict[str, str]:
    """.env.prod.example filled in as DEPLOY.md says: every blank secret random, the placeholder
    password in DATABASE_URL replaced by POSTGRES_PASSWORD's value."""
    values = env_file_values(REPO_ROOT / ".env.prod.example")
    password = secrets.token_hex(16)
    for name, value in values.items():
        if value == "":
            values[name] = secrets.token_urlsafe(50)
    values["POSTGRES_PASSWORD"] = password
    values["DATABASE_URL"] = values["DATABASE_URL"].replace(":PASSWORD@", f":{password}@")
    return {**values, **overrides}


def test_check_deploy_is_clean_with_the_written_env_prod():
    values = written_env_prod()
    django = {k: v for k, v in values.items() if k.startswith(("DJANGO_", "CSRF_", "DATABASE_URL"))}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **django, DJANGO_ENV="production")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_set_up_counts_one_trusted_proxy():
    """nginx hands Django the client it determined, alone, behind a TLS front or not."""
    assert env_file_values(REPO_ROOT / ".env.prod.example")["DJANGO_TRUSTED_PROXIES"] == "1"


def test_the_health_check_is_answered_over_plain_http_when_https_is_enforced(monkeypatch):
    settings = load_settings(monkeypatch, **PRODUCTION)
    assert settings.SECURE_SSL_REDIRECT is True
    assert any(re.match(pattern, "api/health/") for pattern in settings.SECURE_REDIRECT_EXEMPT)
