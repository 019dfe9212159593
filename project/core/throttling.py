"""The login throttle: failed logins counted per client address and per user name, in PostgreSQL,
so every gunicorn worker sees the same counts; past either limit a login is refused with 429 and
Retry-After, before its password is hashed.

Only failures count (Django's `user_login_failed` signal, sent by every login: the API's token,
the admin's form, the browsable API's): a learner who logs in again and again is never refused,
a guesser is. Each failure is one `INSERT ... ON CONFLICT DO UPDATE`, atomic across workers, where
a cache's read-then-write would lose counts to concurrent requests. Requests checked at the same
moment can pass before either failure is recorded, so a limit can be overshot by at most the
number of requests in flight at once.
"""

from __future__ import annotations

import hashlib
import math
from functools import wraps

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.db.models.functions import Now
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from .models import LoginFailures
from .usernames import canonical

REFUSED = "Too many failed logins from this address or for this user name; try again in {} s."


def client_address(request) -> str:
    """REMOTE_ADDR, or behind LOGIN_THROTTLE_PROXIES trusted proxies (nginx: 1) the address the
    nearest of them saw, from the end of X-Forwarded-For; what a client writes there itself comes
    first and is never read."""
    proxies = settings.LOGIN_THROTTLE_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and forwarded:
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "")


def _keys(request, username) -> list[tuple[str, int]]:
    """(key, limit) for the address and, when one was given, the user name in its canonical form
    (core.usernames: " Alice", "alice" and fullwidth "ａｌｉｃｅ" share a count; hashed, so any
    length fits the key)."""
    keys = [(f"address:{client_address(request)}"[:100], settings.LOGIN_FAILURES_PER_ADDRESS)]
    if isinstance(username, str) and canonical(username):
        digest = hashlib.sha256(canonical(username).encode()).hexdigest()
        keys.append((f"username:{digest}", settings.LOGIN_FAILURES_PER_USERNAME))
    return keys


def seconds_to_wait(request, username) -> int | None:
    """None when this login may be tried; otherwise the seconds until its counts expire."""
    refused = Q()
    for key, limit in _keys(request, username):
        refused |= Q(key=key, count__gte=limit)
    until = (
        LoginFailures.objects.filter(refused, expires_at__gt=Now())
        .aggregate(until=Max("expires_at"))
        .get("until")
    )
    if until is None:
        return None
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def record_failure(request, username) -> None:
    """Count one failed login for the address and the user name; forget windows that ended."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    table = connection.ops.quote_name(LoginFailures._meta.db_table)
    with connection.cursor() as cursor:
        for key, _limit in _keys(request, username):
            cursor.execute(
                f"""
                INSERT INTO {table} AS f (key, count, expires_at)
                VALUES (%s, 1, now() + make_interval(secs => %s))
                ON CONFLICT (key) DO UPDATE SET
                    count = CASE WHEN f.expires_at > now() THEN f.count + 1 ELSE 1 END,
                    expires_at = CASE WHEN f.expires_at > now() THEN f.expires_at
                                      ELSE EXCLUDED.expires_at END
                """,
                [key, window],
            )
        cursor.execute(f"DELETE FROM {table} WHERE expires_at < now()")


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """user_login_failed's receiver: a failure in a request counts; one in a shell does not."""
    if request is not None:
        record_failure(request, credentials.get("username"))


class LoginThrottle(BaseThrottle):
    """For the token view: refuse before the password is checked, so a refused guess costs no hash."""

    def allow_request(self, request, view) -> bool:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        self.wait_seconds = seconds_to_wait(request, username)
        return self.wait_seconds is None

    def wait(self) -> int | None:
        return self.wait_seconds


def login_throttled(view):
    """A login form's view (the admin's, the browsable API's) behind the same throttle: a POST past
    the limit is a 429 with Retry-After, before the form checks the password."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            wait = seconds_to_wait(request, request.POST.get("username"))
            if wait is not None:
                response = HttpResponse(
                    REFUSED.format(wait), status=429, content_type="text/plain; charset=utf-8"
                )
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapper
