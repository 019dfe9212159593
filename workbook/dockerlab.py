"""The live parts of 01-docker-1-hands-on and 01-docker-2-project, through the Docker SDK for Python
(and the docker CLI's logs); one clear line where no engine answers.

Every function takes the client `engine()` returned; given None it prints nothing more and
returns None, so a notebook cell runs the same with or without Docker.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
from pathlib import Path

from .i18n import N_, _, display_width
from .paths import REPO_ROOT

DEMO_LABEL = "workbook.demo"  # on every container these functions start, so they are easy to find


# A busy laptop (a build running, an engine shared by a class) can take many seconds to answer
# `docker info` or list images: wait that long, and read again where a read timed out or the
# connection dropped. Only reads (GET, HEAD) are retried: a POST might have been carried out.
READ_TIMEOUT = 60
READ_RETRIES = 3


def _patient(client) -> None:
    from urllib3.util.retry import Retry

    retries = Retry(
        total=READ_RETRIES,
        connect=READ_RETRIES,
        read=READ_RETRIES,
        status=0,
        backoff_factor=1,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
    )
    for adapter in client.api.adapters.values():
        adapter.max_retries = retries


def engine(timeout: int = READ_TIMEOUT):
    """A client whose engine answered a ping, or None after one line that says why."""
    try:
        import docker
    except ImportError:
        print(
            _("The docker package is not installed (pip install -r requirements.txt): no live Docker here.")
        )
        return None
    try:
        url = base_url()
        client = (
            docker.DockerClient(base_url=url, timeout=timeout) if url else docker.from_env(timeout=timeout)
        )
        _patient(client)
        client.ping()
    except Exception as exc:  # DockerException wraps refused connections, missing sockets, permissions
        print(
            _("No Docker Engine answers here ({reason}): the live cells say so and go on.").format(
                reason=_why(exc)
            )
        )
        return None
    return client


def base_url(
    environ=os.environ,
    home: Path | None = None,
    system: str | None = None,
    default_socket: str = "/var/run/docker.sock",
) -> str | None:
    """Where the Docker Engine is when the SDK's own choice would miss it; None: the SDK's choice
    (DOCKER_HOST, else Docker Desktop's named pipe on Windows or /var/run/docker.sock).

    As the docker command does: the current context's endpoint (DOCKER_CONTEXT, else the one
    `docker context use` chose: Colima, OrbStack, rootless Docker, Desktop's own), and where
    /var/run/docker.sock is absent, Docker Desktop's ~/.docker/run/docker.sock on macOS (the first
    exists only while Desktop's "default Docker socket" setting is on) or rootless Docker's
    $XDG_RUNTIME_DIR/docker.sock on Linux."""
    import hashlib
    import json

    if environ.get("DOCKER_HOST"):
        return None
    home = Path.home() if home is None else Path(home)
    system = system or platform.system()
    config = Path(environ.get("DOCKER_CONFIG") or home / ".docker")
    context = environ.get("DOCKER_CONTEXT")
    if not context:
        try:
            context = json.loads((config / "config.json").read_text(encoding="utf-8")).get("currentContext")
        except (OSError, ValueError, AttributeError):
            context = None
    if context and context != "default":
        meta = config / "contexts" / "meta" / hashlib.sha256(context.encode()).hexdigest() / "meta.json"
        try:
            host = json.loads(meta.read_text(encoding="utf-8"))["Endpoints"]["docker"]["Host"]
        except (OSError, ValueError, KeyError, TypeError):
            host = None
        if host:
            return host
    if system == "Windows" or Path(default_socket).exists():
        return None
    others = [home / ".docker" / "run" / "docker.sock"] if system == "Darwin" else []
    if environ.get("XDG_RUNTIME_DIR"):
        others.append(Path(environ["XDG_RUNTIME_DIR"]) / "docker.sock")
    return next((f"unix://{path}" for path in others if path.exists()), None)


def _why(exc: Exception) -> str:
    text = re.sub(r"\s+", " ", str(exc))
    for needle, reason in (
        ("FileNotFoundError", N_("no Docker socket")),
        ("No such file", N_("no Docker socket")),
        ("Permission denied", N_("permission denied on the Docker socket")),
        ("Connection refused", N_("connection refused")),
    ):
        if needle in text:
            return _(reason)
    return text[:80] or type(exc).__name__


def describe(client) -> None:
    """Print what the client talks to: the daemon's version, the host, storage driver, counts."""
    if client is None:
        return
    version, info = client.version(), client.info()
    facts = {
        _("client talks to"): client.api.base_url,
        _("daemon (dockerd)"): f"Docker Engine {version.get('Version')} (API {version.get('ApiVersion')})",
        _("host"): _("{system}, {architecture}, kernel {kernel}").format(
            system=info.get("OperatingSystem"),
            architecture=info.get("Architecture"),
            kernel=info.get("KernelVersion"),
        ),
        _("storage driver"): info.get("Driver"),
        _("images"): info.get("Images"),
        _("containers"): info.get("Containers"),
        _("registry"): info.get("IndexServerAddress"),
    }
    widest = max(17, *(display_width(key) for key in facts))
    for key, value in facts.items():
        print(key + " " * (widest - display_width(key)), value)


def find_image(client, name: str):
    """The local image called `name`, or None (nothing is pulled: there may be no registry)."""
    if client is None:
        return None
    import docker

    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None


def _image_or_say(client, image_name: str):
    """The local image, or None: silently where no engine answers, with one line where it lacks it."""
    if client is None:
        return None
    image = find_image(client, image_name)
    if image is None:
        print(
            _(
                "The image {image_name} is not on this engine: docker pull it, then run this cell again."
            ).format(image_name=image_name)
        )
    return image


def project_images(client, targets=("web", "proxy", "lab")) -> dict:
    """{target: image} for the images `docker compose build` made from this project's Dockerfile.

    Compose names them <project>-<service> (<project>_<service> before compose 2); the project is
    COMPOSE_PROJECT_NAME, or the name of the folder that holds docker-compose.yml.
    """
    if client is None:
        return {}
    project = (os.environ.get("COMPOSE_PROJECT_NAME") or REPO_ROOT.name).lower()
    found = {}
    for target in targets:
        for name in (f"{project}-{target}", f"{project}_{target}"):
            image = find_image(client, name)
            if image is not None:
                found[target] = image
                break
    return found


def _instruction(created_by: str) -> str:
    """An image history's `created_by`, as the Dockerfile instruction it came from."""
    text = created_by.replace(" # buildkit", "").strip()
    if "#(nop)" in text:
        return text.split("#(nop)", 1)[1].strip()
    if "/bin/sh -c " in text and not text.startswith(("RUN", "COPY", "ADD")):
        return "RUN " + text.split("/bin/sh -c ", 1)[1].strip()
    return text


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def layers(image) -> list[tuple[str, int]] | None:
    """(instruction, size in bytes) for each step of the image's history, oldest first."""
    if image is None:
        return None
    steps = []
    for entry in reversed(image.history()):
        steps.append((_instruction(entry.get("CreatedBy", "")), int(entry.get("Size", 0))))
    return steps


def print_layers(image, *, last: int | None = None, width: int = 70) -> None:
    steps = layers(image)
    if steps is None:
        return
    shown = steps[-last:] if last else steps
    if last and len(steps) > last:
        print(_("… {count} older steps (the base image) …").format(count=len(steps) - last))
    for instruction, size in shown:
        text = " ".join(instruction.split())
        text = text if len(text) <= width else text[: width - 1] + "…"
        kind = _("layer") if size else " " * display_width(_("layer"))
        print(f"{kind} {_size(size):>9}  {text}")


def _run(client, image, command, **options):
    """Run a short command in a new container of `image`; (exit code, output, container)."""
    container = client.containers.run(
        image,
        command,
        detach=True,
        network_mode="none",
        labels={DEMO_LABEL: "1"},
        **options,
    )
    result = container.wait(timeout=60)
    output = container.logs().decode(errors="replace").strip()
    return result.get("StatusCode"), output, container


def writable_layer(client, image_name: str) -> dict | None:
    """A container adds, changes and deletes files; its image, and the next container, see none of it."""
    image = _image_or_say(client, image_name)
    if image is None:
        return None
    containers = []
    try:
        code, _output, first = _run(
            client,
            image.id,
            ["sh", "-c", "echo 'written in the container' > /tmp/note.txt && rm /etc/debian_version"],
        )
        containers.append(first)
        kinds = {0: "changed", 1: "added", 2: "deleted"}
        diff = sorted(
            (change["Path"], kinds.get(change["Kind"], change["Kind"])) for change in first.diff() or []
        )
        code2, output2, second = _run(
            client,
            image.id,
            ["sh", "-c", "test -e /tmp/note.txt && echo note there || echo no note; cat /etc/debian_version"],
        )
        containers.append(second)
        after = client.images.get(image_name)
        facts = {
            _("first container's changes"): diff,
            _("a new container sees"): output2.splitlines(),
            _("image id unchanged"): after.id == image.id,
        }
    finally:
        for container in containers:
            container.remove(force=True)
    return facts


def container_is_a_process(client, image_name: str) -> dict | None:
    """The container's main process, as the host's kernel sees it, and the kernel it shares."""
    image = _image_or_say(client, image_name)
    if image is None:
        return None
    container = client.containers.run(
        image.id,
        ["sleep", "30"],
        detach=True,
        network_mode="none",
        labels={DEMO_LABEL: "1"},
    )
    try:
        container.reload()
        pid = container.attrs["State"]["Pid"]
        inside = container.exec_run(["uname", "-r"]).output.decode().strip()
        pid1 = container.exec_run(["sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"]).output.decode().strip()
        cmdline = Path(f"/proc/{pid}/cmdline")
        seen_here = cmdline.exists() and b"sleep" in cmdline.read_bytes()
        facts = {
            _("pid on the host"): pid,
            _("visible from this kernel's /proc"): seen_here,
            _("pid 1 inside the container runs"): pid1,
            _("kernel inside"): inside,
            _("kernel here"): platform.release(),
        }
    finally:
        container.remove(force=True)
    return facts


def lifecycle(client, image_name: str) -> None:
    """A container's life, step by step, each with the docker command that does the same:
    run, ps, exec, logs, stop, start, commit (a new image from the container), rm."""
    image = _image_or_say(client, image_name)
    if image is None:
        return
    containers, committed = [], None

    def state(container) -> str:
        container.reload()
        return container.status

    try:
        box = client.containers.run(
            image.id,
            ["sh", "-c", "echo started; while true; do sleep 1; done"],
            detach=True,
            network_mode="none",
            labels={DEMO_LABEL: "1"},
        )
        containers.append(box)
        print(
            f"docker run -d {image_name} ...      →",
            _("container {id}, {state}").format(id=box.short_id, state=state(box)),
        )
        listed = client.containers.list(filters={"label": DEMO_LABEL})
        print(
            "docker ps                          →",
            _("{count} running with the demo label").format(count=len(listed)),
        )
        box.exec_run(["sh", "-c", "echo 'made inside' > /greeting.txt"])
        print("docker exec <id> sh -c 'echo ...'  →", _("/greeting.txt written in its writable layer"))
        print(f"docker logs <id>                   → {box.logs().decode().split()}")
        box.stop(timeout=1)
        print(
            "docker stop <id>                   →",
            _("{state} (its writable layer is kept)").format(state=state(box)),
        )
        box.start()
        found = box.exec_run(["cat", "/greeting.txt"]).output.decode().strip()
        print(
            "docker start <id>                  →",
            _("{state}; /greeting.txt still says {found!r}").format(state=state(box), found=found),
        )
        committed = box.commit(repository="workbook-demo", tag="committed")
        print("docker commit <id> workbook-demo:committed →", _("image {id}").format(id=committed.short_id))
        code, output, second = _run(client, committed.id, ["cat", "/greeting.txt"])
        containers.append(second)
        print(f"docker run workbook-demo:committed cat /greeting.txt → {output!r}")
    finally:
        for container in containers:
            container.remove(force=True)
        if committed is not None:
            client.images.remove(committed.id, force=True)
    print("docker rm -f <id>; docker rmi workbook-demo:committed →", _("both gone"))


SMALL_IMAGE = "workbook-demo/note"  # a tag of its own each time: two notebooks at once on one engine


def small_image(client) -> str | None:
    """A one-layer image of a few bytes, built here from scratch (`FROM scratch`, one text file): what
    the registry round trip pushes, so that the push takes a second, not a base image's hundreds of MB."""
    if client is None:
        return None
    import io
    import tarfile

    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for name, text in (
            ("Dockerfile", "FROM scratch\nCOPY note.txt /note.txt\n"),
            ("note.txt", "pushed to a registry and pulled back\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    # The build gives the same image every time, so the tag is this call's own: another run's
    # clean-up (the English and the Korean notebook side by side) removes only its own tag, never
    # the last one this run still tags and pushes from.
    import secrets

    tag = f"{SMALL_IMAGE}:{secrets.token_hex(3)}"
    image, _log = client.images.build(
        fileobj=context, custom_context=True, tag=tag, rm=True, labels={DEMO_LABEL: "1"}
    )
    print(
        f"docker build -t {tag} . →",
        _("image {id}: FROM scratch, one layer of {size}").format(
            id=image.short_id, size=_size(image.attrs.get("Size", 0))
        ),
    )
    return tag


def registry_round_trip(client, image_name: str | None = None, registry_image: str = "registry:2") -> None:
    """Push an image to a registry on this machine (the registry:2 image, on 127.0.0.1) and pull it
    back: what `docker push` and `docker pull` do with Docker Hub, without an account.

    Without `image_name`, a small image built here (small_image): a base image's first push to an
    empty registry compresses every layer, half a minute and more on a busy laptop. Each step prints
    its line as it ends."""
    import json
    import time
    import urllib.request

    if client is None:
        return
    registry_image_found = _image_or_say(client, registry_image)
    if registry_image_found is None:
        return
    built = image_name is None
    image_name = image_name or small_image(client)
    image = _image_or_say(client, image_name)
    if image is None:
        return
    registry = client.containers.run(
        registry_image_found.id,
        detach=True,
        ports={"5000/tcp": ("127.0.0.1", None)},
        labels={DEMO_LABEL: "1"},
    )
    address = name = None
    try:
        for _attempt in range(50):
            registry.reload()
            bindings = registry.attrs["NetworkSettings"]["Ports"].get("5000/tcp")
            if bindings:
                address = f"127.0.0.1:{bindings[0]['HostPort']}"
                try:
                    urllib.request.urlopen(f"http://{address}/v2/", timeout=2)
                    break
                except OSError:
                    pass
            time.sleep(0.2)
        print(
            "docker run -d -p 127.0.0.1::5000 registry:2 →",
            _("a registry at {address}").format(address=address),
        )
        name = f"{address}/workbook/{image_name.split('/')[-1].split(':')[0]}"
        image.tag(name, tag="demo")
        print(f"docker tag {image_name} {name}:demo")
        for line in client.images.push(name, tag="demo", stream=True, decode=True):
            if "error" in line:
                print(_("push refused:"), line["error"])
                return
        print(f"docker push {name}:demo →", _("the daemon uploads the layers the registry lacks"))
        with urllib.request.urlopen(f"http://{address}/v2/_catalog", timeout=5) as answer:
            print(_("the registry's catalog (GET /v2/_catalog) →"), json.load(answer)["repositories"])
        client.images.remove(f"{name}:demo")
        pulled = client.images.pull(name, tag="demo")
        same = pulled.id == image.id
        print(
            _("docker rmi, then docker pull {name}:demo → image {id}, the same id: {same}").format(
                name=name, id=pulled.short_id, same=same
            )
        )
    finally:
        if name:
            try:
                client.images.remove(f"{name}:demo")
            except Exception:  # already removed, or never tagged
                pass
        registry.remove(force=True, v=True)
        if built:
            try:
                client.images.remove(image_name)
            except Exception:  # still used, or already removed
                pass


def ask_nginx(paths=("/static/admin/css/base.css", "/api/health/"), timeout: int = 10) -> None:
    """In the compose stack's lab: each path's status with nginx's Cache-Control and Allow headers.

    nginx's address comes from WORKBOOK_API_URL (http://proxy:8080 in the lab container); outside the
    stack it is unset, and one line says so.
    """
    import urllib.error
    import urllib.request

    api_url = os.environ.get("WORKBOOK_API_URL", "").rstrip("/")
    if not api_url:
        print(
            _(
                "WORKBOOK_API_URL is not set: no nginx to ask here "
                "(in the compose stack's lab it is http://proxy:8080)."
            )
        )
        return
    for path in paths:
        try:
            with urllib.request.urlopen(api_url + path, timeout=timeout) as response:
                cache, allow = response.headers.get("Cache-Control"), response.headers.get("Allow")
                print(f"{path:28} {response.status}  Cache-Control={cache}  Allow={allow}")
        except (urllib.error.URLError, OSError) as exc:
            print(
                _("Nothing answers at {url} ({error}): is the compose stack up?").format(
                    url=api_url, error=exc.__class__.__name__
                )
            )
            return


# ---------------------------------------------------------------- 01-docker-1: a first image, typed by hand

HELLO_BASE = "python:3.13-slim"  # on every engine a learner has, and the only image the section needs
HELLO_GREETING = N_("Hello from a container, version 1")  # the cells replace "version 1"
HELLO_APP = """\
import http.server

GREETING = "{greeting}"


class Greeter(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = GREETING.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("0.0.0.0", 8000), Greeter)
print("listening on port 8000", flush=True)
server.serve_forever()
"""


def hello_app_text() -> str:
    """The tiny app's source, its greeting in the learner's language."""
    return HELLO_APP.replace("{greeting}", _(HELLO_GREETING))


class Hello:
    """The names of one run of the hands-on section: a scratch folder outside the repository, and an
    image, two containers, a network and a volume whose names no other run shares."""

    def __init__(self, folder: Path, suffix: str, port: int):
        self.folder, self.port, self.base = folder, port, HELLO_BASE
        self.image = f"workbook-hello-{suffix}"
        self.container = f"workbook-hello-{suffix}-web"
        self.server = f"workbook-hello-{suffix}-server"
        self.network = f"workbook-hello-{suffix}-net"
        self.volume = f"workbook-hello-{suffix}-data"


def engine_with_cli(timeout: int = 5):
    """engine(), where the docker command is there too (the hands-on cells type it), else None after
    one line that says why: a lab container given the host's socket has no docker command."""
    client = engine(timeout)
    if client is not None and shutil.which("docker") is None:
        print(
            _(
                "A Docker Engine answers, but the docker command is not installed here: "
                "the live cells skip their docker commands."
            )
        )
        return None
    return client


def hello_app() -> Hello:
    """Write the tiny app into a new scratch folder (never into the repository) and print it."""
    import secrets
    import socket
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="workbook-hello-"))
    folder.chmod(0o755)  # the image's user, nobody, reads it through a bind mount
    text = hello_app_text()
    (folder / "app.py").write_text(text)
    (folder / "app.py").chmod(0o644)
    with socket.socket() as probe:  # a free port on this machine for -p
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    print(_("app.py, written to a new scratch folder outside the repository:"))
    print(text)
    return Hello(folder, secrets.token_hex(4), port)


def build_steps(log: list[str], dockerfile: Path) -> None:
    """From a `docker build` log (BuildKit's plain progress or the classic builder), each instruction
    that makes a layer and whether the cache gave it (CACHED) or it ran."""
    text = "\n".join(log)
    built = "naming to" in text or "Successfully tagged" in text
    print(_("image built:"), built)
    if not built:
        print("\n".join(log[-8:]))
        return
    steps = [line.strip() for line in dockerfile.read_text().splitlines()]
    steps = [line for line in steps if line.split(" ")[0] in ("WORKDIR", "COPY", "RUN", "ADD")]
    for step in steps:
        kit = re.search(rf"^#(\d+) \[\d+/\d+\] {re.escape(step)}$", text, re.MULTILINE)
        if kit:
            cached = bool(re.search(rf"^#{kit[1]} CACHED$", text, re.MULTILINE))
        else:
            classic = re.search(rf"^Step \d+/\d+ : {re.escape(step)}\n ---> (.*)$", text, re.MULTILINE)
            cached = bool(classic and classic[1].startswith("Using cache"))
        print(f"  {step:22} {'CACHED' if cached else _('ran')}")


def ask(url: str, tries: int = 40) -> None:
    """GET the URL (a container's published port), waiting while its server starts; print the answer."""
    import time
    import urllib.request

    for _try in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                print(f"GET / → {response.status} {response.read().decode()}")
                return
        except OSError:
            time.sleep(0.25)
    print(_("no answer on the published port"))


def wait_listening(client, name: str, tries: int = 40) -> None:
    """Wait until the container's log says its server listens (so another container can reach it),
    and say so in one line, or that it did not within `tries` quarter seconds."""
    import time

    if client is None:
        return
    began = time.monotonic()
    for _try in range(tries):
        if b"listening" in client.containers.get(name).logs():
            print(
                _("{name} listens (its log says so) after {seconds:.1f} s").format(
                    name=name, seconds=time.monotonic() - began
                )
            )
            return
        time.sleep(0.25)
    print(_("{name} does not listen yet: its log does not say so").format(name=name))


def hello_cleanup(client, hello: Hello) -> None:
    """Remove what the section made: its containers, image, network, volume, and the scratch folder."""
    shutil.rmtree(hello.folder, ignore_errors=True)
    if client is None:
        return
    from docker.errors import NotFound

    removed = []
    names = {
        "container": N_("container"),
        "image": N_("image"),
        "network": N_("network"),
        "volume": N_("volume"),
    }
    for kind, collection, name in (
        ("container", client.containers, hello.container),
        ("container", client.containers, hello.server),
        ("image", client.images, hello.image),
        ("network", client.networks, hello.network),
        ("volume", client.volumes, hello.volume),
    ):
        try:
            if kind == "container":
                collection.get(name).remove(force=True)
            elif kind == "image":
                client.images.remove(name, force=True)
            else:
                collection.get(name).remove()
            removed.append(_(names[kind]))
        except NotFound:
            pass
    print(_("removed:"), ", ".join(removed), "·", _("and the scratch folder"))
