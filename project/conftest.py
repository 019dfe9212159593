"""Fixtures every app's tests share: users, clients, a post (built with demo.factories)."""

import pytest
from rest_framework.test import APIClient

from demo.factories import client_for, make_post, make_user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 takes a good part of a second per user; the tests check who may log
    # in, not how hard the hash is to crack.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    return make_user("alice", "Alice Kim")


@pytest.fixture
def bob(db):
    return make_user("bob", "Bob Park")


@pytest.fixture
def carol(db):
    return make_user("carol", "Carol Lee")


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def post(alice):
    """alice's post with a photo and a video."""
    return make_post(
        alice,
        "Sunset at Haeundae beach",
        [
            {"type": "image", "url": "https://media.example.com/haeundae.jpg"},
            {"type": "video", "url": "https://media.example.com/haeundae.mp4"},
        ],
    )
