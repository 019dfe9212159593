"""The demo data: three users, their posts with photos and videos, likes and comments.

Small and deterministic: the same rows, ids and timestamps on every run. `reset()` empties the
tables it writes (TRUNCATE ... RESTART IDENTITY) and writes it again; superusers are kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
START = datetime(2026, 3, 2, 9, 0, tzinfo=SEOUL)

USERS = [
    # username, name, website, bio
    ("alice", "Alice Kim", "https://alice.example.com", "Photos from Busan and beyond."),
    ("bob", "Bob Park", "", "Runner. Han River regular."),
    ("carol", "Carol Lee", "https://carol.example.org", "Home cooking, one bowl at a time."),
]

POSTS = [
    # author, content, [(type, file name)], deleted
    (
        "alice",
        "Sunset at Haeundae beach",
        [("image", "haeundae-1.jpg"), ("image", "haeundae-2.jpg")],
        False,
    ),
    ("bob", "Morning run along the Han River", [("video", "han-river-run.mp4")], False),
    ("carol", "Homemade kimchi jjigae", [("image", "kimchi-jjigae.jpg")], False),
    (
        "alice",
        "Night view from Namsan Tower",
        [("image", "namsan.jpg"), ("video", "namsan-timelapse.mp4")],
        False,
    ),
    ("bob", "First snow in Seoul", [("image", "first-snow.jpg")], False),
    (
        "carol",
        "Cherry blossoms at Yeouido",
        [("image", "yeouido-1.jpg"), ("image", "yeouido-2.jpg"), ("image", "yeouido-3.jpg")],
        False,
    ),
    ("carol", "Blurry test shot, please ignore", [("image", "blurry.jpg")], True),
]

LIKES = [
    # user, post number (1-based), cancelled
    ("bob", 1, False),
    ("carol", 1, False),
    ("alice", 2, False),
    ("alice", 3, False),
    ("bob", 3, False),
    ("carol", 4, False),
    ("bob", 4, True),
    ("alice", 6, False),
    ("bob", 6, False),
]

COMMENTS = [
    # user, post number, content, deleted
    ("bob", 1, "What a sky!", False),
    ("carol", 1, "Busan is the best in summer.", False),
    ("alice", 2, "How far did you run?", False),
    ("bob", 2, "10 km, all the way to Yeouido.", False),
    ("alice", 3, "Recipe please!", False),
    ("bob", 4, "First!!!", True),
    ("carol", 4, "Beautiful lights.", False),
    ("alice", 6, "Spring is here.", False),
]

MEDIA_BASE = "https://media.example.com/"

# File.metadata by file name: what a phone's upload would carry.
METADATA = {
    "haeundae-1.jpg": {"width": 1080, "height": 1350, "camera": "Galaxy S24"},
    "haeundae-2.jpg": {"width": 1080, "height": 1080, "camera": "Galaxy S24"},
    "han-river-run.mp4": {"width": 1080, "height": 1920, "duration_s": 31.5, "fps": 30},
    "kimchi-jjigae.jpg": {"width": 1080, "height": 1080, "camera": "iPhone 15", "tags": ["food", "home"]},
    "namsan.jpg": {"width": 1080, "height": 1350, "camera": "Galaxy S24", "tags": ["night", "seoul"]},
    "namsan-timelapse.mp4": {"width": 1080, "height": 1920, "duration_s": 12.0, "fps": 24},
    "first-snow.jpg": {"width": 1080, "height": 1350, "camera": "Pixel 9", "tags": ["seoul", "winter"]},
    "yeouido-1.jpg": {"width": 1080, "height": 1350, "camera": "iPhone 15", "tags": ["spring"]},
    "yeouido-2.jpg": {"width": 1080, "height": 1080, "camera": "iPhone 15", "tags": ["spring"]},
    "yeouido-3.jpg": {"width": 1080, "height": 1350, "camera": "iPhone 15", "tags": ["spring", "seoul"]},
    "blurry.jpg": {"width": 640, "height": 480, "camera": "iPhone 15"},
}


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def seed() -> None:
    """Insert the seed rows into empty tables, with fixed timestamps."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models.functions import Coalesce

    from accounts.models import Profile
    from posts.models import Comment, File, Like, Post

    User = get_user_model()
    with transaction.atomic():
        users = {}
        for i, (username, name, website, bio) in enumerate(USERS):
            user = User(username=username, email=f"{username}@example.com", date_joined=_at(-60 + i))
            user.set_unusable_password()
            user.save()
            users[username] = user
            Profile.objects.create(user=user, name=name, website=website, bio=bio, created_at=_at(-60 + i))
        posts = []
        for n, (author, content, files, _deleted) in enumerate(POSTS, start=1):
            created = _at(n * 60 * 24)  # one post a day
            post = Post.objects.create(author=users[author], content=content, created_at=created)
            for position, (kind, name) in enumerate(files):
                File.objects.create(
                    post=post,
                    type=kind,
                    url=MEDIA_BASE + name,
                    position=position,
                    metadata=METADATA[name],
                    created_at=created,
                )
            posts.append(post)
        for i, (username, number, cancelled) in enumerate(LIKES):
            like = Like.objects.create(
                user=users[username],
                post=posts[number - 1],
                created_at=posts[number - 1].created_at + timedelta(minutes=10 + i),
            )
            if cancelled:
                like.soft_delete(at=like.created_at + timedelta(minutes=5))
        for i, (username, number, content, deleted) in enumerate(COMMENTS):
            comment = Comment.objects.create(
                user=users[username],
                post=posts[number - 1],
                content=content,
                created_at=posts[number - 1].created_at + timedelta(minutes=20 + i),
            )
            if deleted:
                comment.soft_delete(at=comment.created_at + timedelta(minutes=1))
        for post, (*_, deleted) in zip(posts, POSTS, strict=True):
            if deleted:
                post.soft_delete(at=post.created_at + timedelta(hours=1))
        # updated_at is auto_now; pin it so every run shows the same values.
        for model in (Profile, Post, File, Like, Comment):
            model.all_objects.update(updated_at=Coalesce("deleted_at", "created_at"))


def seed_tables() -> list[str]:
    """Every table the seed writes, and those that point at users."""
    from django.apps import apps

    models = [m for label in ("accounts", "posts") for m in apps.get_app_config(label).get_models()]
    tables = [m._meta.db_table for m in models]
    # The login throttle's counts too: a notebook that tries a wrong password on purpose, run
    # again and again, must not lock its own user out.
    for label, model_name in (
        ("auth", "User"),
        ("authtoken", "Token"),
        ("admin", "LogEntry"),
        ("core", "LoginFailures"),
    ):
        tables.append(apps.get_model(label, model_name)._meta.db_table)
    return tables


def is_seeded() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=USERS[0][0]).exists()


def is_empty() -> bool:
    """No users at all: what seed_if_empty() seeds."""
    from django.contrib.auth import get_user_model

    return not get_user_model().objects.exists()


def seed_if_empty() -> bool:
    """Seed once: True when the seed was written now."""
    if not is_empty():
        return False
    seed()
    return True


def reset() -> None:
    """TRUNCATE the seed's tables (ids start again at 1) and seed; superusers are kept."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    User = get_user_model()
    keep = list(
        User.objects.filter(is_superuser=True)
        .exclude(username__in=[u[0] for u in USERS])
        .values(
            "username",
            "email",
            "password",
            "is_staff",
            "is_superuser",
            "first_name",
            "last_name",
            "date_joined",
        )
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(t) for t in seed_tables())
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        seed()
        for row in keep:
            User.objects.create(**row)
