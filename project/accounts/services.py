"""Writes on users and profiles."""

from django.contrib.auth import get_user_model
from django.db import transaction

from core.services import model_update

from .models import Profile


@transaction.atomic
def user_create(
    *,
    username: str,
    name: str,
    email: str = "",
    password: str | None = None,
    website: str = "",
    bio: str = "",
) -> Profile:
    """A user and their profile, together or not at all."""
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    return Profile.objects.create(user=user, name=name, website=website, bio=bio)


def profile_update(*, profile: Profile, **data) -> Profile:
    """Name, website and bio; nothing else of a profile (or its user) changes here."""
    return model_update(instance=profile, fields=["name", "website", "bio"], data=data)[0]
