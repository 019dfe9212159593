"""Profile: one per auth user, what others see of them."""

from core.models import SoftDeleteModel
from django.conf import settings
from django.db import models


class Profile(SoftDeleteModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile")
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)
    bio = models.TextField(blank=True, max_length=500)

    class Meta:
        ordering = ["user__username"]
        constraints = [SoftDeleteModel.soft_delete_constraint("profile_deleted_at_matches_flag")]

    def __str__(self) -> str:
        return f"@{self.user.username} ({self.name})"
