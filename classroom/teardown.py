"""Remove everything a class hub made on this Docker Engine, the students' work included.

    python3 classroom/teardown.py [--name workbook-classroom] [--yes]

Lists first what it will remove, then asks (`--yes`: does not ask): every container of the class
(the compose services and every student's lab), its network, its images, the database's and the
hub's volumes, and every student's workspace volume (`<name>-ws-<username>`: their notebooks,
gone for good; copy them out first if you keep them). `docker compose down --volumes` removes
only what compose made: the labs and the workspace volumes are the hub's (DockerSpawner's).

Everything is found by the class's name (CLASSROOM_NAME, default workbook-classroom): the compose
project's label, and the names the hub gives (`<name>-lab-<username>`, `<name>-ws-<username>`,
the images `<name>-hub`, `<name>-lab`, `<name>-lab-base`). Nothing else on the engine is touched:
not the postgres image, not another class.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

KINDS = ("containers", "volumes", "networks", "images")


def _docker(*args: str, check: bool = False) -> list[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])}: {result.stderr.strip()[-500:]}")
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def what_remains(name: str) -> dict[str, list[str]]:
    """Everything of the class `name` on the engine, by kind (empty lists: nothing). Found by the
    compose project's label and by the names the hub gives (never by a bare prefix: the class
    `workbook-classroom-b` is not `workbook-classroom`'s)."""
    label = f"label=com.docker.compose.project={name}"
    containers = set(_docker("ps", "--all", "--filter", label, "--format", "{{.Names}}"))
    containers |= {
        c for c in _docker("ps", "--all", "--format", "{{.Names}}") if c.startswith(f"{name}-lab-")
    }
    volumes = set(_docker("volume", "ls", "--quiet", "--filter", label))
    volumes |= {v for v in _docker("volume", "ls", "--quiet") if v.startswith((f"{name}-ws-", f"{name}_"))}
    networks = set(_docker("network", "ls", "--filter", label, "--format", "{{.Name}}"))
    networks |= {n for n in _docker("network", "ls", "--format", "{{.Name}}") if n == name}
    ours = {f"{name}-{image}" for image in ("hub", "lab", "lab-base")}
    images = {
        i
        for i in _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")
        if i.rsplit(":", 1)[0] in ours
    }
    return {
        "containers": sorted(containers),
        "volumes": sorted(volumes),
        "networks": sorted(networks),
        "images": sorted(images),
    }


def remove(name: str, found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Removes what `what_remains` lists (containers first: they hold the rest); returns what is
    still there afterwards (nothing, unless the engine refused something)."""
    found = what_remains(name) if found is None else found
    if found["containers"]:
        _docker("rm", "--force", "--volumes", *found["containers"])
    if found["networks"]:
        _docker("network", "rm", *found["networks"])
    if found["volumes"]:
        _docker("volume", "rm", "--force", *found["volumes"])
    if found["images"]:
        _docker("image", "rm", "--force", *found["images"])
    return what_remains(name)


def describe(found: dict[str, list[str]]) -> str:
    lines = []
    for kind in KINDS:
        for item in found[kind]:
            note = ""
            if kind == "volumes" and "-ws-" in item:
                note = "  (a student's notebooks)"
            lines.append(f"  {kind[:-1]:9} {item}{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default=os.environ.get("CLASSROOM_NAME", "workbook-classroom"))
    parser.add_argument("--yes", action="store_true", help="do not ask before removing")
    args = parser.parse_args(argv)
    found = what_remains(args.name)
    if not any(found.values()):
        print(f"Nothing of the class {args.name!r} is on this Docker Engine.")
        return 0
    workspaces = [v for v in found["volumes"] if "-ws-" in v]
    print(f"This removes the class {args.name!r} from this Docker Engine:\n{describe(found)}")
    if workspaces:
        print(f"including {len(workspaces)} students' workspace volumes: their notebooks are gone for good.")
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not removed: run it in a terminal to answer, or pass --yes.", file=sys.stderr)
            return 1
        if input("Remove all of it? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing removed.")
            return 1
    left = remove(args.name, found)
    if any(left.values()):
        print(f"The engine kept:\n{describe(left)}", file=sys.stderr)
        return 1
    print(f"Removed: nothing of the class {args.name!r} remains.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
