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
