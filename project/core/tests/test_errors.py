"""Failures answered the API's way: JSON bodies with the status that fits, never a 500 or HTML."""

import json
import socket

import pytest
from django.db import connections

from demo.factories import PASSWORD

DEEP = "[" * 950 + "]" * 950


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/posts/"])
def test_json_nested_too_deep_is_a_400(as_alice, path):
    response = as_alice.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.django_db
def test_json_nested_too_deep_is_a_400_for_anonymous_logins(anon):
    response = anon.post("/api/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404(anon):
    response = anon.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_unknown_path_outside_the_api_keeps_djangos_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_a_json_413(anon, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "a" * 2000}) if content_type.endswith("json") else "username=" + "a" * 2000
    response = anon.post("/api/auth/token/", body, content_type=content_type)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than this API accepts."}


@pytest.mark.django_db
def test_a_body_within_the_limit_is_read(anon, alice):
    response = anon.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["token"]


# --- the database down or hung ------------------------------------------------------------


@pytest.fixture
def database_at(transactional_db):
    """Point the default connection at another address for the test; put it back after."""
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    saved_options = dict(conn.settings_dict.get("OPTIONS", {}))

    def move(host: str, port: int, timeout: int = 5) -> None:
        conn.close()
        conn.settings_dict.update(HOST=host, PORT=str(port))
        conn.settings_dict["OPTIONS"] = {**saved_options, "connect_timeout": timeout}

    yield move
    conn.close()
    conn.settings_dict.clear()
    conn.settings_dict.update(saved)
    conn.settings_dict["OPTIONS"] = saved_options


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never says a word (a hung server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


DATABASE_REQUESTS = [
    ("get", "/api/posts/", None),
    ("get", "/api/posts/1/", None),
    ("get", "/api/profiles/alice/", None),
    ("patch", "/api/comments/1/", {"content": "x"}),
    ("post", "/api/auth/token/", {"username": "alice", "password": "x"}),
]


@pytest.mark.parametrize(("method", "path", "data"), DATABASE_REQUESTS)
def test_database_down_is_a_json_503_with_retry_after(database_at, closed_port, method, path, data):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    database_at("127.0.0.1", closed_port)
    response = getattr(client, method)(path, data, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The database is not answering; try again in a few seconds."}


def test_database_hung_is_a_json_503_within_the_connect_timeout(database_at, silent_port):
    from rest_framework.test import APIClient

    database_at("127.0.0.1", silent_port, timeout=2)
    response = APIClient().post("/api/auth/token/", {"username": "a", "password": "b"}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
