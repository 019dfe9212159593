# JupyterHub for a class: one lab per student, each on a PostgreSQL database and role of its own.
#
# Read by `jupyterhub -f classroom/jupyterhub_config.py`; everything comes from the environment:
#   CLASSROOM_CLASS_LIST    the instructor's CSV (username,password,role): classlist.py
#   ADMIN_DATABASE_URL      a role that may create roles and databases on the students' server
#   HUB_DATABASE_URL        the hub's own state, a PostgreSQL database: postgresql+psycopg2://...
#   CLASSROOM_SPAWNER       docker (DockerSpawner, the compose file) or local (a process per student,
#                           for a machine without Docker and for the tests)
#   CLASSROOM_LAB_DB_HOST   host:port at which the labs reach that server (db:5432 in compose)
#   CLASSROOM_IDLE_TIMEOUT  seconds without activity before a lab is stopped (default 3600)
#   CLASSROOM_SPAWN_LIMIT   labs starting at once; a login beyond it is asked to retry (default 100)
#   CLASSROOM_START_TIMEOUT seconds a lab may take to start (default 180), and
#   CLASSROOM_HTTP_TIMEOUT  then to answer over HTTP (default 120): raise both on a small server
# Docker only: CLASSROOM_LAB_IMAGE, CLASSROOM_LAB_MEMORY (e.g. 1G), CLASSROOM_LAB_CPUS, and
#   CLASSROOM_NAME (workbook-classroom): the compose network the labs join, and the start of
#   every lab container's name (<name>-lab-<username>) and workspace volume's (<name>-ws-<username>).
# Local only: CLASSROOM_ROOT (workspaces/<username> below it), CLASSROOM_PORT.
import asyncio
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import studentdb  # noqa: E402
from classlist import ClassListAuthenticator, read_class_list  # noqa: E402
from grading_lab import instructor_container  # noqa: E402

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

spawner_kind = os.environ.get("CLASSROOM_SPAWNER", "docker")
class_name = os.environ.get("CLASSROOM_NAME", "workbook-classroom")
root = Path(os.environ.get("CLASSROOM_ROOT", HERE / ".local")).resolve()
admin_url = os.environ["ADMIN_DATABASE_URL"]
lab_db_host = os.environ.get("CLASSROOM_LAB_DB_HOST") or None
people = read_class_list(os.environ["CLASSROOM_CLASS_LIST"])
students = [p.username for p in people if not p.instructor]


def engine_has_apparmor() -> bool:
    """Whether the Docker Engine confines containers with AppArmor (its docker-default profile)."""
    import docker

    try:
        options = docker.from_env().info().get("SecurityOptions") or []
    except docker.errors.DockerException:
        return False
    return any("name=apparmor" in option for option in options)


host_has_apparmor = spawner_kind == "docker" and engine_has_apparmor()

c.JupyterHub.authenticator_class = ClassListAuthenticator
c.ClassListAuthenticator.class_list_file = os.environ["CLASSROOM_CLASS_LIST"]
c.JupyterHub.db_url = os.environ["HUB_DATABASE_URL"]
c.JupyterHub.cookie_secret_file = os.environ.get("CLASSROOM_COOKIE_SECRET_FILE", "jupyterhub_cookie_secret")
# The instructor opens any student's lab from the admin page (to help, or to look).
c.JupyterHub.load_roles = [
    {"name": "admin", "users": [p.username for p in people if p.instructor]},
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(os.environ.get('CLASSROOM_IDLE_TIMEOUT', '3600'))}",
            "--cull-every=60",
        ],
    }
]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = int(os.environ.get("CLASSROOM_START_TIMEOUT", "180"))
c.Spawner.http_timeout = int(os.environ.get("CLASSROOM_HTTP_TIMEOUT", "120"))
c.JupyterHub.concurrent_spawn_limit = int(os.environ.get("CLASSROOM_SPAWN_LIMIT", "100"))


async def give_student_a_database(spawner):
    """The spawn hook: their role and database from the template (first login), as DATABASE_URL."""
    user = spawner.user
    spawner.environment = dict(spawner.environment)  # this user's own: nothing set here leaks
    spawner.environment.pop("CLASSROOM_ROSTER", None)
    student = await asyncio.to_thread(
        studentdb.provision, admin_url, user.name, host=lab_db_host, instructor=user.admin
    )
    spawner.environment["DATABASE_URL"] = student.url
    spawner.environment["CLASSROOM_STUDENT_DATABASE"] = student.database
    spawner.log.info(
        "%s: database %s (%s)", user.name, student.database, "new" if student.created else "kept"
    )
    if spawner_kind != "docker":
        spawner.environment["CLASSROOM_WORKSPACE"] = str(root / "workspaces" / user.name)
    if user.admin:
        # The class list as the hub has it, for `grade --roster ~/class.csv` (lab_start.py writes
        # it): usernames and roles, never the first-login passwords; students' labs never get it.
        roster = [[p.username, "instructor" if p.instructor else "student"] for p in people]
        spawner.environment["CLASSROOM_ROSTER"] = json.dumps(roster)
    if spawner_kind == "docker" and user.admin:
        # The instructor's lab sees every student's workspace, read-only, to grade it:
        #   python -m workbook grade ~/workspaces --notebook 05 --roster ~/class.csv
        spawner.volumes = dict(spawner.volumes)
        for name in students:
            where = f"/home/lab/workspaces/{name}"
            spawner.volumes[f"{class_name}-ws-{name}"] = {"bind": where, "mode": "ro"}
        # ... and may sandbox the submissions there, and read the solved notebooks (grading_lab.py).
        host_config, create = instructor_container(platform.machine(), apparmor=host_has_apparmor)
        spawner.extra_host_config = {**spawner.extra_host_config, **host_config}
        spawner.extra_create_kwargs = {**spawner.extra_create_kwargs, **create}


c.Spawner.pre_spawn_hook = give_student_a_database

if spawner_kind == "docker":
    c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
    c.JupyterHub.hub_ip = "0.0.0.0"
    c.JupyterHub.hub_connect_ip = "hub"
    c.DockerSpawner.image = os.environ.get("CLASSROOM_LAB_IMAGE", "workbook-classroom-lab")
    c.DockerSpawner.network_name = class_name
    c.DockerSpawner.name_template = f"{class_name}-lab-{{username}}"
    c.DockerSpawner.remove = True  # the container goes; the workspace volume stays
    # The student's volume is the lab image's own workspace folder (my-notebooks/, as `workbook lab`).
    c.DockerSpawner.volumes = {f"{class_name}-ws-{{username}}": "/app/my-notebooks"}
    c.DockerSpawner.notebook_dir = "/app/my-notebooks"
    c.DockerSpawner.use_internal_ip = True  # the hub reaches each lab on the class network
    c.DockerSpawner.cmd = ["python", "/app/classroom/lab_start.py"]
    c.DockerSpawner.environment = {"CLASSROOM_WORKSPACE": "/app/my-notebooks"}
    c.DockerSpawner.mem_limit = os.environ.get("CLASSROOM_LAB_MEMORY", "1G")
    c.DockerSpawner.cpu_limit = float(os.environ.get("CLASSROOM_LAB_CPUS", "1"))
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(root / "workspaces" / "{username}")
    c.Spawner.cmd = [sys.executable, str(HERE / "lab_start.py")]
    c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ.get('CLASSROOM_PORT', '8000')}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ.get('CLASSROOM_HUB_PORT', '8081')}"
    c.JupyterHub.cookie_secret_file = str(root / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(root / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.pid_file = str(root / "proxy.pid")
