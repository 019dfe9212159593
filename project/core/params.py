"""Query-string filters that answer 400 on bad input instead of failing later."""

from rest_framework.exceptions import ValidationError


def int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"Expected a whole number, got {raw!r}."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    return value


def text_param(request, name: str) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    # PostgreSQL text cannot hold NUL; the query would fail with a DataError (a 500).
    if "\x00" in raw:
        raise ValidationError({name: ["Null characters are not allowed."]})
    return raw
