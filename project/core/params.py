"""Query-string parameters read strictly: what the schema does not allow is a 400, not ignored."""

import re

from rest_framework.exceptions import ValidationError

BIGINT_MAX = 2**63 - 1  # PostgreSQL's bigint: every id column


def single_value(request, name: str) -> str | None:
    """The parameter's one value; given twice (?post=1&post=2) it is a 400, not the last one."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["Give this parameter once."]})
    return values[0] if values else None


def int_param(request, name: str) -> int | None:
    raw = single_value(request, name)
    if raw is None:
        return None
    # Digits only: int() would also take " 5", "+5", "5_000" and other scripts' digits.
    if not re.fullmatch(r"-?[0-9]{1,30}", raw):
        raise ValidationError({name: [f"Expected a whole number, got {raw!r}."]})
    value = int(raw)
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    if value > BIGINT_MAX:
        raise ValidationError({name: [f"Must be at most {BIGINT_MAX}."]})
    return value


def text_param(request, name: str) -> str | None:
    raw = single_value(request, name)
    if raw is None or raw == "":
        return None
    # PostgreSQL text cannot hold NUL; the query would fail with a DataError (a 500).
    if "\x00" in raw:
        raise ValidationError({name: ["Null characters are not allowed."]})
    return raw
