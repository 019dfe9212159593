"""Checks for 06-rest-api: pagination, creating a post, status codes, queries per request.

The truth comes from the database and from requests the check sends itself, through DRF's test
client, inside a transaction it rolls back. A response answer is read as a `Sent` (its status, its
body, and the request's method, path and user): in the kernel made from the client's response, in
the grader's judge from those fields handed out as data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ..i18n import N_, _
from ._base import CheckFailed, kernel_also_judges, ok, require_answer
from ._cells import did_not_follow, rerun
from ._probe import guarded, shown

# What the learner predicts in q3, and the request the check sends to find the real answer.
SCENARIOS = {
    "anonymous lists posts": (None, "get", "/api/posts/"),
    "bob deletes alice's post 1": ("bob", "delete", "/api/posts/1/"),
    "alice reads deleted post 7": ("alice", "get", "/api/posts/7/"),
    "bob likes post 3 again": ("bob", "post", "/api/posts/3/like/"),
    "carol comments with empty text": ("carol", "post", "/api/posts/1/comments/"),
}
SCENARIO_BODIES = {"carol comments with empty text": {"content": ""}}


def client_for(username: str | None):
    """DRF's test client, logged in as `username` (None: anonymous)."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    if username:
        client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@contextlib.contextmanager
def rolled_back():
    """Whatever the block writes is undone, so a check never changes the learner's data."""
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        try:
            yield
        finally:
            transaction.savepoint_rollback(sid)


@dataclass(frozen=True)
class Sent:
    """A response as the checks read it: what came back, and the request that made it.

    In the kernel a check makes it from the client's response (`sent`); the grader's judge, which
    never runs the submission's code, gets these fields handed out as plain data instead (an
    answer like any other, judged as one: see workbook/authoring/judge.py)."""

    status_code: int
    data: object = None  # the body as the client parsed it (JSON: dicts, lists, text, numbers)
    method: str | None = None  # None: no client sent it (a response made by hand)
    path: str | None = None
    username: str | None = None  # who the request was made as (None: anonymous)

    @classmethod
    def from_fields(cls, fields) -> Sent:
        """Fields handed out of a kernel, taken only if each is of its kind."""
        if not isinstance(fields, dict) or set(fields) != set(RESPONSE_FIELDS):
            raise TypeError("not a response's fields")
        status, data = fields["status_code"], fields["data"]
        if isinstance(status, bool) or not isinstance(status, int) or not _plain_json(data):
            raise TypeError("not a response's fields")
        if any(not isinstance(fields[k], str | None) for k in ("method", "path", "username")):
            raise TypeError("not a response's fields")
        return cls(**fields)


RESPONSE_FIELDS = ("status_code", "data", "method", "path", "username")


def _plain_json(value, depth: int = 0) -> bool:
    if depth > 50:
        return False
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list):
        return all(_plain_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v, depth + 1) for k, v in value.items())
    return False


def response_fields(response) -> dict:
    """What the checks read of a client's response, as plain data (the grader hands it to the judge)."""
    import json

    data = getattr(response, "data", None)
    if data is None and "json" in str(response.get("Content-Type", "")):
        try:
            data = json.loads(response.content)
        except (ValueError, AttributeError):
            data = None
    try:
        data = json.loads(json.dumps(data, default=str))
    except (TypeError, ValueError):
        data = None
    context = getattr(response, "renderer_context", None) or {}
    request = context.get("request") if isinstance(context, dict) else None
    user = getattr(request, "user", None)
    sent = getattr(response, "wsgi_request", None)
    return {
        "status_code": response.status_code,
        "data": data,
        "method": getattr(sent, "method", None) if sent is not None else None,
        "path": getattr(sent, "path", None) if sent is not None else None,
        "username": (getattr(user, "username", "") or None) if user is not None else None,
    }


def _response_parts(exercise: str, answer) -> Sent:
    from django.http import HttpResponseBase

    require_answer(exercise, answer)
    if isinstance(answer, Sent):
        return answer
    if not isinstance(answer, HttpResponseBase):
        raise CheckFailed(
            exercise,
            _("the answer should be the response the client returned"),
            got=type(answer).__name__,
            hint=_("response = client.get(...) or client.post(...), then check.qN(response)"),
        )
    return Sent.from_fields(response_fields(answer))


