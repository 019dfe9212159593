"""docker-compose.yml and docker-compose.prod.yml as files, no Docker Engine needed.

Both must match the compose specification's JSON schema, keep the stack's safety rules (nothing
but loopback published, PostgreSQL never, a pg_isready healthcheck the site waits for, a lab
that cannot start without a token) and, where a compose client is installed, pass its own
`config` check with the committed example settings.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "docker-compose.yml"
PROD = ROOT / "docker-compose.prod.yml"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and $$, as compose reads them."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op") or "", match.group("arg") or ""
        value = values.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?") and (value is None or (op == ":?" and not value)):
            raise KeyError(f"{name} is required: {arg}")
        return value or ""

    pattern = r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:-|-|:\?|\?)(?P<arg>[^}]*))?\}"
    return re.sub(pattern, one, text)


def published(service: dict, values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of each port a service publishes."""
    result = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            result.append((entry.get("host_ip", ""), str(entry.get("published", "")), str(entry["target"])))
            continue
        parts = interpolate(str(entry), values).split("/")[0].split(":")
        host_ip, host_port, container_port = [""] * (3 - len(parts)) + parts
        result.append((host_ip, host_port, container_port))
    return result


def requirements(path: Path) -> set[str]:
    """The variables a compose file refuses to start without (${NAME:?...})."""
    return set(re.findall(r"\$\{(\w+):\?", path.read_text()))


@pytest.fixture(scope="module")
def dev() -> dict:
    return load(DEV)


@pytest.fixture(scope="module")
def prod() -> dict:
    return load(PROD)


def write_env(target: Path) -> Path:
    """The .env `python3 run.py env` writes (.env.example, each blank secret made random)."""
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    target.parent.mkdir(parents=True, exist_ok=True)
    assert run_py.write_env(target) == 0
    return target


@pytest.fixture(scope="module")
def dev_values(tmp_path_factory) -> dict[str, str]:
    return env_file(write_env(tmp_path_factory.mktemp("env") / ".env"))


# ---------------------------------------------------------------------------------------------
# Rules both files keep


@pytest.mark.parametrize("path", [DEV, PROD], ids=lambda p: p.name)
def test_compose_spec_without_the_obsolete_version_key(path):
    assert "version" not in load(path), "the compose specification has no `version:`; compose warns about it"


@pytest.mark.parametrize("path", [DEV, PROD], ids=lambda p: p.name)
def test_postgresql_is_not_published_on_the_host(path, dev_values):
    services = load(path)["services"]
    assert "ports" not in services["db"]
    for name, service in services.items():
        for _ip, host_port, container_port in published(service, dev_values):
            assert "5432" not in (host_port, container_port), f"{path.name}: {name} publishes 5432"


@pytest.mark.parametrize("path", [DEV, PROD], ids=lambda p: p.name)
def test_every_published_port_is_bound_to_loopback_by_default(path):
    # With every variable at its default: the production proxy opens up only when .env says so.
    for name, service in load(path)["services"].items():
        for host_ip, host_port, _target in published(service, {}):
            assert host_ip == "127.0.0.1", (
                f"{path.name}: {name} publishes {host_port} on {host_ip or 'every address'}"
            )


@pytest.mark.parametrize("path", [DEV, PROD], ids=lambda p: p.name)
def test_db_healthcheck_is_pg_isready_over_tcp_with_user_and_database(path):
    db = load(path)["services"]["db"]
    test = db["healthcheck"]["test"]
    command = test[-1] if isinstance(test, list) else test
    assert "pg_isready" in command
    assert re.search(r"-h\s+(127\.0\.0\.1|localhost)\b", command), "over TCP, as the other services connect"
    assert re.search(r"-U\s+\S+", command) and re.search(r"-d\s+\S+", command)
    volume = db["volumes"][0].split(":")[0]
    assert volume in load(path)["volumes"], "the data lives in a named volume"


