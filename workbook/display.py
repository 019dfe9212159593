"""What notebooks show besides text: query counts, Mermaid diagrams, the ER diagram of the models,
line charts."""

from __future__ import annotations

import re

from .i18n import display_width


class count_queries:  # noqa: N801 - used as `with count_queries() as queries:`
    """Counts the SQL queries run inside the block: `with count_queries() as q: ...; q.count`."""

    def __init__(self, using: str = "default"):
        self.using = using
        self._context = None

    def __enter__(self):
        from django.db import connections
        from django.test.utils import CaptureQueriesContext

        self._context = CaptureQueriesContext(connections[self.using])
        self._context.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._context.__exit__(*exc_info)
        return False

    @property
    def count(self) -> int:
        return len(self._context)

    @property
    def sql(self) -> list[str]:
        return [q["sql"] for q in self._context.captured_queries]

    def __repr__(self) -> str:
        return f"<{self.count} {'query' if self.count == 1 else 'queries'}>"


class Mermaid:
    """A Mermaid diagram: JupyterLab 4 (and GitHub) render the ```mermaid fence; text/plain is the source."""

    def __init__(self, source: str):
        self.source = source.strip() + "\n"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": f"```mermaid\n{self.source}```\n", "text/plain": self.source}

    def __str__(self) -> str:
        return self.source


def mermaid(source: str) -> Mermaid:
    return Mermaid(source)


def _column_type(field, connection) -> str:
    db_type = field.db_type(connection) or field.get_internal_type()
    db_type = db_type.replace("timestamp with time zone", "timestamptz")
    return re.sub(r"[^A-Za-z0-9_]", "", db_type.split("(")[0].split()[0]) or "column"


def er_diagram(*app_labels: str) -> Mermaid:
    """An erDiagram of the apps' models from `_meta`, with the models they point at (keys only).

    Foreign keys are drawn many-to-one, one-to-one fields one-to-one, and a many-to-many
    through an explicit model as a dotted many-to-many line next to that model's two keys.
    """
    from django.apps import apps
    from django.db import connection

    models = [m for label in app_labels for m in apps.get_app_config(label).get_models()]
    referenced = []
    for model in models:
        for field in model._meta.get_fields(include_hidden=False):
            target = getattr(field, "related_model", None)
            if field.concrete and field.is_relation and target not in models and target not in referenced:
                referenced.append(target)

    lines = ["erDiagram"]
    for model in models + referenced:
        full = model in models
        lines.append(f"    {model.__name__} {{")
        for field in model._meta.concrete_fields:
            keys = []
            if field.primary_key:
                keys.append("PK")
            if field.is_relation:
                keys.append("FK")
            if field.unique and not field.primary_key:
                keys.append("UK")
            if not full and not keys:
                continue
            line = f"        {_column_type(field, connection)} {field.column}"
            if keys:
                line += " " + ", ".join(keys)
            if field.null:
                line += ' "null"'
            lines.append(line)
        lines.append("    }")
    for model in models:
        for field in model._meta.get_fields(include_hidden=False):
            if not field.is_relation or field.auto_created:
                continue
            target = field.related_model.__name__
            if field.one_to_one:
                lines.append(f'    {model.__name__} |o--|| {target} : "{field.name}"')
            elif field.many_to_one:
                right = "o|" if field.null else "||"
                lines.append(f'    {model.__name__} }}o--{right} {target} : "{field.name}"')
            elif field.many_to_many:
                through = field.remote_field.through
                label = field.name + (
                    f" through {through.__name__}" if not through._meta.auto_created else ""
                )
                lines.append(f'    {model.__name__} }}o..o{{ {target} : "{label}"')
    return Mermaid("\n".join(lines))


def node_id(kind: str, name: str) -> str:
    """A Mermaid node id for a name that may hold any character."""
    return f"{kind}_" + safe_id(name)


def safe_id(name: str) -> str:
    return re.sub(r"\W", "_", name)


