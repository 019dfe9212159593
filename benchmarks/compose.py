"""Figures for the compose stack: build times, time to healthy, image sizes and memory (medians).

Not a test: it measures and prints a table.
  - cold build of each target (`docker build --no-cache`),
  - rebuild after a code-only change (one line appended to workbook/__init__.py), per target
    and for the whole stack (`compose build`),
  - time from `compose up -d` to all four services healthy, on a fresh volume (first start:
    initdb, migrations, seed) and on an existing one (`down` then `up`),
  - the size each target adds on top of its base image, with its largest layers (`docker history`),
  - the memory of the running stack (`docker stats --no-stream`).
It works on a temporary copy of the repository (so the change never touches the work tree),
under compose project names of its own with free ports, and removes its containers, volumes
and image tags at the end, also when interrupted. Usage:
    .venv/bin/python benchmarks/compose.py [--runs 3] [--no-cold]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbook.authoring import stack

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("web", "proxy", "lab")
SERVICES = ("db", "web", "proxy", "lab")
STEP_TIMEOUT = 1800  # seconds, for any one build or start


def run(command: list[str], *, cwd: Path = ROOT, env: dict | None = None, check: bool = True):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise SystemExit(f"`{' '.join(command)}` exited {result.returncode}:\n{tail}")
    return result


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    run(command, **kwargs)
    return time.perf_counter() - start


def compose_cli() -> list[str]:
    command = stack.compose_cli()
    if command is None:
        raise SystemExit("neither `docker compose` nor `docker-compose` answers")
    return command


def builder() -> str:
    if os.environ.get("DOCKER_BUILDKIT") == "0":
        return "legacy builder"
    buildx = run(["docker", "buildx", "version"], check=False)
    return "BuildKit" if buildx.returncode == 0 else "legacy builder"


def copy_repository(destination: Path) -> None:
    """The files git knows of, plus new ones it does not ignore: what a clone would build."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def median(values: list[float]) -> str:
    if not values:
        return "-"
    text = f"{statistics.median(values):.1f} s"
    return text + (f"  (n={len(values)}, {min(values):.1f}-{max(values):.1f})" if len(values) > 1 else "")


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


# `compose` arguments that stop a project's containers and remove them with their anonymous
# volumes, keeping its named ones and its network (Bench.stop).
STOP = ("rm", "--stop", "--force", "-v")


class Bench:
    def __init__(self, context: Path, cli: list[str]):
        self.context = context
        self.cli = cli
        self.project = f"wbbench{os.getpid()}"
        self.values = stack.throwaway_env()
        self.env_file = context.parent / "bench.env"  # outside the build context: it holds secrets
        # The file web and lab read their secrets from (compose's `secrets:`), mode 600 as `run.py
        # env` writes it, owned by the uid they run as.
        self.values["WORKBOOK_ENV_FILE"] = str(self.env_file)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.values.items()))
        self.env_file.chmod(0o600)
        if hasattr(os, "getuid") and os.getuid() == 0:
            uid, gid = self.values.get("LAB_UID") or "1000", self.values.get("LAB_GID") or "1000"
            os.chown(self.env_file, int(uid), int(gid))
        self.env = stack.compose_env(self.values)
        self.tags: set[str] = set()

    def compose(self, *args: str, check: bool = True):
        command = [*self.cli, "--env-file", str(self.env_file), "-p", self.project, *args]
        return run(command, cwd=self.context, env=self.env, check=check)

    def compose_build(self) -> float:
        start = time.perf_counter()
        self.compose("build")
        return time.perf_counter() - start

    def build_target(self, target: str, *, no_cache: bool = False) -> float:
        tag = f"{self.project}-bench-{target}"
        self.tags.add(tag)
        args = [f"--build-arg=PYTHON_VERSION={self.values['PYTHON_VERSION']}"]
        args.append(f"--build-arg=NGINX_VERSION={self.values['NGINX_VERSION']}")
        command = ["docker", "build", "--target", target, "-t", tag, *args, "."]
        if no_cache:
            command.insert(2, "--no-cache")
        return timed(command, cwd=self.context)

    def change_code(self) -> None:
        with (self.context / "workbook" / "__init__.py").open("a") as f:
            f.write(f"# benchmark change {secrets.token_hex(4)}\n")

    def health(self) -> dict[str, str]:
        ids = self.compose("ps", "-q").stdout.split()
        if not ids:
            return {}
        states = json.loads(run(["docker", "inspect", *ids]).stdout)
        return {
            s["Config"]["Labels"]["com.docker.compose.service"]: s["State"]
            .get("Health", {})
            .get("Status", "")
            for s in states
        }

    def up_to_healthy(self, timeout: float = 600) -> float:
        start = time.perf_counter()
        self.compose("up", "-d")
        while True:
            states = self.health()
            if len(states) == len(SERVICES) and all(v == "healthy" for v in states.values()):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"not healthy after {timeout} s: {states}")
            time.sleep(0.5)

    def memory(self) -> list[tuple[str, str]]:
        ids = self.compose("ps", "-q").stdout.split()
        out = run(["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", *ids]).stdout
        return [tuple(line.split("\t", 1)) for line in out.strip().splitlines()]

    def stop(self) -> None:
        """Between rounds: the containers stopped and removed with their anonymous volumes (an
        image's own VOLUME, as postgres before 18 and the stand-ins declare for their data folder);
        the named volume stays for the next start. `down` would leave those volumes behind, one per
        round."""
        self.compose(*STOP)

    def clean(self) -> None:
        self.compose("down", "-v", "--remove-orphans", "--timeout", "10", check=False)
        stack.untag_project_images(self.project, self.tags)