def test_production_web_waits_for_a_healthy_db_and_proxy_for_a_healthy_web():
    services = load(PROD)["services"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_laptop_web_starts_beside_db_and_waits_for_it_before_it_migrates(dev):
    """web loads Django while PostgreSQL starts; gunicorn's bootstrap waits for the database to
    answer before it migrates, and the port opens only after that."""
    assert dev["services"]["web"]["depends_on"]["db"]["condition"] == "service_started"
    config = (ROOT / "docker" / "gunicorn.conf.py").read_text()
    assert 'call_command("bootstrap", wait=' in config and "def on_starting(" in config
    assert "export WEB_BOOTSTRAP=1" in (ROOT / "docker" / "web-entrypoint.sh").read_text()


def test_the_laptop_stack_starts_web_and_lab_beside_each_other_under_one_start_lock(dev):
    """Only db's health is waited for: web's bootstrap and the lab's start take the same advisory
    lock before they migrate or seed, so they never migrate at once; nginx resolves web per request."""
    services = dev["services"]
    assert "depends_on" not in services["proxy"], "nginx waits for nothing: it resolves web per request"
    lab = services["lab"]["depends_on"]
    assert lab["db"]["condition"] == "service_healthy"
    assert {lab["web"]["condition"], lab["proxy"]["condition"]} == {"service_started"}
    assert "resolver 127.0.0.11" in (ROOT / "docker" / "nginx" / "default.conf").read_text()
    bootstrap = (ROOT / "project" / "demo" / "management" / "commands" / "bootstrap.py").read_text()
    workbook = (ROOT / "workbook" / "__init__.py").read_text()
    for text in (bootstrap, workbook):
        assert "from demo.startlock import start_lock" in text and "with start_lock(" in text


# ---------------------------------------------------------------------------------------------
# docker-compose.yml: the laptop's stack


def test_the_stack_has_db_web_proxy_and_lab(dev):
    assert set(dev["services"]) == {"db", "web", "proxy", "lab"}


def test_each_built_service_builds_the_dockerfile_target_of_its_name(dev):
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M | re.I))
    for name in ("web", "proxy", "lab"):
        assert dev["services"][name]["build"]["target"] == name
        assert name in stages, f"the Dockerfile has no stage {name}"


def test_a_blank_lab_token_is_made_random_and_the_notebooks_stay_on_the_host(dev, dev_values):
    lab = dev["services"]["lab"]
    # The token comes in the secrets file, never as an environment value; blank reaches the
    # entrypoint, which makes a random token and prints the link.
    assert "JUPYTER_TOKEN" not in lab["environment"]
    assert lab["environment"]["WORKBOOK_SECRETS_FILE"] == "/run/secrets/workbook_env"
    entrypoint = (ROOT / "docker" / "lab-entrypoint.sh").read_text()
    assert "for name in JUPYTER_TOKEN; do" in entrypoint
    assert "secrets.token_urlsafe" in entrypoint and "/lab?token=$token" in entrypoint
    assert len(dev_values["JUPYTER_TOKEN"]) >= 32, "`run.py env` writes a random token"
    assert "${LAB_WORKSPACE:-./my-notebooks}:/app/my-notebooks" in lab["volumes"]
    for _ip, _host, target in published(lab, dev_values):
        assert target == "8888"


def test_run_py_env_writes_random_secrets_and_never_overwrites(tmp_path):
    first = env_file(write_env(tmp_path / "a" / ".env"))
    second = env_file(write_env(tmp_path / "b" / ".env"))
    for name in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD", "JUPYTER_TOKEN"):
        assert len(first[name]) >= 32 and first[name] != second[name]
        # A password goes into DATABASE_URL: letters, digits, - and _ only.
        assert re.fullmatch(r"[A-Za-z0-9_-]+", first[name])
    before = (tmp_path / "a" / ".env").read_text()
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    assert run_py.write_env(tmp_path / "a" / ".env") == 1
    assert (tmp_path / "a" / ".env").read_text() == before


