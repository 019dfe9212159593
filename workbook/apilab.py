"""06-rest-api's helpers: API clients in the kernel, a response printed, and real HTTP through nginx.

In the kernel, DRF's APIClient sends a request through the whole site without a server. Over
HTTP, `http()` asks the address in WORKBOOK_API_URL (the compose stack's lab sets it to nginx);
where it is unset or nothing answers, `api_reachable()` says so in one line.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request

from .i18n import _

# The accounts the notebooks make for a lesson (06's admin section) are named with this prefix and
# nothing else is: `remove_lesson_accounts()` (run by `workbook.reset()` and before 06 makes them)
# removes these, never a staff user the learner made, whatever its name.
LESSON_ACCOUNT_PREFIX = "workbook-"


def remove_lesson_accounts() -> int:
    """Delete the accounts the notebooks made (a run stopped midway leaves them); how many went."""
    from django.contrib.auth import get_user_model

    accounts = get_user_model().objects.filter(username__startswith=LESSON_ACCOUNT_PREFIX)
    count = accounts.count()
    accounts.delete()
    return count


def quiet_client_errors() -> None:
    """Django logs every 4xx answer as a warning on stderr; in 06 those answers are the lesson."""
    logging.getLogger("django.request").setLevel(logging.ERROR)


def client_for(user=None):
    """An APIClient, logged in as `user` for every request it sends (None: anonymous)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def show(response) -> None:
    """The status line, then the JSON body, indented."""
    print(response.status_code, response.reason_phrase)
    if response.content:
        print(json.dumps(response.json(), indent=2, ensure_ascii=False))


def summary(response) -> None:
    """One line per post of a list response."""
    for post in response.json()["results"]:
        print(
            f"#{post['id']} {post['author']:6} {post['content'][:32]:32} files={len(post['files'])} "
            f"likes={post['like_count']} comments={post['comment_count']} liked_by_me={post['liked_by_me']}"
        )


def api_url() -> str:
    return os.environ.get("WORKBOOK_API_URL", "").rstrip("/")


def http(method: str, path: str, *, token: str | None = None, body=None):
    """One real HTTP request to WORKBOOK_API_URL; (status, headers, body as JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api_url() + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    try:
        return status, headers, json.loads(raw or b"null")
    except ValueError:
        return status, headers, raw.decode(errors="replace")[:80]


def api_reachable() -> bool:
    """Whether nginx answers at WORKBOOK_API_URL; one line saying why not when it does not."""
    if not api_url():
        print(
            _(
                "WORKBOOK_API_URL is not set: no nginx to call here "
                "(in the compose stack's lab it is http://proxy:8080)."
            )
        )
        return False
    try:
        http("GET", "/api/health/")
    except OSError as exc:
        print(
            _("Nothing answers at {url} ({error}): is the compose stack up?").format(
                url=api_url(), error=exc.__class__.__name__
            )
        )
        return False
    return True


def keep_page_context() -> None:
    """Let the test client keep each page's context and templates, as Django's tutorial does with
    `setup_test_environment()` in a shell (once per kernel: a second call would raise)."""
    from django.test import utils

    if not hasattr(utils._TestState, "saved_data"):
        utils.setup_test_environment()


def page_rows(response) -> list[str]:
    """The rows an admin list page shows, each as its __str__."""
    return [str(row) for row in response.context["cl"].result_list]


def page_messages(response) -> list[str]:
    """The messages a page shows (an action's "Restored 1 row.", for example)."""
    return [str(message) for message in response.context["messages"]] if response.context else []