def image_size(reference: str) -> int:
    return json.loads(run(["docker", "image", "inspect", reference]).stdout)[0]["Size"]


def history(image: str) -> list[tuple[int, str]]:
    out = run(
        ["docker", "history", "--no-trunc", "--human=false", "--format", "{{.Size}}\t{{.CreatedBy}}", image]
    )
    rows = []
    for line in out.stdout.strip().splitlines():
        size, _, created_by = line.partition("\t")
        created_by = created_by.replace("/bin/sh -c ", "").replace("#(nop) ", "")
        created_by = re.sub(r"^\|\d+ (\w+=\S* )*", "", created_by)  # the legacy builder's ARG prefix
        rows.append((int(size), " ".join(created_by.split())))
    return rows


def added_layers(image: str, base: str, top: int = 3) -> tuple[int, list[tuple[int, str]]]:
    """Bytes the image adds over its base, and its largest added layers.

    `docker history` lists the newest layer first and ends with the base image's own layers,
    so the rows above the base's count are the Dockerfile's.
    """
    layers = history(image)
    added = layers[: len(layers) - len(history(base))]
    return sum(size for size, _ in added), sorted(added, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="repeats of the rebuild and start timings (1-10)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold builds (minutes each)")
    args = parser.parse_args()
    runs = max(1, min(args.runs, 10))
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        print(f"No Docker Engine answers ({exc.__class__.__name__}); nothing measured.", file=sys.stderr)
        return 2
    cli = compose_cli()

    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as tmp:
        context = Path(tmp) / "workbook"
        copy_repository(context)
        bench = Bench(context, cli)
        rows: list[tuple[str, str]] = []
        print(f"compose: {' '.join(cli)}; {builder()}; project {bench.project}; {runs} run(s)", flush=True)
        try:
            if not args.no_cold:
                for target in TARGETS:
                    seconds = bench.build_target(target, no_cache=True)
                    rows.append((f"cold build, --target {target} (--no-cache)", median([seconds])))
                    print(f"  cold {target}: {seconds:.1f} s", flush=True)
            # Warm the cache for this context, then time code-only changes.
            bench.compose("build")
            for target in TARGETS:
                bench.build_target(target)
            nothing = [bench.compose_build() for _ in range(runs)]
            rows.append(("compose build, nothing changed", median(nothing)))
            per_target: dict[str, list[float]] = {t: [] for t in TARGETS}
            stack: list[float] = []
            for _ in range(runs):
                for target in TARGETS:  # a change before each: no target profits from another's build
                    bench.change_code()
                    per_target[target].append(bench.build_target(target))
                bench.change_code()
                stack.append(bench.compose_build())
            for target in TARGETS:
                rows.append((f"rebuild after a code change, --target {target}", median(per_target[target])))
            rows.append(("rebuild after a code change, compose build", median(stack)))
            print("  rebuilds done", flush=True)

            first, again = [], []
            memory: list[tuple[str, str]] = []
            for i in range(runs):
                first.append(bench.up_to_healthy())
                if i == 0:
                    time.sleep(5)  # let start-up work settle before reading memory
                    memory = bench.memory()
                bench.stop()
                again.append(bench.up_to_healthy())
                bench.compose("down", "-v", "--timeout", "10")
            rows.append(("up -d to 4 healthy, fresh volume (first start)", median(first)))
            rows.append(("up -d to 4 healthy, existing volume", median(again)))
            print("  start-ups done", flush=True)

            base = {
                "web": f"python:{bench.values['PYTHON_VERSION']}-slim",
                "lab": f"python:{bench.values['PYTHON_VERSION']}-slim",
                "proxy": f"nginx:{bench.values['NGINX_VERSION']}",
            }
            sizes = []
            for target in TARGETS:
                image = f"{bench.project}-bench-{target}"
                added, largest = added_layers(image, base[target])
                sizes.append((target, base[target], image_size(base[target]), added, largest))
        finally:
            bench.clean()

    width = max(len(name) for name, _ in rows)
    print("\n| measure | median |\n|---|---|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")
    print("\n| target | base | base size | added by the Dockerfile | largest added layers |")
    print("|---|---|---|---|---|")
    for target, base_name, base_size, added, largest in sizes:
        layers = "; ".join(f"{megabytes(size)} {command[:60]}" for size, command in largest)
        print(f"| {target} | {base_name} | {megabytes(base_size)} | {megabytes(added)} | {layers} |")
    print("\n| container (idle, just healthy) | memory |\n|---|---|")
    for name, usage in memory:
        print(f"| {name} | {usage} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