@guarded
def q1(answer) -> None:
    """Page 2 of the post list, 2 posts per page, as carol."""
    from posts.models import Like, Post

    exercise = "q1"
    answer = _response_parts(exercise, answer)
    username = answer.username
    if answer.status_code != 200:
        raise CheckFailed(
            exercise,
            _("the request did not succeed ({status_code})").format(status_code=answer.status_code),
            expected=200,
            got=answer.status_code,
            hint=_("the list needs a logged-in user: client.force_authenticate(carol)")
            if answer.status_code in (401, 403)
            else _("GET /api/posts/?page=2&page_size=2 (a 404 is a page or a path that does not exist)"),
        )
    if username != "carol":
        raise CheckFailed(exercise, _("the request was not made as carol"), expected="carol", got=username)
    expected = list(Post.objects.values_list("id", flat=True)[2:4])
    got = [post["id"] for post in answer.data.get("results", [])]
    if got != expected:
        raise CheckFailed(
            exercise,
            _("these are not the posts of page 2 with 2 per page"),
            expected=expected,
            got=got,
            hint=_("the list takes ?page=2&page_size=2"),
        )
    liked = set(
        Like.objects.filter(user__username="carol", post_id__in=expected).values_list("post_id", flat=True)
    )
    flags = {post["id"]: post["liked_by_me"] for post in answer.data["results"]}
    if flags != {pk: pk in liked for pk in expected}:
        raise CheckFailed(exercise, _("liked_by_me does not match carol's likes"), got=flags)
    ok(exercise, _("page 2 holds posts {got}, newest first, as carol sees them").format(got=got))


@guarded
def q2(answer) -> None:
    """bob creates a post with one video."""
    from posts.models import Post

    exercise = "q2"
    answer = _response_parts(exercise, answer)
    if answer.method != "POST" or answer.path != "/api/posts/":
        raise CheckFailed(
            exercise,
            _("this response did not come from a POST to /api/posts/"),
            expected=_("the response of client.post('/api/posts/', {...}, format='json')"),
            got=f"{answer.method} {answer.path}"
            if answer.method is not None
            else _("a response no client sent (made by hand?)"),
            hint=_("send the request with the test client and pass its response as it came back"),
        )
    if answer.status_code != 201:
        detail = answer.data
        raise CheckFailed(
            exercise,
            _("the post was not created"),
            expected=_("201 Created"),
            got=f"{answer.status_code} {detail}",
            hint=_('POST /api/posts/ with {"content": ..., "files": [{"type": "video", "url": ...}]}'),
        )
    post = Post.objects.filter(pk=answer.data.get("id")).select_related("author").first()
    if post is None:
        raise CheckFailed(
            exercise, _("the database has no live post with the id the response gave"), got=answer.data
        )
    if post.author.username != "bob":
        raise CheckFailed(
            exercise,
            _("the post belongs to someone else"),
            expected="bob",
            got=post.author.username,
            hint=_("the API makes the logged-in user the author: force_authenticate(bob)"),
        )
    types = list(post.files.values_list("type", flat=True))
    if types != ["video"]:
        raise CheckFailed(
            exercise, _("the post should have exactly one file, a video"), expected=["video"], got=types
        )
    url = post.files.values_list("url", flat=True).first()
    if not str(url).startswith("https://"):
        raise CheckFailed(
            exercise,
            _("the video's URL is not an https:// URL"),
            expected="https://...",
            got=url,
            hint=_("the exercise asks for an https:// URL: a page served over https cannot load http media"),
        )
    ok(exercise, _("{post} with one video, stored by PostgreSQL").format(post=post))


def scenario_statuses() -> dict[str, int]:
    """The status each SCENARIOS request gets, sent now and rolled back."""
    statuses = {}
    for name, (username, method, path) in SCENARIOS.items():
        with rolled_back():
            client = client_for(username)
            response = getattr(client, method)(path, SCENARIO_BODIES.get(name), format="json")
            statuses[name] = response.status_code
    return statuses


@guarded
def q3(answer) -> None:
    """The status code of each scenario, predicted."""
    exercise = "q3"
    require_answer(exercise, answer)
    if not isinstance(answer, dict) or set(answer) != set(SCENARIOS):
        raise CheckFailed(
            exercise,
            _("the answer should be a dict with one status code for each scenario"),
            expected=sorted(SCENARIOS),
            got=sorted(answer) if isinstance(answer, dict) else type(answer).__name__,
        )
    truth = scenario_statuses()
    wrong = {name: answer[name] for name in SCENARIOS if answer[name] != truth[name]}
    if wrong:
        name = next(iter(wrong))
        raise CheckFailed(
            exercise,
            _("{wrong} of {count} predictions are off; the first: {name!r}").format(
                wrong=len(wrong), count=len(SCENARIOS), name=name
            ),
            expected=shown(truth[name]),
            got=shown(answer[name]),
            hint=_(
                "send the request with a client to see; 401 needs an authentication scheme that asks for "
                "credentials, 404 is what a soft-deleted row looks like"
            ),
        )
    ok(
        exercise,
        _("all five status codes predicted: {codes}").format(
            codes=", ".join(str(truth[n]) for n in SCENARIOS)
        ),
    )


