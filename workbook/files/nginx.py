"""nginx's site config, read: what it listens on and how each location answers; a request's path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..display import Mermaid
from ..i18n import _
from ..paths import NGINX_SITE
from .compose import connections, read_compose
from .dockerfile import Dockerfile, dockerfile_cmd, read_dockerfile


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
    text = Path(path or NGINX_SITE).read_text(encoding="utf-8")
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
    listens = _("service {name}, listen {listen}").format(name=proxy, listen=site["listen"])
    lines = [
        "flowchart LR",
        f'    browser(["{_("browser")}<br/>{published}"]) --> nginx["nginx<br/>{listens}"]',
    ]
    # Named locations (@name) answer only nginx's own internal redirects (error_page), never a URL.
    reachable = [location for location in site["locations"] if not location.match.startswith("@")]
    for number, location in enumerate(reachable):
        if location.answer == "files":
            lines.append(
                f'    nginx -->|"{location.match}"| '
                f'files{number}[("{_("files in the image")}<br/>{location.detail}")]'
            )
        elif location.answer == "proxy":
            upstream = re.sub(r"^https?://", "", location.detail)
            web = upstream.split(":")[0]
            target = (services.get(web, {}).get("build") or {}).get("target", web)
            cmd = dockerfile_cmd(dockerfile, target) if target in dockerfile.stage_names else []
            server = " ".join(cmd[:2]) if cmd else _("the app server")
            where = _("service {name}, {upstream}").format(name=web, upstream=upstream)
            lines.append(f'    nginx -->|"{location.match}"| app["{server}<br/>{where}"]')
            lines.append(f'    app --> django["Django<br/>{_("URLs, views, ORM")}"]')
            database = [other for name, _variable, other in connections(compose) if name == web]
            if database:
                lines.append(
                    f'    django --> db[("PostgreSQL<br/>{_("service {name}").format(name=database[0])}")]'
                )
        else:
            answer = _("returns {detail} itself").format(detail=location.detail)
            lines.append(f'    nginx -->|"{location.match}"| ret{number}["{answer}"]')
    return Mermaid("\n".join(lines))
