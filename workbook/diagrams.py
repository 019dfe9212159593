"""The project's Dockerfile, docker-compose.yml, nginx config and workflows, read and drawn (Mermaid).

The Docker and CI/CD notebooks show these files through this module, never by copying them, so
what they teach changes when the files change.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .database import REPO_ROOT
from .notebooks import Mermaid

LAYER_KEYWORDS = ("RUN", "COPY", "ADD")

# ---------------------------------------------------------------------------------- Dockerfile


@dataclass
class Instruction:
    line: int  # where it starts in the file, 1-based
    keyword: str  # upper case: RUN, COPY, ENV, ...
    args: str  # everything after the keyword, continuation lines joined
    stage: str  # the name of the stage it belongs to
    flags: dict = field(default_factory=dict)  # --from=..., --chown=...
    sources: list = field(default_factory=list)  # COPY/ADD sources
    dest: str | None = None

    @property
    def text(self) -> str:
        return f"{self.keyword} {self.args}"

    @property
    def creates_layer(self) -> bool:
        """RUN, COPY and ADD change files: each gives the image a layer. The rest is metadata."""
        return self.keyword in LAYER_KEYWORDS

    def short(self, width: int = 72) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Stage:
    name: str
    base: str  # an image name, or the name of an earlier stage
    line: int
    instructions: list = field(default_factory=list)


@dataclass
class Dockerfile:
    args: dict  # ARGs declared before the first FROM, with their defaults
    stages: list

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage {name!r} (there are: {', '.join(s.name for s in self.stages)})")

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def chain(self, target: str) -> list[Stage]:
        """The target and the stages it is built FROM, base first."""
        chain = [self.stage(target)]
        while chain[0].base in self.stage_names:
            chain.insert(0, self.stage(chain[0].base))
        return chain

    def needed(self, target: str) -> list[Stage]:
        """Every stage a build of `target` runs: its chain and the stages it copies --from, in file order."""
        names: set[str] = set()

        def visit(name: str) -> None:
            for stage in self.chain(name):
                if stage.name in names:
                    continue
                names.add(stage.name)
                for instruction in stage.instructions:
                    source = instruction.flags.get("from")
                    if source in self.stage_names:
                        visit(source)

        visit(target)
        return [stage for stage in self.stages if stage.name in names]

    def base_images(self) -> list[str]:
        """The images from a registry that the stages start from (ARG defaults filled in)."""
        images = []
        for stage in self.stages:
            if stage.base not in self.stage_names and stage.base not in images:
                images.append(stage.base)
        return images


def _logical_lines(text: str):
    """(first line number, text) with backslash continuations joined and comments dropped."""
    buffer, start = [], None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # a comment inside a continued instruction is dropped, as Docker does
        if start is None:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1].strip())
            continue
        buffer.append(stripped)
        yield start, " ".join(part for part in buffer if part)
        buffer, start = [], None
    if buffer:
        yield start, " ".join(buffer)


def _expand(text: str, values: dict) -> str:
    def substitute(match):
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", substitute, text)


def _copy_parts(args: str):
    flags, rest = {}, args
    while rest.startswith("--"):
        word, _, rest = rest.partition(" ")
        key, _, value = word[2:].partition("=")
        flags[key] = value
        rest = rest.strip()
    if rest.startswith("["):
        paths = json.loads(rest)
    else:
        paths = shlex.split(rest)
    return flags, paths[:-1], (paths[-1] if paths else None)


def parse_dockerfile(text: str) -> Dockerfile:
    args: dict = {}
    stages: list[Stage] = []
    for number, line in _logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = rest.split()
            words = [w for w in words if not w.startswith("--platform")]
            base = _expand(words[0], args)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name=name, base=base, line=number))
            continue
        if not stages:
            if keyword == "ARG":
                key, _, default = rest.partition("=")
                args[key.strip()] = default.strip().strip('"')
            continue
        instruction = Instruction(line=number, keyword=keyword, args=rest, stage=stages[-1].name)
        if keyword in ("COPY", "ADD"):
            instruction.flags, instruction.sources, instruction.dest = _copy_parts(rest)
        stages[-1].instructions.append(instruction)
    return Dockerfile(args=args, stages=stages)


def read_dockerfile(path: Path | None = None) -> Dockerfile:
    return parse_dockerfile(Path(path or REPO_ROOT / "Dockerfile").read_text(encoding="utf-8"))


# .dockerignore: what never reaches the build context, so never invalidates a COPY.


def read_dockerignore(path: Path | None = None) -> list[str]:
    path = Path(path or REPO_ROOT / ".dockerignore")
    if not path.exists():
        return []
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern:
    pattern = pattern.strip("/")
    parts = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i)
            parts.append(pattern[i : end + 1] if end != -1 else re.escape(pattern[i]))
            i = end + 1 if end != -1 else i + 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    # A pattern that names a folder ignores everything under it.
    return re.compile("".join(parts) + "(?:/.*)?$")


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (the last matching line wins)."""
    path = path.strip("/")
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if _pattern_regex(pattern.lstrip("!")).match(path):
            result = not negate
    return result


