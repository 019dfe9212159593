"""The profiles API: everyone logged in reads them, each user edits only their own."""

import pytest

from accounts.models import Profile
from demo.factories import client_for

pytestmark = pytest.mark.django_db


def test_list_profiles_by_username(as_bob, alice, bob, carol):
    response = as_bob.get("/api/profiles/")
    assert response.status_code == 200
    body = response.json()
    assert [(p["username"], p["name"]) for p in body["results"]] == [
        ("alice", "Alice Kim"),
        ("bob", "Bob Park"),
        ("carol", "Carol Lee"),
    ]
    assert set(body["results"][0]) == {"username", "name", "website", "bio", "created_at", "updated_at"}


def test_retrieve_a_profile_by_username(as_bob, alice):
    response = as_bob.get("/api/profiles/alice/")
    assert response.status_code == 200
    assert response.json()["name"] == "Alice Kim"


def test_the_owner_edits_their_profile(as_alice, alice):
    response = as_alice.patch(
        "/api/profiles/alice/", {"bio": "Photos from Busan.", "website": "https://alice.example.com"}
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "Photos from Busan."
    profile = Profile.objects.get(user=alice)
    assert (profile.name, profile.bio, profile.website) == (
        "Alice Kim",
        "Photos from Busan.",
        "https://alice.example.com",
    )


def test_put_replaces_the_editable_fields(as_alice, alice):
    response = as_alice.put("/api/profiles/alice/", {"name": "Alice K.", "website": "", "bio": ""})
    assert response.status_code == 200
    assert Profile.objects.get(user=alice).name == "Alice K."


def test_the_username_cannot_be_changed_through_the_profile(as_alice, alice):
    response = as_alice.patch("/api/profiles/alice/", {"username": "mallory", "name": "Alice"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    alice.refresh_from_db()
    assert alice.username == "alice"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_nobody_else_edits_a_profile(as_bob, alice, method):
    response = getattr(as_bob, method)("/api/profiles/alice/", {"name": "Hacked", "website": "", "bio": ""})
    assert response.status_code == 403
    assert Profile.objects.get(user=alice).name == "Alice Kim"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_profiles_are_not_created_or_deleted_over_the_api(as_alice, alice, method):
    path = "/api/profiles/" if method == "post" else "/api/profiles/alice/"
    assert getattr(as_alice, method)(path, {"name": "x"}).status_code == 405
    assert Profile.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"website": "not a url"}, "website"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"bio": "x" * 501}, "bio"),
        ({"name": None}, "name"),
        ({"bio": "nul \x00"}, "bio"),
    ],
    ids=["bad-url", "empty-name", "long-name", "long-bio", "null-name", "nul-in-bio"],
)
def test_invalid_profile_edit_is_400_with_a_field_message(as_alice, alice, payload, field):
    response = as_alice.patch("/api/profiles/alice/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    profile = Profile.objects.get(user=alice)
    assert (profile.name, profile.website, profile.bio) == ("Alice Kim", "", "")


def test_put_without_a_name_is_400(as_alice, alice):
    response = as_alice.put("/api/profiles/alice/", {"bio": "no name"})
    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize("body", ["[]", '"text"', "{bad json"])
def test_a_body_that_is_not_an_object_is_400(as_alice, alice, body):
    response = as_alice.patch("/api/profiles/alice/", data=body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("username", ["nobody", "ali%00ce", "a" * 300, "%F0%9F%99%82"])
def test_a_profile_that_does_not_exist_is_404(as_alice, alice, username):
    assert as_alice.get(f"/api/profiles/{username}/").status_code == 404


@pytest.mark.parametrize("username", ["alice.kim", "bob@home", "carol+1", "dana_lee", "민지"])
def test_every_username_django_allows_reaches_its_profile(as_alice, username):
    from demo.factories import make_user

    make_user(username, "Someone")
    response = as_alice.get(f"/api/profiles/{username}/")
    assert response.status_code == 200
    assert response.json()["username"] == username
    assert (
        client_for(Profile.objects.get(user__username=username).user)
        .patch(f"/api/profiles/{username}/", {"bio": "hi"})
        .status_code
        == 200
    )


def test_a_deleted_profile_is_404(as_bob, alice):
    alice.profile.delete()
    assert as_bob.get("/api/profiles/alice/").status_code == 404
    assert as_bob.get("/api/profiles/").json()["count"] == 1
    assert client_for(alice).patch("/api/profiles/alice/", {"name": "Back"}).status_code == 404


@pytest.mark.parametrize(
    "website", ["ftp://alice.example.com", "javascript:alert(1)", "mailto:a@example.com"]
)
def test_a_website_is_http_or_https_only(as_alice, alice, website):
    response = as_alice.patch("/api/profiles/alice/", {"website": website}, format="json")
    assert response.status_code == 400
    assert "website" in response.json()


def test_a_website_may_be_blank_or_https(as_alice, alice):
    assert as_alice.patch("/api/profiles/alice/", {"website": ""}, format="json").status_code == 200
    ok = as_alice.patch("/api/profiles/alice/", {"website": "https://alice.example.com/me"}, format="json")
    assert ok.status_code == 200
