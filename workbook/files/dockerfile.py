"""The Dockerfile and .dockerignore, read: stages, layers, what a change rebuilds; the stage graph."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..display import Mermaid, node_id
from ..paths import DOCKERFILE, DOCKERIGNORE

LAYER_KEYWORDS = ("RUN", "COPY", "ADD")


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
    return parse_dockerfile(Path(path or DOCKERFILE).read_text(encoding="utf-8"))


# .dockerignore: what never reaches the build context, so never invalidates a COPY.


def read_dockerignore(path: Path | None = None) -> list[str]:
    path = Path(path or DOCKERIGNORE)
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
        lines.append(f'    {node_id("image", image)}[/"{image}"/]')
    for stage in dockerfile.stages:
        layers = sum(1 for instruction in stage.instructions if instruction.creates_layer)
        lines.append(
            f'    {node_id("stage", stage.name)}["{stage.name}<br/>{layers} layer{"s" * (layers != 1)}"]'
        )
    for stage in dockerfile.stages:
        base = (
            node_id("stage", stage.base)
            if stage.base in dockerfile.stage_names
            else node_id("image", stage.base)
        )
        lines.append(f"    {base} -->|FROM| {node_id('stage', stage.name)}")
        for instruction in stage.instructions:
            source = instruction.flags.get("from")
            if source in dockerfile.stage_names:
                lines.append(
                    f'    {node_id("stage", source)} -.->|"COPY --from"| {node_id("stage", stage.name)}'
                )
    return Mermaid("\n".join(lines))
