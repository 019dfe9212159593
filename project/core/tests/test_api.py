"""Health, the OpenAPI schema and its docs, and the error handler that keeps DB errors from being 500s."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.db import DataError, IntegrityError, connections

from core.exceptions import exception_handler

pytestmark = pytest.mark.django_db


def test_health_is_200_when_postgresql_answers(anon):
    response = anon.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_health_is_503_when_postgresql_does_not_answer(anon, closed_port, monkeypatch):
    default = connections["default"]
    down = type(default)({**default.settings_dict, "HOST": "127.0.0.1", "PORT": str(closed_port)}, "down")
    monkeypatch.setattr("core.views.connection", down)
    try:
        response = anon.get("/api/health/")
    finally:
        down.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


def test_health_needs_no_login_and_ignores_bad_credentials(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon.get("/api/health/").status_code == 200


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/posts/{id}/like/", "/api/posts/{id}/comments/", "/api/profiles/{username}/"):
        assert f"  {path}:" in text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/posts/", {"author", "page", "page_size"}),
        ("/api/comments/", {"post", "user", "page", "page_size"}),
        ("/api/likes/", {"post", "user", "page", "page_size"}),
        ("/api/files/", {"post", "page", "page_size"}),
    ],
)
def test_the_schema_documents_every_query_parameter_a_list_reads(anon, path, params):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
    assert documented == params


def test_the_schema_and_its_docs_are_served_without_login(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Workbook Instagram API"
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert anon.get("/api/redoc/").status_code == 200


def test_the_api_root_lists_every_collection(as_alice):
    body = as_alice.get("/api/").json()
    assert set(body) == {"profiles", "posts", "comments", "files", "likes"}


@pytest.mark.parametrize(
    ("exc", "detail"),
    [
        (DjangoValidationError({"content": ["Too long."]}), {"content": ["Too long."]}),
        (DjangoValidationError("Bad."), {"non_field_errors": ["Bad."]}),
        (
            IntegrityError("duplicate key"),
            {"non_field_errors": ["This conflicts with data that already exists."]},
        ),
        (
            DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
            {"non_field_errors": ["A value in this request cannot be stored in the database."]},
        ),
    ],
    ids=["field-error", "plain-error", "integrity", "data"],
)
def test_database_and_model_errors_become_400_with_messages(exc, detail):
    response = exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data == detail


def test_other_exceptions_are_left_to_django(db):
    assert exception_handler(RuntimeError("boom"), {}) is None


# --- the schema tells the truth ------------------------------------------------------------


@pytest.fixture
def schema(anon):
    return anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_error_statuses_with_a_body(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert "503" in responses, (method, path)
        if path not in ("/api/health/",):
            assert "401" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        for status, response in responses.items():
            if status != "204":
                assert "application/json" in response["content"], (method, path, status)


def test_the_schema_states_the_bounds_the_server_enforces(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/comments/"]["get"]["parameters"]}
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 100)
    assert parameters["page"]["minimum"] == 1
    assert parameters["post"]["minimum"] == 1
    detail = schema["paths"]["/api/posts/{id}/"]["get"]["parameters"][0]["schema"]
    assert detail["minimum"] == 1
    components = schema["components"]["schemas"]
    create = components["PostCreateRequest"]["properties"]
    assert (create["files"]["minItems"], create["files"]["maxItems"]) == (1, 10)
    assert create["content"]["minLength"] == 1 and "pattern" in create["content"]
    url = components["FileInputRequest"]["properties"]["url"]["pattern"]
    assert url.startswith("^[hH][tT][tT][pP][sS]?://")


def test_adding_a_comment_is_documented_as_201_with_one_comment(schema):
    operation = schema["paths"]["/api/posts/{id}/comments/"]["post"]
    assert "201" in operation["responses"] and "200" not in operation["responses"]
    body = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Comment"}
    assert not any(p["in"] == "query" for p in operation.get("parameters", []))


def test_unliking_takes_no_body_and_answers_204(schema):
    operation = schema["paths"]["/api/posts/{id}/like/"]["delete"]
    assert "requestBody" not in operation
    assert "204" in operation["responses"] and "200" not in operation["responses"]


def test_no_viewset_overrides_list_only_to_attach_schema_decorators():
    import inspect

    from accounts import views as account_views
    from posts import views as post_views

    for module in (post_views, account_views):
        assert "def list(" not in inspect.getsource(module), module.__name__