def covers(source: str, path: str) -> bool:
    """Whether a COPY/ADD source brings the file `path` (relative to the build context) into the image."""
    source = source.strip()
    if source in (".", "./", "/"):
        return True
    source = source.removeprefix("./").rstrip("/")
    path = path.removeprefix("./")
    if any(ch in source for ch in "*?["):
        return fnmatch.fnmatch(path, source) or fnmatch.fnmatch(path.split("/")[0], source)
    return path == source or path.startswith(source + "/")


def rebuilt(dockerfile: Dockerfile, target: str, changed: str, ignore: list[str] | None = None) -> list:
    """The instructions a build of `target` runs again after `changed` was edited, in file order.

    Docker reuses a cached layer while the instruction and what it reads are unchanged; from the
    first instruction that changes, every later one in the same stage runs again, and so does
    every stage built FROM it or copying --from it.
    """
    ignore = read_dockerignore() if ignore is None else ignore
    in_context = not ignored(changed, ignore)
    memo: dict[str, int | None] = {}

    def first_dirty(stage: Stage) -> int | None:
        if stage.name in memo:
            return memo[stage.name]
        memo[stage.name] = None
        if stage.base in dockerfile.stage_names and first_dirty(dockerfile.stage(stage.base)) is not None:
            memo[stage.name] = 0
            return 0
        for index, instruction in enumerate(stage.instructions):
            if instruction.keyword not in ("COPY", "ADD"):
                continue
            source_stage = instruction.flags.get("from")
            if source_stage:
                if (
                    source_stage in dockerfile.stage_names
                    and first_dirty(dockerfile.stage(source_stage)) is not None
                ):
                    memo[stage.name] = index
                    return index
            elif in_context and any(covers(source, changed) for source in instruction.sources):
                memo[stage.name] = index
                return index
        return None

    again = []
    for stage in dockerfile.needed(target):
        index = first_dirty(stage)
        if index is not None:
            again.extend(stage.instructions[index:])
    return again


def dockerfile_cmd(dockerfile: Dockerfile, target: str) -> list[str]:
    """The CMD the target runs, as a list (the last CMD along its chain)."""
    cmd = []
    for stage in dockerfile.chain(target):
        for instruction in stage.instructions:
            if instruction.keyword == "CMD":
                args = instruction.args
                cmd = json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]
    return cmd