def list_query_count(page_size: int) -> int:
    """SQL queries of GET /api/posts/?page_size=N as alice (force_authenticate: no token lookup)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("alice")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/posts/?page_size={page_size}")
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/posts/ answered {response.status_code}")
    return len(queries)


@kernel_also_judges(
    "the answer must follow the data: the exercise cell is run again with the list made to cost one "
    "query more, which only the kernel can do"
)
@guarded
def q4(answer) -> None:
    """How many queries the post list costs, whatever its size."""
    exercise = "q4"
    require_answer(exercise, answer)
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise CheckFailed(exercise, _("the answer should be a whole number"), got=repr(answer))
    counts = {size: list_query_count(size) for size in (1, 3, 6)}
    if len(set(counts.values())) != 1:
        raise CheckFailed(
            exercise,
            _("the list's query count changes with its size here, so there is no single answer"),
            got=counts,
            hint=_("Post.objects.for_feed() should load authors and files in a fixed number of queries"),
        )
    expected = counts[6]
    if answer != expected:
        if answer == expected + 1:
            hint = _("a token client adds one query (the token lookup); force_authenticate adds none")
        elif answer > expected + 1:
            hint = _(
                "that would be one query per post (N+1): for_feed() uses select_related and prefetch_related"
            )
        else:
            hint = _("count them with `with count_queries() as q:` around the request")
        raise CheckFailed(exercise, _("not the number of queries"), expected=expected, got=answer, hint=hint)

    def judge(value) -> None:
        if value != expected + 1:
            raise did_not_follow(
                exercise,
                change=_(LIST_CHANGE),
                expected=expected + 1,
                got=value,
                hint=_(
                    "count the queries of GET /api/posts/ itself, with count_queries() around the request"
                ),
            )

    rerun(exercise, "list_queries", _one_more_list_query, judge)
    ok(
        exercise,
        _("{expected} queries for 1, 3 or 6 posts: the count does not grow with the page").format(
            expected=expected
        ),
    )


LIST_CHANGE = N_("with GET /api/posts/ made to cost one query more for a moment")


def _one_more_list_query():
    """GET /api/posts/ (only it) sends one more query until the returned function undoes it."""
    from django.db import connection
    from django.urls import resolve

    view = resolve("/api/posts/").func
    cls, action = view.cls, (getattr(view, "actions", None) or {}).get("get", "get")
    original = getattr(cls, action)

    def costlier(self, request, *args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return original(self, request, *args, **kwargs)

    setattr(cls, action, costlier)
    return lambda: setattr(cls, action, original)


def restores_through_admin(codenames: set[str]) -> bool:
    """Whether a staff user holding exactly these post permissions restores the soft-deleted post 7
    with the admin's restore action (the user, the session and the restore all rolled back)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    from posts.models import Post

    with rolled_back():
        post = Post.all_objects.get(pk=7)
        post.soft_delete()
        user = get_user_model().objects.create_user("q5-restorer", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="posts", codename__in=codenames)
        )
        client = Client()
        client.force_login(user)
        client.post("/admin/posts/post/", {"action": "restore_selected", "_selected_action": [post.pk]})
        return not Post.all_objects.get(pk=post.pk).is_deleted


@guarded
def q5(answer) -> None:
    """The least permissions a staff user needs to restore posts in the admin."""
    from django.contrib.auth.models import Permission

    exercise = "q5"
    require_answer(exercise, answer)
    if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)):
        raise CheckFailed(
            exercise,
            _("the answer should be a set of permission codenames"),
            got=repr(answer),
            hint=_('for example {"add_post"}'),
        )
    known = set(
        Permission.objects.filter(content_type__app_label="posts", content_type__model="post").values_list(
            "codename", flat=True
        )
    )
    chosen = {str(name).removeprefix("posts.") for name in answer}
    unknown = sorted(chosen - known)
    if unknown:
        raise CheckFailed(
            exercise,
            _("not a permission on posts: {names}").format(names=", ".join(unknown)),
            expected=sorted(known),
            got=sorted(chosen),
        )
    if not restores_through_admin(chosen):
        raise CheckFailed(
            exercise,
            _("a staff user with these permissions cannot restore post 7 in the admin"),
            got=sorted(chosen),
            hint=_("the restore action is declared with permissions=['change'] in core/admin.py"),
        )
    for name in sorted(chosen):
        if restores_through_admin(chosen - {name}):
            raise CheckFailed(
                exercise,
                _("{name} is not needed: without it the user still restores post 7").format(name=name),
                got=sorted(chosen),
                hint=_("in the admin, the change permission lets a user see the list too"),
            )
    ok(
        exercise,
        _("{names} and nothing else: a staff user restored post 7 with the admin's action").format(
            names=", ".join(sorted(chosen))
        ),
    )
