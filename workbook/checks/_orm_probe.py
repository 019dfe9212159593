"""Rows the ORM checks add (always rolled back) so that an answer right only on the seed shows it.

Each row is there for a wrong answer that the seed cannot tell from a right one:

- users `aaron` and `zoe`, whose ids are the highest but whose names sort first and last: ordering
  by author id instead of username, or by id instead of name, comes out different;
- user `carolyn`, whose name holds "car" and starts with "carol": a username matched by a substring
  (`contains`, `startswith`) instead of equality takes her post;
- a post on 5 April 2026 and one on 5 March 2025: a date range matched by day, or by month and
  day, takes them;
- zoe's post that mentions Seoul and Namsan: (by alice AND NOT Namsan) OR Seoul takes it, (by
  alice OR Seoul) AND NOT Namsan does not;
- live likes on new posts by alice, carol and carolyn: likes picked by post ids written out miss
  them; carolyn is liked but likes nothing, so likers and the liked are not as many;
- a deleted post by carol that mentions Seoul, a deleted post by alice inside 4-6 March: a
  `Post.all_objects` answer returns them;
- posts at 23:59:59 on 6 March, 00:00 on 7 March and 23:59:59 on 3 March (Seoul): a range of
  datetimes or of UTC days misses or takes one of them;
- aaron's two posts, the newer with the lower id: "-id" is not "-created_at";
- cancelled likes on counted posts, a liker with two likes, comments by someone other than the
  post's author, a comment on post 4 written before carol's and a live one by bob after it.

Ids are given (from 900001 up, inside this module's block of `_probe.PROBE_IDS`) so no sequence
moves: the ids a notebook shows stay the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..i18n import N_
from ._probe import PROBE_IDS

SEOUL = ZoneInfo("Asia/Seoul")
BASE = PROBE_IDS["orm"].start

# What the check added, in words, for messages.
NOTE = N_(
    "with rows the check adds for a moment (users aaron, carolyn and zoe, deleted posts that match, "
    "posts at the edges of the dates and in other months and years, zoe's post about Seoul and "
    "Namsan, more likes, cancelled likes, more comments)"
)


def _at(
    day: int, hour: int = 9, minute: int = 0, second: int = 0, *, month: int = 3, year: int = 2026
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def add_rows() -> None:
    """Insert the probe rows; call inside `_probe.rolled_back()` only."""
    from django.contrib.auth import get_user_model

    from posts.models import Comment, File, Like, Post

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["alice", "bob", "carol"])}
    for offset, name in ((1, "aaron"), (2, "zoe"), (3, "carolyn")):
        user = User(pk=BASE + offset, username=name, email=f"{name}@example.com")
        user.set_unusable_password()
        user.save(force_insert=True)
        users[name] = user

    def post(n, author, content, at, deleted=False):
        return Post.all_objects.create(
            pk=BASE + 100 + n,
            author=users[author],
            content=content,
            created_at=at,
            updated_at=at,
            is_deleted=deleted,
            deleted_at=at + timedelta(hours=1) if deleted else None,
        )

    p1 = post(1, "carol", "Seoul night market", _at(5, 12), deleted=True)
    p2 = post(2, "aaron", "Walking in SEOUL at dawn", _at(6, 23, 59, 59))
    p3 = post(3, "alice", "Namsan cable car at midnight", _at(7, 0))
    post(4, "alice", "Busan again, deleted", _at(4, 0), deleted=True)
    post(5, "aaron", "An old photo", _at(3, 23, 59, 59))
    p6 = post(6, "zoe", "Yeouido picnic", _at(10))
    p7 = post(7, "carol", "Tteokbokki at the market", _at(9))
    p8 = post(8, "carolyn", "Cherry blossoms by the river", _at(5, month=4))
    post(9, "bob", "A year ago today", _at(5, year=2025))
    post(10, "zoe", "Seoul from the top of Namsan", _at(8, 18))
    seed = {p.pk: p for p in Post.all_objects.filter(pk__in=[1, 2, 3, 4, 5, 6])}
    del p1

    def file(n, on, position, deleted=False, **metadata):
        return File.all_objects.create(
            pk=BASE + 200 + n,
            post=on,
            type="image",
            url=f"https://media.example.com/probe-{n}.jpg",
            position=position,
            metadata=metadata,
            is_deleted=deleted,
            deleted_at=on.created_at if deleted else None,
        )

    file(1, p2, 0, camera="iPhone 15")
    file(2, p2, 1, deleted=True, camera="iPhone 15")
    if 6 in seed:
        file(3, seed[6], 7)
    if 5 in seed:
        file(4, seed[5], 0)

    def like(n, user, on, cancelled=False):
        at = on.created_at + timedelta(minutes=30 + n)
        return Like.all_objects.create(
            pk=BASE + 300 + n,
            user=users[user],
            post=on,
            created_at=at,
            is_deleted=cancelled,
            deleted_at=at + timedelta(minutes=1) if cancelled else None,
        )

    if 4 in seed:
        like(1, "aaron", seed[4])
    if 1 in seed:
        like(2, "zoe", seed[1], cancelled=True)
        like(3, "zoe", seed[1], cancelled=True)
    like(4, "zoe", p2)
    if 3 in seed:
        like(5, "zoe", seed[3], cancelled=True)
    like(6, "aaron", p6)
    like(7, "zoe", p6)
    like(8, "aaron", p2)
    like(9, "carol", p3)
    like(10, "zoe", p7)
    like(11, "aaron", p8)

    def comment(n, user, on, at, deleted=False):
        return Comment.all_objects.create(
            pk=BASE + 400 + n,
            user=users[user],
            post=on,
            content=f"probe comment {n}",
            created_at=at,
            is_deleted=deleted,
            deleted_at=at + timedelta(minutes=1) if deleted else None,
        )

    if 4 in seed:
        comment(1, "zoe", seed[4], seed[4].created_at + timedelta(seconds=30))
        comment(2, "aaron", seed[4], seed[4].created_at + timedelta(minutes=1), deleted=True)
        comment(3, "bob", seed[4], seed[4].created_at + timedelta(hours=5))
    if 2 in seed:
        comment(4, "zoe", seed[2], seed[2].created_at + timedelta(hours=2))
    if 5 in seed:
        comment(5, "aaron", seed[5], seed[5].created_at + timedelta(hours=2), deleted=True)