def stages_diagram(dockerfile: Dockerfile) -> Mermaid:
    """The stages: which one is built FROM which, and which copies files --from which."""
    lines = ["flowchart TB"]
    for image in dockerfile.base_images():
        lines.append(f'    {_node_id("image", image)}[/"{image}"/]')
    for stage in dockerfile.stages:
        layers = sum(1 for instruction in stage.instructions if instruction.creates_layer)
        lines.append(
            f'    {_node_id("stage", stage.name)}["{stage.name}<br/>{layers} layer{"s" * (layers != 1)}"]'
        )
    for stage in dockerfile.stages:
        base = (
            _node_id("stage", stage.base)
            if stage.base in dockerfile.stage_names
            else _node_id("image", stage.base)
        )
        lines.append(f"    {base} -->|FROM| {_node_id('stage', stage.name)}")
        for instruction in stage.instructions:
            source = instruction.flags.get("from")
            if source in dockerfile.stage_names:
                lines.append(
                    f'    {_node_id("stage", source)} -.->|"COPY --from"| {_node_id("stage", stage.name)}'
                )
    return Mermaid("\n".join(lines))


def _node_id(kind: str, name: str) -> str:
    return f"{kind}_" + re.sub(r"\W", "_", name)


# ---------------------------------------------------------------------------------- compose

_INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$\$")


def interpolate(value, env: dict | None = None):
    """Compose's ${VAR:-default} / ${VAR:?error} filled from `env` (default: nothing, so defaults show)."""
    env = env or {}
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if operator in (":-", "-"):
            return interpolate(rest, env)
        return f"<{name}>"  # required, or no default: set in .env

    return _INTERPOLATION.sub(substitute, value)


