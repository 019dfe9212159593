"""The login throttle: failed logins per client address and per user name, counted in PostgreSQL;
past either limit a login (even with the right password) is a 429 with Retry-After."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.models import LoginFailures
from core.throttling import DEVICE_COOKIE, record_failure
from demo.factories import PASSWORD

TOKEN = "/api/auth/token/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_DEVICE_DAYS = 30
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_FAILURES_PER_USERNAME = 10
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 300
    settings.LOGIN_THROTTLE_PROXIES = 0


def token_login(client, username, password, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_are_refused_after_the_limit(anon, alice):
    statuses = [token_login(anon, "alice", f"wrong-{n}").status_code for n in range(30)]
    assert statuses == [400] * 10 + [429] * 20
    right = token_login(anon, "alice", PASSWORD)
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert "Too many failed logins" in right.json()["detail"]
    assert 1 <= int(right["Retry-After"]) <= 300


@pytest.mark.django_db
def test_the_user_name_is_counted_whatever_the_address(alice):
    for n in range(10):
        token_login(APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}"), "alice", "wrong")
    assert token_login(APIClient(REMOTE_ADDR="10.0.1.1"), "alice", PASSWORD).status_code == 429
    # Nor is the name's case a way around the count.
    assert token_login(APIClient(REMOTE_ADDR="10.0.1.1"), "ALICE", "wrong").status_code == 429


@pytest.mark.django_db
def test_the_address_is_counted_whatever_the_user_name(anon, alice, bob):
    for n in range(20):
        assert token_login(anon, f"nobody-{n}", "wrong").status_code == 400
    assert token_login(anon, "bob", PASSWORD).status_code == 429
    # From another address bob logs in.
    assert token_login(APIClient(REMOTE_ADDR="10.0.0.9"), "bob", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_successful_logins_are_never_counted(anon, alice):
    for _ in range(25):
        assert token_login(anon, "alice", PASSWORD).status_code == 200
    assert not LoginFailures.objects.exists()


@pytest.mark.django_db
def test_a_request_without_credentials_is_no_failure(anon, alice):
    for _ in range(15):
        assert anon.post(TOKEN, {"username": "alice"}, format="json").status_code == 400
    assert token_login(anon, "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_the_window_ends(anon, alice):
    for n in range(10):
        token_login(anon, "alice", f"wrong-{n}")
    assert token_login(anon, "alice", PASSWORD).status_code == 429
    LoginFailures.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert token_login(anon, "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_failures_after_the_window_start_a_new_one(rf):
    request = rf.post(TOKEN, REMOTE_ADDR="10.9.9.9")
    record_failure(request, "alice")
    LoginFailures.objects.update(count=50, expires_at="2000-01-01T00:00:00Z")
    record_failure(request, "alice")
    assert sorted(LoginFailures.objects.values_list("count", flat=True)) == [1, 1]


@pytest.mark.django_db
def test_forwarded_for_is_read_only_behind_a_declared_proxy(settings, alice):
    # Without a proxy, a client that writes its own X-Forwarded-For is still counted by its address.
    for n in range(20):
        token_login(APIClient(HTTP_X_FORWARDED_FOR=f"10.1.0.{n}"), f"nobody-{n}", "wrong")
    assert token_login(APIClient(HTTP_X_FORWARDED_FOR="10.1.1.1"), "alice", PASSWORD).status_code == 429
    # Behind nginx every request comes from the proxy's address; the client is the last forwarded.
    settings.LOGIN_THROTTLE_PROXIES = 1
    LoginFailures.objects.all().delete()
    for n in range(20):
        token_login(APIClient(HTTP_X_FORWARDED_FOR=f"6.6.6.6, 10.2.0.{n}"), f"nobody-{n}", "wrong")
    assert token_login(APIClient(HTTP_X_FORWARDED_FOR="10.2.1.1"), "alice", PASSWORD).status_code == 200
    for n in range(20):
        token_login(APIClient(HTTP_X_FORWARDED_FOR=f"10.2.0.{n}, 10.3.0.1"), f"nobody-{n}", "wrong")
    refused = APIClient(HTTP_X_FORWARDED_FOR="1.2.3.4, 10.3.0.1")
    assert token_login(refused, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_the_login_forms_are_throttled_too(path, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    client = Client()
    for n in range(10):
        response = client.post(path, {"username": "admin", "password": f"wrong-{n}"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(path, {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    # The form itself still shows; only logging in waits.
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_a_login_form_logs_in_below_the_limit(django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    client = Client()
    client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302


def test_the_schema_documents_the_429_of_the_token_login():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"][TOKEN]["post"]["responses"]
    assert "429" in responses
    assert "Retry-After" in responses["429"]["description"]


# Every spelling of a name that authentication takes for the same user shares one count: spaces
# around it, another case, the fullwidth letters NFKC folds (the admin's form applies NFKC).
SPELLINGS = [" alice", "alice ", "\talice\n", "ALICE", "Alice", "ａｌｉｃｅ", " ＡＬＩＣＥ "]


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_no_spelling_of_a_locked_name_gets_a_token(anon, alice, spelling):
    for n in range(10):
        token_login(APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}"), "alice", f"wrong-{n}")
    assert token_login(APIClient(REMOTE_ADDR="10.0.1.1"), spelling, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_failures_under_every_spelling_share_one_count(alice):
    for n in range(10):
        spelling = SPELLINGS[n % len(SPELLINGS)]
        assert token_login(APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}"), spelling, "wrong").status_code == 400
    assert token_login(APIClient(REMOTE_ADDR="10.0.1.1"), "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_name_logs_in_as_its_user(alice, spelling):
    response = token_login(APIClient(), spelling, PASSWORD)
    assert response.status_code == 200, response.content
    assert response.json()["token"] == alice.auth_token.key


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
@pytest.mark.parametrize("spelling", [" admin", "admin ", "ADMIN", "ａｄｍｉｎ"])
def test_no_spelling_of_a_locked_name_opens_a_login_form(path, spelling, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    for n in range(10):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(path, {"username": "admin", "password": f"wrong-{n}"})
    response = Client(REMOTE_ADDR="10.0.1.1").post(path, {"username": spelling, "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_the_login_forms_take_every_spelling_of_the_name(path, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    response = Client().post(path, {"username": " ＡＤＭＩＮ ", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_two_users_whose_names_differ_only_in_case_keep_their_own_logins(django_user_model):
    # Older data may hold both; each logs in with its exact name, neither with the other's password.
    django_user_model.objects.create_user("Dana", password="dana-password-1")
    django_user_model.objects.create_user("dana", password="dana-password-2")
    assert token_login(APIClient(), "Dana", "dana-password-1").status_code == 200
    assert token_login(APIClient(), "dana", "dana-password-2").status_code == 200
    assert token_login(APIClient(), "DANA", "dana-password-1").status_code == 400


# Lockout is no weapon: a client that logged in before (it holds the signed device cookie a
# successful login sets) keeps logging in while guessers have the name locked for everyone else.


def attack(username, n=30):
    """Guesses at a name's password, each from an address of its own."""
    for i in range(n):
        token_login(APIClient(REMOTE_ADDR=f"10.6.{i // 200}.{i % 200 + 1}"), username, f"guess-{i}")


