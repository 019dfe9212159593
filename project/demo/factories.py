"""Users with profiles, logged-in API clients and posts with files, for tests and demos."""

from rest_framework.test import APIClient

from accounts.services import user_create
from posts import services as post_services

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, name: str | None = None):
    return user_create(username=username, name=name or username.title(), password=PASSWORD).user


def make_post(author, content: str = "A day out", files=None):
    files = files or [{"type": "image", "url": f"https://media.example.com/{author.username}.jpg"}]
    return post_services.post_create(author=author, content=content, files=files)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client