def compose_variables(path: Path | None = None) -> dict[str, str | None]:
    """{VARIABLE: its default, or None when .env must set it} for every ${...} in the compose file."""
    text = Path(path or REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    found: dict[str, str | None] = {}
    for match in _INTERPOLATION.finditer(text):
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if not name:
            continue
        default = rest if operator in (":-", "-") else None
        if found.get(name) is None:
            found[name] = default
    return found


def read_compose(path: Path | None = None, env: dict | None = None) -> dict:
    import yaml

    data = yaml.safe_load(Path(path or REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return interpolate(data, env)


def depends_on(service: dict) -> dict[str, str]:
    """{dependency: condition}; compose's short list form means service_started."""
    value = service.get("depends_on") or {}
    if isinstance(value, list):
        return {name: "service_started" for name in value}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in value.items()}


def start_order(compose: dict) -> list[str]:
    """The services in an order compose can start them: every dependency before its dependents."""
    services = compose.get("services", {})
    order: list[str] = []

    def visit(name: str, path: tuple) -> None:
        if name in order:
            return
        if name in path:
            raise ValueError(f"depends_on has a cycle: {' → '.join((*path, name))}")
        for dependency in depends_on(services[name]):
            visit(dependency, (*path, name))
        order.append(name)

    for name in services:
        visit(name, ())
    return order


def _hosts_in(value: str, names) -> list[str]:
    """Service names used as host names in a URL-like value (…@db:5432, http://proxy:8080)."""
    return [name for name in names if re.search(rf"(?:[@/]){re.escape(name)}(?:[:/]|$)", value)]


def connections(compose: dict) -> list[tuple[str, str, str]]:
    """(service, variable, other service) for each environment value that points at another service."""
    services = compose.get("services", {})
    found = []
    for name, service in services.items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for variable, value in environment.items():
            for other in _hosts_in(str(value or ""), [n for n in services if n != name]):
                found.append((name, variable, other))
    return found


def compose_graph(compose: dict) -> Mermaid:
    """Services, what each starts after, who talks to whom, published ports and volumes."""
    services = compose.get("services", {})
    lines = ["flowchart LR"]
    for name, service in services.items():
        build = service.get("build")
        if isinstance(build, dict):
            what = f"build: target {build.get('target', '(last stage)')}"
        elif build:
            what = "build: ."
        else:
            what = f"image: {service.get('image')}"
        lines.append(f'    {name}["{name}<br/>{what}"]')
    for name, service in services.items():
        for port in service.get("ports") or []:
            published, _, inside = str(port).rpartition(":")
            node = _node_id("host", published)
            lines.append(f'    {node}(["host {published}"]) -->|":{inside}"| {name}')
    for name, variable, other in connections(compose):
        lines.append(f"    {name} -->|{variable}| {other}")
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            label = condition.removeprefix("service_").replace("_", " ")
            lines.append(f'    {dependency} -. "{label}, then" .-> {name}')
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source, _, inside = str(volume).partition(":")
            inside = inside.split(":")[0]
            if source.startswith((".", "/")):
                lines.append(f'    {_node_id("bind", source)}[/"{source}"/] ---|"{inside}"| {name}')
            else:
                lines.append(f'    {_node_id("volume", source)}[("volume {source}")] ---|"{inside}"| {name}')
    return Mermaid("\n".join(lines))


# ---------------------------------------------------------------------------------- nginx


@dataclass
class Location:
    match: str  # "/static/", "= /nginx-health", "/"
    answer: str  # "files", "proxy", "return"
    detail: str  # the folder, the upstream URL, or the status


def _nginx_blocks(text: str):
    """(context path, directive words) for every directive, comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    tokens = re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', text)
    stack: list[str] = []
    words: list[str] = []
    for token in tokens:
        if token == "{":
            stack.append(" ".join(words))
            words = []
        elif token == "}":
            stack.pop()
            words = []
        elif token == ";":
            yield tuple(stack), words
            words = []
        else:
            words.append(token.strip("\"'"))


def nginx_site(path: Path | None = None) -> dict:
    """What the site's server block does: the port it listens on and how each location is answered."""
    text = Path(path or REPO_ROOT / "nginx" / "default.conf").read_text(encoding="utf-8")
    variables, listen, locations = {}, None, {}
    for context, words in _nginx_blocks(text):
        if not words:
            continue
        directive, args = words[0], words[1:]
        inner = context[-1] if context else ""
        if directive == "set":
            variables[args[0]] = args[1]
        elif directive == "listen" and listen is None:
            listen = args[0]
        elif inner.startswith("location "):
            match = inner.removeprefix("location ").strip()
            if directive in ("alias", "root"):
                locations[match] = Location(match, "files", args[0])
            elif directive == "proxy_pass":
                locations[match] = Location(match, "proxy", variables.get(args[0], args[0]))
            elif directive == "return" and match not in locations:
                locations[match] = Location(match, "return", args[0])
    return {"listen": listen, "locations": list(locations.values())}


def request_path_diagram(compose: dict | None = None, dockerfile: Dockerfile | None = None) -> Mermaid:
    """A browser's request: nginx answers files itself and passes the rest to gunicorn, then Django."""
    compose = compose or read_compose()
    dockerfile = dockerfile or read_dockerfile()
    site = nginx_site()
    services = compose.get("services", {})
    proxy = next(
        (
            n
            for n, s in services.items()
            if isinstance(s.get("build"), dict) and s["build"].get("target") == "proxy"
        ),
        "proxy",
    )
    published = next((str(p).rpartition(":")[0] for p in services.get(proxy, {}).get("ports", [])), "")
    lines = [
        "flowchart LR",
        f'    browser(["browser<br/>{published}"]) --> '
        f'nginx["nginx<br/>service {proxy}, listen {site["listen"]}"]',
    ]
    for number, location in enumerate(site["locations"]):
        if location.answer == "files":
            lines.append(
                f'    nginx -->|"{location.match}"| '
                f'files{number}[("files in the image<br/>{location.detail}")]'
            )
        elif location.answer == "proxy":
            upstream = re.sub(r"^https?://", "", location.detail)
            web = upstream.split(":")[0]
            target = (services.get(web, {}).get("build") or {}).get("target", web)
            cmd = dockerfile_cmd(dockerfile, target) if target in dockerfile.stage_names else []
            server = " ".join(cmd[:2]) if cmd else "the app server"
            lines.append(f'    nginx -->|"{location.match}"| app["{server}<br/>service {web}, {upstream}"]')
            lines.append('    app --> django["Django<br/>URLs, views, ORM"]')
            database = [other for name, _, other in connections(compose) if name == web]
            if database:
                lines.append(f'    django --> db[("PostgreSQL<br/>service {database[0]}")]')
        else:
            lines.append(f'    nginx -->|"{location.match}"| ret{number}["returns {location.detail} itself"]')
    return Mermaid("\n".join(lines))


# ---------------------------------------------------------------------------------- workflows

WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"


def load_workflow(text: str) -> dict:
    """A workflow's YAML. YAML 1.1 reads a bare `on:` key as the boolean True: put it back as "on"."""
    import yaml

    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("a workflow is a YAML mapping (name:, on:, jobs:)")
    if True in data:
        data["on"] = data.pop(True)
    return data


def read_workflow(name: str, directory: Path | None = None) -> dict:
    path = Path(directory or WORKFLOWS_DIR) / name
    return load_workflow(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """{event: its settings} from `on:`, whichever of its three forms the file uses."""
    value = workflow.get("on")
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return {event: None for event in value}
    return dict(value or {})


def jobs(workflow: dict) -> dict:
    return dict(workflow.get("jobs") or {})


def needs(job: dict) -> list[str]:
    value = job.get("needs") or []
    return [value] if isinstance(value, str) else list(value)


def secrets_used(workflow: dict) -> list[str]:
    import yaml

    # Only inside ${{ }} expressions (a run script may call Python's secrets module), and only a
    # bare `secrets.`: `steps.secrets.outputs` is a step called "secrets".
    text = yaml.safe_dump(workflow, width=10_000)
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text, flags=re.S)
    return sorted({name for e in expressions for name in re.findall(r"(?<![\w.])secrets\.(\w+)", e)})


def step_name(step: dict) -> str:
    if step.get("name"):
        return step["name"]
    if step.get("uses"):
        return step["uses"].split("@")[0]
    return (step.get("run") or "").strip().splitlines()[0] if step.get("run") else "(step)"


def job_graph(workflows: dict[str, dict]) -> Mermaid:
    """Jobs of each workflow (a box per file), `needs` edges, and workflow_run links between files."""
    lines = ["flowchart LR"]
    by_name = {}
    for filename, workflow in workflows.items():
        title = workflow.get("name", filename)
        by_name[title] = filename
        events = ", ".join(triggers(workflow))
        group = _node_id("wf", filename)
        lines.append(f'    subgraph {group}["{filename}: {title} (on {events})"]')
        for job_id, job in jobs(workflow).items():
            runner = job.get("runs-on", "")
            matrix = (job.get("strategy") or {}).get("matrix") or {}
            variants = 1
            for values in matrix.values():
                if isinstance(values, list):
                    variants *= len(values)
            extra = f" ×{variants}" if variants > 1 else ""
            services = ", ".join((job.get("services") or {}).keys())
            service_text = f"<br/>service: {services}" if services else ""
            lines.append(f'        {group}_{_safe(job_id)}["{job_id}{extra}<br/>{runner}{service_text}"]')
        lines.append("    end")
    for filename, workflow in workflows.items():
        group = _node_id("wf", filename)
        for job_id, job in jobs(workflow).items():
            for needed in needs(job):
                lines.append(f"    {group}_{_safe(needed)} --> {group}_{_safe(job_id)}")
        run = triggers(workflow).get("workflow_run") or {}
        for upstream in run.get("workflows", []):
            source = by_name.get(upstream)
            if not source:
                continue
            roots = [job_id for job_id, job in jobs(workflow).items() if not needs(job)]
            branches = ", ".join(run.get("branches", [])) or "any branch"
            for root in roots:
                condition = str(jobs(workflow)[root].get("if", ""))
                label = f"{'/'.join(run.get('types', ['completed']))} on {branches}"
                if "success" in condition:
                    label += ", if it succeeded"
                lines.append(f'    {_node_id("wf", source)} ==>|"{label}"| {group}_{_safe(root)}')
    return Mermaid("\n".join(lines))


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)
