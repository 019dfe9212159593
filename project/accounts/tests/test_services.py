"""user_create and profile_update: a user never lacks a profile, a profile takes only its own fields."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Profile

pytestmark = pytest.mark.django_db


def test_user_create_makes_the_user_and_its_profile():
    profile = services.user_create(
        username="dana",
        name="Dana Choi",
        email="dana@example.com",
        password="s3cret-pass-phrase",
        website="https://dana.example.com",
        bio="Hiker.",
    )
    user = get_user_model().objects.get(username="dana")
    assert profile.user == user
    assert Profile.objects.get(user=user).name == "Dana Choi"
    assert (profile.website, profile.bio, user.email) == (
        "https://dana.example.com",
        "Hiker.",
        "dana@example.com",
    )
    assert user.check_password("s3cret-pass-phrase")


def test_user_create_without_a_password_makes_a_user_who_cannot_log_in():
    profile = services.user_create(username="erin", name="Erin")
    assert not profile.user.has_usable_password()


def test_user_create_with_a_taken_username_creates_nothing(alice):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        services.user_create(username="alice", name="Another Alice")
    assert Profile.all_objects.count() == 1


def test_profile_update_changes_the_given_fields_only(alice):
    profile = services.profile_update(profile=alice.profile, bio="Photos from Busan.")
    fresh = Profile.objects.get(pk=profile.pk)
    assert (fresh.name, fresh.bio) == ("Alice Kim", "Photos from Busan.")
    assert fresh.updated_at > fresh.created_at


def test_profile_update_rejects_unknown_fields(alice):
    with pytest.raises(TypeError, match="cannot update user, username on a profile"):
        services.profile_update(profile=alice.profile, username="mallory", user=None)
    assert Profile.objects.get(user=alice).user.username == "alice"


def test_profile_update_rejects_an_invalid_website_and_saves_nothing(alice):
    with pytest.raises(ValidationError) as excinfo:
        services.profile_update(profile=alice.profile, website="not a url", bio="changed")
    assert "website" in excinfo.value.message_dict
    assert Profile.objects.get(user=alice).bio == ""