class Glossary:
    """The glossary as a Markdown table (JupyterLab renders it; a terminal shows the same text)."""

    def __init__(self, header: tuple[str, str, str], rows: list[tuple[str, str, str]]):
        self.header = header
        self.rows = rows

    def _repr_markdown_(self) -> str:
        def line(cells) -> str:
            return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

        return "\n".join([line(self.header), "|---|---|---|", *map(line, self.rows)]) + "\n"

    def __repr__(self) -> str:
        return self._repr_markdown_()


def glossary(lang: str | None = None) -> Glossary:
    """Every term of workbook/i18n/glossary.csv: in English, term | 한국어 | definition; in the
    Korean edition, 한국어 | English | the Korean definition."""
    from .i18n import current_language
    from .i18n.terms import terms

    lang = lang or current_language()
    if lang == "ko":
        rows = [(f"{t.ko}({t.running})" if t.running else t.ko, t.en, t.definition_ko) for t in terms()]
        return Glossary(("한국어", "English", "한 줄 설명"), rows)
    return Glossary(("term", "한국어", "in one line"), [(t.en, t.ko, t.definition) for t in terms()])


# ---------------------------------------------------------------- charts

VEGA_LITE_MIME = "application/vnd.vegalite.v5+json"  # JupyterLab 4 renders it, with no package here


class LineChart:
    """A line chart JupyterLab draws itself (a Vega-Lite 5 spec, a plain dict); text/plain holds
    the same numbers as a small table, for GitHub, nbval and any front end without Vega."""

    def __init__(self, spec: dict, table: str):
        self.spec = spec
        self.table = table

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {VEGA_LITE_MIME: self.spec, "text/plain": self.table}

    def __str__(self) -> str:
        return self.table


def _cell(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def _table(x_title: str, x: list, series: dict[str, list]) -> str:
    columns = [[x_title, *map(_cell, x)]] + [[name, *map(_cell, ys)] for name, ys in series.items()]
    # Aligned by the columns a monospace font gives each text: Hangul takes two.
    widths = [max(map(display_width, column)) for column in columns]
    rows = zip(*columns, strict=True)
    return "\n".join(
        "   ".join(" " * (w - display_width(c)) + c for c, w in zip(row, widths, strict=True)) for row in rows
    )


def line_chart(
    x: list,
    series: dict[str, list],
    *,
    x_title: str,
    y_title: str,
    title: str | None = None,
    integers: bool = False,
) -> LineChart:
    """One line per entry of `series` (its name → one y per x), points marked, legend below.

    `integers=True` keeps the axes' ticks on whole numbers (counts). The names and titles are
    shown as given: a notebook passes them through `workbook.i18n._`.
    """
    lengths = {name: len(ys) for name, ys in series.items() if len(ys) != len(x)}
    if lengths:
        raise ValueError(f"{len(x)} x values, but {lengths}: every series needs one y per x")
    names = list(series)
    values = [
        {"x": xv, "y": yv, "series": name}
        for name, ys in series.items()
        for xv, yv in zip(x, ys, strict=True)
    ]
    axis = {"tickMinStep": 1, "format": "d"} if integers else {}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 420,
        "height": 240,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": x_title, "axis": dict(axis)},
            "y": {"field": "y", "type": "quantitative", "title": y_title, "axis": dict(axis)},
            "color": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": names},
                "legend": {"title": None, "orient": "bottom", "direction": "vertical", "labelLimit": 0},
            },
            "shape": {"field": "series", "type": "nominal", "scale": {"domain": names}, "legend": None},
            "tooltip": [
                {"field": "series", "type": "nominal", "title": " "},
                {"field": "x", "type": "quantitative", "title": x_title},
                {"field": "y", "type": "quantitative", "title": y_title},
            ],
        },
    }
    if title:
        spec["title"] = title
    table = _table(x_title, list(x), series)
    return LineChart(spec, f"{title}\n{table}" if title else table)
