"""The classroom's files: the compose file, the Helm values against Zero to JupyterHub's schema.

The chart's values.schema.json and values.yaml are not in any package this project installs:
Z2JH_CHART_DIR names a folder holding them (the chart's `jupyterhub/` folder, or the unpacked
chart: `helm pull jupyterhub/jupyterhub --untar`). Without it that test is skipped, with the reason.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workbook.paths import REPO_ROOT

CLASSROOM = REPO_ROOT / "classroom"


def merged(defaults: dict, overrides: dict) -> dict:
    """As Helm merges values: maps key by key, everything else replaced."""
    out = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def test_the_helm_values_pass_zero_to_jupyterhubs_schema(tmp_path):
    chart = os.environ.get("Z2JH_CHART_DIR")
    if not chart:
        pytest.skip(
            "Z2JH_CHART_DIR is not set (a folder with the chart's values.yaml and values.schema.json)"
        )
    chart = Path(chart)
    schema_file = chart / "values.schema.json"
    if not schema_file.exists() and (chart / "values.schema.yaml").exists():  # the chart's source
        schema_file = tmp_path / "values.schema.json"
        schema_file.write_text(json.dumps(yaml.safe_load((chart / "values.schema.yaml").read_text())))
    values = yaml.safe_load((CLASSROOM / "kubernetes" / "values.yaml").read_text())
    # What CLASSROOM.md's install command adds with --set-file.
    for name in ("studentdb", "classlist"):
        values["hub"]["extraFiles"][name]["stringData"] = (CLASSROOM / f"{name}.py").read_text()
    combined = merged(yaml.safe_load((chart / "values.yaml").read_text()), values)
    target = tmp_path / "values.json"
    target.write_text(json.dumps(combined))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema_file), str(target)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_class_hub_compose_file_holds_the_rules():
    compose = yaml.safe_load((CLASSROOM / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "lab-base", "template", "hub"}
    assert "ports" not in services["db"]  # PostgreSQL is never published
    assert all(port.startswith("${HUB_BIND:-127.0.0.1}:") for port in services["hub"]["ports"])
    assert services["hub"]["depends_on"]["template"]["condition"] == "service_completed_successfully"
    assert (
        "class.csv" in (REPO_ROOT / ".dockerignore").read_text()
    )  # first-login passwords stay out of images


def test_the_lab_health_probe_asks_under_the_hubs_prefix():
    """docker/lab-health.py (the lab image's HEALTHCHECK): alone :8888/api; under a hub, the prefix."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Lab(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path == "/user/alice/api" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Lab)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}

    def probe(**extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(REPO_ROOT / "docker" / "lab-health.py")],
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=30,
        )

    try:
        under_hub = probe(
            JUPYTERHUB_SERVICE_URL=f"http://0.0.0.0:{port}/user/alice/",
            JUPYTERHUB_SERVICE_PREFIX="/user/alice/",
        )
        assert under_hub.returncode == 0, under_hub.stderr
        wrong_prefix = probe(JUPYTERHUB_SERVICE_URL=f"http://0.0.0.0:{port}/user/bob/")
        assert wrong_prefix.returncode == 1
        assert f"http://127.0.0.1:{port}/user/bob/api does not answer" in wrong_prefix.stderr
    finally:
        server.shutdown()
    alone = probe()  # nothing on :8888 here (or not this lab): the default address, reported
    assert "http://127.0.0.1:8888/api" in alone.stderr or alone.returncode == 0


