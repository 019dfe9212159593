"""Writes every app shares."""

from collections.abc import Iterable

from django.db import models


def model_update(*, instance: models.Model, fields: Iterable[str], data: dict) -> tuple[models.Model, bool]:
    """Set the fields of `data` (only those named in `fields`), validate, save what changed.

    A field outside `fields` is a TypeError, not silently ignored. Validation (`full_clean()`)
    runs before anything is saved; an update that changes nothing saves nothing and leaves
    `updated_at` as it was. Returns the instance and whether it changed.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))} on a {instance._meta.model_name}")
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    if changed:
        instance.full_clean()
        instance.save(update_fields=[*changed, "updated_at"])
    return instance, bool(changed)
