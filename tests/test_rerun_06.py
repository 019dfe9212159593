"""Running 06-rest-api again never changes its outcome: its section 8 logs alice in, then tries a
wrong password on purpose; run again a dozen times within the throttle's window, it still gets a token."""

import pytest
from rest_framework.test import APIClient

import workbook

PASSWORD = "a-password-for-the-workbook"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kernel", ["restarted each time", "kept"])
def test_section_8_run_again_and_again_still_logs_in(settings, kernel):
    settings.LOGIN_FAILURES_PER_USERNAME = 10
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 300
    from django.contrib.auth import get_user_model

    kept = APIClient()
    for run in range(12):
        workbook.reset()  # the notebook's first code cell
        alice = get_user_model().objects.get(username="alice")
        alice.set_password(PASSWORD)
        alice.save()
        anonymous = APIClient() if kernel == "restarted each time" else kept
        response = anonymous.post(
            "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200, f"run {run + 1}: {response.status_code} {response.content}"
        wrong = anonymous.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
        assert wrong.status_code == 400, f"run {run + 1}: {wrong.status_code}"


@pytest.mark.django_db(transaction=True)
def test_reset_removes_the_staff_accounts_a_stopped_06_left_and_keeps_the_learners_own():
    """06's admin section makes workbook-editor (a superuser, with a password printed in the notebook)
    and workbook-viewer and removes them at its end; a run stopped before that leaves them. The seed's
    reset keeps superusers, so without more the lesson's would stay."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    workbook.reset()
    User.objects.create_user("workbook-editor", password=PASSWORD, is_staff=True, is_superuser=True)
    User.objects.create_user("workbook-viewer", password=PASSWORD, is_staff=True)
    User.objects.create_user("editor", password=PASSWORD, is_staff=True, is_superuser=True)  # the learner's
    workbook.reset()
    assert not User.objects.filter(username__startswith="workbook-").exists()
    mine = User.objects.get(username="editor")
    assert mine.is_superuser and mine.check_password(PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_section_6_removes_only_the_lesson_accounts_before_making_them():
    from django.contrib.auth import get_user_model

    from workbook.apilab import LESSON_ACCOUNT_PREFIX, remove_lesson_accounts

    User = get_user_model()
    workbook.reset()
    User.objects.create_user(f"{LESSON_ACCOUNT_PREFIX}editor", is_staff=True, is_superuser=True)
    User.objects.create_user("viewer", is_staff=True)  # the learner's, named as the lesson's once were
    User.objects.create_user("my-workbook-admin", is_staff=True)  # the prefix inside a name is not it
    assert remove_lesson_accounts() == 1
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) >= {
        "viewer",
        "my-workbook-admin",
    }
