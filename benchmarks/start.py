"""The stack's start beside testdrivenio/django-on-docker's, in one run (medians, ratios, load average).

Not a test: it measures and prints a table.
  - `up -d` on an existing volume until the first 200 through nginx, for this workbook's stack
    (GET /api/health/, which asks the database too) and for django-on-docker's production stack
    (GET /, its upload page), alternating run by run so both see the same load;
  - this stack until all four services are healthy, on an existing and on a fresh volume;
  - the same start with the machine busy (`--busy N`: N processes that spin on the CPU, started
    before each start and stopped after it, the same for both stacks);
  - the idle memory of both stacks (`docker stats`, a minute after the start), service by service:
    this stack's db + web + proxy beside django-on-docker's three, and the lab on its own; and the
    lab image's size over its base.
django-on-docker is read from a local clone of its repository, named by --django-on-docker or the
DJANGO_ON_DOCKER variable (nothing of it is committed here; get one with
`git clone https://github.com/testdrivenio/django-on-docker`), its HEAD extracted into a temporary
folder and built with the smallest patch this machine needs: base images that exist here
(python:3.11-slim for 3.11.4-slim-buster, netcat-openbsd for buster's netcat), its sample .env
files, and a free loopback port instead of 1337. Without a clone its column says how to get one.
Usage: .venv/bin/python benchmarks/start.py [--runs 3] [--busy 2] [--django-on-docker PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compose import STOP, Bench, added_layers, compose_cli, copy_repository, run  # noqa: E402

from workbook.authoring import stack  # noqa: E402

IDLE = 60  # seconds after the start before `docker stats` reads the idle memory
ANCHOR_URL = "https://github.com/testdrivenio/django-on-docker"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def up_to_200(compose: list[str], cwd: Path, env: dict | None, url: str) -> float:
    """`up -d` started, and the URL asked while it runs: seconds to the first 200 from the start.

    Asked while `up -d` runs, not after: compose returns only once it has started every service,
    which for a service that waits for another's health is later than the site's first answer.
    """
    start = time.perf_counter()
    up = subprocess.Popen(
        [*compose, "up", "-d"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        return first_200(url, start)
    finally:
        _, err = up.communicate(timeout=600)
        if up.returncode:
            raise SystemExit(f"`up -d` exited {up.returncode}: {err.strip()[-2000:]}")


def first_200(url: str, start: float, timeout: float = 300) -> float:
    while time.perf_counter() - start < timeout:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return time.perf_counter() - start
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"no 200 from {url} within {timeout} s")


def mib(usage: str) -> float:
    value, unit = re.match(r"([\d.]+)\s*(\w+)", usage.split("/")[0]).groups()
    return float(value) * {"B": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}.get(unit, 1)


def stats(ids: list[str], project: str) -> dict[str, float]:
    """MiB each service of compose project `project` holds ({service: MiB}), from `docker stats`."""
    out = run(["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", *ids]).stdout
    found: dict[str, float] = {}
    for line in out.strip().splitlines():
        name, usage = line.split("\t", 1)
        match = re.fullmatch(rf"{re.escape(project)}[-_](.+?)[-_]\d+", name)
        service = match.group(1) if match else name
        found[service] = found.get(service, 0.0) + mib(usage)
    return found


@contextmanager
def busy(processes: int, limit: float = 300):
    """`processes` Pythons spinning on the CPU for the time of the block (each stops itself after
    `limit` seconds if the block never ends)."""
    spin = f"import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end: pass\n"
    spinning = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(processes)]
    try:
        yield
    finally:
        for one in spinning:
            one.kill()
            one.wait()


class Anchor:
    def __init__(self, folder: Path, cli: list[str], clone: Path):
        self.folder, self.cli, self.project = folder, cli, f"dodbench{os.getpid()}"
        self.port = stack.free_port()
        # `git -C` reads a clone with a work tree and a bare one alike.
        archive = subprocess.run(
            ["git", "-C", str(clone), "archive", "HEAD"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        dockerfile = folder / "app" / "Dockerfile.prod"
        text = dockerfile.read_text().replace("python:3.11.4-slim-buster", "python:3.11-slim")
        dockerfile.write_text(re.sub(r"\bnetcat\b", "netcat-openbsd", text))
        compose = folder / "docker-compose.prod.yml"
        compose.write_text(compose.read_text().replace("1337:80", f"127.0.0.1:{self.port}:80"))
        for name in (".env.prod", ".env.prod.db"):
            (folder / name).write_text((folder / f"{name}-sample").read_text())

    def compose(self, *args: str, check: bool = True):
        command = [*self.cli, "-f", "docker-compose.prod.yml", "-p", self.project, *args]
        return run(command, cwd=self.folder, check=check)

    def up_to_200(self) -> float:
        compose = [*self.cli, "-f", "docker-compose.prod.yml", "-p", self.project]
        return up_to_200(compose, self.folder, None, f"http://127.0.0.1:{self.port}/")

    def stop(self) -> None:
        self.compose(*STOP)

    def clean(self) -> None:
        self.compose("down", "-v", "--rmi", "local", "--timeout", "10", check=False)


def ours_up(bench: Bench) -> tuple[float, float]:
    """Seconds to the first 200 through nginx and to all four healthy."""
    start = time.perf_counter()
    compose = [*bench.cli, "--env-file", str(bench.env_file), "-p", bench.project]
    url = f"http://127.0.0.1:{bench.values['WEB_PORT']}/api/health/"
    first = up_to_200(compose, bench.context, bench.env, url)
    while True:
        states = bench.health()
        if len(states) == 4 and all(v == "healthy" for v in states.values()):
            return first, time.perf_counter() - start
        if time.perf_counter() - start > 300:
            raise SystemExit(f"not healthy after 300 s: {states}")
        time.sleep(0.2)


def med(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} s (n={len(values)}, {min(values):.1f}-{max(values):.1f})"


def anchor_clone(given: str | None) -> Path | None:
    """The django-on-docker clone to read, None when none was named; a named folder that is not a
    git repository stops here, before anything is built."""
    if not given:
        return None
    path = Path(given).expanduser()
    found = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
    if not path.is_dir() or found.returncode != 0:
        raise SystemExit(
            f"{path} is not a git clone of django-on-docker: "
            f"git clone {ANCHOR_URL} {path}, then run this again."
        )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--django-on-docker",
        metavar="PATH",
        default=os.environ.get("DJANGO_ON_DOCKER") or None,
        help=f"a git clone of {ANCHOR_URL} (default: $DJANGO_ON_DOCKER; without one, only this stack runs)",
    )
    parser.add_argument(
        "--busy",
        type=int,
        default=os.cpu_count() or 2,
        metavar="N",
        help="spinning processes beside the busy starts (default: one per core; 0: no busy starts)",
    )
    args = parser.parse_args()
    runs = max(1, min(args.runs, 10))
    spinners = max(0, min(args.busy, 16))
    clone = anchor_clone(args.django_on_docker)
    cli = compose_cli()
    loads = [load()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="workbook-start-") as tmp:
        context = Path(tmp) / "workbook"
        copy_repository(context)
        bench = Bench(context, cli)
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        workspace.chmod(0o777)
        with bench.env_file.open("a") as f:
            f.write(f"LAB_WORKSPACE={workspace}\n")
        anchor, why = None, ""
        if clone:
            (Path(tmp) / "anchor").mkdir()
            anchor = Anchor(Path(tmp) / "anchor", cli, clone)
        else:
            why = f"no clone of django-on-docker: git clone {ANCHOR_URL}, then --django-on-docker PATH"
            print(f"{why} (or DJANGO_ON_DOCKER=PATH) to measure it beside this stack", file=sys.stderr)
        try:
            bench.compose("build")
            if anchor:
                anchor.compose("build")
            fresh_200, fresh_healthy, again_200, again_healthy, anchor_200 = [], [], [], [], []
            busy_200, anchor_busy_200, busy_loads = [], [], []
            memory: dict[str, float] = {}
            anchor_memory: dict[str, float] = {}
            for i in range(runs):
                bench.compose("down", "-v", "--timeout", "10")
                first, healthy = ours_up(bench)
                fresh_200.append(first)
                fresh_healthy.append(healthy)
                if i == 0:  # the idle memory, a minute after all four are healthy
                    time.sleep(IDLE)
                    memory = stats(bench.compose("ps", "-q").stdout.split(), bench.project)
                bench.stop()
                first, healthy = ours_up(bench)
                again_200.append(first)
                again_healthy.append(healthy)
                bench.stop()
                if anchor:
                    if i == 0:  # its volume made once, then started on it like ours
                        anchor.up_to_200()
                        time.sleep(IDLE)
                        anchor_memory = stats(anchor.compose("ps", "-q").stdout.split(), anchor.project)
                        anchor.stop()
                    anchor_200.append(anchor.up_to_200())
                    anchor.stop()
                if spinners:  # the same start with the machine busy, for each stack in turn
                    with busy(spinners):
                        time.sleep(2)  # the load settles before the start
                        busy_200.append(ours_up(bench)[0])
                        busy_loads.append(load())
                    bench.stop()
                    if anchor:
                        with busy(spinners):
                            time.sleep(2)
                            anchor_busy_200.append(anchor.up_to_200())
                            busy_loads.append(load())
                        anchor.stop()
                loads.append(load())
            base = f"python:{bench.values['PYTHON_VERSION']}-slim"
            lab_added, _ = added_layers(f"{bench.project}-lab", base)
        finally:
            bench.clean()
            if anchor:
                anchor.clean()
    ratio = (
        f"{statistics.median(again_200) / statistics.median(anchor_200):.2f}×" if anchor_200 else f"- ({why})"
    )
    rows.append(("up -d, existing volume → first 200 through nginx", med(again_200), med(anchor_200), ratio))
    rows.append(("up -d, existing volume → all four healthy", med(again_healthy), "(no healthchecks)", "-"))
    rows.append(("up -d, fresh volume → first 200 through nginx", med(fresh_200), "-", "-"))
    rows.append(("up -d, fresh volume → all four healthy", med(fresh_healthy), "-", "-"))
    if spinners:
        ratio = (
            f"{statistics.median(busy_200) / statistics.median(anchor_busy_200):.2f}×"
            if anchor_busy_200
            else f"- ({why})"
        )
        rows.append(
            (
                f"up -d, existing volume → first 200, {spinners} processes spinning",
                med(busy_200),
                med(anchor_busy_200),
                ratio,
            )
        )
    three = sum(v for k, v in memory.items() if k != "lab")
    theirs = sum(anchor_memory.values())
    mem_ratio = f"{three / theirs:.2f}×" if theirs else "-"
    shown = ", ".join(f"{k} {v:.0f}" for k, v in sorted(memory.items()) if k != "lab")
    shown_theirs = ", ".join(f"{k} {v:.0f}" for k, v in sorted(anchor_memory.items())) or "-"
    rows.append(
        (
            "idle memory, db + web + proxy (MiB)",
            f"{three:.0f} ({shown})",
            f"{theirs:.0f} ({shown_theirs})" if theirs else "-",
            mem_ratio,
        )
    )
    rows.append(("idle memory, the lab with no kernel", f"{memory.get('lab', 0):.0f} MiB", "(no lab)", "-"))
    rows.append(("idle memory, whole stack", f"{sum(memory.values()):.0f} MiB", f"{theirs:.0f} MiB", "-"))
    rows.append(("lab image, added over its Python base", f"{lab_added / 1e6:.0f} MB", "-", "-"))
    print(f"\ncompose: {' '.join(cli)}; load average (1, 5, 15 min) by round: {' | '.join(loads)}")
    if busy_loads:
        print(f"load average during the busy starts: {' | '.join(busy_loads)}")
    print("\n| measure | this workbook | django-on-docker | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