def test_only_the_instructors_lab_may_make_namespaces_and_never_gets_the_docker_socket():
    """classroom/grading_lab.py: the seccomp profile refuses what Docker's default refuses, less
    what bubblewrap needs; every architecture the CPU runs is filtered; /proc unmasked; the
    solutions' group. The hub's config gives it to admins only (read from the source: the hub
    config runs only inside JupyterHub)."""
    from classroom import grading_lab

    profile = grading_lab.seccomp_profile("x86_64")
    refused = set(profile["syscalls"][0]["names"])
    assert profile["syscalls"][0]["action"] == "SCMP_ACT_ERRNO"
    assert {"keyctl", "bpf", "kexec_load", "init_module", "open_by_handle_at", "setns"} <= refused
    assert not refused & {"unshare", "mount", "umount2", "pivot_root", "clone"}
    assert profile["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    host, create = grading_lab.instructor_container("x86_64", apparmor=False)
    assert create == {"host_config": {"MaskedPaths": [], "ReadonlyPaths": []}}
    assert host["group_add"] == [str(grading_lab.SOLUTIONS_GID)]
    assert [o.split("=")[0] for o in host["security_opt"]] == ["seccomp"]
    # DockerSpawner formats every string with the user's names: the profile survives it.
    rendered = host["security_opt"][0].format(username="teacher")
    assert json.loads(rendered.removeprefix("seccomp=")) == profile
    with_apparmor, _ = grading_lab.instructor_container("x86_64", apparmor=True)
    assert "apparmor=unconfined" in with_apparmor["security_opt"]
    config = (CLASSROOM / "jupyterhub_config.py").read_text()
    hook = config[
        config.index("async def give_student_a_database") : config.index("c.Spawner.pre_spawn_hook")
    ]
    assert 'if spawner_kind == "docker" and user.admin:' in hook
    assert hook.index("instructor_container(") > hook.index('if spawner_kind == "docker" and user.admin:')
    assert "docker.sock" not in config
    lab = (CLASSROOM / "lab.Dockerfile").read_text()
    assert f"groupadd --gid {grading_lab.SOLUTIONS_GID} solutions" in lab


@pytest.mark.docker
def test_through_the_engines_api_the_instructors_settings_let_bubblewrap_run_and_a_students_do_not():
    """The settings as DockerSpawner hands them to the Engine (formatted with the user's names,
    create_host_config, then the create call's host_config): bubblewrap, as uid 1000, makes its
    namespaces and a fresh /proc in the instructor's container and not in a student's. The
    host's bwrap is mounted into a Debian image (the postgres stand-in); seconds, not the hub."""
    from workbook import rehearsal

    problem = rehearsal.engine_problem()
    if problem:
        pytest.skip(f"no Docker Engine answers ({problem})")
    if not Path("/usr/bin/bwrap").exists():
        pytest.skip("no /usr/bin/bwrap on this machine to mount into the container")
    import docker
    from classroom.grading_lab import instructor_container

    api = docker.APIClient()
    binds = {"/usr/bin/bwrap": {"bind": "/usr/bin/bwrap", "mode": "ro"}}
    command = [
        "bwrap", "--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--unshare-net",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "/usr/bin/id",
    ]  # fmt: skip

    def run(name: str, host_config: dict, create: dict) -> str:
        kwargs = {"host_config": dict(create.get("host_config", {}))}
        kwargs["host_config"].update(api.create_host_config(binds=binds, **host_config))
        container = api.create_container("postgres:15", command, user="1000:1000", name=name, **kwargs)
        # The image declares a VOLUME: removing the container without its volumes would leave an
        # anonymous one on the Engine for good (.ci/leftovers.py lists it).
        made = [m["Name"] for m in api.inspect_container(container)["Mounts"] if m["Type"] == "volume"]
        try:
            api.start(container)
            api.wait(container, timeout=120)
            return api.logs(container).decode()
        finally:
            api.remove_container(container, force=True, v=True)
            left = [v for v in made if api.volumes(filters={"name": v}).get("Volumes")]
            assert not left, f"the container left its anonymous volumes: {left}"

    host, create = instructor_container("x86_64")
    host = {
        k: [s.format(username="teacher") for s in v] if k == "security_opt" else v for k, v in host.items()
    }
    name = f"wbfiles{os.getpid()}"
    assert run(f"{name}-teacher", host, create).startswith("uid=1000")
    student = run(f"{name}-alice", {}, {})
    assert "bwrap: No permissions to create new namespace" in student
