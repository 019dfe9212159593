"""Profile: its name in lists, its order, one per user."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from accounts.models import Profile
from demo.factories import make_user

pytestmark = pytest.mark.django_db


def test_str_of_profile_shows_username_and_name(alice):
    assert str(alice.profile) == "@alice (Alice Kim)"


def test_profiles_are_ordered_by_username():
    for username in ("carol", "alice", "bob"):
        make_user(username)
    assert Profile._meta.ordering == ["user__username"]
    assert [p.user.username for p in Profile.objects.select_related("user")] == ["alice", "bob", "carol"]


def test_a_user_has_at_most_one_profile(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=alice, name="Second")


def test_deleting_a_profile_keeps_the_row_and_the_user(alice):
    alice.profile.delete()
    assert not Profile.objects.filter(user=alice).exists()
    assert Profile.all_objects.filter(user=alice, is_deleted=True).exists()
    assert get_user_model().objects.filter(username="alice").exists()
