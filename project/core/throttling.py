"""The login throttle: failed logins counted per client address and per user name, in PostgreSQL,
so every gunicorn worker sees the same counts; past either limit a login is refused with 429 and
Retry-After, before its password is hashed.

A lock must not be a switch that anyone can throw on someone else's account. So a client that has
logged in before keeps logging in while the name is locked for everyone else: each successful login
sets a signed device cookie (httponly, 30 days) naming the account, and a login that carries a valid
one for the same name is counted and checked under that device alone, never under the name or the
address, which guessers fill up. A guesser has no such cookie (it is signed with the SECRET_KEY, and
set only after the right password); one who stole a device gets that device's 10 tries per window.
This is the device cookie of OWASP's authentication cheat sheet.

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
import secrets
from functools import wraps

from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Max, Q
from django.db.models.functions import Now
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from .models import LoginFailures
from .usernames import canonical

DEVICE_COOKIE = "login_device"
DEVICE_SALT = "core.throttling.device"
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


def _name_digest(username) -> str | None:
    """The canonical form of a name (core.usernames: " Alice", "alice" and fullwidth "ａｌｉｃｅ"
    are one), hashed so any length fits a key; None without a name."""
    if isinstance(username, str) and canonical(username):
        return hashlib.sha256(canonical(username).encode()).hexdigest()
    return None


def known_device(request, username) -> str | None:
    """The id of this client's device cookie when it is valid and for this name, else None."""
    digest = _name_digest(username)
    value = request.COOKIES.get(DEVICE_COOKIE)
    if digest is None or not value or settings.LOGIN_DEVICE_DAYS <= 0:
        return None
    try:
        device = signing.loads(value, salt=DEVICE_SALT, max_age=settings.LOGIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(device, dict) or device.get("name") != digest or not isinstance(device.get("id"), str):
        return None
    return device["id"][:64]


def remember_device(request, response, user) -> None:
    """After a successful login: set (or renew) the device cookie for this user's name (none
    when LOGIN_DEVICE_DAYS is 0)."""
    if settings.LOGIN_DEVICE_DAYS <= 0:
        return
    name = user.get_username()
    device = known_device(request, name) or secrets.token_urlsafe(18)
    value = signing.dumps({"name": _name_digest(name), "id": device}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=settings.LOGIN_DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


def _keys(request, username) -> list[tuple[str, int]]:
    """(key, limit) a login is counted and checked under: a known device's own key alone; else
    the address and, when one was given, the user name in its canonical form."""
    device = known_device(request, username)
    if device is not None:
        return [(f"device:{device}", settings.LOGIN_FAILURES_PER_USERNAME)]
    keys = [(f"address:{client_address(request)}"[:100], settings.LOGIN_FAILURES_PER_ADDRESS)]
    digest = _name_digest(username)
    if digest is not None:
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
        response = view(request, *args, **kwargs)
        if request.method == "POST" and request.user.is_authenticated and response.status_code == 302:
            remember_device(request, response, request.user)
        return response

    return wrapper
