"""Profile: one per auth user, what others see of them."""

from django.conf import settings
from django.db import models

from core.models import SoftDeleteModel, bounded_text, max_length_constraint


class Profile(SoftDeleteModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile")
    name = models.CharField(max_length=100)
    website = models.URLField(blank=True)
    bio = bounded_text(500, blank=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            SoftDeleteModel.soft_delete_constraint("profile_deleted_at_matches_flag"),
            max_length_constraint("bio", 500, "profile_bio_at_most_500"),
        ]

    def __str__(self) -> str:
        return f"@{self.user.username} ({self.name})"
