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


def test_the_health_check_down_carries_retry_after(database_at, closed_port):
    from rest_framework.test import APIClient

    database_at("127.0.0.1", closed_port)
    response = APIClient().get("/api/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "database": "down"}


# --- a chunked body, which Django cannot read (it reads CONTENT_LENGTH bytes) ------------------


@pytest.mark.parametrize("encoding", ["chunked", "Chunked", "gzip, chunked"])
def test_a_chunked_body_is_a_json_411_not_an_empty_body(as_alice, encoding):
    response = as_alice.generic(
        "POST", "/api/posts/", b"", content_type="application/json", HTTP_TRANSFER_ENCODING=encoding
    )
    assert response.status_code == 411
    assert response.json() == {
        "detail": "A body needs a Content-Length: this server does not read chunked bodies."
    }


@pytest.mark.django_db(transaction=True)
def test_gunicorn_answers_a_chunked_post_with_a_json_411(alice):
    """Straight to gunicorn, as the web image runs it: the body is refused, never read as empty."""
    import http.client
    import json
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice).key
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    project = Path(__file__).resolve().parents[2]
    # The site's settings on this test's database (committed: the test is transactional).
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DB_NAME=connection.settings_dict["NAME"],
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/api/health/")
                conn.getresponse().read()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        body = json.dumps(
            {"content": "Sent in chunks", "files": [{"type": "image", "url": "https://example.com/a.jpg"}]}
        ).encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "POST",
            "/api/posts/",
            body=iter([body[:10], body[10:]]),
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        assert response.status == 411, response.read()
        assert json.loads(response.read())["detail"].startswith("A body needs a Content-Length")
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- a Content-Security-Policy on the admin and the API docs ----------------------------------

CSP_PAGES = ["/admin/login/", "/api/docs/", "/api/redoc/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", CSP_PAGES)
def test_the_admin_and_the_docs_send_a_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.django_db
@pytest.mark.parametrize("path", CSP_PAGES)
def test_those_pages_run_no_inline_script_the_policy_would_block(client, path):
    import re

    page = client.get(path).content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        executable = (
            'type="application/json"' not in attributes and "type='application/json'" not in attributes
        )
        assert "src=" in attributes or not body.strip() or not executable, (path, attributes, body[:200])
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"


@pytest.mark.django_db
def test_the_docs_page_loads_its_set_up_script_from_the_site(client):
    import re

    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    script = client.get(sources[-1])
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/api/schema/" in script.content.decode()
