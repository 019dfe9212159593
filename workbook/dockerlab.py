"""The live parts of 01-docker, through the Docker SDK for Python; one clear line where no engine answers.

Every function takes the client `engine()` returned; given None it prints nothing more and
returns None, so a notebook cell runs the same with or without Docker.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

from .paths import REPO_ROOT

DEMO_LABEL = "workbook.demo"  # on every container these functions start, so they are easy to find


def engine(timeout: int = 5):
    """A client whose engine answered a ping, or None after one line that says why."""
    try:
        import docker
    except ImportError:
        print("The docker package is not installed (pip install -r requirements.txt): no live Docker here.")
        return None
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # DockerException wraps refused connections, missing sockets, permissions
        print(f"No Docker Engine answers here ({_why(exc)}): the live cells say so and go on.")
        return None
    return client


def _why(exc: Exception) -> str:
    text = re.sub(r"\s+", " ", str(exc))
    for needle, reason in (
        ("FileNotFoundError", "no Docker socket"),
        ("No such file", "no Docker socket"),
        ("Permission denied", "permission denied on the Docker socket"),
        ("Connection refused", "connection refused"),
    ):
        if needle in text:
            return reason
    return text[:80] or type(exc).__name__


def describe(client) -> None:
    """Print what the client talks to: the daemon's version, the host, storage driver, counts."""
    if client is None:
        return
    version, info = client.version(), client.info()
    facts = {
        "client talks to": client.api.base_url,
        "daemon (dockerd)": f"Docker Engine {version.get('Version')} (API {version.get('ApiVersion')})",
        "host": f"{info.get('OperatingSystem')}, {info.get('Architecture')}, "
        f"kernel {info.get('KernelVersion')}",
        "storage driver": info.get("Driver"),
        "images": info.get("Images"),
        "containers": info.get("Containers"),
        "registry": info.get("IndexServerAddress"),
    }
    for key, value in facts.items():
        print(f"{key:17} {value}")


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
        print(f"The image {image_name} is not on this engine: docker pull it, then run this cell again.")
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
        print(f"… {len(steps) - last} older steps (the base image) …")
    for instruction, size in shown:
        text = " ".join(instruction.split())
        text = text if len(text) <= width else text[: width - 1] + "…"
        kind = "layer" if size else "     "
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
        code, _, first = _run(
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
            "first container's changes": diff,
            "a new container sees": output2.splitlines(),
            "image id unchanged": after.id == image.id,
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
            "pid on the host": pid,
            "visible from this kernel's /proc": seen_here,
            "pid 1 inside the container runs": pid1,
            "kernel inside": inside,
            "kernel here": platform.release(),
        }
    finally:
        container.remove(force=True)
    return facts
