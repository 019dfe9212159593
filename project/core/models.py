"""Timestamps and soft delete shared by every model of the service; the failed-login counters
the login throttle keeps (core.throttling)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone


def not_blank(value: str) -> None:
    """Refuse text that is only whitespace (blank=False lets "   " through)."""
    if not value.strip():
        raise ValidationError("This field cannot be blank.", code="blank")


def bounded_text(max_length: int, *, validators=(), **kwargs) -> models.TextField:
    """A TextField whose max_length is validated (TextField alone only sizes form widgets)."""
    return models.TextField(
        max_length=max_length, validators=[MaxLengthValidator(max_length), *validators], **kwargs
    )


def max_length_constraint(field: str, max_length: int, name: str) -> models.CheckConstraint:
    """The same bound in PostgreSQL, so no write path can store longer text."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), max_length), name=name)


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)

    def soft_delete(self, *, at=None) -> int:
        """Mark every row deleted; returns how many rows were alive."""
        at = at or timezone.now()
        return self.filter(is_deleted=False).update(is_deleted=True, deleted_at=at, updated_at=at)

    def delete(self):
        # A queryset's delete() (the admin's bulk action, a stray .delete() in a shell)
        # must not remove rows either.
        return self.soft_delete()

    delete.queryset_only = True

    def restore(self) -> int:
        return self.filter(is_deleted=True).update(
            is_deleted=False, deleted_at=None, updated_at=timezone.now()
        )

    def hard_delete(self):
        """Physically remove rows. Nothing in the service calls this."""
        return super().delete()


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager: rows that are not soft-deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class SoftDeleteModel(models.Model):
    """created_at / updated_at, and a deletion that only marks the row."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    is_deleted = models.BooleanField(default=False)
    # deleted_at tells a cascade's rows from rows deleted before it, so a restore
    # brings back exactly what the cascade took.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AliveManager()
    all_objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, using=None, keep_parents=False):
        self.soft_delete()
        return 0, {}

    def soft_delete(self, *, at=None) -> None:
        if self.is_deleted:
            return
        at = at or timezone.now()
        type(self).all_objects.filter(pk=self.pk).soft_delete(at=at)
        self.is_deleted, self.deleted_at, self.updated_at = True, at, at

    def restore(self) -> None:
        if not self.is_deleted:
            return
        type(self).all_objects.filter(pk=self.pk).restore()
        self.refresh_from_db(fields=["is_deleted", "deleted_at", "updated_at"])

    def hard_delete(self, using=None, keep_parents=False):
        """Physically remove the row. Nothing in the service calls this."""
        return super().delete(using=using, keep_parents=keep_parents)

    @classmethod
    def soft_delete_constraint(cls, name: str) -> models.CheckConstraint:
        """is_deleted and deleted_at agree, in the database."""
        return models.CheckConstraint(
            condition=models.Q(is_deleted=False, deleted_at__isnull=True)
            | models.Q(is_deleted=True, deleted_at__isnull=False),
            name=name,
        )


class LoginFailures(models.Model):
    """Failed logins for one client address or one user name within a window: one row per key,
    counted by every gunicorn worker with one atomic upsert (core.throttling)."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField()
    # The window starts at the first failure; the row counts until then, and is deleted after.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "login failures"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