def test_the_env_run_py_writes_is_readable_by_the_containers_user_and_no_other(tmp_path):
    """The stack's containers run as LAB_UID and read .env as a secret file: .env belongs to that
    user, mode 600. Whoever works as root gets LAB_UID 1000 (never root in a container), so the
    file is given to 1000 too; root reads it anyway."""
    path = write_env(tmp_path / ".env")
    values = env_file(path)
    info = path.stat()
    assert info.st_mode & 0o777 == 0o600
    assert str(info.st_uid) == values["LAB_UID"] and str(info.st_gid) == values["LAB_GID"]
    assert values["LAB_UID"] != "0"


def test_the_env_run_py_writes_sets_every_variable_the_stack_requires(dev_values):
    missing = sorted(name for name in requirements(DEV) if not dev_values.get(name))
    assert not missing, (
        f"the .env `python3 run.py env` writes leaves out {missing}: the stack would not start"
    )


# ---------------------------------------------------------------------------------------------
# docker-compose.prod.yml: the server's stack, from the images CD pushed


def test_production_runs_pushed_images_and_no_lab(prod):
    services = prod["services"]
    assert set(services) == {"db", "web", "proxy", "edge"}
    for name in ("web", "proxy"):
        assert "build" not in services[name], "the server pulls images, it never builds"
        # No tag, no start: an unset IMAGE_TAG never falls back to whatever `latest` is today.
        assert re.fullmatch(
            rf"\$\{{IMAGE_PREFIX:\?[^}}]*\}}-{name}:\$\{{IMAGE_TAG:\?[^}}]+\}}", services[name]["image"]
        ), services[name]["image"]
    assert all(service["restart"] == "unless-stopped" for service in services.values())
    assert services["web"]["environment"]["DJANGO_ENV"] == "production"


SECRET_NAMES = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DJANGO_SUPERUSER_PASSWORD", "DATABASE_URL")


def test_production_hands_its_secrets_over_as_a_file_never_as_environment_values(prod):
    assert prod["secrets"]["env_prod"] == {"file": "./.env.prod"}
    for name, service in prod["services"].items():
        assert "env_file" not in service, f"{name}: env_file puts every value in `docker inspect`"
        environment = service.get("environment") or {}
        assert not set(environment) & set(SECRET_NAMES), (name, environment)
    for name in ("db", "web"):
        assert prod["services"][name]["secrets"] == ["env_prod"], name
    assert prod["services"]["web"]["environment"]["DJANGO_ENV_FILE"] == "/run/secrets/env_prod"


