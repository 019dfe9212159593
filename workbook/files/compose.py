"""docker-compose.yml, read: variables, services, start order, who connects to whom; the service graph."""

from __future__ import annotations

import re
from pathlib import Path

from ..display import Mermaid, node_id
from ..i18n import N_, _
from ..paths import COMPOSE_FILE

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
    text = Path(path or COMPOSE_FILE).read_text(encoding="utf-8")
    found: dict[str, str | None] = {}
    for match in _INTERPOLATION.finditer(text):
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if not name:
            continue
        default = rest if operator in (":-", "-") else None
        if found.get(name) is None:
            found[name] = default
    return found


def load_compose(text: str, env: dict | None = None) -> dict:
    """A compose file's text, read as compose reads it (${...} filled from `env`, defaults shown)."""
    import yaml

    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("a compose file is a YAML mapping (services:, volumes:, ...)")
    return interpolate(data, env)


def read_compose(path: Path | None = None, env: dict | None = None) -> dict:
    return load_compose(Path(path or COMPOSE_FILE).read_text(encoding="utf-8"), env)


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


# The edge from a service to one that waits for it, by the condition depends_on names.
THEN = {
    "started": N_("started, then"),
    "healthy": N_("healthy, then"),
    "completed successfully": N_("completed successfully, then"),
}


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
            published, _colon, inside = str(port).rpartition(":")
            node = node_id("host", published)
            lines.append(f'    {node}(["{_("host {port}").format(port=published)}"]) -->|":{inside}"| {name}')
    for name, variable, other in connections(compose):
        lines.append(f"    {name} -->|{variable}| {other}")
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            label = condition.removeprefix("service_").replace("_", " ")
            then = _(THEN[label]) if label in THEN else _("{condition}, then").format(condition=label)
            lines.append(f'    {dependency} -. "{then}" .-> {name}')
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source, _colon, inside = str(volume).partition(":")
            inside = inside.split(":")[0]
            if source.startswith((".", "/")):
                lines.append(f'    {node_id("bind", source)}[/"{source}"/] ---|"{inside}"| {name}')
            else:
                lines.append(f'    {node_id("volume", source)}[("volume {source}")] ---|"{inside}"| {name}')
    return Mermaid("\n".join(lines))