@pytest.mark.django_db
def test_a_client_that_logged_in_before_logs_in_while_the_name_is_attacked(alice):
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    assert token_login(phone, "alice", PASSWORD).status_code == 200
    assert DEVICE_COOKIE in phone.cookies
    attack("alice")
    # The guessers, and any client new to alice, are refused even with the right password.
    assert token_login(APIClient(REMOTE_ADDR="10.7.0.1"), "alice", PASSWORD).status_code == 429
    # alice's phone is not.
    response = token_login(phone, "alice", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"] == alice.auth_token.key


@pytest.mark.django_db
def test_no_device_cookie_when_turned_off(alice, settings):
    settings.LOGIN_DEVICE_DAYS = 0
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    token_login(phone, "alice", PASSWORD)
    assert DEVICE_COOKIE not in phone.cookies
    attack("alice")
    assert token_login(phone, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_known_client_is_not_locked_by_guesses_from_its_own_address(alice):
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    token_login(phone, "alice", PASSWORD)
    for n in range(25):  # another client behind the same address (a shared NAT) guessing names
        token_login(APIClient(REMOTE_ADDR="10.0.1.1"), f"nobody-{n}", "wrong")
    assert token_login(APIClient(REMOTE_ADDR="10.0.1.1"), "alice", PASSWORD).status_code == 429
    assert token_login(phone, "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_known_client_has_its_own_limit(alice):
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    token_login(phone, "alice", PASSWORD)
    statuses = [token_login(phone, "alice", f"wrong-{n}").status_code for n in range(12)]
    assert statuses == [400] * 10 + [429] * 2
    assert token_login(phone, "alice", PASSWORD).status_code == 429
    # Its failures were its own: a new client of alice's still logs in.
    assert token_login(APIClient(REMOTE_ADDR="10.0.2.2"), "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_the_device_cookie_is_for_its_own_name_only(alice, bob):
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    token_login(phone, "alice", PASSWORD)
    attack("bob")
    assert token_login(phone, "bob", PASSWORD).status_code == 429
    # Any spelling of alice's own name is hers.
    attack("alice")
    assert token_login(phone, " ALICE", PASSWORD).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["", "garbage", "alice", "eyJ1IjoiYWxpY2UifQ:1abc:xyz"])
def test_a_forged_device_cookie_counts_for_nothing(alice, forged):
    attack("alice")
    client = APIClient(REMOTE_ADDR="10.0.1.1")
    client.cookies[DEVICE_COOKIE] = forged
    assert token_login(client, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_device_cookie_is_kept_from_scripts_and_plain_http(alice, settings):
    phone = APIClient(REMOTE_ADDR="10.0.1.1")
    token_login(phone, "alice", PASSWORD)
    cookie = phone.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.LOGIN_DEVICE_DAYS * 86400
    # A failed login sets none.
    stranger = APIClient()
    token_login(stranger, "alice", "wrong")
    assert DEVICE_COOKIE not in stranger.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_a_browser_that_logged_in_before_opens_a_login_form_while_the_name_is_attacked(
    path, django_user_model
):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    browser = Client(REMOTE_ADDR="10.0.1.1")
    assert browser.post(path, {"username": "admin", "password": PASSWORD}).status_code == 302
    del browser.cookies["sessionid"]  # logged out, the device cookie kept
    for n in range(30):
        Client(REMOTE_ADDR=f"10.6.0.{n + 1}").post(path, {"username": "admin", "password": f"guess-{n}"})
    stranger = Client(REMOTE_ADDR="10.7.0.1")
    assert stranger.post(path, {"username": "admin", "password": PASSWORD}).status_code == 429
    assert browser.post(path, {"username": "admin", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_the_429_says_the_wait_once(anon, alice):
    for n in range(10):
        token_login(anon, "alice", f"wrong-{n}")
    response = token_login(anon, "alice", PASSWORD)
    detail = response.json()["detail"]
    wait = response["Retry-After"]
    assert detail == f"Too many failed logins from this address or for this user name; try again in {wait} s."
