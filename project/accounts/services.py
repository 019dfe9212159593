"""Writes on users and profiles."""

from django.contrib.auth import get_user_model
from django.db import transaction

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


def profile_update(*, profile: Profile, **fields) -> Profile:
    allowed = {"name", "website", "bio"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))} on a profile")
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save(update_fields=[*fields, "updated_at"])
    return profile