# What each service may keep: the postgres image's entrypoint starts as root, gives the data folder
# to postgres and becomes postgres; nothing else needs a capability.
CAPABILITIES = {"db": {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"}}


def _hardened(compose: dict, names) -> None:
    for name in names:
        service = compose["services"][name]
        assert service.get("cap_drop") == ["ALL"], f"{name} keeps Docker's default capabilities"
        assert set(service.get("cap_add") or ()) <= CAPABILITIES.get(name, set()), name
        assert "no-new-privileges:true" in (service.get("security_opt") or []), name
        assert service.get("mem_limit"), f"{name} has no memory limit"
        assert 0 < int(service.get("pids_limit") or 0) <= 1024, f"{name} has no process limit"


def test_every_production_service_drops_its_capabilities_and_has_limits(prod):
    _hardened(prod, prod["services"])


def test_every_local_service_drops_its_capabilities_and_has_limits(dev):
    _hardened(dev, dev["services"])


def test_the_local_stack_hands_its_secrets_over_as_a_file_never_as_environment_values(dev_values):
    """What `docker inspect` shows of each container: its environment and command line, after
    compose filled them in from the .env `run.py env` writes. No secret of that .env is there."""
    secrets = {name: dev_values[name] for name in SECRET_NAMES + ("JUPYTER_TOKEN",) if dev_values.get(name)}
    assert set(secrets) >= {"POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD"}
    filled = yaml.safe_load(interpolate(DEV.read_text(), dev_values))
    assert filled["secrets"]["workbook_env"] == {"file": "./.env"}
    for name, service in filled["services"].items():
        assert "env_file" not in service, f"{name}: env_file puts every value in `docker inspect`"
        shown = json.dumps(
            {
                key: service.get(key)
                for key in ("environment", "command", "entrypoint", "labels", "healthcheck")
            }
        )
        for secret, value in secrets.items():
            assert value not in shown, f"{name} shows {secret} to `docker inspect`"
    for name in ("db", "web", "lab"):
        assert filled["services"][name]["secrets"] == ["workbook_env"], name


def test_env_prod_example_has_what_production_settings_demand():
    values = env_file(ROOT / ".env.prod.example")
    for name in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASE_URL",
        "POSTGRES_DB",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
    ):
        assert name in values, f".env.prod.example lacks {name}"
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DJANGO_SUPERUSER_PASSWORD"):
        assert values[secret] == "", f"{secret} must be left for each server to fill in"
    # The web image's healthcheck and the deploy's check of /api/health/ ask 127.0.0.1.
    assert "127.0.0.1" in values["DJANGO_ALLOWED_HOSTS"].split(",")
    url = urlsplit(values["DATABASE_URL"])
    assert (url.hostname, url.username, url.path.lstrip("/")) == (
        "db",
        values["POSTGRES_USER"],
        values["POSTGRES_DB"],
    )
    assert ".env.prod" in (ROOT / ".gitignore").read_text().split()


# ---------------------------------------------------------------------------------------------
# The compose specification's schema


def compose_schema() -> dict:
    try:
        from importlib.resources import files

        return json.loads(
            (files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text()
        )
    except ModuleNotFoundError:
        message = (
            "check-jsonschema, which ships the compose-spec schema, is missing: see requirements-dev.txt"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def schema_errors(document: dict) -> list[str]:
    import jsonschema

    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("path", [DEV, PROD], ids=lambda p: p.name)
def test_matches_the_compose_specification_schema(path):
    assert schema_errors(load(path)) == []


def test_the_schema_check_rejects_a_mistake(dev):
    broken = json.loads(json.dumps(dev))
    broken["services"]["web"]["depends_on"]["db"]["condition"] = "service_healty"
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    assert len(schema_errors(broken)) >= 2


# ---------------------------------------------------------------------------------------------
# `docker compose config` (v2) or `docker-compose config` (v1), where one is installed


def compose_cli() -> list[str]:
    for command in (["docker", "compose"], ["docker-compose"]):
        if (
            shutil.which(command[0])
            and subprocess.run([*command, "version"], capture_output=True).returncode == 0
        ):
            return command
    pytest.skip("no compose client (`docker compose` or `docker-compose`) is installed; the schema check ran")


def compose_config(compose_file: Path, files: dict[str, str], extra_env: dict | None = None, *, tmp: Path):
    """`config -q` on a copy beside the given files, so a learner's own .env never counts."""
    for name, text in files.items():
        (tmp / name).write_text(text)
    shutil.copy(compose_file, tmp / compose_file.name)
    shutil.copy(ROOT / "Dockerfile", tmp / "Dockerfile")  # the build context's, should a client look
    # Only what a compose client needs to run: the shell's own variables would override the files.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("DOCKER_")}
    env.update(extra_env or {})
    return subprocess.run(
        [*compose_cli(), "-f", compose_file.name, "config", "-q"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_config_accepts_the_stack_with_the_env_run_py_writes(tmp_path):
    env = write_env(tmp_path / "written" / ".env").read_text()
    result = compose_config(DEV, {".env": env}, tmp=tmp_path)
    assert result.returncode == 0, result.stderr


def test_compose_config_refuses_the_blank_secrets_of_env_example(tmp_path):
    result = compose_config(DEV, {".env": (ROOT / ".env.example").read_text()}, tmp=tmp_path)
    assert result.returncode != 0
    assert "python3 run.py env" in result.stderr


def test_compose_config_accepts_production_with_env_prod_example(tmp_path):
    files = {
        ".env.prod": (ROOT / ".env.prod.example").read_text(),
        ".env": "IMAGE_PREFIX=ghcr.io/owner/repo\nIMAGE_TAG=0123abc\n",
    }
    result = compose_config(PROD, files, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    files[".env"] = "IMAGE_TAG=0123abc\n"
    result = compose_config(PROD, files, tmp=tmp_path)
    assert result.returncode != 0 and "IMAGE_PREFIX" in result.stderr
    # Without a tag production does not start, rather than run whatever `latest` is.
    files[".env"] = "IMAGE_PREFIX=ghcr.io/owner/repo\n"
    result = compose_config(PROD, files, tmp=tmp_path)
    assert result.returncode != 0 and "IMAGE_TAG" in result.stderr


@pytest.mark.parametrize(
    "name",
    ["deploy_key", "deploy_key.pub", "id_ed25519", "id_rsa.pub", "server.pem", "tls.key", "docker/id_ecdsa"],
)
def test_key_files_are_kept_out_of_git_and_of_the_images(name):
    from workbook import files

    assert subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=ROOT).returncode == 0
    assert files.ignored(name, files.read_dockerignore())


@pytest.mark.parametrize(
    "name", [".env.example", "project/config/settings/base.py", "docker/nginx/default.conf"]
)
def test_the_key_patterns_keep_the_project_files(name):
    from workbook import files

    assert subprocess.run(["git", "check-ignore", "-q", "--no-index", name], cwd=ROOT).returncode == 1
    assert not files.ignored(name, files.read_dockerignore())


def test_production_port_belongs_to_the_edge_and_every_proxy_listens_there_with_reuseport(prod):
    """A deploy replaces the proxy beside the old one: the port must outlive both (deploy/deploy.sh)."""
    services = prod["services"]
    assert services["proxy"]["network_mode"] == "service:edge"
    assert "ports" not in services["proxy"]
    assert [target for *_, target in published(services["edge"], {})] == ["8080"]
    assert services["edge"]["command"] == ["sleep", "infinity"], "the edge holds the port and runs nothing"
    assert services["edge"]["user"] != "0" and services["edge"]["read_only"] is True
    nginx = (ROOT / "docker" / "nginx" / "default.conf").read_text()
    assert re.search(r"^\s*listen 8080\b[^;]*\breuseport\b", nginx, re.M), "a second proxy could not listen"


def production_healthchecks(server_env: str, tmp: Path) -> dict[str, dict]:
    """Each service's healthcheck as compose resolves docker-compose.prod.yml with a server's .env."""
    import yaml

    (tmp / ".env.prod").write_text((ROOT / ".env.prod.example").read_text())
    # As a deploy writes it: which images run (production refuses to start without a tag).
    (tmp / ".env").write_text("IMAGE_PREFIX=ghcr.io/owner/repo\nIMAGE_TAG=0123abcd\n" + server_env)
    shutil.copy(PROD, tmp / PROD.name)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME") or k.startswith("DOCKER_")}
    result = subprocess.run(
        [*compose_cli(), "-f", PROD.name, "config"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    return {name: service.get("healthcheck", {}) for name, service in services.items()}


def test_a_real_server_keeps_production_health_checks_and_the_rehearsal_gets_quick_ones(tmp_path):
    """A server's .env without REHEARSAL_* lines: checks every 5 s, a new web given 60 s (a slow
    server booting a second web must not be called unhealthy). The rehearsal's lines: every
    second and 20 s, so its deploys wait seconds; the proxy keeps its image's own test."""
    from workbook import rehearsal

    real = production_healthchecks("WEB_PORT=8000\n", tmp_path)
    assert real["db"]["interval"] == real["web"]["interval"] == real["proxy"]["interval"] == "5s"
    assert real["web"]["start_period"] in ("60s", "1m0s")  # as the compose client writes it
    assert real["proxy"] == {"interval": "5s"}  # the image's own HEALTHCHECK test
    practice = production_healthchecks(
        "WEB_PORT=8000\n" + rehearsal.REHEARSAL_HEALTH.replace(" ", "\n"), tmp_path
    )
    assert practice["db"]["interval"] == practice["web"]["interval"] == practice["proxy"]["interval"] == "1s"
    assert practice["web"]["start_period"] == "20s"
    assert practice["web"]["test"] == real["web"]["test"]  # only the timing differs
