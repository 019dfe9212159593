"""Fixtures the app tests share: users with profiles, logged-in API clients, posts with files."""

import pytest
from accounts.services import user_create
from posts import services as post_services
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 takes a good part of a second per user; the tests check who may log
    # in, not how hard the hash is to crack.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, name: str | None = None):
    return user_create(username=username, name=name or username.title(), password=PASSWORD).user


def make_post(author, content: str = "A day out", files=None):
    files = files or [{"type": "image", "url": f"https://media.example.com/{author.username}.jpg"}]
    return post_services.post_create(author=author, content=content, files=files)


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


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


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
